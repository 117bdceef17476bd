/**
 * The report: every figure beside its target from issue 8, as a markdown table (stdout, BENCHMARKS.md) and
 * as JSON. Targets hold for a full run on a 2-core machine with Azurite on it; a quick run shows them but
 * its numbers are too small to compare.
 */
import { interleavedRatio, type Spread } from "./aggregate.js";
import type { Ceiling } from "./ceiling.js";
import type { ScenarioResult } from "./context.js";
import type { MachineInfo } from "./machine.js";
import { dtfFanOutFanIn, dtfSequence, type ProtocolFigure } from "./protocol.js";
import { round } from "./measure.js";

export interface TargetRow {
  figure: string;
  target: string;
  measured: string;
  value: number | null;
  met: boolean | null;
}

export interface Report {
  command: string;
  mode: "quick" | "full";
  startedAt: string;
  durationSeconds: number;
  machine: MachineInfo & { busyBeforeStartPercent?: number | undefined };
  settings: { provider: Record<string, unknown>; worker: Record<string, unknown> };
  /** Where Azurite kept its data. */
  azurite: "disk" | "memory";
  /** Rounds of the throughput scenarios (--runs), worker counts interleaved in each. */
  rounds: number;
  /** With --storage-latency: the latency the proxy added to every request. */
  storageLatencyMs?: number | undefined;
  /** The ceiling of the first worker count's Azurite, which the targets use. */
  ceiling: Ceiling;
  /** Each worker count runs on a fresh Azurite whose ceiling is measured first. */
  ceilings: Record<string, Ceiling>;
  workerCounts: number[];
  /** By hub (one per worker count, round and pool). */
  ownership: Record<string, { ms: number; owned: number[][] }>;
  /** One per scenario and worker count: medians over the rounds, min and max in `range`. */
  scenarios: ScenarioResult[];
  /** Every run of every scenario, in the order they ran. */
  runs: ScenarioResult[];
  protocol: { helloSequence5: ProtocolFigure; fanOutFanIn?: ProtocolFigure | undefined };
  /** Orchestrations/s Azurite could sustain for hello-sequence5 at the measured requests per orchestration. */
  helloSequence5Ceiling?: number | undefined;
  targets: TargetRow[];
}

export function find(
  scenarios: ScenarioResult[],
  scenario: string,
  workers: number,
): ScenarioResult | undefined {
  return scenarios.find((s) => s.scenario === scenario && s.workers === workers && s.status === "ok");
}

/**
 * Orchestrations per second Azurite can serve at the measured mix: each queue request costs
 * 1/queueRequestsPerSecond and each table (or blob) request 1/tableUpsertsPerSecond of its time.
 */
export function orchestrationCeiling(c: Ceiling, byService: Record<string, number>): number {
  const q = byService.queue ?? 0;
  const t = (byService.table ?? 0) + (byService.blob ?? 0);
  return 1 / (q / c.queueRequestsPerSecond + t / c.tableUpsertsPerSecond);
}

export function protocolFigures(scenarios: ScenarioResult[], sizes: { fanOut: number }): Report["protocol"] {
  const fan =
    scenarios.find((s) => s.scenario === "fan-out-fan-in" && s.workers === 1 && s.status === "ok") ??
    scenarios.find((s) => s.scenario === "fan-out-fan-in" && s.status === "ok");
  return {
    helloSequence5: dtfSequence(5),
    fanOutFanIn: fan ? dtfFanOutFanIn(sizes.fanOut, fan.figures.checkpoints ?? 2) : undefined,
  };
}

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

