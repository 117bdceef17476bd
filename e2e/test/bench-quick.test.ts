// The benchmark harness in quick mode (tiny numbers), as CI runs it: every scenario completes with 1 and 4
// worker processes and the JSON and markdown reports are written. No timing is asserted.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

interface QuickReport {
  mode: string;
  machine: { cores: number; memoryGiB: number; node: string };
  ceiling: { queueCyclesPerSecond: number; tableUpsertsPerSecond: number };
  workerCounts: number[];
  scenarios: {
    scenario: string;
    workers: number;
    status: string;
    note?: string;
    figures: Record<string, number>;
    requests?: { total: number; byOperation: Record<string, number> };
  }[];
  targets: { figure: string; target: string; measured: string }[];
}

const SCENARIOS = [
  "hello-sequence5",
  "fan-out-fan-in",
  "sequential",
  "external-events",
  "entity",
  "latency",
  "idle-cost",
];

it("runs every scenario on small numbers and writes the report", async () => {
  const dir = mkdtempSync(join(tmpdir(), "taskhub-bench-"));
  const out = join(dir, "report.json");
  const md = join(dir, "report.md");
  const main = fileURLToPath(new URL("../dist/bench/main.js", import.meta.url));
  const child = spawn(process.execPath, [main, "--quick", "--out", out, "--md", md], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  expect(code, stderr.slice(-4000)).toBe(0);

  const report = JSON.parse(readFileSync(out, "utf8")) as QuickReport;
  expect(report.mode).toBe("quick");
  expect(report.machine.cores).toBeGreaterThan(0);
  expect(report.ceiling.queueCyclesPerSecond).toBeGreaterThan(0);
  expect(report.ceiling.tableUpsertsPerSecond).toBeGreaterThan(0);
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
  }
  for (const workers of [1, 4]) {
    const entity = report.scenarios.find((s) => s.scenario === "entity" && s.workers === workers)!;
    expect(entity.figures.finalCount).toBe(20);
  }
  // The first orchestration after idle is measured both from another process and from inside a worker.
  const latency = report.scenarios.find((s) => s.scenario === "latency" && s.workers === 1)!;
  expect(latency.figures.firstAfterIdleMs).toBeGreaterThan(0);
  expect(latency.figures.firstAfterIdleInProcessMs).toBeGreaterThan(0);
  expect(report.targets.length).toBe(11);

  const markdown = readFileSync(md, "utf8");
  expect(stdout).toContain(markdown.trim());
  expect(markdown).toContain("| figure | target | measured |");
  expect(markdown).toContain("Azurite ceiling");
}, 180_000);
