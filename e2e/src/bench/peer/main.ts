/**
 * `npm run bench -- --peer dtf`: taskhub side by side with DurableTask.AzureStorage (the .NET peer in
 * e2e/dtf-peer, its bench mode), on hello-sequence5, fan-out/fan-in, sequential and external events.
 *
 *   --quick             tiny numbers (CI): checks that both sides run and the report is written
 *   --scale <f>         the full sizes (500, 1000, 100, 500) times f, e.g. 0.2
 *   --rounds <n>        interleaved rounds (default 1); each figure is the median of the rounds
 *   --scenarios a,b     which of hello-sequence5, fan-out-fan-in, sequential, external-events (default all)
 *   --out <file>        JSON report (default bench-peer-report.json)
 *   --md <file>         also write the markdown report there
 *
 * Needs the .NET SDK (the peer is built with `dotnet build`, incrementally). Each run of each side gets a
 * fresh Azurite behind the same counting proxy (run-side.ts). The markdown report goes to stdout, progress to
 * stderr. Exits 1 when a run fails (targets missed do not fail it).
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { uptime } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { FULL, QUICK } from "../context.js";
import { machineInfo } from "../machine.js";
import {
  markdown,
  orchestrationsOf,
  sideFigures,
  SIDES,
  targets,
  type PeerReport,
  type ScenarioComparison,
  type SideKey,
} from "./report.js";
import { runSide, type SideCommand, type SideRun } from "./run-side.js";
import { PEER_SCENARIOS, type PeerScenario } from "./runner-protocol.js";
import { readFlags, wholeNumber } from "../args.js";

const PROJECT = fileURLToPath(new URL("../../../dtf-peer/dtf-peer.csproj", import.meta.url));
const PEER_DLL = fileURLToPath(
  new URL("../../../dtf-peer/bin/Release/net10.0/dtf-peer.dll", import.meta.url),
);
const RUNNER = fileURLToPath(new URL("./taskhub-runner.js", import.meta.url));
const HUB = "benchpeer";

interface PeerArgs {
  quick: boolean;
  scale: number;
  rounds: number;
  scenarios: PeerScenario[];
  out: string;
  md: string | undefined;
}

function parse(argv: string[]): PeerArgs {
  const f = readFlags(
    argv,
    {
      peer: "string",
      quick: "boolean",
      scale: "string",
      rounds: "string",
      scenarios: "string",
      out: "string",
      md: "string",
    },
    "the top of e2e/src/bench/peer/main.ts",
  );
  if (f.peer !== "dtf") throw new Error(`--peer takes dtf (DurableTask.AzureStorage), not ${f.peer}`);
  const scale = f.scale === undefined ? 1 : Number(f.scale);
  if (!(scale > 0)) throw new Error("--scale takes a positive number");
  let scenarios = [...PEER_SCENARIOS];
  if (f.scenarios !== undefined) {
    const names = f.scenarios.split(",").map((s) => s.trim());
    const bad = names.filter((n) => !(PEER_SCENARIOS as readonly string[]).includes(n));
    if (bad.length > 0) throw new Error(`unknown scenario ${bad.join(", ")} (${PEER_SCENARIOS.join(", ")})`);
    scenarios = names as PeerScenario[];
  }
  return {
    quick: f.quick ?? false,
    scale,
    rounds: f.rounds === undefined ? 1 : wholeNumber("--rounds", f.rounds, 1),
    scenarios,
    out: f.out ?? "bench-peer-report.json",
    md: f.md,
  };
}

function sizeOf(scenario: PeerScenario, a: PeerArgs): number {
  const s = a.quick ? QUICK : FULL;
  const n = {
    "hello-sequence5": s.helloSequence5,
    "fan-out-fan-in": s.fanOut,
    sequential: s.sequential,
    "external-events": s.events,
  }[scenario];
  return a.quick ? n : Math.max(1, Math.round(n * a.scale));
}

const log = (message: string): void => {
  process.stderr.write(`[bench-peer ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

/** Builds the peer (incremental); a clear error without .NET. */
function buildPeer(): void {
  const version = spawnSync("dotnet", ["--version"], { encoding: "utf8" });
  if (version.error || version.status !== 0)
    throw new Error(
      "--peer dtf needs the .NET SDK 10 (`dotnet`) to build the DT.AS peer (e2e/dtf-peer): install dotnet-sdk-10.0",
    );
  log("building the DT.AS peer (dotnet build, incremental)");
  const build = spawnSync(
    "dotnet",
    ["build", PROJECT, "-c", "Release", "-nologo", "-v", "quiet", "-clp:ErrorsOnly"],
    {
      encoding: "utf8",
      timeout: 600_000,
    },
  );
  if (build.status !== 0)
    throw new Error(`building the DT.AS peer failed:\n${build.stdout}\n${build.stderr}`);
}

