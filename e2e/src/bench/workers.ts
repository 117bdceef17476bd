/**
 * The driver's side of the bench worker processes: fork them, wait until they are ready and own every
 * partition, collect their completion reports and request counts, stop them.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { RequestCounter, type RequestCounts } from "@taskhub/azure-storage";
import type { TrackedRun } from "./app.js";
import type { FromWorker, ToWorker, WorkerStats } from "./ipc.js";

export interface Completion {
  status: string;
  checkpoints: number;
  t: number;
}

export interface PoolOptions {
  count: number;
  connectionString: string;
  hub: string;
  /** Provider settings (JSON) beyond the defaults. */
  settings?: Record<string, unknown>;
  /** TaskHubWorker options (JSON) beyond the defaults. */
  workerOptions?: Record<string, unknown>;
  /** Node flags for the workers, e.g. ["--cpu-prof", "--cpu-prof-dir=..."]. */
  execArgv?: string[];
  log?: (message: string) => void;
}

class WorkerHandle {
  readonly child: ChildProcess;
  workerId = "";
  entities = false;
  ready: Promise<void>;
  exited: Promise<void>;
  private stderr = "";
  private nextId = 1;
  private readonly pending = new Map<number, (m: any) => void>();

  constructor(
    private readonly pool: WorkerPool,
    env: Record<string, string>,
    execArgv: string[],
  ) {
    const script = fileURLToPath(new URL("./worker.js", import.meta.url));
    this.child = fork(script, [], {
      env: { ...process.env, ...env },
      execArgv,
      stdio: ["ignore", "inherit", "pipe", "ipc"],
    });
    this.child.stderr!.on("data", (c: Buffer) => {
      this.stderr = (this.stderr + c.toString()).slice(-8000);
    });
    this.exited = new Promise((resolve) => this.child.once("exit", () => resolve()));
    this.ready = new Promise((resolve, reject) => {
      this.child.once("exit", (code) =>
        reject(new Error(`bench worker exited (${code}) before it was ready: ${this.stderr}`)),
      );
      this.child.on("message", (m: FromWorker) => {
        switch (m.type) {
          case "ready":
            this.workerId = m.workerId;
            this.entities = m.entities;
            resolve();
            break;
          case "error":
            reject(new Error(`bench worker failed: ${m.message}`));
            break;
          case "stats":
          case "debug":
          case "startDone":
            this.pending.get(m.id)?.(m);
            this.pending.delete(m.id);
            break;
          default:
            this.pool.onReport(m);
        }
      });
    });
  }

  stats(): Promise<WorkerStats> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, resolve);
      const t = setTimeout(
        () => reject(new Error(`bench worker ${this.workerId} did not answer: ${this.stderr}`)),
        30_000,
      );
      t.unref();
      this.send({ type: "stats", id });
    });
  }

  debug(): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (m: { state: Record<string, unknown> }) => resolve(m.state));
      const t = setTimeout(() => reject(new Error(`bench worker ${this.workerId} did not answer`)), 10_000);
      t.unref();
      this.send({ type: "debug", id });
    });
  }

  /** Starts an orchestration with a client inside this worker's process. */
  startInProcess(name: string, instanceId: string): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (m: { error?: string }) => (m.error ? reject(new Error(m.error)) : resolve()));
      this.send({ type: "start", id, name, instanceId });
    });
  }

  send(m: ToWorker): void {
    if (this.child.connected) this.child.send(m);
  }
}

/** Totals over all workers of one snapshot. */
export interface PoolStats {
  requests: RequestCounts;
  lease: RequestCounts;
  perWorker: WorkerStats[];
}

export class WorkerPool {
  readonly workers: WorkerHandle[] = [];
  /** Instance id → first checkpoint time. */
  readonly started = new Map<string, number>();
  readonly completed = new Map<string, Completion>();
  private waiters: { ids: Set<string> | undefined; resolve: () => void; check: () => boolean }[] = [];

  constructor(readonly options: PoolOptions) {}

  async start(): Promise<void> {
    const env: Record<string, string> = {
      TASKHUB_CONNECTION_STRING: this.options.connectionString,
      TASKHUB_HUB: this.options.hub,
      TASKHUB_BENCH_SETTINGS: JSON.stringify(this.options.settings ?? {}),
      TASKHUB_BENCH_WORKER: JSON.stringify(this.options.workerOptions ?? {}),
    };
    for (let i = 0; i < this.options.count; i++)
      this.workers.push(new WorkerHandle(this, env, this.options.execArgv ?? []));
    await Promise.all(this.workers.map((w) => w.ready));
  }

  get entities(): boolean {
    return this.workers.every((w) => w.entities);
  }

