/**
 * Figures over several runs: each figure's median with its min and max, and ratios between worker counts
 * taken run by run from interleaved rounds (round r's 4-worker figure over round r's 1-worker figure), so that
 * a drift of the machine over time falls on both sides of a ratio.
 */
import type { ScenarioResult } from "./context.js";
import { round } from "./measure.js";

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  values: number[];
}

export function spread(values: number[], digits = 2): Spread {
  return {
    median: round(median(values), digits),
    min: Math.min(...values),
    max: Math.max(...values),
    values,
  };
}

/** The figure each scenario is judged by, used to pick the run whose other numbers stand for the scenario. */
const HEADLINE: Record<string, string> = {
  "hello-sequence5": "orchestrationsPerSecond",
  "fan-out-fan-in": "activitiesPerSecond",
  "fan-out-io": "activitiesPerSecond",
  "fan-out-cpu": "activitiesPerSecond",
  sequential: "activitiesPerSecond",
  "external-events": "eventsPerSecond",
  entity: "operationsPerSecond",
};

/**
 * One result per scenario and worker count: figures are medians over the successful runs, with `range`
 * [min, max] beside each and `runs` the number of runs; requests, CPU and details are those of the run whose
 * headline figure is the median one (or the first). A scenario none of whose runs succeeded stays as its
 * first failed run.
 */
export function summarize(results: ScenarioResult[]): ScenarioResult[] {
  const groups = new Map<string, ScenarioResult[]>();
  for (const r of results) {
    const k = `${r.scenario}/${r.workers}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()].map((all) => {
    const ok = all.filter((r) => r.status === "ok");
    if (ok.length === 0) return { ...all[0]!, runs: all.length };
    const keys = new Set(ok.flatMap((r) => Object.keys(r.figures)));
    const figures: Record<string, number> = {};
    const range: Record<string, [number, number]> = {};
    for (const k of keys) {
      const v = ok.map((r) => r.figures[k]).filter((x): x is number => x !== undefined && !Number.isNaN(x));
      if (v.length === 0) continue;
      const s = spread(v);
      figures[k] = s.median;
      range[k] = [s.min, s.max];
    }
    const head = HEADLINE[all[0]!.scenario];
    const byHead = head ? [...ok].sort((a, b) => (a.figures[head] ?? 0) - (b.figures[head] ?? 0)) : ok;
    const representative = byHead[Math.floor((byHead.length - 1) / 2)]!;
    const failed = all.length - ok.length;
    return {
      ...representative,
      figures,
      range,
      runs: ok.length,
      run: undefined,
      note: failed > 0 ? `${failed} of ${all.length} runs failed` : representative.note,
    };
  });
}

/**
 * `key` of `scenario` with `workers` over the same with `base` workers, per round in which both succeeded;
 * undefined when no round has both.
 */
export function interleavedRatio(
  results: ScenarioResult[],
  scenario: string,
  key: string,
  workers: number,
  base: number,
): Spread | undefined {
  const of = (w: number, run: number | undefined): number | undefined =>
    results.find((r) => r.scenario === scenario && r.workers === w && r.run === run && r.status === "ok")
      ?.figures[key];
  const ratios: number[] = [];
  for (const r of results) {
    if (r.scenario !== scenario || r.workers !== workers || r.status !== "ok") continue;
    const a = r.figures[key];
    const b = of(base, r.run);
    if (a !== undefined && b !== undefined && b > 0) ratios.push(round(a / b, 2));
  }
  return ratios.length > 0 ? spread(ratios) : undefined;
}
