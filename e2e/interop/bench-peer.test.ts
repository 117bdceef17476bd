// The side-by-side bench (`npm run bench -- --peer dtf`) at tiny sizes, as the interop run keeps it working
// where .NET is present: every scenario runs on DT.AS (defaults and extended sessions) and on taskhub, the
// counting proxy saw each side's storage requests, and the report is written. No speed is asserted.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

interface Figures {
  ok: boolean;
  notes: string[];
  throughput: number;
  p50Ms: number;
  requests: { total: number; protocol: number; byOperation: Record<string, number> };
  cpuMsPerOrchestration: number;
  peakRssMiB: number;
}

interface PeerReport {
  mode: string;
  machine: { cores: number; uptime: string };
  versions: { dtas: string; dtCore: string };
  scenarios: { scenario: string; count: number; sides: Record<string, Figures> }[];
  targets: { scenario: string; figure: string; met: boolean | undefined }[];
}

const SCENARIOS = ["hello-sequence5", "fan-out-fan-in", "sequential", "external-events"];
const SIDES = ["dtas", "dtasExt", "taskhub"];

it("runs every scenario on DT.AS and taskhub at tiny sizes and writes the side-by-side report", async () => {
  const dir = mkdtempSync(join(tmpdir(), "taskhub-bench-peer-"));
  const out = join(dir, "report.json");
  const md = join(dir, "report.md");
  const main = fileURLToPath(new URL("../dist/bench/main.js", import.meta.url));
  const child = spawn(process.execPath, [main, "--peer", "dtf", "--quick", "--out", out, "--md", md], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  expect(code, stderr.slice(-4000)).toBe(0);

  const report = JSON.parse(readFileSync(out, "utf8")) as PeerReport;
  expect(report.mode).toBe("quick");
  expect(report.machine.uptime).toContain("load average");
  expect(report.versions.dtas).toBe("2.11.3");
  expect(report.scenarios.map((s) => s.scenario)).toEqual(SCENARIOS);
  for (const s of report.scenarios)
    for (const side of SIDES) {
      const f = s.sides[side];
      const what = `${s.scenario} on ${side}`;
      expect(f, what).toBeDefined();
      expect(f!.ok, `${what}: ${f!.notes.join("; ")}`).toBe(true);
      expect(f!.throughput, what).toBeGreaterThan(0);
      expect(f!.p50Ms, what).toBeGreaterThan(0);
      expect(f!.cpuMsPerOrchestration, what).toBeGreaterThan(0);
      expect(f!.peakRssMiB, what).toBeGreaterThan(0);
      // The proxy saw this side's work: messages sent and history written.
      expect(f!.requests.total, what).toBeGreaterThan(0);
      expect(f!.requests.byOperation["queue.PutMessage"], what).toBeGreaterThan(0);
      expect(f!.requests.byOperation["table.Batch"], what).toBeGreaterThan(0);
    }
  expect(report.targets).toHaveLength(SCENARIOS.length * 4);
  for (const t of report.targets) expect(typeof t.met, `${t.scenario} ${t.figure}`).toBe("boolean");

  const markdown = readFileSync(md, "utf8");
  expect(stdout).toContain(markdown.trim());
  expect(markdown).toContain("| figure | DT.AS defaults | DT.AS extended sessions | taskhub |");
  expect(markdown).toContain("## Targets");
}, 1_200_000);
