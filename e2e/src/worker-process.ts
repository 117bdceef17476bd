/**
 * A worker process for e2e tests. Configured by environment: TASKHUB_CONNECTION_STRING, TASKHUB_HUB,
 * TASKHUB_PARTITIONS, TASKHUB_MANAGEMENT ("blob" | "table"), TASKHUB_RUNS_FILE (each activity run appends
 * "<instanceId> <executionId> <taskId>" there); optional TASKHUB_MAX_DEQUEUE (maxDequeueCount), TASKHUB_MAX_TIMER_MS
 * (maxTimerIntervalMs), TASKHUB_TRY_TIMEOUT_MS (per-attempt storage timeout, with short retry back-off),
 * TASKHUB_VISIBILITY_MS (queue visibility timeouts, default 20 s), TASKHUB_LEASE_MS (table lease, default 8 s),
 * TASKHUB_CRASH_AT (see below), TASKHUB_LOG_DIR (the worker's log, debug and up, to <dir>/<workerId>.log),
 * TASKHUB_MIN_POLLING_MS / TASKHUB_MAX_POLLING_MS (queue polling back-off, default 20 / 500 ms),
 * TASKHUB_MAX_ACTIVITIES (maxConcurrentActivities), TASKHUB_SPANS_FILE (an OpenTelemetry SDK appending the
 * worker's finished spans there, see span-file.ts). Prints one
 * JSON line per ownership change:
 * {"event":"gained"|"lost","partition":n,"worker":id,"t":ms}, and {"event":"ready"} once started.
 * SIGTERM stops gracefully (drain, release leases, exit 0).
 */
import { appendFileSync, readFileSync } from "node:fs";
import { TaskHubWorker, type EntityContext, type Logger } from "@taskhub/core";
import {
  AzureStorageOrchestrationService,
  BlobPartitionManager,
  TablePartitionManager,
  createStorageClients,
  taskHubNames,
  type CheckpointTestHooks,
  type PartitionManager,
} from "@taskhub/azure-storage";
import { registerSpanFile } from "./span-file.js";

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const connectionString = env("TASKHUB_CONNECTION_STRING");
const hub = env("TASKHUB_HUB");
const partitions = Number(env("TASKHUB_PARTITIONS"));
const management = env("TASKHUB_MANAGEMENT");
const runsFile = env("TASKHUB_RUNS_FILE");
const workerId = `${process.env.TASKHUB_WORKER_NAME ?? "w"}-${process.pid}`;
if (process.env.TASKHUB_SPANS_FILE) registerSpanFile(process.env.TASKHUB_SPANS_FILE, workerId);

/** TASKHUB_LOG_DIR: every log line (debug and up) appended synchronously, so a SIGKILL loses none of them. */
const logDir = process.env.TASKHUB_LOG_DIR;
function fileLogger(bindings: Record<string, unknown>): Logger {
  const write =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      const o = typeof obj === "string" ? { msg: obj } : obj;
      const line = JSON.stringify(
        { t: Date.now(), level, ...bindings, ...o, ...(msg ? { msg } : {}) },
        (_k, v: unknown) =>
          v instanceof Error ? { message: v.message, name: v.name } : typeof v === "bigint" ? String(v) : v,
      );
      appendFileSync(`${logDir}/${workerId}.log`, line + "\n");
    };
  return {
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    child: (b) => fileLogger({ ...bindings, ...b }),
  };
}
const logger = logDir ? fileLogger({}) : undefined;

const say = (o: object): void => {
  process.stdout.write(JSON.stringify({ ...o, worker: workerId, t: Date.now() }) + "\n");
};

/** Wraps the real manager to report ownership changes as they happen. */
function reporting(inner: PartitionManager): PartitionManager {
  return {
    start: (listener) =>
      inner.start({
        onPartitionGained: (p) => {
          say({ event: "gained", partition: p });
          listener.onPartitionGained(p);
        },
        onPartitionLost: (p) => {
          listener.onPartitionLost(p);
          say({ event: "lost", partition: p });
        },
        inFlight: (p) => listener.inFlight?.(p) ?? 0,
      }),
    stop: () => inner.stop(),
    ownedPartitions: () => inner.ownedPartitions(),
  };
}

const optionalNumber = (k: string): number | undefined =>
  process.env[k] ? Number(process.env[k]) : undefined;
const tryTimeoutMs = optionalNumber("TASKHUB_TRY_TIMEOUT_MS");
const retry = tryTimeoutMs ? { tryTimeoutMs, retryDelayMs: 200, maxRetryDelayMs: 2000 } : undefined;

const names = taskHubNames(hub, partitions);
const clients = createStorageClients({ connectionString }, { retry });
const manager =
  management === "table"
    ? new TablePartitionManager({
        table: clients.table(names.partitionsTable),
        controlQueues: names.controlQueues,
        workerId,
        leaseIntervalMs: optionalNumber("TASKHUB_LEASE_MS") ?? 8000,
        acquireIntervalMs: 1000,
        logger,
      })
    : new BlobPartitionManager({
        container: clients.container(names.leasesContainer),
        taskHubName: hub,
        controlQueues: names.controlQueues,
        workerId,
        logger,
        intent: { leaseIntervalMs: 15_000, renewIntervalMs: 3000, acquireIntervalMs: 1000 },
        ownership: { leaseIntervalMs: 15_000, renewIntervalMs: 3000, acquireIntervalMs: 1000 },
      });

