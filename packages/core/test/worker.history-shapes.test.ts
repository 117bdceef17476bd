// End to end on the in-memory backend: retries that run out and long timers, in the history shapes DTF and
// Durable Functions write, both for what the worker writes itself and for a history another writer left behind.
import { afterEach, describe, expect, it } from "vitest";
import {
  newEvent,
  OrchestrationRuntimeState,
  TaskHubClient,
  TaskHubWorker,
  type HistoryEvent,
  type OrchestrationInstance,
} from "../src/index.js";
import { InMemoryOrchestrationService, VirtualClock } from "../src/testing/index.js";

const SEC = 1000;
const DAY = 24 * 3600_000;
const T0 = Date.UTC(2026, 0, 1);
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

async function started(service: InMemoryOrchestrationService, worker: TaskHubWorker): Promise<TaskHubClient> {
  await worker.start();
  stops.push(() => worker.stop({ drainTimeoutMs: 2000 }));
  return new TaskHubClient(service);
}

/** Scheduling and result events as `Type#id` (results by the id they answer), the rest by type. */
function shape(history: HistoryEvent[]): string[] {
  return history.flatMap((e) => {
    switch (e.type) {
      case "TaskScheduled":
      case "TimerCreated":
        return [`${e.type}#${e.eventId}`];
      case "TaskFailed":
        return [`${e.type}(${e.taskScheduledId})`];
      case "TimerFired":
        return [`${e.type}(${e.timerId})`];
      case "ExecutionCompleted":
        return [`${e.type} ${e.orchestrationStatus}`];
      default:
        return [];
    }
  });
}

/**
 * Plays another writer (a DTF or Durable Functions worker) for the instance's first steps: takes its start
 * message and commits `events` (after the OrchestratorStarted + ExecutionStarted of that message), with a
 * TimerFired for `pendingTimer` due at its time. No worker may run meanwhile.
 */
async function writeForeignHistory(
  service: InMemoryOrchestrationService,
  events: (instance: OrchestrationInstance) => HistoryEvent[],
  pendingTimer: { id: number; fireAtMs: number },
): Promise<void> {
  const wi = await service.lockNextOrchestrationWorkItem({ abortSignal: new AbortController().signal });
  if (!wi) throw new Error("no start message to take");
  const start = wi.newMessages[0]!.event;
  if (start.type !== "ExecutionStarted") throw new Error(`expected ExecutionStarted, got ${start.type}`);
  const instance = start.orchestrationInstance;
  const all = [newEvent("OrchestratorStarted", { timestamp: new Date(T0) }), start, ...events(instance)];
  const fireAt = new Date(pendingTimer.fireAtMs).toISOString();
  await service.completeOrchestrationWorkItem(wi, {
    newEvents: all,
    replacesHistory: false,
    state: new OrchestrationRuntimeState(all).toInstanceRecord({}),
    activityMessages: [],
    orchestratorMessages: [],
    timerMessages: [
      {
        message: {
          event: newEvent("TimerFired", { timestamp: fireAt, timerId: pendingTimer.id, fireAt }),
          orchestrationInstance: instance,
        },
        fireAt: new Date(pendingTimer.fireAtMs),
      },
    ],
  });
}

const at = (ms: number): Date => new Date(T0 + ms);

