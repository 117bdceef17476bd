/**
 * One worker count's turn in a round: a pool of real worker processes on a new task hub per group of scenarios,
 * the selected scenarios run one after another on it, each with what every run reports (its round, the
 * machine's load, the workers' CPU per unit of work, the proxy's requests in flight).
 */
import { TaskHubClient } from "@taskhub/core";
import { AzureStorageOrchestrationService, SETTING_DEFAULTS } from "@taskhub/azure-storage";
import { InFlightGauge } from "../fault-proxy.js";
import type { BenchContext, ScenarioResult } from "./context.js";
import { loadNow, runLoad } from "./load.js";
import { CpuMeter, round } from "./measure.js";
import type { Report } from "./report.js";
import { entitySignals } from "./scenarios/entity.js";
import { externalEvents } from "./scenarios/events.js";
import { fanOut } from "./scenarios/fan-out.js";
import { helloSequence5 } from "./scenarios/hello-sequence.js";
import { idleCost } from "./scenarios/idle-cost.js";
import { firstAfterIdle, idleLatency } from "./scenarios/latency.js";
import { sequential } from "./scenarios/sequential.js";
import { WorkerPool, warningsBetween } from "./workers.js";
import { log } from "./log.js";
import { sizesOf, type Args } from "./options.js";

/** Where the workers and the client reach storage: Azurite directly, or through the latency proxy. */
export interface Storage {
  connectionString: string;
  azuritePid: number | undefined;
  /** With --storage-latency: requests in flight through the proxy, and the latency it adds. */
  gauge?: InFlightGauge | undefined;
  latencyMs?: number | undefined;
}

/** Which round of --runs this is; scenarios 6 and 7 run in the last only. */
export interface Round {
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

export async function runWorkers(
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
              requests: measuredRuns.requests,
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