// TASKHUB_CRASH_AT="<hook>:<n>" kills this process with SIGKILL at the n-th call of a checkpoint hook
// (beforeHistoryWrite: after the sends; beforeInstanceWrite: after the history append; beforeMessageDelete:
// after the Instances write); "<hook>:final" at the checkpoint that finishes an instance.
const crashAt = process.env.TASKHUB_CRASH_AT;
const testHooks: CheckpointTestHooks = {};
if (crashAt) {
  const [hook, when] = crashAt.split(":") as [keyof CheckpointTestHooks, string];
  let calls = 0;
  testHooks[hook] = async (_wi, commit) => {
    calls++;
    if (when === "final" ? commit.state.runtimeStatus === "Completed" : calls === Number(when)) {
      say({ event: "crashing", hook, calls });
      process.kill(process.pid, "SIGKILL");
      await new Promise(() => undefined);
    }
  };
}
const service = new AzureStorageOrchestrationService({
  taskHubName: hub,
  storage: retry ? createStorageClients({ connectionString }, { retry }) : { connectionString },
  partitionCount: partitions,
  maxDequeueCount: optionalNumber("TASKHUB_MAX_DEQUEUE"),
  maxTimerIntervalMs: optionalNumber("TASKHUB_MAX_TIMER_MS"),
  partitionManagement: reporting(manager),
  workerId,
  logger,
  testHooks,
  minPollingIntervalMs: optionalNumber("TASKHUB_MIN_POLLING_MS") ?? 20,
  maxPollingIntervalMs: optionalNumber("TASKHUB_MAX_POLLING_MS") ?? 500,
  // Short visibility so messages a killed worker had locked come back within the test's time.
  controlQueueVisibilityTimeoutMs: optionalNumber("TASKHUB_VISIBILITY_MS") ?? 20_000,
  workItemQueueVisibilityTimeoutMs: optionalNumber("TASKHUB_VISIBILITY_MS") ?? 20_000,
});
const worker = new TaskHubWorker(service, {
  abandonDelayMs: 200,
  logger,
  maxConcurrentActivities: optionalNumber("TASKHUB_MAX_ACTIVITIES"),
});
worker.addActivity("Work", async (ctx, n: number) => {
  appendFileSync(runsFile, `${ctx.instanceId} ${ctx.executionId} ${ctx.taskId}\n`);
  await new Promise((r) => setTimeout(r, 20));
  return n + 1;
});
worker.addOrchestrator("Seq5", function* (ctx, start: number) {
  let n = start;
  for (let i = 0; i < 5; i++) n = (yield ctx.callActivity("Work", n)) as number;
  return n;
});
/**
 * Activities spread over workers (issue 21): each "Meet" appends this worker's id to `file`, then waits until
 * `workers` distinct ids are there (or `timeoutMs`), and returns its worker's id.
 */
