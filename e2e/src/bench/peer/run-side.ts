/**
 * One measured run of the side-by-side bench: a fresh Azurite (on disk, as the bench starts it) behind the
 * counting proxies, one runner process (DT.AS peer or taskhub) that warms up, runs one scenario and reports,
 * its storage requests counted between its "warm" and "result" lines (plus a moment for trailing deletes).
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { loadavg } from "node:os";
import { createInterface } from "node:readline";
import { startAzurite } from "@taskhub/azurite";
import { CpuMeter } from "../measure.js";
import { CountingProxies, type ProxyCounts } from "./counting-proxy.js";
import type { RunnerResultLine } from "./runner-protocol.js";

export interface SideCommand {
  /** Short key: dtas, dtasExt, taskhub. */
  key: string;
  label: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

export interface SideRun {
  key: string;
  scenario: string;
  count: number;
  result: RunnerResultLine;
  /** Requests between warm-up and result, leases apart. */
  counts: ProxyCounts;
  warmMs: number;
  /** Percent of one core over the scenario: the runner, Azurite, and everything else on the machine. */
  cpu: Record<string, number>;
  loadAverage: number[];
}

export interface RunSideOptions {
  scenario: string;
  count: number;
  warmup: number;
  timeoutSeconds: number;
  log(message: string): void;
}

const TRAILING_MS = 500;

export async function runSide(side: SideCommand, o: RunSideOptions): Promise<SideRun> {
  const azurite = await startAzurite({ inMemory: false });
  const proxies = new CountingProxies();
  try {
    const connectionString = await proxies.start(azurite);
    const child = spawn(
      side.command,
      [
        ...side.args,
        "--scenario",
        o.scenario,
        "--count",
        String(o.count),
        "--warmup",
        String(o.warmup),
        "--timeout-seconds",
        String(o.timeoutSeconds),
      ],
      {
        env: { ...process.env, ...side.env, TASKHUB_CONNECTION_STRING: connectionString },
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-8000);
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async (event: string): Promise<Record<string, unknown>> => {
      const deadline = setTimeout(() => child.kill("SIGKILL"), (o.timeoutSeconds + 120) * 1000);
      try {
        for (;;) {
          const r = await lines.next();
          if (r.done) throw new Error(`${side.label} exited before "${event}": ${stderr}`);
          let m: Record<string, unknown>;
          try {
            m = JSON.parse(r.value) as Record<string, unknown>;
          } catch {
            continue; // not a protocol line
          }
          if (m.event === event) return m;
        }
      } finally {
        clearTimeout(deadline);
      }
    };
    try {
      const warm = await next("warm");
      o.log(`${side.label} ${o.scenario} ${o.count}: warm after ${String(warm.ms)} ms; running`);
      const meter = new CpuMeter(() => ({ runner: child.pid, azurite: azurite.pid }));
      const before = proxies.snapshot();
      meter.begin();
      child.stdin.write("go\n");
      const result = (await next("result")) as unknown as RunnerResultLine;
      const cpu = meter.end();
      await new Promise((r) => setTimeout(r, TRAILING_MS));
      const counts = CountingProxies.diff(before, proxies.snapshot());
      return {
        key: side.key,
        scenario: o.scenario,
        count: o.count,
        result,
        counts,
        warmMs: Number(warm.ms),
        cpu,
        loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
      };
    } finally {
      child.stdin.end();
      const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(killer);
    }
  } finally {
    await proxies.stop();
    await azurite.stop();
    if (azurite.location) rmSync(azurite.location, { recursive: true, force: true });
  }
}
