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
import { TaskHubClient } from "@taskhub/core";
import { AzureStorageOrchestrationService, SETTING_DEFAULTS } from "@taskhub/azure-storage";
import { startAzurite } from "@taskhub/azurite";
import { InFlightGauge, startFaultProxies } from "../fault-proxy.js";
import { summarize } from "./aggregate.js";
import { measureCeiling, type Ceiling } from "./ceiling.js";
import { FULL, QUICK, type BenchContext, type ScenarioResult, type Sizes } from "./context.js";
import { loadNow, runLoad } from "./load.js";
import { machineInfo } from "./machine.js";
import { CpuMeter, round } from "./measure.js";
import { markdown, protocolFigures, targetRows, type Report } from "./report.js";
import { entitySignals } from "./scenarios/entity.js";
import { externalEvents } from "./scenarios/events.js";
import { fanOut } from "./scenarios/fan-out.js";
import { helloSequence5 } from "./scenarios/hello-sequence.js";
import { idleCost } from "./scenarios/idle-cost.js";
import { firstAfterIdle, idleLatency } from "./scenarios/latency.js";
import { sequential } from "./scenarios/sequential.js";
import { WorkerPool, warningsBetween } from "./workers.js";
import { positiveIntegers, readFlags, wholeNumber } from "./args.js";

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
  /** Sizes that replace the mode's (FULL or QUICK). */
  sizes: Partial<Sizes>;
  /** Rounds of the throughput scenarios (undefined: 3, or 1 with --quick). */
  runs: number | undefined;
  /** Latency the proxy in front of Azurite adds to every request (undefined: no proxy). */
  storageLatencyMs: number | undefined;
}

function parseArgs(argv: string[]): Args {
  const f = readFlags(
    argv,
    {
      quick: "boolean",
      out: "string",
      md: "string",
      workers: "string",
      scenarios: "string",
      settings: "string",
      "worker-options": "string",
      "cpu-prof": "string",
      "azurite-prof": "string",
      sizes: "string",
      runs: "string",
      "storage-latency": "string",
      azurite: "string",
    },
    "the top of e2e/src/bench/main.ts",
  );
  const sizes = f.sizes === undefined ? {} : (JSON.parse(f.sizes) as Record<string, unknown>);
  for (const [k, x] of Object.entries(sizes))
    if (!(k in FULL) || typeof x !== "number" || !(x >= 0))
      throw new Error(`--sizes: ${k} is not a size (see Sizes in e2e/src/bench/context.ts) or not a number`);
  const latency = f["storage-latency"] === undefined ? undefined : Number(f["storage-latency"]);
  if (latency !== undefined && !(Number.isFinite(latency) && latency >= 0))
    throw new Error("--storage-latency takes milliseconds (0 or more)");
  if (f.azurite !== undefined && f.azurite !== "disk" && f.azurite !== "memory")
    throw new Error("--azurite takes disk or memory");
  return {
    quick: f.quick ?? false,
    out: f.out ?? "bench-report.json",
    md: f.md,
    workers: f.workers === undefined ? [1, 4] : positiveIntegers(f.workers),
    scenarios: new Set(
      f.scenarios === undefined ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : positiveIntegers(f.scenarios),
    ),
    settings: f.settings === undefined ? {} : (JSON.parse(f.settings) as Record<string, unknown>),
    workerOptions:
      f["worker-options"] === undefined ? {} : (JSON.parse(f["worker-options"]) as Record<string, unknown>),
    cpuProf: f["cpu-prof"] === undefined ? undefined : resolve(f["cpu-prof"]),
    azuriteProf: f["azurite-prof"] === undefined ? undefined : resolve(f["azurite-prof"]),
    azurite: (f.azurite as "disk" | "memory" | undefined) ?? "disk",
    sizes: sizes as Partial<Sizes>,
    runs: f.runs === undefined ? undefined : wholeNumber("--runs", f.runs, 1),
    storageLatencyMs: latency,
  };
}

const sizesOf = (args: Args): Sizes => ({ ...(args.quick ? QUICK : FULL), ...args.sizes });

