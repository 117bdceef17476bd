/** Spawns worker processes (src/worker-process.ts, built to dist/) and records what they report. */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface OwnershipEvent {
  event: string;
  partition?: number;
  worker: string;
  t: number;
}

export class WorkerProcess {
  readonly events: OwnershipEvent[] = [];
  readonly child: ChildProcess;
  id = "";
  exitedAt: number | undefined;
  private stderr = "";

  constructor(name: string, env: Record<string, string>) {
    const script = fileURLToPath(new URL("../dist/worker-process.js", import.meta.url));
    this.child = spawn(process.execPath, [script], {
      env: { ...process.env, ...env, TASKHUB_WORKER_NAME: name },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let buf = "";
    this.child.stdout!.on("data", (chunk: Buffer) => {
      buf += chunk.toString();
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const e = JSON.parse(line) as OwnershipEvent;
          this.id = e.worker;
          this.events.push(e);
        } catch {
          /* not a report line */
        }
      }
    });
    this.child.stderr!.on("data", (c: Buffer) => (this.stderr += c.toString()));
    this.child.once("exit", () => (this.exitedAt = Date.now()));
  }

  owned(): Set<number> {
    const s = new Set<number>();
    for (const e of this.events) {
      if (e.event === "gained") s.add(e.partition!);
      if (e.event === "lost") s.delete(e.partition!);
    }
    return this.exitedAt ? new Set() : s;
  }

  async ready(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      () => this.events.some((e) => e.event === "ready"),
      timeoutMs,
      () => `worker did not start: ${this.stderr}`,
    );
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async exited(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      () => this.exitedAt !== undefined,
      timeoutMs,
      () => "worker did not exit",
    );
  }
}

/** Waits until `cond` holds (checked every 50 ms); returns how long that took. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: () => string,
): Promise<number> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - start;
}

/** Every pair of workers' ownership intervals of one partition must be disjoint. */
export function overlaps(workers: WorkerProcess[]): string[] {
  const intervals: { worker: string; partition: number; from: number; to: number }[] = [];
  for (const w of workers) {
    const open = new Map<number, number>();
    for (const e of w.events) {
      if (e.event === "gained") open.set(e.partition!, e.t);
      if (e.event === "lost" && open.has(e.partition!)) {
        intervals.push({ worker: w.id, partition: e.partition!, from: open.get(e.partition!)!, to: e.t });
        open.delete(e.partition!);
      }
    }
    for (const [partition, from] of open)
      intervals.push({ worker: w.id, partition, from, to: w.exitedAt ?? Date.now() });
  }
  const problems: string[] = [];
  for (const a of intervals)
    for (const b of intervals)
      if (a.worker < b.worker && a.partition === b.partition && a.from < b.to && b.from < a.to)
        problems.push(
          `partition ${a.partition}: ${a.worker} [${a.from},${a.to}] and ${b.worker} [${b.from},${b.to}]`,
        );
  return problems;
}

export function activityRuns(file: string): { total: number; distinct: number } {
  if (!existsSync(file)) return { total: 0, distinct: 0 };
  const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
  return { total: lines.length, distinct: new Set(lines).size };
}
