/**
 * The report: every figure beside its target from issue 8, as JSON (this shape) and as a markdown table
 * (markdown.ts: stdout, BENCHMARKS.md). Targets hold for a full run on a 2-core machine with Azurite on it; a
 * quick run shows them but its numbers are too small to compare. Here the figures the report derives from the
 * scenarios' results; the target rows are targets.ts's.
 */
import type { Ceiling } from "./ceiling.js";
import type { ScenarioResult } from "./context.js";
import type { MachineInfo } from "./machine.js";
import { dtfFanOutFanIn, dtfSequence, type ProtocolFigure } from "./protocol.js";

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
