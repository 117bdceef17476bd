// The benchmark harness in quick mode (tiny numbers), as CI runs it: every scenario completes with 1 and 4
// worker processes and the JSON and markdown reports are written; and, in a second bench process run alongside,
// the storage-latency mode with 1 and 2 workers over 2 interleaved rounds (hello-sequence5 only, with a token
// ceiling measurement, to keep it short). Only the report's shape and counts are
// asserted, never a speed: the machine may be busy.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

interface Run {
  scenario: string;
  workers: number;
  status: string;
  note?: string;
  run?: number;
  figures: Record<string, number>;
  requests?: { total: number; protocol: number; byOperation: Record<string, number> };
  details?: { activitiesPerWorker?: number[] };
  load?: { cores: number; loadBefore: number[]; loadAfter: number[]; busy: boolean; verdict: string };
  storage?: { latencyMs: number; requests: number; peakInFlight: number; meanInFlight: number };
  runs?: number;
  range?: Record<string, [number, number]>;
}

interface QuickReport {
  mode: string;
  rounds: number;
  storageLatencyMs?: number;
  machine: { cores: number; memoryGiB: number; node: string };
  ceiling: { queueCyclesPerSecond: number; tableUpsertsPerSecond: number };
  workerCounts: number[];
  scenarios: Run[];
  runs: Run[];
  targets: { figure: string; target: string; measured: string; value: number | null; met: boolean | null }[];
}

const SCENARIOS = [
  "hello-sequence5",
  "fan-out-fan-in",
  "sequential",
  "external-events",
  "entity",
  "latency",
  "idle-cost",
  "fan-out-io",
  "fan-out-cpu",
];

/** Runs the bench with `args`; returns the JSON report, the markdown report and stdout. */
async function bench(args: string[]): Promise<{ report: QuickReport; markdown: string; stdout: string }> {
  const dir = mkdtempSync(join(tmpdir(), "taskhub-bench-"));
  const out = join(dir, "report.json");
  const md = join(dir, "report.md");
  const main = fileURLToPath(new URL("../dist/bench/main.js", import.meta.url));
  const child = spawn(process.execPath, [main, ...args, "--out", out, "--md", md], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  expect(code, stderr.slice(-4000)).toBe(0);
  return {
    report: JSON.parse(readFileSync(out, "utf8")) as QuickReport,
    markdown: readFileSync(md, "utf8"),
    stdout,
  };
}

function expectLoad(r: Run): void {
  expect(r.load, `${r.scenario}/${r.workers} run ${r.run}`).toBeDefined();
  expect(r.load!.cores).toBeGreaterThan(0);
  expect(r.load!.loadBefore).toHaveLength(3);
  expect(r.load!.loadAfter).toHaveLength(3);
  expect(r.load!.verdict).toMatch(r.load!.busy ? /^busy: load / : /^quiet: load /);
}

it.concurrent(
  "runs every scenario on small numbers and writes the report",
  async () => {
    const { report, markdown, stdout } = await bench(["--quick"]);
    expect(report.mode).toBe("quick");
    expect(report.rounds).toBe(1);
    expect(report.machine.cores).toBeGreaterThan(0);
    // Measured for half a second: on a loaded machine that may complete no cycle at all.
    expect(Number.isFinite(report.ceiling.queueCyclesPerSecond)).toBe(true);
    expect(report.ceiling.queueCyclesPerSecond).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(report.ceiling.tableUpsertsPerSecond)).toBe(true);
    expect(report.ceiling.tableUpsertsPerSecond).toBeGreaterThanOrEqual(0);
    expect(report.workerCounts).toEqual([1, 4]);
    for (const workers of [1, 4]) {
      for (const scenario of SCENARIOS) {
        const r = report.scenarios.find((s) => s.scenario === scenario && s.workers === workers);
        expect(r, `${scenario} with ${workers} workers`).toBeDefined();
        expect(r!.status, `${scenario}/${workers}: ${r!.note ?? ""}`).toBe("ok");
      }
      const hs5 = report.scenarios.find((s) => s.scenario === "hello-sequence5" && s.workers === workers)!;
      expect(hs5.requests!.total).toBeGreaterThan(0);
      expect(hs5.requests!.byOperation["queue.PutMessage"]).toBeGreaterThan(0);
      expect(hs5.figures.workerCpuMsPerOrchestration).toBeGreaterThan(0);
      // Every fan-out says how many activities each worker ran (all of them, once each or more when
      // redelivered), and when the first one ran.
      for (const [scenario, n] of [
        ["fan-out-fan-in", 20],
        ["fan-out-io", 24],
        ["fan-out-cpu", 24],
      ] as const) {
        const f = report.scenarios.find((s) => s.scenario === scenario && s.workers === workers)!;
        const split = f.details!.activitiesPerWorker!;
        expect(split, scenario).toHaveLength(workers);
        expect(
          split.reduce((a, b) => a + b, 0),
          scenario,
        ).toBeGreaterThanOrEqual(n);
        expect(f.figures.firstActivityMs, scenario).toBeGreaterThanOrEqual(0);
        expect(f.figures.workerCpuMsPerActivity, scenario).toBeGreaterThan(0);
      }
    }
    for (const workers of [1, 4]) {
      const entity = report.scenarios.find((s) => s.scenario === "entity" && s.workers === workers)!;
      expect(entity.figures.finalCount).toBe(20);
    }
    // One run each, with the machine's load beside it.
    expect(report.runs).toHaveLength(SCENARIOS.length * 2);
    for (const r of report.runs) {
      expect(r.run).toBe(1);
      expectLoad(r);
    }
    // The first orchestration after idle is measured both from another process and from inside a worker.
    const latency = report.scenarios.find((s) => s.scenario === "latency" && s.workers === 1)!;
    expect(latency.figures.firstAfterIdleMs).toBeGreaterThan(0);
    expect(latency.figures.firstAfterIdleInProcessMs).toBeGreaterThan(0);
    expect(report.targets.map((t) => t.figure)).toContain(
      "fan-out of I/O-bound activities, 4 workers vs 1 worker (activities/s)",
    );
    expect(report.targets.length).toBe(12);

    expect(stdout).toContain(markdown.trim());
    expect(markdown).toContain("| figure | target | measured |");
    expect(markdown).toContain("Azurite ceiling");
    expect(markdown).toContain("| scenario | workers | run | figure |");
    expect(markdown).toContain("activities per worker");
  },
  600_000,
);

