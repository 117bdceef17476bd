/**
 * What a side-by-side runner process (taskhub-runner.ts, or the DT.AS peer's bench mode in
 * e2e/dtf-peer/BenchMode.cs) takes on its command line and prints as its result line.
 */

export const PEER_SCENARIOS = ["hello-sequence5", "fan-out-fan-in", "sequential", "external-events"] as const;
export type PeerScenario = (typeof PEER_SCENARIOS)[number];

export interface RunnerArgs {
  scenario: string;
  count: number;
  hub: string;
  /** Warm-up hello-sequence5 instances before the measured scenario (every partition owned, code warm). */
  warmup: number;
  timeoutMs: number;
}

export function parseRunnerArgs(argv: string[]): RunnerArgs {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const scenario = get("--scenario");
  const count = Number(get("--count"));
  if (!scenario) throw new Error("--scenario is required");
  if (!Number.isInteger(count) || count <= 0) throw new Error("--count must be a positive integer");
  return {
    scenario,
    count,
    hub: get("--hub") ?? "benchtaskhub",
    warmup: Number(get("--warmup") ?? 32),
    timeoutMs: Number(get("--timeout-seconds") ?? 600) * 1000,
  };
}

/** The scenario's own figures (the process adds runtime, scenario, count, cpuMs, peakRssBytes). */
export interface RunnerResult {
  ok: boolean;
  note?: string;
  /** Orchestrations (hello-sequence5), activities (fan-out, sequential) or events per second. */
  throughput?: number;
  /** The measured span: hello-sequence5 from the first start; fan-out and sequential from the start's pickup; events from the first raise. */
  seconds?: number;
  /** From the (first) start request to its pickup by the worker. */
  pickupMs?: number;
  /** Start-to-completion of each instance. */
  latenciesMs?: number[];
}

/** The line a runner prints when the scenario is done. */
export interface RunnerResultLine extends RunnerResult {
  event: "result";
  runtime: string;
  scenario: string;
  count: number;
  /** CPU (user + system) of the whole process over the scenario, its client's part included. */
  cpuMs: number;
  peakRssBytes: number;
}

export function runnerFigures(
  throughput: number,
  ms: number,
  pickupMs: number,
  latencies: number[],
  failure: string | undefined,
): RunnerResult {
  return {
    ok: failure === undefined,
    ...(failure === undefined ? {} : { note: failure }),
    throughput: Math.round(throughput * 10) / 10,
    seconds: Math.round(ms / 10) / 100,
    pickupMs: Math.round(pickupMs),
    latenciesMs: latencies.map((l) => Math.round(l)),
  };
}