const SCENARIO_FIGURES: {
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

function cell(s: ScenarioResult | undefined, key: string): string {
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

export function markdown(r: Report): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`### taskhub benchmark, ${r.mode} run, ${r.startedAt}`);
  out.push("");
  out.push(`Command: \`${r.command}\` (${Math.round(r.durationSeconds)} s)  `);
  out.push(
    `Machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}, Azurite ${m.azurite ?? "?"} on the same machine  `,
  );
  const c = r.ceiling;
  out.push(
    `Azurite ceiling (concurrency ${c.concurrency}, ${c.durationMs / 1000} s each): **${c.queueCyclesPerSecond} queue put+get+delete cycles/s** ` +
      `(${c.queueRequestsPerSecond} requests/s), **${c.tableUpsertsPerSecond} table upserts/s**` +
      (Object.keys(r.ceilings).length > 1
        ? ` (per worker count, each on a fresh Azurite: ${Object.entries(r.ceilings)
            .map(([n, x]) => `${n}w ${x.queueCyclesPerSecond} cycles/s, ${x.tableUpsertsPerSecond} upserts/s`)
            .join("; ")})`
        : "") +
      `; Azurite data on ${r.azurite}  `,
  );
  if (c.queueCyclesPerSecondWithBacklog !== undefined && c.queueCyclesPerSecond > 0)
    out.push(
      `With ${c.backlog} messages lying in another queue (a backlog like hello-sequence5's): ${c.queueCyclesPerSecondWithBacklog} queue cycles/s, ` +
        `${Math.round((100 * c.queueCyclesPerSecondWithBacklog) / c.queueCyclesPerSecond)} % of the empty-store figure (Azurite's queue store scans every stored message on each queue request)  `,
    );
  out.push(
    `Other load on the machine: ${m.busyBeforeStartPercent ?? "?"} % of one core just before the run, load average ${m.loadAverage.join(" / ")}` +
      ` (per run in the runs table below)  `,
  );
  out.push(
    `Rounds: ${r.rounds} (worker counts interleaved in each round; throughput figures are medians with min–max in brackets; scenarios 6 and 7 ran in the last round only)` +
      (r.storageLatencyMs !== undefined
        ? `; storage latency: every request forwarded to Azurite after ${r.storageLatencyMs} ms by a proxy in the driver process (the ceiling is measured without it)`
        : "") +
      "  ",
  );
  const busy = r.runs.filter((x) => x.load?.busy);
  if (busy.length > 0)
    out.push(
      `**${busy.length} of ${r.runs.length} runs were on a busy machine** (another job used the cores; see the runs table): their figures are low for reasons that are not the code's.  `,
    );
  if (Object.keys(r.settings.provider).length || Object.keys(r.settings.worker).length)
    out.push(
      `Settings changed from the defaults: provider ${JSON.stringify(r.settings.provider)}, worker ${JSON.stringify(r.settings.worker)}`,
    );
  out.push("");
  out.push("| figure | target | measured | |");
  out.push("|---|---|---|---|");
  for (const t of r.targets)
    out.push(
      `| ${t.figure} | ${t.target} | ${t.measured} | ${t.met === null ? "–" : t.met ? "met" : "**missed**"} |`,
    );
  out.push("");
  const hs1 = find(r.scenarios, "hello-sequence5", 1);
  const c1 = r.ceilings["1"] ?? r.ceiling;
  if (
    hs1?.requests &&
    hs1.figures.orchestrationsPerSecond &&
    c1.queueCyclesPerSecondWithBacklog &&
    c1.tableUpsertsPerSecond > 0
  ) {
    // Not a target: the same share, against the queue capacity Azurite has with the workload's backlog stored.
    const withBacklog = orchestrationCeiling(
      { ...c1, queueRequestsPerSecond: 3 * c1.queueCyclesPerSecondWithBacklog },
      hs1.requests.byService,
    );
    out.push(
      `hello-sequence5 against the ceiling measured with ${c1.backlog} messages stored: ${Math.round((100 * hs1.figures.orchestrationsPerSecond) / withBacklog)} % ` +
        `(${hs1.figures.orchestrationsPerSecond} of ${Math.round(withBacklog * 10) / 10} orch/s).`,
    );
    out.push("");
  }

  const counts = r.workerCounts;
  out.push(
    `| # | scenario | figure | ${counts.map((n) => `${n} worker${n > 1 ? "s" : ""}`).join(" | ")} | target |`,
  );
  out.push(`|---|---|---|${counts.map(() => "---|").join("")}---|`);
  for (const sf of SCENARIO_FIGURES) {
    const runs = counts.map((n) => r.scenarios.find((s) => s.scenario === sf.scenario && s.workers === n));
    if (runs.every((x) => x === undefined)) continue;
    const title = `${runs.find((x) => x)?.title ?? sf.scenario}${(runs.find((x) => x)?.runs ?? 1) > 1 ? ` (median of ${Math.max(...runs.map((x) => x?.runs ?? 0))} runs)` : ""}`;
    sf.figures.forEach((f, i) => {
      out.push(
        `| ${i === 0 ? sf.n : ""} | ${i === 0 ? `${sf.scenario}: ${title}` : ""} | ${f.label} | ${runs.map((x) => cell(x, f.key)).join(" | ")} | ${f.target ?? ""} |`,
      );
    });
  }
  out.push("");

  // Requests per orchestration, by operation, beside DTF's protocol.
  const hs = counts.map((n) =>
    r.scenarios.find((s) => s.scenario === "hello-sequence5" && s.workers === n && s.requests),
  );
  const fan = counts.map((n) =>
    r.scenarios.find((s) => s.scenario === "fan-out-fan-in" && s.workers === n && s.requests),
  );
  const ops = new Set<string>([
    ...Object.keys(r.protocol.helloSequence5.byOperation),
    ...Object.keys(r.protocol.fanOutFanIn?.byOperation ?? {}),
  ]);
  for (const x of [...hs, ...fan]) for (const k of Object.keys(x?.requests?.byOperation ?? {})) ops.add(k);
  if (hs.some((x) => x) || fan.some((x) => x)) {
    out.push(
      "Storage requests per orchestration by operation (leases apart), beside what DTF's protocol needs for the same work (derivation below):",
    );
    out.push("");
    out.push(
      `| operation | hello-sequence5: DTF | ${counts.map((n) => `${n}w`).join(" | ")} | fan-out/fan-in: DTF | ${counts.map((n) => `${n}w`).join(" | ")} |`,
    );
    out.push(`|---|---|${counts.map(() => "---|").join("")}---|${counts.map(() => "---|").join("")}`);
    const v = (x: number | undefined): string => (x === undefined ? "0" : String(round(x, 1)));
    for (const op of [...ops].sort()) {
      out.push(
        `| ${op} | ${v(r.protocol.helloSequence5.byOperation[op])} | ${hs.map((x) => v(x?.requests?.byOperation[op])).join(" | ")} | ` +
          `${v(r.protocol.fanOutFanIn?.byOperation[op])} | ${fan.map((x) => v(x?.requests?.byOperation[op])).join(" | ")} |`,
      );
    }
    out.push(
      `| **total** | **${v(r.protocol.helloSequence5.total)}** | ${hs.map((x) => `**${v(x?.requests?.total)}**`).join(" | ")} | ` +
        `**${v(r.protocol.fanOutFanIn?.total)}** | ${fan.map((x) => `**${v(x?.requests?.total)}**`).join(" | ")} |`,
    );
    out.push(
      `| lease requests | | ${hs.map((x) => v(x?.requests?.lease)).join(" | ")} | | ${fan.map((x) => v(x?.requests?.lease)).join(" | ")} |`,
    );
    if (r.protocol.fanOutFanIn)
      out.push(
        `\nDTF's fan-out/fan-in figure assumes the same number of steps as measured (${r.protocol.fanOutFanIn.note}).`,
      );
    out.push("");
  }

  const idle = counts.map((n) =>
    r.scenarios.find((s) => s.scenario === "idle-cost" && s.workers === n && s.status === "ok"),
  );
  if (idle.some((x) => x)) {
    out.push("Idle cost per worker, requests per minute:");
    out.push("");
    out.push("| workers | worker | queue | table | blob | lease | total | lease operations |");
    out.push("|---|---|---|---|---|---|---|---|");
    idle.forEach((x, i) => {
      const per = (x?.details?.perWorker ?? []) as {
        queue: number;
        table: number;
        blob: number;
        lease: number;
        total: number;
        leaseOperations: Record<string, number>;
      }[];
      per.forEach((w, j) =>
        out.push(
          `| ${counts[i]} | ${j + 1} | ${w.queue} | ${w.table} | ${w.blob} | ${w.lease} | ${w.total} | ${Object.entries(
            w.leaseOperations,
          )
            .map(([k, n]) => `${k.replace(/^\w+\./, "")} ${n}`)
            .join(", ")} |`,
        ),
      );
    });
    out.push("");
  }

  out.push(...runsTable(r));

  out.push("CPU while each scenario ran, percent of one core (2 cores = 200 %):");
  out.push("");
  out.push(
    "| scenario | workers | run | Azurite | driver (client) | worker processes | anything else on the machine |",
  );
  out.push("|---|---|---|---|---|---|---|");
  for (const s of r.runs) {
    if (!s.cpu) continue;
    const workers = Object.entries(s.cpu)
      .filter(([k]) => k.startsWith("worker"))
      .map(([, v]) => v);
    out.push(
      `| ${s.scenario} | ${s.workers} | ${s.run ?? ""} | ${s.cpu.azurite ?? "?"} | ${s.cpu.driver ?? "?"} | ${workers.join(" + ")} | ${s.cpu.others ?? "?"} |`,
    );
  }
  out.push("");
  return out.join("\n");
}

