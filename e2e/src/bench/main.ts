/**
 * The benchmark of issue 8: `npm run bench` (or `node e2e/dist/bench/main.js`).
 *
 *   --quick                 tiny numbers (CI): checks every scenario completes and the report is written
 *   --runs <n>              rounds of the throughput scenarios (1-5, 8, 9), worker counts interleaved in each
 *                           (1,4,1,4,...); figures are medians with min and max (default 3, quick 1)
 *   --storage-latency <ms>  put a proxy in front of Azurite that forwards every request after <ms> (as a real
 *                           storage account's latency); it reports requests in flight per run
 *   --out <file>            JSON report (default bench-report.json)
 *   --md <file>             also write the markdown report there
 *   --workers 1,4           worker process counts (default 1,4)
 *   --scenarios 1,2,...,9   which scenarios (default all; 8 and 9 are the I/O- and CPU-bound fan-outs)
 *   --sizes <json>          scenario sizes beyond the mode's, e.g. '{"helloSequence5":100}' (keys of Sizes in context.ts)
 *   --settings <json>       provider settings beyond the defaults, e.g. '{"partitionManagement":"table"}'
 *   --worker-options <json> TaskHubWorker options beyond the defaults, e.g. '{"maxConcurrentActivities":32}'
 *   --cpu-prof <dir>        run the worker processes with --cpu-prof, profiles written to <dir>
 *   --azurite-prof <dir>    run Azurite with --cpu-prof, its profile written to <dir> when it stops
 *   --azurite disk|memory   where Azurite keeps its data (default disk, in a temporary directory: the
 *                           in-memory store stalls for seconds to minutes under queue load, see BENCHMARKS.md)
 *   --peer dtf              instead: taskhub side by side with DT.AS (its own arguments: peer/main.ts)
 *
 * For each round and, within it, each worker count: starts a fresh Azurite (its capacity, the ceiling, measured
 * in the first round), starts that many real worker processes on a new task hub and runs the scenarios one
 * after another, then stops it all. Scenarios 6 and 7 (latency after idle, idle cost) run in the last round
 * only. Progress goes to stderr, the markdown report to stdout. Exits 1 when a scenario fails (targets missed
 * do not fail it).
 */
import { rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { startAzurite } from "@taskhub/azurite";
import { startFaultProxies } from "../fault-proxy.js";
import { summarize } from "./aggregate.js";
import { measureCeiling, type Ceiling } from "./ceiling.js";
import type { ScenarioResult } from "./context.js";
import { machineInfo } from "./machine.js";
import { CpuMeter } from "./measure.js";
import { markdown } from "./markdown.js";
import { protocolFigures, type Report } from "./report.js";
import { targetRows } from "./targets.js";
import { log } from "./log.js";
import { parseArgs, sizesOf } from "./options.js";
import { runWorkers } from "./scenario-runs.js";

async function main(): Promise<number> {
  if (process.argv.includes("--peer"))
    return (await import("./peer/main.js")).peerMain(process.argv.slice(2));
  const args = parseArgs(process.argv.slice(2));
  const sizes = sizesOf(args);
  const runs = args.runs ?? (args.quick ? 1 : 3);
  const started = Date.now();
  const tag = started.toString(36);
  const machine = machineInfo();
  log(
    `${args.quick ? "quick" : "full"} run on ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}; Azurite on ${args.azurite}; ${runs} round(s)` +
      (args.storageLatencyMs !== undefined ? `; storage latency ${args.storageLatencyMs} ms` : ""),
  );
  // On a shared machine, say so when something else is busy: it shifts every figure.
  const idle = new CpuMeter(() => ({}));
  idle.begin();
  await new Promise((r) => setTimeout(r, 2000));
  const busyBefore = idle.end().others;
  if (busyBefore !== undefined && busyBefore > 30)
    log(`warning: the machine is already ${busyBefore} % busy (of one core) with other work`);
  const all: ScenarioResult[] = [];
  const partial: Pick<Report, "ownership"> = { ownership: {} };
  const ceilings: Record<string, Ceiling> = {};
  // Rounds interleave the worker counts (1, 4, 1, 4, ...) so that ratios compare runs made close in time.
  for (let run = 1; run <= runs; run++) {
    for (const count of args.workers) {
      // A fresh Azurite per worker count and round, so that no run inherits another's data.
      const azurite = await startAzurite({
        // A loaded machine can take well over the default 30 s to start it; the bench waits rather than fail.
        startTimeoutMs: 180_000,
        ...(args.azurite === "memory" ? {} : { inMemory: false }),
        ...(args.azuriteProf ? { execArgv: ["--cpu-prof", `--cpu-prof-dir=${args.azuriteProf}`] } : {}),
      });
      const proxies =
        args.storageLatencyMs !== undefined
          ? await startFaultProxies(azurite, { latencyMs: args.storageLatencyMs })
          : undefined;
      try {
        if (run === 1) {
          // Azurite's own capacity, without the latency proxy.
          log(`Azurite ceiling: measuring (${sizes.ceilingMs / 1000} s each)`);
          const meter = new CpuMeter(() => ({ azurite: azurite.pid, driver: process.pid }));
          meter.begin();
          ceilings[count] = {
            ...(await measureCeiling(azurite.connectionString, sizes.ceilingMs, 32, sizes.ceilingBacklog)),
            cpu: meter.end(),
          };
          log(`Azurite ceiling: ${JSON.stringify(ceilings[count])}`);
        }
        const storage = {
          connectionString: proxies?.connectionString ?? azurite.connectionString,
          azuritePid: azurite.pid,
          gauge: proxies?.gauge,
          latencyMs: args.storageLatencyMs,
        };
        all.push(
          ...(await runWorkers(args, storage, count, `${tag}r${run}`, partial, { run, last: run === runs })),
        );
      } finally {
        await proxies?.stop();
        await azurite.stop();
        if (azurite.location) rmSync(azurite.location, { recursive: true, force: true });
      }
    }
  }
  const scenarios = summarize(all);
  const ceiling = ceilings[args.workers[0]!]!;
  const base = { scenarios, runs: all, ceiling, ceilings, storageLatencyMs: args.storageLatencyMs };
  const { rows, hs5Ceiling } = targetRows(base);
  const report: Report = {
    command:
      process.argv.length > 2 ? `npm run bench -- ${process.argv.slice(2).join(" ")}` : "npm run bench",
    mode: args.quick ? "quick" : "full",
    startedAt: new Date(started).toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine: { ...machine, busyBeforeStartPercent: busyBefore },
    settings: { provider: args.settings, worker: args.workerOptions },
    azurite: args.azurite,
    rounds: runs,
    storageLatencyMs: args.storageLatencyMs,
    ceiling,
    ceilings,
    workerCounts: args.workers,
    ownership: partial.ownership,
    scenarios,
    runs: all,
    protocol: protocolFigures(scenarios, sizes),
    helloSequence5Ceiling: hs5Ceiling,
    targets: rows,
  };
  const md = markdown(report);
  process.stdout.write(md + "\n");
  writeFileSync(args.out, JSON.stringify(report, null, 2) + "\n");
  if (args.md) writeFileSync(args.md, md + "\n");
  log(`report written to ${resolve(args.out)}${args.md ? ` and ${resolve(args.md)}` : ""}`);
  const failed = all.filter((s) => s.status === "failed");
  return failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`failed: ${(err as Error)?.stack ?? String(err)}`);
    process.exit(1);
  },
);
