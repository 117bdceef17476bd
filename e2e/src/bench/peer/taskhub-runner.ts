/**
 * The taskhub side of the side-by-side bench (`npm run bench -- --peer dtf`): one process with one taskhub worker
 * (the provider's and worker's defaults, the bench app of ../app.ts) and a client, doing exactly what the DT.AS
 * peer's bench mode does (e2e/dtf-peer/BenchMode.cs), so that both processes' CPU and memory cover the same work.
 *
 *   node taskhub-runner.js --scenario <name> --count N [--hub H] [--warmup W] [--timeout-seconds S]
 *
 * Connection string in TASKHUB_CONNECTION_STRING. Same line protocol as the peer: `{"event":"warm"}` after the
 * warm-up, waits for a line on stdin, runs the scenario, `{"event":"result",...}`, stops when stdin closes.
 */
import { createInterface } from "node:readline";
import { isTerminalStatus, silentLogger, TaskHubClient, TaskHubWorker } from "@taskhub/core";
import { SETTING_DEFAULTS } from "@taskhub/azure-storage";
import { ObservedService, type ServiceObserver } from "../observed-service.js";
import { NAMES, registerBenchApp, type FanOutInput } from "../app.js";
import { parseRunnerArgs, runnerFigures, type RunnerResult } from "./runner-protocol.js";

const now = (): number => performance.now();

interface Done {
  t: number;
  status: string;
  output: string | undefined;
}

/** When each instance's start was picked up and when it reached a terminal status (the service's observer). */
class Completions {
  readonly started = new Map<string, number>();
  readonly completed = new Map<string, Done>();
  private waiters: { left: Set<string>; resolve: () => void }[] = [];

  whenCompleted(ids: string[]): Promise<void> {
    const left = new Set(ids.filter((id) => !this.completed.has(id)));
    if (left.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ left, resolve }));
  }

  readonly observer: ServiceObserver = {
    started: (id) => {
      if (!this.started.has(id)) this.started.set(id, now());
    },
    committed: (id, commit) => {
      if (!isTerminalStatus(commit.state.runtimeStatus)) return;
      this.completed.set(id, {
        t: now(),
        status: commit.state.runtimeStatus,
        output: commit.state.serializedOutput,
      });
      this.waiters = this.waiters.filter((w) => {
        w.left.delete(id);
        if (w.left.size > 0) return true;
        w.resolve();
        return false;
      });
    },
  };
}
async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not complete within ${ms / 1000} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The serialized output (JSON text), as the peer compares it. */
const text = (output: string | undefined): string => output ?? "null";