  onReport(m: FromWorker): void {
    if (m.type === "started") this.started.set(m.instanceId, m.t);
    else if (m.type === "done")
      this.completed.set(m.instanceId, { status: m.status, checkpoints: m.checkpoints, t: m.t });
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves when every id has completed (any terminal status); rejects after `timeoutMs`. */
  waitForCompletion(ids: string[], timeoutMs: number): Promise<void> {
    const check = (): boolean => ids.every((id) => this.completed.has(id));
    if (check()) return Promise.resolve();
    const start = Date.now();
    const progress = setInterval(() => {
      const done = ids.filter((id) => this.completed.has(id)).length;
      this.options.log?.(
        `waiting ${Math.round((Date.now() - start) / 1000)} s: ${done} of ${ids.length} completed`,
      );
    }, 30_000);
    return new Promise<void>((resolve, reject) => {
      const w = { ids: new Set(ids), resolve: () => (clearTimeout(t), resolve()), check };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        const left = ids.filter((id) => !this.completed.has(id));
        void Promise.all(this.workers.map((x) => x.debug().catch((e: unknown) => String(e)))).then((states) =>
          reject(
            new Error(
              `timed out after ${timeoutMs} ms: ${left.length} of ${ids.length} instances not completed (${left.slice(0, 5).join(", ")}); workers: ${JSON.stringify(states)}`,
            ),
          ),
        );
      }, timeoutMs);
      this.waiters.push(w);
    }).finally(() => clearInterval(progress));
  }

  /** Waits until the workers together own every partition once; with `balanced`, also split evenly (±1). */
  async waitForOwnership(
    partitions: number,
    balanced: boolean,
    timeoutMs: number,
  ): Promise<{ ms: number; owned: number[][] }> {
    const start = Date.now();
    for (;;) {
      const owned = (await Promise.all(this.workers.map((w) => w.stats()))).map((s) => s.owned);
      const all = owned.flat();
      const counts = owned.map((o) => o.length);
      const ok =
        new Set(all).size === partitions &&
        all.length === partitions &&
        (!balanced || Math.max(...counts) - Math.min(...counts) <= 1);
      if (ok) return { ms: Date.now() - start, owned };
      if (Date.now() - start > timeoutMs)
        throw new Error(
          `partitions not ${balanced ? "balanced" : "owned"} after ${timeoutMs} ms: ${JSON.stringify(owned)}`,
        );
      await sleep(250);
    }
  }

  async stats(): Promise<PoolStats> {
    const perWorker = await Promise.all(this.workers.map((w) => w.stats()));
    return {
      requests: sum(perWorker.map((s) => s.requests)),
      lease: sum(perWorker.map((s) => s.lease)),
      perWorker,
    };
  }

  async stop(): Promise<void> {
    for (const w of this.workers) w.send({ type: "stop" });
    const killer = setTimeout(() => {
      for (const w of this.workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
    }, 20_000);
    await Promise.all(this.workers.map((w) => w.exited));
    clearTimeout(killer);
  }

  kill(): void {
    for (const w of this.workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
  }
}

function sum(counts: RequestCounts[]): RequestCounts {
  const out: RequestCounts = { total: 0, byService: {}, byOperation: {} };
  for (const c of counts) {
    out.total += c.total;
    for (const [k, v] of Object.entries(c.byService)) out.byService[k] = (out.byService[k] ?? 0) + v;
    for (const [k, v] of Object.entries(c.byOperation)) out.byOperation[k] = (out.byOperation[k] ?? 0) + v;
  }
  return out;
}

/** Requests made between two pool snapshots, workers' and the given client counter's together. */
export function diffStats(
  before: PoolStats,
  after: PoolStats,
): {
  requests: RequestCounts;
  lease: RequestCounts;
  perWorker: {
    workerId: string;
    requests: RequestCounts;
    lease: RequestCounts;
    activities: number;
    checkpoints: number;
    /** Fan-out runs as of the later snapshot (each run has its own name, so no difference is needed). */
    tracked: Record<string, TrackedRun>;
    warnings: Record<string, number>;
  }[];
} {
  return {
    requests: RequestCounter.diff(before.requests, after.requests),
    lease: RequestCounter.diff(before.lease, after.lease),
    perWorker: after.perWorker.map((a, i) => {
      const b = before.perWorker[i]!;
      return {
        workerId: a.workerId,
        requests: RequestCounter.diff(b.requests, a.requests),
        lease: RequestCounter.diff(b.lease, a.lease),
        activities: a.activities - b.activities,
        checkpoints: a.checkpoints - b.checkpoints,
        tracked: a.tracked,
        warnings: diffRecord(b.warnings, a.warnings),
      };
    }),
  };
}

function diffRecord(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v !== (before[k] ?? 0)) out[k] = v - (before[k] ?? 0);
  return out;
}

/** Warnings logged by all workers between two snapshots, by event. */
export function warningsBetween(before: PoolStats, after: PoolStats): Record<string, number> {
  const out: Record<string, number> = {};
  for (const w of diffStats(before, after).perWorker)
    for (const [k, v] of Object.entries(w.warnings)) out[k] = (out[k] ?? 0) + v;
  return out;
}

export function addCounts(a: RequestCounts, b: RequestCounts): RequestCounts {
  return sum([a, b]);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
