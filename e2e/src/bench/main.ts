/**
 * The benchmark of issue 8: `npm run bench` (or `node e2e/dist/bench/main.js`).
 *
 *   --quick                 tiny numbers (CI): checks every scenario completes and the report is written
 *   --out <file>            JSON report (default bench-report.json)
 *   --md <file>             also write the markdown report there
 *   --workers 1,4           worker process counts (default 1,4)
 *   --scenarios 1,2,...,7   which scenarios (default all)
 *   --settings <json>       provider settings beyond the defaults, e.g. '{"partitionManagement":"table"}'
 *   --worker-options <json> TaskHubWorker options beyond the defaults, e.g. '{"maxConcurrentActivities":32}'
 *   --cpu-prof <dir>        run the worker processes with --cpu-prof, profiles written to <dir>
 *   --azurite-prof <dir>    run Azurite with --cpu-prof, its profile written to <dir> when it stops
 *   --azurite disk|memory   where Azurite keeps its data (default disk, in a temporary directory: the
 *                           in-memory store stalls for seconds to minutes under queue load, see BENCHMARKS.md)
 *   --peer dtf              instead: taskhub side by side with DT.AS (its own arguments: peer/main.ts)
 *
 * For each worker count: starts a fresh Azurite, measures its capacity (the ceiling), starts that many real
 * worker processes on a new task hub and runs the scenarios one after another, then stops it all. Progress goes to
 * stderr, the markdown report to stdout. Exits 1 when a scenario fails (targets missed do not fail it).
 */
import { rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { TaskHubClient } from "@taskhub/core";
import { AzureStorageOrchestrationService, SETTING_DEFAULTS } from "@taskhub/azure-storage";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { measureCeiling, type Ceiling } from "./ceiling.js";
import { FULL, QUICK, type BenchContext, type ScenarioResult } from "./context.js";
import { machineInfo } from "./machine.js";
import { CpuMeter } from "./measure.js";
import { markdown, protocolFigures, targetRows, type Report } from "./report.js";
import { entitySignals } from "./scenarios/entity.js";
import { externalEvents } from "./scenarios/events.js";
import { fanOutFanIn } from "./scenarios/fan-out.js";
import { helloSequence5 } from "./scenarios/hello-sequence.js";
import { idleCost } from "./scenarios/idle-cost.js";
import { firstAfterIdle, idleLatency } from "./scenarios/latency.js";
import { sequential } from "./scenarios/sequential.js";
import { WorkerPool, warningsBetween } from "./workers.js";

interface Args {
  quick: boolean;
  out: string;
  md: string | undefined;
  workers: number[];
  scenarios: Set<number>;
  settings: Record<string, unknown>;
  workerOptions: Record<string, unknown>;
  cpuProf: string | undefined;
  azuriteProf: string | undefined;
  azurite: "disk" | "memory";
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    quick: false,
    out: "bench-report.json",
    md: undefined,
    workers: [1, 4],
    scenarios: new Set([1, 2, 3, 4, 5, 6, 7]),
    settings: {},
    workerOptions: {},
    cpuProf: undefined,
    azuriteProf: undefined,
    azurite: "disk",
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const list = (s: string): number[] =>
      s
        .split(",")
        .map((x) => Number(x.trim()))
        .filter((x) => Number.isInteger(x) && x > 0);
    switch (flag) {
      case "--quick":
        a.quick = true;
        break;
      case "--out":
        a.out = value();
        break;
      case "--md":
        a.md = value();
        break;
      case "--workers":
        a.workers = list(value());
        break;
      case "--scenarios":
        a.scenarios = new Set(list(value()));
        break;
      case "--settings":
        a.settings = JSON.parse(value()) as Record<string, unknown>;
        break;
      case "--worker-options":
        a.workerOptions = JSON.parse(value()) as Record<string, unknown>;
        break;
      case "--cpu-prof":
        a.cpuProf = resolve(value());
        break;
      case "--azurite-prof":
        a.azuriteProf = resolve(value());
        break;
      case "--azurite": {
        const v = value();
        if (v !== "disk" && v !== "memory") throw new Error("--azurite takes disk or memory");
        a.azurite = v;
        break;
      }
      default:
        throw new Error(`unknown argument ${flag} (see the top of e2e/src/bench/main.ts)`);
    }
  }
  return a;
}