describe("retries that run out", () => {
  it("end with the activity's error after DTF's trailing retry timer", async () => {
    const service = new InMemoryOrchestrationService({
      clock: new VirtualClock(T0),
      autoAdvanceTime: true,
      pollIntervalMs: 20,
    });
    const worker = new TaskHubWorker(service);
    worker.addActivity("Pay", () => {
      throw new RangeError("card declined");
    });
    worker.addOrchestrator("Checkout", function* (ctx) {
      return (yield ctx.callActivity("Pay", 10, {
        retry: { maxNumberOfAttempts: 2, firstRetryIntervalMs: 5 * SEC },
      })) as unknown;
    });
    const client = await started(service, worker);
    const id = await client.scheduleNewOrchestration("Checkout");
    const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 20_000 });
    expect(s.runtimeStatus).toBe("Failed");
    expect(s.failureDetails).toMatchObject({
      errorType: "TaskFailedError",
      errorMessage: "Activity 'Pay' (task #2) failed: card declined",
    });
    expect(shape(await client.getOrchestrationHistory(id))).toEqual([
      "TaskScheduled#0",
      "TaskFailed(0)",
      "TimerCreated#1",
      "TimerFired(1)",
      "TaskScheduled#2",
      "TaskFailed(2)",
      "TimerCreated#3",
      "TimerFired(3)",
      "ExecutionCompleted Failed",
    ]);
  });

  it("a history Durable Functions wrote up to the trailing retry timer continues here and fails with the activity's error", async () => {
    const service = new InMemoryOrchestrationService({
      clock: new VirtualClock(T0),
      autoAdvanceTime: true,
      pollIntervalMs: 20,
    });
    const worker = new TaskHubWorker(service);
    worker.addActivity("Pay", () => "never called");
    worker.addOrchestrator("Checkout", function* (ctx) {
      return (yield ctx.callActivity("Pay", 10, {
        retry: { maxNumberOfAttempts: 2, firstRetryIntervalMs: 5 * SEC },
      })) as unknown;
    });
    const client = new TaskHubClient(service);
    const id = await client.scheduleNewOrchestration("Checkout", undefined, { instanceId: "df-written" });
    // DF's retry loop (DTF's RetryInterceptor): a timer after each failed attempt, the last one included.
    await writeForeignHistory(
      service,
      () => [
        newEvent("TaskScheduled", { eventId: 0, timestamp: at(0), name: "Pay", input: "10" }),
        newEvent("OrchestratorCompleted", { timestamp: at(0) }),
        newEvent("OrchestratorStarted", { timestamp: at(SEC) }),
        newEvent("TaskFailed", {
          timestamp: at(SEC),
          taskScheduledId: 0,
          reason: "card declined",
          details: "at Pay",
        }),
        newEvent("TimerCreated", { eventId: 1, timestamp: at(SEC), fireAt: at(6 * SEC).toISOString() }),
        newEvent("OrchestratorCompleted", { timestamp: at(SEC) }),
        newEvent("OrchestratorStarted", { timestamp: at(6 * SEC) }),
        newEvent("TimerFired", { timestamp: at(6 * SEC), timerId: 1, fireAt: at(6 * SEC).toISOString() }),
        newEvent("TaskScheduled", { eventId: 2, timestamp: at(6 * SEC), name: "Pay", input: "10" }),
        newEvent("OrchestratorCompleted", { timestamp: at(6 * SEC) }),
        newEvent("OrchestratorStarted", { timestamp: at(7 * SEC) }),
        newEvent("TaskFailed", {
          timestamp: at(7 * SEC),
          taskScheduledId: 2,
          reason: "card declined again",
          details: "at Pay",
        }),
        newEvent("TimerCreated", { eventId: 3, timestamp: at(7 * SEC), fireAt: at(12 * SEC).toISOString() }),
        newEvent("OrchestratorCompleted", { timestamp: at(7 * SEC) }),
      ],
      { id: 3, fireAtMs: T0 + 12 * SEC },
    );
    await started(service, worker);
    const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 20_000 });
    expect(s.failureDetails).toMatchObject({
      errorType: "TaskFailedError",
      errorMessage: "Activity 'Pay' (task #2) failed: card declined again",
    });
  });
});

describe("long timers", () => {
  it("a chunk delivered after the requested time ends the timer without another chunk", async () => {
    const service = new InMemoryOrchestrationService({
      clock: new VirtualClock(T0),
      maxTimerIntervalMs: 3 * DAY,
      pollIntervalMs: 20,
    });
    const worker = new TaskHubWorker(service);
    worker.addOrchestrator("Sleep", function* (ctx) {
      yield ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 10 * DAY));
      return ctx.currentUtcDateTime.toISOString();
    });
    const client = await started(service, worker);
    const id = await client.scheduleNewOrchestration("Sleep");
    while (!(await client.getOrchestrationHistory(id)).some((e) => e.type === "TimerCreated"))
      await new Promise((r) => setTimeout(r, 10));
    // The worker was away: the first chunk (3 days) is delivered only after the whole 10 days.
    service.advanceTime(11 * DAY);
    const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 20_000 });
    expect(s.output).toBe(at(11 * DAY).toISOString());
    expect(shape(await client.getOrchestrationHistory(id))).toEqual([
      "TimerCreated#0",
      "TimerFired(0)",
      "ExecutionCompleted Completed",
    ]);
  });

  it("a timer Durable Functions split at its 6-day limit continues on a worker whose limit is 7 days and ends at the requested time", async () => {
    const service = new InMemoryOrchestrationService({
      clock: new VirtualClock(T0),
      autoAdvanceTime: true,
      maxTimerIntervalMs: 7 * DAY,
      pollIntervalMs: 20,
    });
    const worker = new TaskHubWorker(service);
    worker.addActivity("After", () => "after");
    worker.addOrchestrator("Sleep", function* (ctx) {
      yield ctx.createTimer(new Date(T0 + 6.5 * DAY));
      return [ctx.currentUtcDateTime.toISOString(), (yield ctx.callActivity("After")) as unknown];
    });
    const client = new TaskHubClient(service);
    const id = await client.scheduleNewOrchestration("Sleep", undefined, { instanceId: "df-long-timer" });
    // DF's LongTimerTask (maximumShortTimerDuration 6 d, longRunningTimerInterval 3 d): a 6.5-day timer is long,
    // its first chunk ends at 3 d. Here 6.5 d is within the limit, yet the timer must not end at that chunk.
    await writeForeignHistory(
      service,
      () => [
        newEvent("TimerCreated", { eventId: 0, timestamp: at(0), fireAt: at(3 * DAY).toISOString() }),
        newEvent("OrchestratorCompleted", { timestamp: at(0) }),
      ],
      { id: 0, fireAtMs: T0 + 3 * DAY },
    );
    await started(service, worker);
    const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 20_000 });
    expect(s.output).toEqual([at(6.5 * DAY).toISOString(), "after"]);
    expect(shape(await client.getOrchestrationHistory(id))).toEqual([
      "TimerCreated#0",
      "TimerFired(0)",
      "TimerCreated#1",
      "TimerFired(1)",
      "TaskScheduled#2",
      "ExecutionCompleted Completed",
    ]);
  });
});
