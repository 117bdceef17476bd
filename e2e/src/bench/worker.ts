/**
 * A bench worker process, forked by the driver (workers.ts) with an IPC channel. Runs the bench app on the
 * Azure Storage provider with its default settings, unless TASKHUB_BENCH_SETTINGS / TASKHUB_BENCH_WORKER
 * (JSON) override some. Reports over IPC: ready, each instance's first checkpoint and its completion, and
 * on request its storage request counts. Storage is never used for reporting, so the counts are the work's.
 */
import { isTerminalStatus, TaskHubClient, TaskHubWorker, type Logger } from "@taskhub/core";
import type { AzureStorageOrchestrationServiceSettings } from "@taskhub/azure-storage";
import { registerBenchApp, trackedRuns } from "./app.js";
import type { FromWorker, ToWorker } from "./ipc.js";
import { ObservedService, type ServiceObserver } from "./observed-service.js";

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const send = (m: FromWorker): void => {
  process.send?.(m);
};

const checkpoints = new Map<string, number>();
let checkpointCount = 0;
let activityCount = 0;

/** Reports when an instance's start is picked up, and when a committed step ends it. */
const reporting: ServiceObserver = {
  started: (instanceId) => send({ type: "started", instanceId, t: Date.now() }),
  committed: (id, commit) => {
    const n = (checkpoints.get(id) ?? 0) + 1;
    checkpoints.set(id, n);
    checkpointCount++;
    const t = Date.now();
    if (isTerminalStatus(commit.state.runtimeStatus)) {
      checkpoints.delete(id);
      send({ type: "done", instanceId: id, status: commit.state.runtimeStatus, checkpoints: n, t });
    }
  },
};

/** Counts warnings and errors by event (printed too with TASKHUB_BENCH_VERBOSE=1); the rest is dropped. */
const warnings: Record<string, number> = {};
const recent: string[] = [];
const verbose = process.env.TASKHUB_BENCH_VERBOSE === "1";
function record(level: string, bindings: Record<string, unknown>, obj: object | string, msg?: string): void {
  const fields = typeof obj === "string" ? { msg: obj } : { ...(obj as Record<string, unknown>), msg };
  const event = String((fields as { event?: unknown }).event ?? fields.msg ?? "unknown");
  warnings[event] = (warnings[event] ?? 0) + 1;
  const err = (fields as { err?: unknown }).err;
  const line = JSON.stringify({
    level,
    t: Date.now(),
    ...bindings,
    ...fields,
    err: err instanceof Error ? err.message : err,
  });
  recent.push(line);
  if (recent.length > 20) recent.shift();
  if (verbose) process.stderr.write(line + "\n");
}
function warningLogger(bindings: Record<string, unknown> = {}): Logger {
  return {
    debug() {},
    info() {},
    warn: (obj, msg) => record("warn", bindings, obj, msg),
    error: (obj, msg) => record("error", bindings, obj, msg),
    child: (b) => warningLogger({ ...bindings, ...b }),
  };
}

const settings = JSON.parse(
  process.env.TASKHUB_BENCH_SETTINGS ?? "{}",
) as Partial<AzureStorageOrchestrationServiceSettings>;
const workerOptions = JSON.parse(process.env.TASKHUB_BENCH_WORKER ?? "{}") as ConstructorParameters<
  typeof TaskHubWorker
>[1];
const service = new ObservedService(
  {
    ...settings,
    taskHubName: env("TASKHUB_HUB"),
    storage: { connectionString: env("TASKHUB_CONNECTION_STRING") },
    logger: warningLogger(),
  },
  reporting,
);
const worker = new TaskHubWorker(service, { logger: warningLogger(), ...workerOptions });
const { entities } = registerBenchApp(worker);
// Counted here rather than in the activity so that the activity stays trivial.
const lockNext = service.lockNextActivityWorkItem.bind(service);
service.lockNextActivityWorkItem = async (options) => {
  const wi = await lockNext(options);
  if (wi) activityCount++;
  return wi;
};

/** The provider's and dispatchers' in-memory state (private fields, read for diagnosis only). */
function debugState(): Record<string, unknown> {
  const svc = service as unknown as {
    buffer: Map<
      string,
      { messageId: string; dequeueCount: number; taskMessage: { event: { type: string } } }[]
    >;
    bufferedCount: number;
    locked: Map<string, number>;
    sessions: Map<string, unknown>;
    pollers: Map<number, unknown>;
  };
  const w = worker as unknown as {
    orchestrationDispatcher?: { activeCount: number };
    activityDispatcher?: { activeCount: number };
  };
  return {
    bufferedCount: svc.bufferedCount,
    buffer: [...svc.buffer]
      .filter(([, m]) => m.length > 0)
      .slice(0, 20)
      .map(([id, m]) => ({ id, messages: m.map((x) => `${x.taskMessage.event.type}#${x.dequeueCount}`) })),
    locked: [...svc.locked.keys()].slice(0, 20),
    sessions: svc.sessions.size,
    pollers: [...svc.pollers.keys()],
    orchestrationsInFlight: w.orchestrationDispatcher?.activeCount,
    activitiesInFlight: w.activityDispatcher?.activeCount,
    inProgress: [...checkpoints.keys()].slice(0, 20),
    recentWarnings: recent,
  };
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Stopping releases leases; if storage is gone (the driver died with its Azurite) do not hang on retries.
  setTimeout(() => process.exit(1), 30_000).unref();
  await worker.stop({ drainTimeoutMs: 10_000 });
  process.exit(0);
}

process.on("message", (m: ToWorker) => {
  if (m.type === "stop") void stop();
  else if (m.type === "stats")
    send({
      type: "stats",
      id: m.id,
      workerId: service.workerId,
      requests: service.requestCounter.snapshot(),
      lease: service.leaseRequestCounter.snapshot(),
      owned: [...service.ownedPartitions()],
      activities: activityCount,
      checkpoints: checkpointCount,
      tracked: structuredClone(trackedRuns),
      warnings: { ...warnings },
    });
  else if (m.type === "debug") send({ type: "debug", id: m.id, state: debugState() });
  else if (m.type === "start")
    void new TaskHubClient(service)
      .scheduleNewOrchestration(m.name, undefined, { instanceId: m.instanceId })
      .then(
        () => send({ type: "startDone", id: m.id }),
        (err: unknown) => send({ type: "startDone", id: m.id, error: String(err) }),
      );
});
// The driver went away: do not linger.
process.on("disconnect", () => void stop());
process.on("SIGTERM", () => void stop());

try {
  await worker.start();
  send({ type: "ready", workerId: service.workerId, entities, t: Date.now() });
} catch (err) {
  send({ type: "error", message: String((err as Error)?.stack ?? err) });
  process.exit(1);
}