/** The pinned package versions of the peer's project file. */
function peerVersions(): { dtas: string; dtCore: string } {
  const xml = readFileSync(PROJECT, "utf8");
  const v = (name: string): string =>
    new RegExp(`Include="${name.replace(/\./g, "\\.")}" Version="([^"]+)"`).exec(xml)?.[1] ?? "?";
  return {
    dtas: v("Microsoft.Azure.DurableTask.AzureStorage"),
    dtCore: v("Microsoft.Azure.DurableTask.Core"),
  };
}

function sideCommand(key: SideKey): SideCommand {
  const label = SIDES.find((s) => s.key === key)!.label;
  if (key === "taskhub") return { key, label, command: process.execPath, args: [RUNNER, "--hub", HUB] };
  return {
    key,
    label,
    command: "dotnet",
    args: [PEER_DLL, "bench", "--hub", HUB, ...(key === "dtasExt" ? ["--extended-sessions"] : [])],
  };
}

export async function peerMain(argv: string[]): Promise<number> {
  const args = parse(argv);
  const started = Date.now();
  const load = spawnSync("uptime", { encoding: "utf8" }).stdout?.trim() || `up ${Math.round(uptime())} s`;
  const machine = { ...machineInfo(), uptime: load };
  log(`${args.quick ? "quick" : "full"} run on ${machine.cores} cores; ${load}`);
  buildPeer();
  const warmup = args.quick ? 8 : 32;
  const timeoutSeconds = args.quick ? 120 : 600;
  const runs: SideRun[] = [];
  for (let round = 0; round < args.rounds; round++)
    for (const [i, scenario] of args.scenarios.entries()) {
      const count = sizeOf(scenario, args);
      // Interleaved: every scenario of every round rotates which runtime goes first.
      const order = SIDES.map((_, k) => SIDES[(k + round + i) % SIDES.length]!.key);
      for (const key of order) {
        const side = sideCommand(key);
        log(`round ${round + 1}/${args.rounds} ${scenario} ${count}: ${side.label}`);
        const run = await runSide(side, { scenario, count, warmup, timeoutSeconds, log });
        const req = run.counts.requests.total / orchestrationsOf(scenario, count);
        log(
          `${side.label} ${scenario}: ${run.result.ok ? "ok" : `FAILED (${run.result.note})`} ${run.result.throughput}/s, cpu ${run.result.cpuMs} ms, requests/orchestration ${req.toFixed(1)}`,
        );
        runs.push(run);
      }
    }
  const scenarios: ScenarioComparison[] = args.scenarios.map((scenario) => {
    const count = sizeOf(scenario, args);
    const sides: ScenarioComparison["sides"] = {};
    for (const s of SIDES) {
      const mine = runs.filter((r) => r.scenario === scenario && r.key === s.key);
      if (mine.length > 0) sides[s.key] = sideFigures(mine);
    }
    return { scenario, count, orchestrations: orchestrationsOf(scenario, count), sides };
  });
  const report: PeerReport = {
    command: `npm run bench -- ${argv.join(" ")}`,
    mode: args.quick ? "quick" : "full",
    startedAt: new Date(started).toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine,
    versions: peerVersions(),
    rounds: args.rounds,
    order: SIDES.map((s) => s.label),
    scenarios,
    targets: targets(scenarios),
    runs,
  };
  const md = markdown(report);
  process.stdout.write(md + "\n");
  writeFileSync(args.out, JSON.stringify(report, null, 2) + "\n");
  if (args.md) writeFileSync(args.md, md + "\n");
  log(`report written to ${resolve(args.out)}${args.md ? ` and ${resolve(args.md)}` : ""}`);
  return runs.every((r) => r.result.ok) ? 0 : 1;
}