const log = (message: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

async function runWorkers(
  args: Args,
  azurite: AzuriteInstance,
  count: number,
  tag: string,
  report: Pick<Report, "ownership">,
): Promise<ScenarioResult[]> {
  const sizes = args.quick ? QUICK : FULL;
  const hub = `bench${count}w${tag}`;
  const pool = new WorkerPool({
    count,
    connectionString: azurite.connectionString,
    hub,
    settings: args.settings,
    workerOptions: args.workerOptions,
    execArgv: args.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${args.cpuProf}`] : [],
    log,
  });
  const results: ScenarioResult[] = [];
  const clientSettings = {
    taskHubName: hub,
    storage: { connectionString: azurite.connectionString },
    partitionCount: args.settings.partitionCount as number | undefined,
  };
  const clientService = new AzureStorageOrchestrationService(clientSettings);
  const watcherService = new AzureStorageOrchestrationService(clientSettings);
  try {
    log(`${count} worker process(es) on hub ${hub}: starting`);
    await pool.start();
    if (args.settings.partitionManagement !== "all") {
      // A full run waits for an even split so that 4 workers really share the work; quick runs only need owners.
      const partitions =
        (args.settings.partitionCount as number | undefined) ?? SETTING_DEFAULTS.partitionCount;
      const balanced = !args.quick && count > 1;
      const own = await pool.waitForOwnership(partitions, balanced, 180_000).catch(async (err: unknown) => {
        // Not fatal: run on whatever split the leases reached, and say so.
        log(`${(err as Error).message}; running anyway`);
        return { ms: -1, owned: (await pool.stats()).perWorker.map((w) => w.owned) };
      });
      report.ownership[`${count}`] = own;
      log(`partitions owned after ${own.ms} ms: ${JSON.stringify(own.owned)}`);
    }
    // The clients create the hub lazily on first use; do it now so that it is not counted as the work's.
    await Promise.all([clientService.createIfNotExists(), watcherService.createIfNotExists()]);
    const ctx: BenchContext = {
      workers: count,
      pool,
      client: new TaskHubClient(clientService),
      clientService,
      watcher: new TaskHubClient(watcherService),
      sizes,
      cpu: new CpuMeter(() => ({
        azurite: azurite.pid,
        driver: process.pid,
        ...Object.fromEntries(pool.workers.map((w, i) => [`worker${i + 1}`, w.child.pid])),
      })),
      tag: `${count}w${tag}`,
      log,
    };
    const run = async (
      n: number,
      scenario: string,
      title: string,
      fn: () => Promise<ScenarioResult>,
    ): Promise<void> => {
      if (!args.scenarios.has(n)) return;
      log(`${count}w scenario ${n} ${scenario}: running`);
      let r: ScenarioResult;
      const before = await pool.stats();
      try {
        r = await fn();
      } catch (err) {
        r = { scenario, title, workers: count, status: "failed", note: (err as Error).message, figures: {} };
      }
      const warnings = warningsBetween(before, await pool.stats());
      if (Object.keys(warnings).length > 0) r.warnings = warnings;
      log(
        `${count}w scenario ${n} ${scenario}: ${r.status}${r.note ? ` (${r.note})` : ""} ${JSON.stringify(r.figures)}${r.requests ? ` requests/${r.requests.unit} ${r.requests.total}` : ""}${r.warnings ? ` warnings ${JSON.stringify(r.warnings)}` : ""}`,
      );
      results.push(r);
    };
    await run(
      1,
      "hello-sequence5",
      `${sizes.helloSequence5} orchestrations of 5 sequential activities, started together`,
      () => helloSequence5(ctx),
    );
    await run(2, "fan-out-fan-in", `1 orchestration, ${sizes.fanOut} parallel activities, then the sum`, () =>
      fanOutFanIn(ctx),
    );
    await run(3, "sequential", `1 orchestration, ${sizes.sequential} activities in a row`, () =>
      sequential(ctx),
    );
    await run(
      4,
      "external-events",
      `1 orchestration consuming ${sizes.events} events raised by a client`,
      () => externalEvents(ctx),
    );
    await run(5, "entity", `${sizes.entitySignals} signals to one counter entity`, () => entitySignals(ctx));

    // 6 and 7 share one idle period: latency runs, then idle (7 measures it), then the first orchestration after it.
    let latency: Awaited<ReturnType<typeof idleLatency>> | undefined;
    const latencyTitle = `one hello-sequence5 at a time, ${sizes.latencyRuns} times; then one after ${sizes.idleBeforeFirstMs / 1000} s idle`;
    if (args.scenarios.has(6)) {
      log(`${count}w scenario 6 latency: ${sizes.latencyRuns} runs`);
      try {
        latency = await idleLatency(ctx);
      } catch (err) {
        results.push({
          scenario: "latency",
          title: latencyTitle,
          workers: count,
          status: "failed",
          note: (err as Error).message,
          figures: {},
        });
      }
    }
    const idleSince = Date.now();
    await run(7, "idle-cost", "storage requests per minute of each idle worker", async () => ({
      scenario: "idle-cost",
      title: `storage requests per minute of each idle worker (${sizes.idleMeasureMs / 1000} s window after ${sizes.idleWarmUpMs / 1000} s idle)`,
      workers: count,
      status: "ok",
      ...(await idleCost(ctx)),
    }));
    if (latency) {
      await run(6, "latency", latencyTitle, async () => {
        log(`${count}w scenario 6 latency: waiting until ${sizes.idleBeforeFirstMs / 1000} s idle`);
        const first = await firstAfterIdle(ctx, idleSince);
        return {
          scenario: "latency",
          title: latencyTitle,
          workers: count,
          status: "ok",
          figures: {
            ...latency!.figures,
            firstAfterIdleMs: first.remote.totalMs,
            firstAfterIdlePickupMs: first.remote.pickupMs,
            firstAfterIdleInProcessMs: first.inProcess.totalMs,
            firstAfterIdleInProcessPickupMs: first.inProcess.pickupMs,
            idleSeconds: Math.round(first.idleMs / 1000),
          },
          cpu: latency!.cpu,
          details: { runs: latency!.runs },
        };
      });
    }
  } finally {
    log(`${count} worker process(es): stopping`);
    await pool.stop().catch(() => pool.kill());
  }
  return results;
}

async function main(): Promise<number> {
  if (process.argv.includes("--peer"))
    return (await import("./peer/main.js")).peerMain(process.argv.slice(2));
  const args = parseArgs(process.argv.slice(2));
  const sizes = args.quick ? QUICK : FULL;
  const started = Date.now();
  const tag = started.toString(36);
  const machine = machineInfo();
  log(
    `${args.quick ? "quick" : "full"} run on ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}; Azurite on ${args.azurite}`,
  );
  // On a shared machine, say so when something else is busy: it shifts every figure.
  const idle = new CpuMeter(() => ({}));
  idle.begin();
  await new Promise((r) => setTimeout(r, 2000));
  const busyBefore = idle.end().others;
  if (busyBefore !== undefined && busyBefore > 30)
    log(`warning: the machine is already ${busyBefore} % busy (of one core) with other work`);
  const scenarios: ScenarioResult[] = [];
  const partial: Pick<Report, "ownership"> = { ownership: {} };
  const ceilings: Record<string, Ceiling> = {};
  for (const count of args.workers) {
    // A fresh Azurite per worker count, so that no phase inherits another's data.
    const azurite = await startAzurite({
      ...(args.azurite === "memory" ? {} : { inMemory: false }),
      ...(args.azuriteProf ? { execArgv: ["--cpu-prof", `--cpu-prof-dir=${args.azuriteProf}`] } : {}),
    });
    try {
      log(`Azurite ceiling: measuring (${sizes.ceilingMs / 1000} s each)`);
      const meter = new CpuMeter(() => ({ azurite: azurite.pid, driver: process.pid }));
      meter.begin();
      ceilings[count] = {
        ...(await measureCeiling(azurite.connectionString, sizes.ceilingMs)),
        cpu: meter.end(),
      };
      log(`Azurite ceiling: ${JSON.stringify(ceilings[count])}`);
      scenarios.push(...(await runWorkers(args, azurite, count, tag, partial)));
    } finally {
      await azurite.stop();
      if (azurite.location) rmSync(azurite.location, { recursive: true, force: true });
    }
  }
  const ceiling = ceilings[args.workers[0]!]!;
  const base = { scenarios, ceiling, ceilings };
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
    ceiling,
    ceilings,
    workerCounts: args.workers,
    ownership: partial.ownership,
    scenarios,
    protocol: protocolFigures(scenarios, sizes),
    helloSequence5Ceiling: hs5Ceiling,
    targets: rows,
  };
  const md = markdown(report);
  process.stdout.write(md + "\n");
  writeFileSync(args.out, JSON.stringify(report, null, 2) + "\n");
  if (args.md) writeFileSync(args.md, md + "\n");
  log(`report written to ${resolve(args.out)}${args.md ? ` and ${resolve(args.md)}` : ""}`);
  const failed = scenarios.filter((s) => s.status === "failed");
  return failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`failed: ${(err as Error)?.stack ?? String(err)}`);
    process.exit(1);
  },
);