async function run(
  scenario: string,
  count: number,
  client: TaskHubClient,
  service: Completions,
  timeoutMs: number,
): Promise<RunnerResult> {
  const t0 = now();
  switch (scenario) {
    case "hello-sequence5": {
      const ids = Array.from({ length: count }, (_, i) => `hs5-${i}`);
      const startedAt = new Map<string, number>();
      await Promise.all(
        ids.map((id) => {
          startedAt.set(id, now());
          return client.scheduleNewOrchestration(NAMES.helloSequence5, undefined, { instanceId: id });
        }),
      );
      await withTimeout(service.whenCompleted(ids), timeoutMs, scenario);
      const end = Math.max(...ids.map((id) => service.completed.get(id)!.t));
      const bad = ids.filter((id) => text(service.completed.get(id)!.output) !== "5").length;
      return runnerFigures(
        count / ((end - t0) / 1000),
        end - t0,
        (service.started.get(ids[0]!) ?? t0) - t0,
        ids.map((id) => service.completed.get(id)!.t - startedAt.get(id)!),
        bad === 0 ? undefined : `${bad} of ${count} did not return 5`,
      );
    }
    case "fan-out-fan-in":
    case "sequential": {
      const id = scenario === "sequential" ? "seq" : "fan";
      const name = scenario === "sequential" ? NAMES.sequential : NAMES.fanOutFanIn;
      // The bench app's fan-out takes its size with the run's name and each activity's work (none here: DT.AS's
      // peer runs the same trivial activities); sequential takes the count alone.
      const input =
        scenario === "sequential" ? count : ({ run: id, count, waitMs: 0, cpuMs: 0 } satisfies FanOutInput);
      await client.scheduleNewOrchestration(name, input, { instanceId: id });
      await withTimeout(service.whenCompleted([id]), timeoutMs, scenario);
      const done = service.completed.get(id)!;
      const pickup = service.started.get(id) ?? t0;
      const expected = scenario === "sequential" ? count : (count * (count + 1)) / 2;
      return runnerFigures(
        count / ((done.t - pickup) / 1000),
        done.t - pickup,
        pickup - t0,
        [done.t - t0],
        text(done.output) === String(expected)
          ? undefined
          : `status ${done.status}, output ${text(done.output)} (expected ${expected})`,
      );
    }
    case "external-events": {
      const id = "events";
      await client.scheduleNewOrchestration(NAMES.events, count, { instanceId: id });
      const deadline = now() + timeoutMs;
      while (!service.started.has(id)) {
        if (now() > deadline) throw new Error(`${id} did not start`);
        await new Promise((r) => setTimeout(r, 10));
      }
      const t1 = now();
      await Promise.all(Array.from({ length: count }, (_, i) => client.raiseEvent(id, "e", i + 1)));
      await withTimeout(service.whenCompleted([id]), timeoutMs, scenario);
      const done = service.completed.get(id)!;
      const expected = (count * (count + 1)) / 2;
      return runnerFigures(
        count / ((done.t - t1) / 1000),
        done.t - t1,
        service.started.get(id)! - t0,
        [done.t - t0],
        text(done.output) === String(expected)
          ? undefined
          : `status ${done.status}, output ${text(done.output)} (expected ${expected})`,
      );
    }
    default:
      throw new Error(
        `unknown scenario '${scenario}' (hello-sequence5, fan-out-fan-in, sequential, external-events)`,
      );
  }
}

async function main(): Promise<void> {
  const args = parseRunnerArgs(process.argv.slice(2));
  const connectionString = process.env.TASKHUB_CONNECTION_STRING;
  if (!connectionString) throw new Error("TASKHUB_CONNECTION_STRING is not set");
  const completions = new Completions();
  const service = new ObservedService(
    {
      taskHubName: args.hub,
      storage: { connectionString },
      logger: silentLogger,
    },
    completions.observer,
  );
  const worker = new TaskHubWorker(service, { logger: silentLogger });
  registerBenchApp(worker);
  await service.createIfNotExists();
  await worker.start();
  const client = new TaskHubClient(service);
  const write = (line: Record<string, unknown>): void => {
    process.stdout.write(JSON.stringify(line) + "\n");
  };
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

  const warmStart = now();
  const warmIds = Array.from({ length: args.warmup }, (_, i) => `warm-${i}`);
  await Promise.all(
    warmIds.map((id) => client.scheduleNewOrchestration(NAMES.helloSequence5, undefined, { instanceId: id })),
  );
  await withTimeout(completions.whenCompleted(warmIds), args.timeoutMs, "the warm-up");
  write({
    event: "warm",
    runtime: "taskhub",
    ms: Math.round(now() - warmStart),
    partitionCount: SETTING_DEFAULTS.partitionCount,
  });
  if ((await lines.next()).done) {
    // The driver went away before the scenario: nothing to measure for anyone.
    await worker.stop({ drainTimeoutMs: 0 });
    process.exit(1);
  }

  const cpu0 = process.cpuUsage();
  let result: RunnerResult;
  try {
    result = await run(args.scenario, args.count, client, completions, args.timeoutMs);
  } catch (err) {
    result = { ok: false, note: (err as Error).message };
  }
  const cpu = process.cpuUsage(cpu0);
  write({
    ...result,
    event: "result",
    runtime: "taskhub",
    scenario: args.scenario,
    count: args.count,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    // maxRSS is in KiB: the peak resident set, as .NET's PeakWorkingSet64 (VmHWM) is.
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  });

  // Wait for the driver's last request-count snapshot (it closes stdin), then stop.
  while (!(await lines.next()).done) {
    /* the driver has nothing more to say */
  }
  await worker.stop({ drainTimeoutMs: 5_000 });
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`taskhub-runner failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
