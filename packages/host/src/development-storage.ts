/**
 * `UseDevelopmentStorage=true` (the `AzureWebJobsStorage` of every Functions app's `local.settings.json`) names
 * the storage emulator on its default ports on this machine. The host connects to whatever listens there; when
 * nothing does, it starts the embedded Azurite there first, as it does when no storage is configured, so that an
 * app folder runs with its `local.settings.json` as it is, with or without an emulator of its own.
 *
 * Contracts:
 * - Only the local form starts anything: no `DevelopmentStorageProxyUri`, or one naming a loopback address.
 *   A proxy elsewhere is connected to as given.
 * - Something listens when any of the three default ports accepts a TCP connection on 127.0.0.1; then nothing
 *   is started (a half-started emulator is the user's to fix, and the connection's errors will say so).
 * - The embedded Azurite takes the default ports when it can; when they were taken between the probe and its
 *   start it runs on free ports and its own connection string is the one to use (`onDefaultPorts` false).
 */
import { connect } from "node:net";
import type { AzuritePorts } from "@taskhub/azurite";
import { AZURITE_DEFAULT_PORTS, startEmbeddedAzurite, type EmbeddedAzurite } from "./embedded-azurite.js";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);
/** A refused connection answers at once on loopback; this bounds a probe that nothing answers at all. */
const PROBE_TIMEOUT_MS = 2_000;

/** True when `connectionString` is `UseDevelopmentStorage=true` addressing this machine. */
export function isLocalDevelopmentStorage(connectionString: string): boolean {
  const parts = new Map<string, string>();
  for (const piece of connectionString.split(";")) {
    const i = piece.indexOf("=");
    if (i > 0) parts.set(piece.slice(0, i).trim().toLowerCase(), piece.slice(i + 1).trim());
  }
  if (parts.get("usedevelopmentstorage")?.toLowerCase() !== "true") return false;
  const proxy = parts.get("developmentstorageproxyuri");
  if (!proxy) return true;
  try {
    return LOOPBACK.has(new URL(proxy).hostname);
  } catch {
    return false; // parseConnectionString refuses it with a clear error
  }
}

/** True when a TCP connection to `port` on 127.0.0.1 is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (listening: boolean): void => {
      socket.destroy();
      resolve(listening);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** True when something listens on any of the emulator's ports. */
export async function emulatorListening(ports: AzuritePorts = AZURITE_DEFAULT_PORTS): Promise<boolean> {
  const answers = await Promise.all([ports.blob, ports.queue, ports.table].map(accepts));
  return answers.some(Boolean);
}

export interface DevelopmentStorageOptions {
  /** The emulator's ports (default 10000-10002, those `UseDevelopmentStorage=true` means). */
  ports?: AzuritePorts;
}

/**
 * For `UseDevelopmentStorage=true`: undefined when an emulator already listens on its ports (connect to it),
 * else the embedded Azurite started for it (connect with its `connectionString`; the caller stops it).
 */
export async function startDevelopmentStorage(
  options: DevelopmentStorageOptions = {},
): Promise<EmbeddedAzurite | undefined> {
  const ports = options.ports ?? AZURITE_DEFAULT_PORTS;
  if (await emulatorListening(ports)) return undefined;
  return startEmbeddedAzurite({ defaultPorts: ports });
}
