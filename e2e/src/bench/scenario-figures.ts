/**
 * The report's per-scenario table: which figures each scenario shows (with their labels and targets), and one
 * cell of it (the median, with the range over the rounds; or why the run gave none).
 */
import type { ScenarioResult } from "./context.js";

/** The rows of a fan-out scenario (2, 8, 9). */
function fanOutFigures(
  scenario: string,
  n: number,
  target?: string,
): { scenario: string; n: number; figures: { key: string; label: string; target?: string | undefined }[] } {
  return {
    scenario,
    n,
    figures: [
      { key: "activitiesPerSecond", label: "activities/s (from start picked up)", target },
      { key: "firstActivityMs", label: "pickup delay: start to first activity running (ms)" },
      { key: "pickupMs", label: "… start message picked up after (ms)" },
      { key: "activitiesPerWorker", label: "activities per worker (representative run)" },
      { key: "checkpoints", label: "orchestration steps" },
      { key: "requests", label: "storage requests (whole orchestration)" },
      { key: "workerCpuMsPerActivity", label: "worker CPU per activity, all workers (ms)" },
    ],
  };
}

export const SCENARIO_FIGURES: {
  scenario: string;
  n: number;
  figures: { key: string; label: string; target?: string | undefined }[];
}[] = [
  {
    scenario: "hello-sequence5",
    n: 1,
    figures: [
      { key: "orchestrationsPerSecond", label: "orchestrations/s" },
      { key: "p50Ms", label: "start-to-completion p50 (ms)" },
      { key: "p95Ms", label: "start-to-completion p95 (ms)" },
      { key: "requests", label: "storage requests per orchestration", target: "≤ 36" },
      { key: "workerCpuMsPerOrchestration", label: "worker CPU per orchestration, all workers (ms)" },
    ],
  },
  fanOutFigures("fan-out-fan-in", 2, "≥ 200"),
  {
    scenario: "sequential",
    n: 3,
    figures: [
      { key: "activitiesPerSecond", label: "activities/s (from start picked up)", target: "≥ 25" },
      { key: "pickupMs", label: "start picked up after (ms)" },
    ],
  },
  {
    scenario: "external-events",
    n: 4,
    figures: [
      { key: "eventsPerSecond", label: "events/s (first raise to completion)", target: "≥ 100" },
      { key: "raiseSeconds", label: "client raising them took (s)" },
      { key: "checkpoints", label: "orchestration steps" },
    ],
  },
  {
    scenario: "entity",
    n: 5,
    figures: [
      { key: "operationsPerSecond", label: "operations/s (first signal to count reached)", target: "≥ 150" },
      { key: "signalSeconds", label: "client signalling took (s)" },
      { key: "finalCount", label: "final count" },
    ],
  },
  {
    scenario: "latency",
    n: 6,
    figures: [
      { key: "p50Ms", label: "idle latency p50 (ms)", target: "≤ 250" },
      { key: "p95Ms", label: "idle latency p95 (ms)" },
      { key: "pickupP50Ms", label: "… start picked up after, p50 (ms)" },
      { key: "pickupP95Ms", label: "… start picked up after, p95 (ms)" },
      { key: "afterPickupP50Ms", label: "… pickup to completion, p50 (ms)" },
      {
        key: "firstAfterIdleMs",
        label: "first after 2 min idle, client in another process (ms)",
        target: "≤ 2000",
      },
      { key: "firstAfterIdlePickupMs", label: "… of which start picked up after (ms)" },
      {
        key: "firstAfterIdleInProcessMs",
        label: "first after 2 min idle, started in the worker's process (ms)",
        target: "≤ 2000",
      },
      { key: "firstAfterIdleInProcessPickupMs", label: "… of which start picked up after (ms)" },
    ],
  },
  {
    scenario: "idle-cost",
    n: 7,
    figures: [
      { key: "requestsPerWorkerPerMinute", label: "requests per worker per minute", target: "≤ 60" },
      { key: "queuePerMinute", label: "… queue" },
      { key: "tablePerMinute", label: "… table" },
      { key: "blobPerMinute", label: "… blob (not leases)" },
      { key: "leasePerMinute", label: "… lease" },
    ],
  },
  fanOutFigures("fan-out-io", 8),
  fanOutFigures("fan-out-cpu", 9),
];

export function cell(s: ScenarioResult | undefined, key: string): string {
  if (!s) return "–";
  if (s.status !== "ok") return s.status === "not available" ? "not available" : `failed: ${s.note ?? ""}`;
  if (key === "requests")
    return s.requests ? `${s.requests.total} (${s.requests.protocol} without polls)` : "–";
  if (key === "activitiesPerWorker") {
    const split = s.details?.activitiesPerWorker as number[] | undefined;
    return split ? split.join(" / ") : "–";
  }
  const v = s.figures[key];
  if (v === undefined || Number.isNaN(v)) return "–";
  const range = s.range?.[key];
  return range && (s.runs ?? 1) > 1 ? `${v} (${range[0]}–${range[1]})` : String(v);
}
