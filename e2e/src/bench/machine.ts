/** What the figures were measured on. */
import os from "node:os";
import { createRequire } from "node:module";

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  azurite: string | undefined;
  loadAverage: number[];
}

export function machineInfo(): MachineInfo {
  let azurite: string | undefined;
  try {
    // The azurite this package depends on, the one startAzurite finds.
    azurite = (createRequire(import.meta.url)("azurite/package.json") as { version: string }).version;
  } catch {
    azurite = undefined;
  }
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    azurite,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