const HEADLINES: Record<string, { key: string; label: string }> = {
  "hello-sequence5": { key: "orchestrationsPerSecond", label: "orch/s" },
  "fan-out-fan-in": { key: "activitiesPerSecond", label: "activities/s" },
  "fan-out-io": { key: "activitiesPerSecond", label: "activities/s" },
  "fan-out-cpu": { key: "activitiesPerSecond", label: "activities/s" },
  sequential: { key: "activitiesPerSecond", label: "activities/s" },
  "external-events": { key: "eventsPerSecond", label: "events/s" },
  entity: { key: "operationsPerSecond", label: "operations/s" },
  latency: { key: "p50Ms", label: "p50 ms" },
  "idle-cost": { key: "requestsPerWorkerPerMinute", label: "requests/worker/min" },
};

/**
 * Every run, in the order they ran: its headline figure, the machine's load (busy or quiet), the workers' CPU
 * per unit of work and, with --storage-latency, the requests in flight at the proxy; fan-outs add their pickup
 * delay and activities per worker.
 */
function runsTable(r: Report): string[] {
  if (r.runs.length === 0) return [];
  const out: string[] = [];
  const proxy = r.storageLatencyMs !== undefined;
  out.push("Every run, in the order they ran (load average of the last minute before and after the run):");
  out.push("");
  out.push(
    `| scenario | workers | run | figure | worker CPU ms per unit (each worker) | pickup delay (ms) | activities per worker |${proxy ? " proxy requests | in flight peak | in flight mean |" : ""} load |`,
  );
  out.push(`|---|---|---|---|---|---|---|${proxy ? "---|---|---|" : ""}---|`);
  for (const x of r.runs) {
    const h = HEADLINES[x.scenario];
    const fig =
      x.status !== "ok"
        ? `${x.status}${x.note ? `: ${x.note.slice(0, 80)}` : ""}`
        : h
          ? `${x.figures[h.key]} ${h.label}`
          : "";
    const cpuKey = x.figures.workerCpuMsPerOrchestration !== undefined ? "Orchestration" : "Activity";
    const cpuTotal = x.figures[`workerCpuMsPer${cpuKey}`];
    const cpuEach = x.details?.[`workerCpuMsPer${cpuKey}ByWorker`] as number[] | undefined;
    const cpu =
      cpuTotal !== undefined
        ? `${cpuTotal} per ${cpuKey.toLowerCase()}${cpuEach && cpuEach.length > 1 ? ` (${cpuEach.join(" + ")})` : ""}`
        : "";
    const pickup = x.figures.firstActivityMs;
    const split = x.details?.activitiesPerWorker as number[] | undefined;
    const storage = proxy
      ? ` ${x.storage?.requests ?? ""} | ${x.storage?.peakInFlight ?? ""} | ${x.storage?.meanInFlight ?? ""} |`
      : "";
    const load = x.load ? (x.load.busy ? `**${x.load.verdict}**` : x.load.verdict) : "";
    out.push(
      `| ${x.scenario} | ${x.workers} | ${x.run ?? ""} | ${fig} | ${cpu} | ${pickup === undefined || Number.isNaN(pickup) ? "" : pickup} | ${split ? split.join(" / ") : ""} |${storage} ${load} |`,
    );
  }
  out.push("");
  return out;
}
