/**
 * How busy the machine was during one run: the load average before and after, and the CPU that processes
 * other than the bench's used meanwhile (from the run's CPU meter). A run on a busy machine says so: its
 * figures are low for reasons that are not the code's.
 */
import os from "node:os";
import { round } from "./measure.js";

export interface RunLoad {
  cores: number;
  /** os.loadavg() (1, 5, 15 min) just before the run and just after it. */
  loadBefore: number[];
  loadAfter: number[];
  /** Percent of one core used by processes other than Azurite, the driver and the workers. */
  othersPercent: number | undefined;
  busy: boolean;
  /** E.g. "busy: load 5.1 on 2 cores, other processes 80 % of a core". */
  verdict: string;
}

/** Other processes' CPU from this share of one core up makes a run busy. */
export const BUSY_OTHERS_PERCENT = 25;

export function loadNow(): number[] {
  return os.loadavg().map((l) => round(l, 2));
}

/**
 * Busy when other processes took at least a quarter of a core during the run. Where that cannot be measured
 * (no /proc), when the 1-minute load average before the run was above the core count: a weaker sign, since it
 * also counts the bench's own processes of the run before (both load averages are printed anyway).
 */
export function runLoad(loadBefore: number[], othersPercent: number | undefined): RunLoad {
  const cores = os.availableParallelism();
  const loadAfter = loadNow();
  const busy =
    othersPercent !== undefined ? othersPercent >= BUSY_OTHERS_PERCENT : (loadBefore[0] ?? 0) > cores;
  const others = othersPercent === undefined ? "" : `, other processes ${othersPercent} % of a core`;
  return {
    cores,
    loadBefore,
    loadAfter,
    othersPercent,
    busy,
    verdict: `${busy ? "busy" : "quiet"}: load ${loadBefore[0]} on ${cores} cores before, ${loadAfter[0]} after${others}`,
  };
}