const log = (message: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

/** Where the workers and the client reach storage: Azurite directly, or through the latency proxy. */
interface Storage {
  connectionString: string;
  azuritePid: number | undefined;
  /** With --storage-latency: requests in flight through the proxy, and the latency it adds. */
  gauge?: InFlightGauge | undefined;
  latencyMs?: number | undefined;
}

/** Which round of --runs this is; scenarios 6 and 7 run in the last only. */
interface Round {
  run: number;
  last: boolean;
}

/** Activity slots per worker in the fan-outs of scenarios 8 and 9 (issue 21's scenario). */
const SPREAD_MAX_CONCURRENT_ACTIVITIES = 16;

/**
 * Starts `count` worker processes with `workerOptions` on a new hub, waits until they own the partitions,
 * runs `body` with a context for them, and stops them.
 */
async function withPool(
  args: Args,
  storage: Storage,
  count: number,
  hub: string,
  tag: string,
  workerOptions: Record<string, unknown>,
  report: Pick<Report, "ownership">,
  body: (ctx: BenchContext) => Promise<void>,
): Promise<void> {
  const sizes = sizesOf(args);
  const pool = new WorkerPool({
    count,
    connectionString: storage.connectionString,
    hub,
    settings: args.settings,
    workerOptions,
    execArgv: args.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${args.cpuProf}`] : [],
    log,
  });
  const clientSettings = {
    taskHubName: hub,
    storage: { connectionString: storage.connectionString },
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
      report.ownership[hub] = own;
      log(`partitions owned after ${own.ms} ms: ${JSON.stringify(own.owned)}`);
    }
    // The clients create the hub lazily on first use; do it now so that it is not counted as the work's.
    await Promise.all([clientService.createIfNotExists(), watcherService.createIfNotExists()]);
    await body({
      workers: count,
      pool,
      client: new TaskHubClient(clientService),
      clientService,
      watcher: new TaskHubClient(watcherService),
      sizes,
      cpu: new CpuMeter(() => ({
        azurite: storage.azuritePid,
        driver: process.pid,
        ...Object.fromEntries(pool.workers.map((w, i) => [`worker${i + 1}`, w.child.pid])),
      })),
      tag,
      log,
    });
  } finally {
    log(`${count} worker process(es): stopping`);
    await pool.stop().catch(() => pool.kill());
  }
}

/**
 * Runs one scenario and adds what every run reports: its round, the machine's load, the workers' CPU ms per
 * unit of work (`units`), and with --storage-latency the proxy's requests and requests in flight.
 */
async function measured(
  ctx: BenchContext,
  storage: Storage,
  round_: Round,
  n: number,
  scenario: string,
  title: string,
  units: { unit: "orchestration" | "activity"; count: number } | undefined,
  fn: () => Promise<ScenarioResult>,
): Promise<ScenarioResult> {
  const count = ctx.workers;
  log(`${count}w run ${round_.run} scenario ${n} ${scenario}: running`);
  const before = await ctx.pool.stats();
  const loadBefore = loadNow();
  storage.gauge?.resetPeak();
  const proxyBefore = storage.gauge?.snapshot();
  let r: ScenarioResult;
  try {
    r = await fn();
  } catch (err) {
    r = { scenario, title, workers: count, status: "failed", note: (err as Error).message, figures: {} };
  }
  const proxyAfter = storage.gauge?.snapshot();
  r.run = round_.run;
  r.load = runLoad(loadBefore, r.cpu?.others);
  r.cpuMs = { ...ctx.cpu.lastCpuMs };
  if (units && r.status === "ok") {
    const perWorker = Object.entries(r.cpuMs)
      .filter(([k]) => k.startsWith("worker"))
      .map(([, ms]) => round(ms / units.count, 2));
    const key = units.unit === "orchestration" ? "workerCpuMsPerOrchestration" : "workerCpuMsPerActivity";
    r.figures[key] = round(
      perWorker.reduce((a, b) => a + b, 0),
      2,
    );
    r.details = { ...r.details, [`${key}ByWorker`]: perWorker };
  }
  if (proxyBefore && proxyAfter) {
    const b = InFlightGauge.between(proxyBefore, proxyAfter);
    r.storage = {
      latencyMs: storage.latencyMs ?? 0,
      requests: b.requests,
      peakInFlight: b.peakInFlight,
      meanInFlight: round(b.meanInFlight, 1),
    };
  }
  const warnings = warningsBetween(before, await ctx.pool.stats());
  if (Object.keys(warnings).length > 0) r.warnings = warnings;
  log(
    `${count}w run ${round_.run} scenario ${n} ${scenario}: ${r.status}${r.note ? ` (${r.note})` : ""} ${JSON.stringify(r.figures)}${r.requests ? ` requests/${r.requests.unit} ${r.requests.total}` : ""}${r.storage ? ` proxy ${JSON.stringify(r.storage)}` : ""} ${r.load.verdict}${r.warnings ? ` warnings ${JSON.stringify(r.warnings)}` : ""}`,
  );
  return r;
}

async function runWorkers(
  args: Args,
  storage: Storage,
  count: number,
  tag: string,
  report: Pick<Report, "ownership">,
  round_: Round,
): Promise<ScenarioResult[]> {
  const sizes = sizesOf(args);
  const results: ScenarioResult[] = [];
  const has = (...n: number[]): boolean => n.some((x) => args.scenarios.has(x));

  if (has(1, 2, 3, 4, 5) || (round_.last && has(6, 7)))
    await withPool(
      args,
      storage,
      count,
      `bench${count}w${tag}`,
      `${count}w${tag}`,
      args.workerOptions,
      report,
      async (ctx) => {
        const run = async (
          n: number,
          scenario: string,
          title: string,
          units: Parameters<typeof measured>[6],
          fn: () => Promise<ScenarioResult>,
        ): Promise<void> => {
          if (!args.scenarios.has(n)) return;
          results.push(await measured(ctx, storage, round_, n, scenario, title, units, fn));
        };
        await run(
          1,
          "hello-sequence5",
          `${sizes.helloSequence5} orchestrations of 5 sequential activities, started together`,
          { unit: "orchestration", count: sizes.helloSequence5 },
          () => helloSequence5(ctx),
        );
        const fanTitle = `1 orchestration, ${sizes.fanOut} parallel activities, then the sum`;
        await run(2, "fan-out-fan-in", fanTitle, { unit: "activity", count: sizes.fanOut }, () =>
          fanOut(ctx, {
            scenario: "fan-out-fan-in",
            title: fanTitle,
            count: sizes.fanOut,
            waitMs: 0,
            cpuMs: 0,
          }),
        );
        await run(
          3,
          "sequential",
          `1 orchestration, ${sizes.sequential} activities in a row`,
          undefined,
          () => sequential(ctx),
        );
        await run(
          4,
          "external-events",
          `1 orchestration consuming ${sizes.events} events raised by a client`,
          undefined,
          () => externalEvents(ctx),
        );
        await run(5, "entity", `${sizes.entitySignals} signals to one counter entity`, undefined, () =>
          entitySignals(ctx),
        );
        if (!round_.last) return;

        // 6 and 7 share one idle period: latency runs, then idle (7 measures it), then the first orchestration after it.
        let latencyRuns: Awaited<ReturnType<typeof idleLatency>> | undefined;
        const latencyTitle = `one hello-sequence5 at a time, ${sizes.latencyRuns} times; then one after ${sizes.idleBeforeFirstMs / 1000} s idle`;
        if (args.scenarios.has(6)) {
          log(`${count}w scenario 6 latency: ${sizes.latencyRuns} runs`);
          try {
            latencyRuns = await idleLatency(ctx);
          } catch (err) {
            results.push({
              scenario: "latency",
              title: latencyTitle,
              workers: count,
              status: "failed",
              note: (err as Error).message,
              figures: {},
              run: round_.run,
            });
          }
        }
        const idleSince = Date.now();
        await run(7, "idle-cost", "storage requests per minute of each idle worker", undefined, async () => ({
          scenario: "idle-cost",
          title: `storage requests per minute of each idle worker (${sizes.idleMeasureMs / 1000} s window after ${sizes.idleWarmUpMs / 1000} s idle)`,
          workers: count,
          status: "ok",
          ...(await idleCost(ctx)),
        }));
        if (latencyRuns) {
          const measuredRuns = latencyRuns;
          await run(6, "latency", latencyTitle, undefined, async () => {
            log(`${count}w scenario 6 latency: waiting until ${sizes.idleBeforeFirstMs / 1000} s idle`);
            const first = await firstAfterIdle(ctx, idleSince);
            return {
              scenario: "latency",
              title: latencyTitle,
              workers: count,
              status: "ok",
              figures: {
                ...measuredRuns.figures,
                firstAfterIdleMs: first.remote.totalMs,
                firstAfterIdlePickupMs: first.remote.pickupMs,
                firstAfterIdleInProcessMs: first.inProcess.totalMs,
                firstAfterIdleInProcessPickupMs: first.inProcess.pickupMs,
                idleSeconds: Math.round(first.idleMs / 1000),
              },
              cpu: measuredRuns.cpu,
              details: { runs: measuredRuns.runs },
            };
          });
        }
      },
    );

  // 8 and 9 run on workers with 16 activity slots each, so that one worker cannot run the fan-out alone.
  if (has(8, 9))
    await withPool(
      args,
      storage,
      count,
      `bench${count}w${tag}s`,
      `${count}w${tag}s`,
      { maxConcurrentActivities: SPREAD_MAX_CONCURRENT_ACTIVITIES, ...args.workerOptions },
      report,
      async (ctx) => {
        const specs = [
          {
            n: 8,
            scenario: "fan-out-io",
            title: `1 orchestration, ${sizes.fanOutIo} parallel activities each waiting ${sizes.fanOutIoWaitMs} ms (I/O-bound), ${SPREAD_MAX_CONCURRENT_ACTIVITIES} activity slots per worker`,
            count: sizes.fanOutIo,
            waitMs: sizes.fanOutIoWaitMs,
            cpuMs: 0,
          },
          {
            n: 9,
            scenario: "fan-out-cpu",
            title: `1 orchestration, ${sizes.fanOutCpu} parallel activities each using ${sizes.fanOutCpuMs} ms of CPU, ${SPREAD_MAX_CONCURRENT_ACTIVITIES} activity slots per worker`,
            count: sizes.fanOutCpu,
            waitMs: 0,
            cpuMs: sizes.fanOutCpuMs,
          },
        ];
        for (const spec of specs) {
          if (!args.scenarios.has(spec.n)) continue;
          results.push(
            await measured(
              ctx,
              storage,
              round_,
              spec.n,
              spec.scenario,
              spec.title,
              { unit: "activity", count: spec.count },
              () => fanOut(ctx, spec),
            ),
          );
        }
      },
    );
  return results;
}

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