it.concurrent(
  "runs hello-sequence5 behind a storage latency proxy, 2 interleaved rounds",
  async () => {
    const { report, markdown } = await bench([
      "--quick",
      "--storage-latency",
      "8",
      "--workers",
      "1,2",
      "--runs",
      "2",
      "--scenarios",
      "1",
      "--sizes",
      '{"ceilingMs":100,"ceilingBacklog":0}',
    ]);
    expect(report.rounds).toBe(2);
    expect(report.storageLatencyMs).toBe(8);
    // Rounds interleave the worker counts: 1, 2, 1, 2.
    const hs5Runs = report.runs.filter((r) => r.scenario === "hello-sequence5");
    expect(hs5Runs.map((r) => [r.run, r.workers])).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
      [2, 2],
    ]);
    for (const r of report.runs) {
      expect(r.status, `${r.scenario}/${r.workers} run ${r.run}: ${r.note ?? ""}`).toBe("ok");
      expectLoad(r);
      // Everything the workers and the client sent went through the proxy, some of it at the same time.
      expect(r.storage!.latencyMs).toBe(8);
      expect(r.storage!.peakInFlight).toBeGreaterThanOrEqual(1);
      expect(r.storage!.meanInFlight).toBeGreaterThan(0);
      expect(r.storage!.requests).toBeGreaterThanOrEqual(Math.floor(r.requests!.total * 10 - 0.5));
    }
    for (const workers of [1, 2]) {
      const s = report.scenarios.find((x) => x.scenario === "hello-sequence5" && x.workers === workers)!;
      expect(s.runs).toBe(2);
      const [min, max] = s.range!.orchestrationsPerSecond!;
      expect(s.figures.orchestrationsPerSecond).toBeGreaterThanOrEqual(min);
      expect(s.figures.orchestrationsPerSecond).toBeLessThanOrEqual(max);
      expect(s.figures.workerCpuMsPerOrchestration).toBeGreaterThan(0);
    }
    expect(report.runs).toHaveLength(4);
    const twoVsOne = report.targets.find(
      (t) => t.figure === "hello-sequence5 at 8 ms storage latency, 2 workers vs 1 worker",
    );
    expect(twoVsOne?.measured).toContain("median of 2 interleaved rounds");
    // No 4-worker runs: the 4-vs-1 target is shown without a figure.
    const fourVsOne = report.targets.find(
      (t) => t.figure === "hello-sequence5 at 8 ms storage latency, 4 workers vs 1 worker",
    );
    expect(fourVsOne?.value).toBeNull();
    expect(markdown).toContain("in flight peak");
  },
  600_000,
);
