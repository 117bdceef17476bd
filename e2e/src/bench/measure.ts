/** Small measuring helpers: percentiles, per-unit request splits, CPU time of processes. */
import { readFileSync } from "node:fs";
import type { RequestCounts } from "@taskhub/azure-storage";

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export interface RequestSplit {
  /** All requests (leases excluded), per unit. */
  total: number;
  /** Without GetMessages (polls), per unit: what the protocol itself needs. */
  protocol: number;
  byService: Record<string, number>;
  byOperation: Record<string, number>;
}

/** Requests per unit of work (per orchestration, per minute, ...). */
export function perUnit(c: RequestCounts, units: number, digits = 2): RequestSplit {
  const polls = c.byOperation["queue.GetMessages"] ?? 0;
  const map = (o: Record<string, number>): Record<string, number> =>
    Object.fromEntries(
      Object.entries(o)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, round(v / units, digits)]),
    );
  return {
    total: round(c.total / units, digits),
    protocol: round((c.total - polls) / units, digits),
    byService: map(c.byService),
    byOperation: map(c.byOperation),
  };
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far; undefined where /proc is unavailable. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  if (pid === process.pid) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[11] = utime, fields[12] = stime (fields 14 and 15 of stat(5), counted from state = field 3)
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** CPU seconds the whole machine has been busy (all cores, /proc/stat); undefined where unavailable. */
export function machineBusySeconds(): number | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return (user! + nice! + system! + irq! + softirq! + steal!) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/**
 * Measures how busy a set of named processes is over an interval (percent of one core), and how busy the
 * rest of the machine was meanwhile (`others`: anything but these processes, e.g. another job on a shared
 * machine, which makes the figures of that interval suspect).
 */
export class CpuMeter {
  private start: Record<string, number | undefined> = {};
  private machineStart: number | undefined;
  private t0 = 0;
  /** CPU milliseconds each process used over the last interval (`begin()` to `end()`). */
  lastCpuMs: Record<string, number> = {};

  constructor(private readonly pids: () => Record<string, number | undefined>) {}

  begin(): void {
    this.t0 = Date.now();
    this.start = Object.fromEntries(Object.entries(this.pids()).map(([k, pid]) => [k, cpuSeconds(pid)]));
    this.machineStart = machineBusySeconds();
  }

  /** Percent of one core per process over the interval since `begin()`, plus `others`. */
  end(): Record<string, number> {
    const wall = (Date.now() - this.t0) / 1000;
    const out: Record<string, number> = {};
    this.lastCpuMs = {};
    let ours = 0;
    for (const [k, pid] of Object.entries(this.pids())) {
      const a = this.start[k];
      const b = cpuSeconds(pid);
      if (a !== undefined && b !== undefined && wall > 0) {
        this.lastCpuMs[k] = Math.round((b - a) * 1000);
        out[k] = Math.round(((b - a) / wall) * 100);
        ours += b - a;
      }
    }
    const m = machineBusySeconds();
    if (this.machineStart !== undefined && m !== undefined && wall > 0)
      out.others = Math.max(0, Math.round(((m - this.machineStart - ours) / wall) * 100));
    return out;
  }
}
