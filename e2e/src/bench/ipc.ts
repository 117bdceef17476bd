/** Messages between the bench driver and its worker processes (Node IPC channel of `fork`). */
import type { RequestCounts } from "@taskhub/azure-storage";
import type { TrackedRun } from "./app.js";

export type ToWorker =
  | { type: "stats"; id: number }
  | { type: "debug"; id: number }
  | { type: "stop" }
  /** Start an orchestration with a client in the worker's process, as an HTTP starter there would. */
  | { type: "start"; id: number; name: string; instanceId: string };

export interface WorkerStats {
  workerId: string;
  /** Storage requests of the worker's service, leases excluded. */
  requests: RequestCounts;
  /** Lease requests (blob leases or the Partitions table), counted apart by the provider. */
  lease: RequestCounts;
  owned: number[];
  activities: number;
  checkpoints: number;
  /** Fan-out runs: what this worker's activities did for each (by run name). */
  tracked: Record<string, TrackedRun>;
  /** Warnings and errors the worker and provider logged, by event name. */
  warnings: Record<string, number>;
}

export type FromWorker =
  | { type: "ready"; workerId: string; entities: boolean; t: number }
  /** An instance's start message was dequeued and handed to the dispatcher (its first step begins). */
  | { type: "started"; instanceId: string; t: number }
  /** An instance reached a terminal status; `t` is after its last messages were deleted. */
  | { type: "done"; instanceId: string; status: string; checkpoints: number; t: number }
  | ({ type: "stats"; id: number } & WorkerStats)
  /** What the worker holds in memory now, to explain a stall. */
  | { type: "debug"; id: number; state: Record<string, unknown> }
  | { type: "startDone"; id: number; error?: string }
  | { type: "error"; message: string };
