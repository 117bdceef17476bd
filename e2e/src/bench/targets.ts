/**
 * The report's target rows: every figure of issue 8 beside its target, measured or not, and whether it is met.
 */
import { interleavedRatio, type Spread } from "./aggregate.js";
import { round } from "./measure.js";
import { find, orchestrationCeiling, type Report, type TargetRow } from "./report.js";

/** "1.8× (median of 3 interleaved rounds, 1.5–2.1×)". */
function ratioText(x: Spread): string {
  return x.values.length > 1
    ? `${x.median}× (median of ${x.values.length} interleaved rounds, ${x.min}–${x.max}×)`
    : `${x.median}× (1 round)`;
}

export function targetRows(
  r: Pick<Report, "scenarios" | "runs" | "ceiling" | "ceilings" | "storageLatencyMs">,
): {
  rows: TargetRow[];
  hs5Ceiling: number | undefined;
} {
  const s = r.scenarios;
  const rows: TargetRow[] = [];
  const add = (
    figure: string,
    target: string,
    value: number | undefined,
    met: (v: number) => boolean,
    unit: string,
    fmt = (v: number): string => `${v} ${unit}`,
  ): void => {
    rows.push({
      figure,
      target,
      value: value ?? null,
      measured: value === undefined ? "n/a" : fmt(value).trim(),
      met: value === undefined ? null : met(value),
    });
  };
  const hs1 = find(s, "hello-sequence5", 1);
  add(
    "storage requests per hello-sequence5 orchestration (1 worker)",
    "≤ 36 (DTF's protocol: about 50)",
    hs1?.requests?.total,
    (v) => v <= 36,
    "",
  );
  let hs5Ceiling: number | undefined;
  const ceilingOk = (x: number): boolean => Number.isFinite(x) && x > 0;
  // A ceiling of 0 (no cycle completed in a short measurement on a loaded machine) gives no share.
  if (
    hs1?.requests &&
    ceilingOk(orchestrationCeiling(r.ceilings["1"] ?? r.ceiling, hs1.requests.byService))
  ) {
    hs5Ceiling = round(orchestrationCeiling(r.ceilings["1"] ?? r.ceiling, hs1.requests.byService), 1);
    const share = round((100 * hs1.figures.orchestrationsPerSecond!) / hs5Ceiling, 0);
    add(
      "hello-sequence5, 1 worker, share of Azurite's ceiling",
      "≥ 60 %",
      share,
      (v) => v >= 60,
      "%",
      (v) => `${v} % (${hs1.figures.orchestrationsPerSecond} of ${hs5Ceiling} orch/s)`,
    );
  } else add("hello-sequence5, 1 worker, share of Azurite's ceiling", "≥ 60 %", undefined, () => false, "%");
  add(
    "fan-out/fan-in, 1 worker",
    "≥ 200 activities/s",
    find(s, "fan-out-fan-in", 1)?.figures.activitiesPerSecond,
    (v) => v >= 200,
    "activities/s",
  );
  add(
    "sequential, 1 worker",
    "≥ 25 activities/s",
    find(s, "sequential", 1)?.figures.activitiesPerSecond,
    (v) => v >= 25,
    "activities/s",
  );
  add(
    "external events, 1 worker",
    "≥ 100 events/s",
    find(s, "external-events", 1)?.figures.eventsPerSecond,
    (v) => v >= 100,
    "events/s",
  );
  add(
    "entity signals to one entity, 1 worker",
    "≥ 150 operations/s",
    find(s, "entity", 1)?.figures.operationsPerSecond,
    (v) => v >= 150,
    "operations/s",
  );
  add(
    "idle hello-sequence5 latency p50, 1 worker",
    "≤ 250 ms",
    find(s, "latency", 1)?.figures.p50Ms,
    (v) => v <= 250,
    "ms",
  );
  add(
    "first orchestration after 2 min idle, 1 worker, started in the worker's process (HTTP API / HTTP starter)",
    "≤ 2 s to completion",
    find(s, "latency", 1)?.figures.firstAfterIdleInProcessMs,
    (v) => v <= 2000,
    "ms",
  );
  add(
    "first orchestration after 2 min idle, 1 worker, started by a client in another process",
    "≤ 2 s to completion",
    find(s, "latency", 1)?.figures.firstAfterIdleMs,
    (v) => v <= 2000,
    "ms",
  );
  add(
    "idle requests per worker (1 worker, leases included)",
    "≤ 60 per minute",
    find(s, "idle-cost", 1)?.figures.requestsPerWorkerPerMinute,
    (v) => v <= 60,
    "per minute",
  );
  // Ratios between worker counts come from interleaved rounds (round r's 4 workers over round r's 1 worker).
  const ratio = (scenario: string, key: string, workers: number): Spread | undefined =>
    interleavedRatio(r.runs, scenario, key, workers, 1);
  const hsRatio = ratio("hello-sequence5", "orchestrationsPerSecond", 4);
  const latency = r.storageLatencyMs;
  const withLatency = latency !== undefined ? ` at ${latency} ms storage latency` : "";
  const addRatio = (figure: string, target: string, x: Spread | undefined, min: number): void =>
    add(
      figure,
      target,
      x?.median,
      (v) => v >= min,
      "×",
      () => (x ? ratioText(x) : "n/a"),
    );
  addRatio(
    `hello-sequence5${withLatency}, 4 workers vs 1 worker`,
    latency !== undefined ? "≥ 2.5×" : "≥ 1.0× (no worse)",
    hsRatio,
    latency !== undefined ? 2.5 : 1,
  );
  if (latency !== undefined && find(s, "hello-sequence5", 2))
    addRatio(
      `hello-sequence5${withLatency}, 2 workers vs 1 worker`,
      "> 1.0× (grows with workers)",
      ratio("hello-sequence5", "orchestrationsPerSecond", 2),
      1.0001,
    );
  if (find(s, "fan-out-io", 1) || find(s, "fan-out-io", 4))
    addRatio(
      `fan-out of I/O-bound activities${withLatency}, 4 workers vs 1 worker (activities/s)`,
      "≥ 3.2×",
      ratio("fan-out-io", "activitiesPerSecond", 4),
      3.2,
    );
  return { rows, hs5Ceiling };
}
