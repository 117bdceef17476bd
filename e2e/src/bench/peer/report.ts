/**
 * The side-by-side report: per scenario, DT.AS (defaults, and with extended sessions) and taskhub, each figure
 * the median over the rounds, the ratios taskhub / DT.AS, and the targets of issue 21 marked met or missed.
 */
import type { RequestCounts } from "@taskhub/azure-storage";
import type { MachineInfo } from "../machine.js";
import { percentile, perUnit, round, type RequestSplit } from "../measure.js";
import type { SideRun } from "./run-side.js";

export const SIDES = [
  { key: "dtas", label: "DT.AS defaults" },
  { key: "dtasExt", label: "DT.AS extended sessions" },
  { key: "taskhub", label: "taskhub" },
] as const;
export type SideKey = (typeof SIDES)[number]["key"];

/** The figures of one runtime on one scenario (medians over the rounds). */
export interface SideFigures {
  ok: boolean;
  notes: string[];
  rounds: number;
  throughput: number;
  /** Per-round throughputs, for min and max. */
  throughputs: number[];
  unit: string;
  p50Ms: number;
  p95Ms: number;
  pickupMs: number;
  /** Storage requests per orchestration, leases apart; `protocol` leaves out the GetMessages polls. */
  requests: RequestSplit;
  leasePerOrchestration: number;
  cpuMsPerOrchestration: number;
  peakRssMiB: number;
  /** Percent of one core used by the rest of the machine during the scenario (median). */
  othersPercent: number | undefined;
}

export interface ScenarioComparison {
  scenario: string;
  count: number;
  orchestrations: number;
  sides: Partial<Record<SideKey, SideFigures>>;
}

export interface Target {
  scenario: string;
  figure: string;
  target: string;
  measured: string;
  met: boolean | undefined;
}

export interface PeerReport {
  command: string;
  mode: "quick" | "full";
  startedAt: string;
  durationSeconds: number;
  machine: MachineInfo & { uptime: string };
  versions: { dtas: string; dtCore: string };
  rounds: number;
  order: string[];
  scenarios: ScenarioComparison[];
  targets: Target[];
  runs: SideRun[];
}

const UNITS: Record<string, string> = {
  "hello-sequence5": "orchestrations/s",
  "fan-out-fan-in": "activities/s",
  sequential: "activities/s",
  "external-events": "events/s",
};

export function orchestrationsOf(scenario: string, count: number): number {
  return scenario === "hello-sequence5" ? count : 1;
}

const median = (xs: number[]): number => (xs.length === 0 ? NaN : percentile(xs, 50));

function medianCounts(all: RequestCounts[]): RequestCounts {
  const keys = new Set(all.flatMap((c) => Object.keys(c.byOperation)));
  const byOperation: Record<string, number> = {};
  for (const k of keys) byOperation[k] = median(all.map((c) => c.byOperation[k] ?? 0));
  const byService: Record<string, number> = {};
  for (const [k, v] of Object.entries(byOperation)) {
    const s = k.split(".")[0]!;
    byService[s] = (byService[s] ?? 0) + v;
  }
  return { total: Object.values(byOperation).reduce((a, b) => a + b, 0), byService, byOperation };
}

/** Medians of one runtime's runs of one scenario. */
export function sideFigures(runs: SideRun[]): SideFigures {
  const first = runs[0]!;
  const orchestrations = orchestrationsOf(first.scenario, first.count);
  const lat = (p: number): number => median(runs.map((r) => percentile(r.result.latenciesMs ?? [], p)));
  const throughputs = runs.map((r) => r.result.throughput ?? NaN);
  const others = runs.map((r) => r.cpu.others).filter((x): x is number => x !== undefined);
  return {
    ok: runs.every((r) => r.result.ok),
    notes: runs.flatMap((r) => (r.result.note ? [r.result.note] : [])),
    rounds: runs.length,
    throughput: median(throughputs),
    throughputs,
    unit: UNITS[first.scenario] ?? "per second",
    p50Ms: lat(50),
    p95Ms: lat(95),
    pickupMs: median(runs.map((r) => r.result.pickupMs ?? NaN)),
    requests: perUnit(medianCounts(runs.map((r) => r.counts.requests)), orchestrations),
    leasePerOrchestration: round(median(runs.map((r) => r.counts.lease.total)) / orchestrations, 2),
    cpuMsPerOrchestration: round(median(runs.map((r) => r.result.cpuMs)) / orchestrations, 1),
    peakRssMiB: round(median(runs.map((r) => r.result.peakRssBytes)) / 2 ** 20, 0),
    othersPercent: others.length > 0 ? median(others) : undefined,
  };
}

const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0
    ? undefined
    : round(a / b, 2);

const fmt = (x: number | undefined, digits = 1): string =>
  x === undefined || !Number.isFinite(x) ? "–" : String(round(x, digits));

const fmtRatio = (x: number | undefined): string => (x === undefined ? "–" : `${x}×`);