worker.addActivity("Meet", async (_ctx, input: { file: string; workers: number; timeoutMs: number }) => {
  appendFileSync(input.file, `${workerId}\n`);
  const until = Date.now() + input.timeoutMs;
  const seen = (): number => new Set(readFileSync(input.file, "utf8").split("\n").filter(Boolean)).size;
  while (seen() < input.workers && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return workerId;
});
worker.addOrchestrator(
  "MeetFanOut",
  function* (ctx, input: { n: number; file: string; workers: number; timeoutMs: number }) {
    const { n, ...meet } = input;
    return (yield ctx.whenAll(Array.from({ length: n }, () => ctx.callActivity("Meet", meet)))) as string[];
  },
);
// Entities (issue 6): the aggregator's counter, bank accounts, and transfers in critical sections.
worker.addEntity("counter", (ctx: EntityContext<number>) => {
  const v = ctx.getState(() => 0) ?? 0;
  if (ctx.operationName === "add") ctx.setState(v + (ctx.getInput<number>() ?? 1));
  return v;
});
worker.addEntity("account", (ctx: EntityContext<number>) => {
  const balance = ctx.getState(() => 0) ?? 0;
  const amount = ctx.getInput<number>() ?? 0;
  if (ctx.operationName === "deposit") ctx.setState(balance + amount);
  if (ctx.operationName === "withdraw") {
    if (amount > balance) throw new Error(`insufficient funds: ${balance} < ${amount}`);
    ctx.setState(balance - amount);
  }
  return balance;
});
worker.addOrchestrator("Transfer", function* (ctx, input: { from: string; to: string; amount: number }) {
  const from = { name: "account", key: input.from };
  const to = { name: "account", key: input.to };
  const lock = yield* ctx.entities.lockEntities(from, to);
  const balance: number = yield ctx.entities.callEntity(from, "balance");
  const amount = Math.min(balance, input.amount);
  yield ctx.whenAll([
    ctx.entities.callEntity(from, "withdraw", amount),
    ctx.entities.callEntity(to, "deposit", amount),
  ]);
  lock.release();
  return amount;
});
// Reliability (issue 9): payload round trips, unknown names, and a mixed workload for the fault proxy.
worker.addActivity("Echo", (_ctx, v: unknown) => v);
worker.addOrchestrator("Echo", function* (ctx, v: unknown) {
  // Through the work-item queue and back, and through a sub-orchestration's start and result messages.
  const viaActivity: unknown = yield ctx.callActivity("Echo", v);
  const viaChild: unknown = yield ctx.callSubOrchestrator("EchoChild", viaActivity);
  return viaChild;
});
worker.addOrchestrator("EchoChild", (_ctx, v: unknown) => v);
worker.addOrchestrator("EchoEvent", function* (ctx) {
  const v: unknown = yield ctx.waitForExternalEvent("echo");
  // Custom status is one table column, limited to 16 KB (as in Durable Functions).
  ctx.setCustomStatus(JSON.stringify(v ?? null).length < 4000 ? v : "large");
  return v;
});
/** Counts "echo" events until one whose data is "stop": its output is how many came before it (bulk-crash test). */
worker.addOrchestrator("CountEvents", function* (ctx) {
  for (let count = 0; ; count++) {
    if (((yield ctx.waitForExternalEvent("echo")) as unknown) === "stop") return count;
  }
});
worker.addOrchestrator("Status", (ctx, v: unknown) => {
  ctx.setCustomStatus(v);
  return "set";
});
worker.addOrchestrator("CallActivity", function* (ctx, input: { name: string; input?: unknown }) {
  return (yield ctx.callActivity(input.name, input.input)) as unknown;
});
worker.addOrchestrator("Child", function* (ctx, n: number) {
  return ((yield ctx.callActivity("Work", n)) as number) + 100;
});
/**
 * Every pattern in one: fan-out/fan-in of activities, a sub-orchestration, a durable timer, an external event
 * (first generation), an entity call, continue-as-new for three generations. Each generation g adds
 * 4n + 110 with n = input.n + g ("Work" adds one), the first also the event: 12·n + 342 + event in all.
 */
worker.addOrchestrator(
  "Mixed",
  function* (ctx, input: { n: number; gen: number; acc: number; counter: string }) {
    const n = input.n + input.gen;
    const fan = (yield ctx.whenAll([1, 2, 3].map((i) => ctx.callActivity("Work", n + i)))) as number[];
    const child = (yield ctx.callSubOrchestrator("Child", n)) as number;
    yield ctx.createTimer(300);
    const event = input.gen === 0 ? ((yield ctx.waitForExternalEvent("go")) as number) : 0;
    yield ctx.entities.callEntity({ name: "counter", key: input.counter }, "add", 1);
    const acc = input.acc + fan.reduce((a, b) => a + b, 0) + child + event;
    if (input.gen < 2) {
      ctx.continueAsNew({ ...input, gen: input.gen + 1, acc });
      return undefined;
    }
    return acc;
  },
);
worker.addEntity("box", (ctx: EntityContext<unknown>) => {
  if (ctx.operationName === "set") ctx.setState(ctx.getInput());
  return ctx.getState();
});
/**
 * An eternal orchestration: each generation waits for up to three "e" events, each with a short timeout (a
 * durable timer racing the event), then continues as new, carrying what it received; it finishes once it
 * has `target` events. Stale timers or events of an earlier generation must never reach a later one.
 */
worker.addOrchestrator(
  "Eternal",
  function* (ctx, s: { received: number[]; gen: number; timeouts: number; target: number }) {
    for (let i = 0; i < 3 && s.received.length < s.target; i++) {
      try {
        s.received.push((yield ctx.waitForExternalEvent("e", { timeoutMs: 250 })) as number);
      } catch {
        s.timeouts++;
      }
    }
    if (s.received.length >= s.target) return s;
    ctx.continueAsNew({ ...s, gen: s.gen + 1 });
    return undefined;
  },
);
/** Tracing (issue 23): an activity, an external event (the test moves the instance to another worker meanwhile), a timer, a child, an activity. */
worker.addOrchestrator("Traced", function* (ctx, n: number) {
  const a = (yield ctx.callActivity("Work", n)) as number;
  const go = (yield ctx.waitForExternalEvent("go")) as number;
  yield ctx.createTimer(50);
  const child = (yield ctx.callSubOrchestrator("Child", a + go)) as number;
  return (yield ctx.callActivity("Work", child)) as number;
});
worker.addOrchestrator("Timer", function* (ctx, delayMs: number) {
  const started = ctx.currentUtcDateTime.getTime();
  yield ctx.createTimer(new Date(started + delayMs));
  return ctx.currentUtcDateTime.getTime() - started;
});
await worker.start();
say({ event: "ready" });

let stopping = false;
const shutdown = async (): Promise<void> => {
  if (stopping) process.exit(1);
  stopping = true;
  await worker.stop({ drainTimeoutMs: 10_000 });
  say({ event: "stopped" });
  process.exit(0);
};
process.on("SIGTERM", () => void shutdown());
process.on("SIGINT", () => void shutdown());
