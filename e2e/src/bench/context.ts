/** What every scenario gets from the driver, and what it gives back. */
import type { TaskHubClient } from "@taskhub/core";
import {
  RequestCounter,
  type AzureStorageOrchestrationService,
  type RequestCounts,
} from "@taskhub/azure-storage";
import type { RunLoad } from "./load.js";
import type { CpuMeter, RequestSplit } from "./measure.js";
import { diffStats, addCounts, type PoolStats, type WorkerPool } from "./workers.js";

export interface Sizes {
  helloSequence5: number;
  fanOut: number;
  sequential: number;
  events: number;
  entitySignals: number;
  /** Fan-out of I/O-bound activities (scenario 8): how many, and how long each waits. */
  fanOutIo: number;
  fanOutIoWaitMs: number;
  /** Fan-out of CPU-bound activities (scenario 9): how many, and the CPU each burns. */
  fanOutCpu: number;
  fanOutCpuMs: number;
  latencyRuns: number;
  /** Idle before the idle-cost window starts (polling backs off to its maximum meanwhile). */
  idleWarmUpMs: number;
  idleMeasureMs: number;
  /** Idle time before "the first orchestration after idle". */
  idleBeforeFirstMs: number;
  ceilingMs: number;
  /** Messages lying in another queue for the ceiling's second queue measurement. */
  ceilingBacklog: number;
  /** Longest wait for a scenario's work. */
  timeoutMs: number;
  /**
   * How long after their work scenarios 4 and 6 keep counting requests: the polls a burst of work causes go on
   * after it (until issue 21, every control queue of a worker for 5 s after any message).
   */
  requestsTailMs: number;
}

export const FULL: Sizes = {
  helloSequence5: 500,
  fanOut: 1000,
  sequential: 100,
  events: 500,
  entitySignals: 1000,
  fanOutIo: 400,
  fanOutIoWaitMs: 200,
  fanOutCpu: 400,
  fanOutCpuMs: 20,
  latencyRuns: 20,
  idleWarmUpMs: 35_000,
  idleMeasureMs: 60_000,
  idleBeforeFirstMs: 120_000,
  ceilingMs: 10_000,
  ceilingBacklog: 500,
  timeoutMs: 600_000,
  requestsTailMs: 6000,
};

export const QUICK: Sizes = {
  helloSequence5: 10,
  fanOut: 20,
  sequential: 5,
  events: 10,
  entitySignals: 20,
  fanOutIo: 24,
  fanOutIoWaitMs: 50,
  fanOutCpu: 24,
  fanOutCpuMs: 5,
  latencyRuns: 3,
  idleWarmUpMs: 500,
  idleMeasureMs: 1500,
  idleBeforeFirstMs: 2500,
  ceilingMs: 500,
  ceilingBacklog: 50,
  timeoutMs: 60_000,
  requestsTailMs: 0,
};

export interface BenchContext {
  workers: number;
  pool: WorkerPool;
  client: TaskHubClient;
  /** The client's service; its requests count towards the figures (the client's part of the protocol). */
  clientService: AzureStorageOrchestrationService;
  /** A second client whose requests are not counted (watching entity state). */
  watcher: TaskHubClient;
  sizes: Sizes;
  /** CPU use of Azurite, the driver and each worker process. */
  cpu: CpuMeter;
  /** Unique per run, for instance ids. */
  tag: string;
  log(message: string): void;
}

export interface ScenarioResult {
  scenario: string;
  title: string;
  workers: number;
  status: "ok" | "not available" | "failed";
  note?: string;
  /** Headline figures, e.g. orchestrationsPerSecond, p50Ms. */
  figures: Record<string, number>;
  /** Storage requests per orchestration (scenarios 1 and 2) or per minute (idle cost). */
  requests?: RequestSplit & { unit: string; lease?: number };
  /** Percent of one core used by each process while the scenario ran. */
  cpu?: Record<string, number>;
  /** Warnings and errors the workers logged while the scenario ran, by event (none is the normal case). */
  warnings?: Record<string, number>;
  details?: Record<string, unknown>;
  /** Which round of `--runs` this was (1-based); rounds interleave the worker counts. */
  run?: number;
  /** How busy the machine was during the run. */
  load?: RunLoad;
  /** CPU milliseconds each process used while the scenario ran. */
  cpuMs?: Record<string, number>;
  /** With `--storage-latency`: requests through the latency proxy, peak and mean in flight. */
  storage?: { latencyMs: number; requests: number; peakInFlight: number; meanInFlight: number };
  /** In a summary over runs: how many runs, and each figure's min and max beside its median. */
  runs?: number;
  range?: Record<string, [number, number]>;
}

export interface Snapshot {
  pool: PoolStats;
  client: RequestCounts;
}

export async function snapshot(ctx: BenchContext): Promise<Snapshot> {
  return { pool: await ctx.pool.stats(), client: ctx.clientService.requestCounter.snapshot() };
}

/** Requests between two snapshots: workers' (leases apart) plus the counted client's. */
export function requestsBetween(
  a: Snapshot,
  b: Snapshot,
): { requests: RequestCounts; lease: RequestCounts; perWorker: ReturnType<typeof diffStats>["perWorker"] } {
  const d = diffStats(a.pool, b.pool);
  const client = RequestCounter.diff(a.client, b.client);
  return { requests: addCounts(d.requests, client), lease: d.lease, perWorker: d.perWorker };
}