/** The targets of issue 21 part 3: throughput, storage requests and CPU of taskhub against DT.AS's. */
export function targets(scenarios: ScenarioComparison[]): Target[] {
  const out: Target[] = [];
  for (const s of scenarios) {
    const t = s.sides.taskhub;
    const d = s.sides.dtas;
    const e = s.sides.dtasExt;
    const row = (figure: string, target: string, r: number | undefined, ok: (r: number) => boolean): void => {
      out.push({
        scenario: s.scenario,
        figure,
        target,
        measured: fmtRatio(r),
        met: r === undefined || !t?.ok ? undefined : ok(r),
      });
    };
    row("throughput / DT.AS defaults", "≥ 1.5×", ratio(t?.throughput, d?.throughput), (r) => r >= 1.5);
    row(
      "throughput / DT.AS extended sessions",
      "≥ 1.2×",
      ratio(t?.throughput, e?.throughput),
      (r) => r >= 1.2,
    );
    row(
      "storage requests per orchestration / DT.AS defaults",
      "≤ 0.6×",
      ratio(t?.requests.total, d?.requests.total),
      (r) => r <= 0.6,
    );
    row(
      "CPU ms per orchestration / DT.AS defaults",
      "≤ 1×",
      ratio(t?.cpuMsPerOrchestration, d?.cpuMsPerOrchestration),
      (r) => r <= 1,
    );
  }
  return out;
}

export function markdown(r: PeerReport): string {
  const out: string[] = [];
  out.push(`# taskhub side by side with DT.AS (${r.mode} run)`, "");
  out.push(
    `\`${r.command}\`, ${r.startedAt}, ${r.durationSeconds} s; ${r.machine.cores} cores (${r.machine.cpuModel}), ${r.machine.memoryGiB} GiB, Node ${r.machine.node}, Azurite ${r.machine.azurite ?? "?"} on disk; DurableTask.AzureStorage ${r.versions.dtas} / DurableTask.Core ${r.versions.dtCore} on .NET.`,
    "",
    `Load: \`${r.machine.uptime}\` at the start. Each run: a fresh Azurite started the same way, one worker process (a client in the same process starts the instances), all storage requests counted by one proxy in front of Azurite (partition leases apart). ${r.rounds} round(s), runs interleaved in the order ${r.order.join(", ")} (rotated per scenario). Throughput: hello-sequence5 from the first start to the last completion; fan-out and sequential from the start's pickup; events from the first raise. CPU: the whole worker process (its client included) over the scenario. Each figure is the median of the rounds.`,
    "",
  );
  for (const s of r.scenarios) {
    out.push(`## ${s.scenario} (${s.count}${s.orchestrations > 1 ? " orchestrations" : ""})`, "");
    out.push(
      "| figure | DT.AS defaults | DT.AS extended sessions | taskhub | taskhub / DT.AS | taskhub / DT.AS ext. |",
    );
    out.push("|---|---:|---:|---:|---:|---:|");
    const d = s.sides.dtas;
    const e = s.sides.dtasExt;
    const t = s.sides.taskhub;
    const line = (
      name: string,
      get: (f: SideFigures) => number | undefined,
      digits = 1,
      show: (f: SideFigures | undefined) => string = (f) => fmt(f ? get(f) : undefined, digits),
    ): void => {
      const v = (f: SideFigures | undefined): number | undefined => (f ? get(f) : undefined);
      out.push(
        `| ${name} | ${show(d)} | ${show(e)} | ${show(t)} | ${fmtRatio(ratio(v(t), v(d)))} | ${fmtRatio(ratio(v(t), v(e)))} |`,
      );
    };
    // The median with the rounds' min and max beside it.
    const withRange = (f: SideFigures | undefined): string =>
      f && f.throughputs.length > 1
        ? `${fmt(f.throughput)} (${fmt(Math.min(...f.throughputs))}–${fmt(Math.max(...f.throughputs))})`
        : fmt(f?.throughput);
    line(`throughput (${t?.unit ?? d?.unit ?? ""}), median (min–max)`, (f) => f.throughput, 1, withRange);
    line("p50 start-to-completion ms", (f) => f.p50Ms, 0);
    line("p95 start-to-completion ms", (f) => f.p95Ms, 0);
    line("pickup ms", (f) => f.pickupMs, 0);
    line("storage requests / orchestration", (f) => f.requests.total, 2);
    line("… without GetMessages polls", (f) => f.requests.protocol, 2);
    line("lease requests / orchestration", (f) => f.leasePerOrchestration, 2);
    line("worker CPU ms / orchestration", (f) => f.cpuMsPerOrchestration);
    line("peak RSS MiB", (f) => f.peakRssMiB, 0);
    line("rest of the machine % of a core", (f) => f.othersPercent, 0);
    const notes = [d, e, t].flatMap((f, i) =>
      f && !f.ok ? [`${SIDES[i]!.label}: ${f.notes.join("; ")}`] : [],
    );
    if (notes.length > 0) out.push("", `Failed: ${notes.join(" / ")}`);
    out.push("", "Storage requests per orchestration by operation:", "");
    out.push("| operation | DT.AS defaults | DT.AS extended sessions | taskhub |");
    out.push("|---|---:|---:|---:|");
    const ops = [...new Set([d, e, t].flatMap((f) => (f ? Object.keys(f.requests.byOperation) : [])))].sort();
    for (const op of ops) {
      const v = (f: SideFigures | undefined): string => fmt(f?.requests.byOperation[op] ?? 0, 2);
      out.push(`| ${op} | ${v(d)} | ${v(e)} | ${v(t)} |`);
    }
    out.push("");
  }
  out.push("## Targets (one worker each)", "");
  out.push("| scenario | figure | target | measured | |");
  out.push("|---|---|---|---:|---|");
  for (const t of r.targets)
    out.push(
      `| ${t.scenario} | ${t.figure} | ${t.target} | ${t.measured} | ${t.met === undefined ? "n/a" : t.met ? "met" : "missed"} |`,
    );
  return out.join("\n");
}
