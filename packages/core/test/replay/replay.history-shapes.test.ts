// Histories written by DurableTask.Core (DTF) and Durable Functions, and by older taskhub, where the writers
// decided differently: retries that run out, retry timeouts, and long timers split another way. Each history is
// spelled out row by row in the shape its writer stores; the comment above it says where that shape comes from.
import { describe, expect, it } from "vitest";
import {
  newEvent,
  type HistoryEvent,
  type Orchestrator,
  type ReplayResult,
  type RetryPolicy,
  type TaskFailedError,
} from "../../src/index.js";
import {
  DAY,
  EXECUTION_ID,
  HOUR,
  SEC,
  T0,
  completed,
  createTimer,
  executionStarted,
  orchestratorCompleted,
  orchestratorStarted,
  replay,
  scheduleTask,
  subOrchestrationCreated,
  subOrchestrationFailed,
  taskCompleted,
  taskFailed,
  taskScheduled,
  timerCreated,
  timerFired,
} from "./dtf-events.js";

const start = (): HistoryEvent[] => [orchestratorStarted(0), executionStarted("O")];

/** The completion's failure, or a description of what came out instead. */
function failureOf(r: ReplayResult): { errorType: string; errorMessage: string } | string {
  const c = r.completion;
  if (c?.status !== "Failed") return `not failed: ${JSON.stringify(r.actions)}`;
  return { errorType: c.failureDetails!.errorType, errorMessage: c.failureDetails!.errorMessage };
}

describe("retries that run out, as DTF's RetryInterceptor and Durable Functions write them", () => {
  // DurableTask.Core's RetryInterceptor.Invoke: `for (retryCount = 0; retryCount < MaxNumberOfAttempts; ...)`
  // { try { return await call(); } catch { last = e; } delay = ComputeNextDelay(...); if (delay == 0) break;
  // await CreateTimer(now + delay); } throw last; — so after the LAST failed attempt it still creates a retry
  // timer, and the call fails only when that timer fires. Durable Functions (in-process .NET, and JS v3 through
  // the host's CallActivityWithRetryAsync / CallSubOrchestratorWithRetryAsync) runs this loop; DF JS v3's
  // RetryableTask reads such histories: after each failure it waits for a timer, then fails once
  // attemptNumber > maxNumberOfAttempts. DF JS's own test history GetSayHelloWithActivityRetryRetryTwo
  // (2 attempts) is this shape: TaskScheduled #0, TaskFailed, TimerCreated #1, TimerFired, TaskScheduled #2,
  // TaskFailed, TimerCreated #3, TimerFired. TaskFailed there carries Reason/Details only (taskFailed(.., null)).
  const policy: RetryPolicy = { maxNumberOfAttempts: 2, firstRetryIntervalMs: 5 * SEC };
  const flaky: Orchestrator = function* (ctx) {
    return (yield ctx.callActivity("Flaky", "in", { retry: policy })) as unknown;
  };
  const dtfHistory = (): HistoryEvent[] => [
    ...start(),
    taskScheduled(0, "Flaky", "in"),
    orchestratorCompleted(0),
    orchestratorStarted(SEC),
    taskFailed(0, "Activity function 'Flaky' failed: first", null, "stack 1"),
    timerCreated(1, 6 * SEC, SEC),
    orchestratorCompleted(SEC),
    orchestratorStarted(6 * SEC),
    timerFired(1, 6 * SEC),
    taskScheduled(2, "Flaky", "in", 6 * SEC),
    orchestratorCompleted(6 * SEC),
    orchestratorStarted(7 * SEC),
    taskFailed(2, "Activity function 'Flaky' failed: second", null, "stack 2"),
    timerCreated(3, 12 * SEC, 7 * SEC),
    orchestratorCompleted(7 * SEC),
  ];

  it("replays the history up to the trailing timer without NonDeterminism, waiting for it", () => {
    expect(replay(flaky, dtfHistory(), [])).toEqual({
      actions: [],
      customStatus: undefined,
      completion: undefined,
    });
  });

  it("fails with the last attempt's error when the trailing timer fires", () => {
    const r = replay(flaky, dtfHistory(), [orchestratorStarted(12 * SEC), timerFired(3, 12 * SEC)]);
    expect(failureOf(r)).toEqual({
      errorType: "TaskFailedError",
      errorMessage: "Activity 'Flaky' (task #2) failed: Activity function 'Flaky' failed: second",
    });
  });

  it("the code can catch that failure and go on at the next id", () => {
    const o: Orchestrator = function* (ctx) {
      try {
        return (yield ctx.callActivity("Flaky", "in", { retry: policy })) as unknown;
      } catch (err) {
        return (yield ctx.callActivity("Compensate", (err as TaskFailedError).taskId)) as unknown;
      }
    };
    expect(replay(o, dtfHistory(), [orchestratorStarted(12 * SEC), timerFired(3, 12 * SEC)]).actions).toEqual(
      [scheduleTask(4, "Compensate", 2)],
    );
  });

  it("a new failure of the last attempt gets that trailing timer, so DTF and Durable Functions workers can replay our history", () => {
    const past = dtfHistory().slice(0, 11);
    expect(replay(flaky, past, [orchestratorStarted(7 * SEC), taskFailed(2, "second")]).actions).toEqual([
      createTimer(3, 12 * SEC),
    ]);
  });

  it("a sub-orchestration retried by CreateSubOrchestrationInstanceWithRetry: the same shape", () => {
    const o: Orchestrator = function* (ctx) {
      return (yield ctx.callSubOrchestrator("Child", 1, { retry: policy })) as unknown;
    };
    const past = [
      ...start(),
      subOrchestrationCreated(0, "Child", `${EXECUTION_ID}:0`, 1),
      orchestratorCompleted(0),
      orchestratorStarted(SEC),
      subOrchestrationFailed(0, "child broke 1"),
      timerCreated(1, 6 * SEC, SEC),
      orchestratorCompleted(SEC),
      orchestratorStarted(6 * SEC),
      timerFired(1, 6 * SEC),
      subOrchestrationCreated(2, "Child", `${EXECUTION_ID}:2`, 1),
      orchestratorCompleted(6 * SEC),
      orchestratorStarted(7 * SEC),
      subOrchestrationFailed(2, "child broke 2"),
      timerCreated(3, 12 * SEC, 7 * SEC),
      orchestratorCompleted(7 * SEC),
    ];
    const r = replay(o, past, [orchestratorStarted(12 * SEC), timerFired(3, 12 * SEC)]);
    expect(failureOf(r)).toEqual({
      errorType: "TaskFailedError",
      errorMessage: "Sub-orchestration 'Child' (task #2) failed: child broke 2",
    });
  });

  it("fire times with .NET's seven fractional digits and a fractional backoff match", () => {
    // ComputeNextDelay: FirstRetryInterval × BackoffCoefficient^retryCount = 1000 × 1.1 = 1100.0000000000002 ms;
    // the timer fires at CurrentUtcDateTime + that, in 100 ns ticks.
    const o: Orchestrator = function* (ctx) {
      return (yield ctx.callActivity("Flaky", undefined, {
        retry: { maxNumberOfAttempts: 2, firstRetryIntervalMs: 1000, backoffCoefficient: 1.1 },
      })) as unknown;
    };
    const os = (t: string): HistoryEvent =>
      newEvent("OrchestratorStarted", { timestamp: `2025-03-10T08:00:${t}Z` });
    const past = [
      os("00.0000000"),
      executionStarted("O"),
      taskScheduled(0, "Flaky"),
      orchestratorCompleted(0),
      os("01.2345678"),
      taskFailed(0, "first", null),
      newEvent("TimerCreated", {
        eventId: 1,
        timestamp: "2025-03-10T08:00:01.2345678Z",
        fireAt: "2025-03-10T08:00:02.2345678Z",
      }),
      orchestratorCompleted(0),
      os("02.2345678"),
      newEvent("TimerFired", {
        timestamp: "2025-03-10T08:00:02.2345678Z",
        timerId: 1,
        fireAt: "2025-03-10T08:00:02.2345678Z",
      }),
      taskScheduled(2, "Flaky"),
      orchestratorCompleted(0),
      os("03.9876543"),
      taskFailed(2, "second", null),
      newEvent("TimerCreated", {
        eventId: 3,
        timestamp: "2025-03-10T08:00:03.9876543Z",
        fireAt: "2025-03-10T08:00:05.0876543Z",
      }),
      orchestratorCompleted(0),
    ];
    expect(replay(o, past, []).actions).toEqual([]);
    const fired = [
      os("05.0876543"),
      newEvent("TimerFired", {
        timestamp: "2025-03-10T08:00:05.0876543Z",
        timerId: 3,
        fireAt: "2025-03-10T08:00:05.0876543Z",
      }),
    ];
    expect(failureOf(replay(o, past, fired))).toMatchObject({
      errorMessage: "Activity 'Flaky' (task #2) failed: second",
    });
  });

  it("the retry timeout is DTF's: a failure before first attempt + timeout gets a timer even if the next attempt starts after it", () => {
    // ComputeNextDelay: `if (CurrentUtcDateTime < firstAttempt + RetryTimeout)` → delay; the delay is not added
    // to the comparison. Failure at 29.5 s, timeout 30 s, delay 1 s: timer at 30.5 s, then a third attempt.
    const o: Orchestrator = function* (ctx) {
      return (yield ctx.callActivity("Slow", undefined, {
        retry: { maxNumberOfAttempts: 5, firstRetryIntervalMs: SEC, retryTimeoutMs: 30 * SEC },
      })) as unknown;
    };
    const past = [
      ...start(),
      taskScheduled(0, "Slow"),
      orchestratorCompleted(0),
      orchestratorStarted(10 * SEC),
      taskFailed(0, "e1"),
      timerCreated(1, 11 * SEC),
      orchestratorCompleted(10 * SEC),
      orchestratorStarted(11 * SEC),
      timerFired(1, 11 * SEC),
      taskScheduled(2, "Slow"),
      orchestratorCompleted(11 * SEC),
      orchestratorStarted(29.5 * SEC),
      taskFailed(2, "e2"),
      timerCreated(3, 30.5 * SEC),
      orchestratorCompleted(29.5 * SEC),
    ];
    expect(replay(o, past, [orchestratorStarted(30.5 * SEC), timerFired(3, 30.5 * SEC)]).actions).toEqual([
      scheduleTask(4, "Slow"),
    ]);
  });
});

describe("taskhub's older retry histories (no timer after the last attempt) still replay", () => {
  const policy: RetryPolicy = { maxNumberOfAttempts: 2, firstRetryIntervalMs: 5 * SEC };
  const compensating: Orchestrator = function* (ctx) {
    try {
      return (yield ctx.callActivity("Flaky", "in", { retry: policy })) as unknown;
    } catch {
      return { compensated: (yield ctx.callActivity("Compensate")) as unknown };
    }
  };
  // Older taskhub surfaced the last failure at once: the code's reaction takes the id DTF gives the timer.
  const olderHistory = (): HistoryEvent[] => [
    ...start(),
    taskScheduled(0, "Flaky", "in"),
    orchestratorCompleted(0),
    orchestratorStarted(SEC),
    taskFailed(0, "first"),
    timerCreated(1, 6 * SEC, SEC),
    orchestratorCompleted(SEC),
    orchestratorStarted(6 * SEC),
    timerFired(1, 6 * SEC),
    taskScheduled(2, "Flaky", "in", 6 * SEC),
    orchestratorCompleted(6 * SEC),
    orchestratorStarted(7 * SEC),
    taskFailed(2, "second"),
    taskScheduled(3, "Compensate", undefined, 7 * SEC),
    orchestratorCompleted(7 * SEC),
  ];

  it("the failure surfaced at once and the code's next step took the id", () => {
    expect(replay(compensating, olderHistory(), []).actions).toEqual([]);
    expect(
      replay(compensating, olderHistory(), [orchestratorStarted(8 * SEC), taskCompleted(3, "undone")])
        .actions,
    ).toEqual([completed(4, { compensated: "undone" })]);
  });

  it("a timer of the code's own at that id is not taken for the retry timer", () => {
    const o: Orchestrator = function* (ctx) {
      try {
        return (yield ctx.callActivity("Flaky", "in", { retry: policy })) as unknown;
      } catch {
        yield ctx.createTimer(HOUR);
        return "waited";
      }
    };
    const past = [
      ...olderHistory().slice(0, 14),
      timerCreated(3, 7 * SEC + HOUR, 7 * SEC),
      orchestratorCompleted(7 * SEC),
    ];
    expect(
      replay(o, past, [orchestratorStarted(7 * SEC + HOUR), timerFired(3, 7 * SEC + HOUR)]).actions,
    ).toEqual([completed(4, "waited")]);
  });

  it("older taskhub's retry timeout (no retry once the next attempt would start after it) still replays", () => {
    const o: Orchestrator = function* (ctx) {
      try {
        return (yield ctx.callActivity("Slow", undefined, {
          retry: { maxNumberOfAttempts: 5, firstRetryIntervalMs: SEC, retryTimeoutMs: 30 * SEC },
        })) as unknown;
      } catch {
        return { compensated: (yield ctx.callActivity("Compensate")) as unknown };
      }
    };
    const past = [
      ...start(),
      taskScheduled(0, "Slow"),
      orchestratorCompleted(0),
      orchestratorStarted(29.5 * SEC),
      taskFailed(0, "e1"),
      taskScheduled(1, "Compensate", undefined, 29.5 * SEC),
      orchestratorCompleted(29.5 * SEC),
    ];
    expect(replay(o, past, [orchestratorStarted(31 * SEC), taskCompleted(1, "ok")]).actions).toEqual([
      completed(2, { compensated: "ok" }),
    ]);
  });
});

describe("long timers split another way", () => {
  const sleep = (days: number): Orchestrator =>
    function* (ctx) {
      yield ctx.createTimer(new Date(T0 + days * DAY));
      return "woke";
    };

  it("Durable Functions' split (6-day short timers, 3-day chunks) with taskhub's limit at 7 days: a 6.5-day timer does not end at the 3-day chunk", () => {
    // DF JS's LongTimerTask (and the .NET extension's CreateTimer loop): fireAt − now > maximumShortTimerDuration
    // (6 d) → chunks of longRunningTimerInterval (3 d) while more than 6 d remain, then one to fireAt; each
    // chunk's firing schedules another while currentUtcDateTime < fireAt.
    const o = sleep(6.5);
    const past = [...start(), timerCreated(0, 3 * DAY), orchestratorCompleted(0)];
    expect(replay(o, past, [orchestratorStarted(3 * DAY), timerFired(0, 3 * DAY)], 7 * DAY).actions).toEqual([
      createTimer(1, 6.5 * DAY),
    ]);
    past.push(
      orchestratorStarted(3 * DAY),
      timerFired(0, 3 * DAY),
      timerCreated(1, 6.5 * DAY, 3 * DAY),
      orchestratorCompleted(3 * DAY),
    );
    expect(
      replay(o, past, [orchestratorStarted(6.5 * DAY), timerFired(1, 6.5 * DAY)], 7 * DAY).actions,
    ).toEqual([completed(2, "woke")]);
  });

  it("a history split at 3 days replayed with the limit raised to 6 days ends at the requested time, not at a recomputed boundary", () => {
    // Written by taskhub with a 3-day limit, and also the Durable Functions .NET extension's shape: its CreateTimer
    // loop makes LongRunningTimerIntervalLength (3 d) chunks while at least 3 d remain, then one to fireAt.
    const o = sleep(10);
    const past = [
      ...start(),
      timerCreated(0, 3 * DAY),
      orchestratorCompleted(0),
      orchestratorStarted(3 * DAY),
      timerFired(0, 3 * DAY),
      timerCreated(1, 6 * DAY, 3 * DAY),
      orchestratorCompleted(3 * DAY),
      orchestratorStarted(6 * DAY),
      timerFired(1, 6 * DAY),
      timerCreated(2, 9 * DAY, 6 * DAY),
      orchestratorCompleted(6 * DAY),
    ];
    expect(replay(o, past, [orchestratorStarted(9 * DAY), timerFired(2, 9 * DAY)], 6 * DAY).actions).toEqual([
      createTimer(3, 10 * DAY),
    ]);
    past.push(
      orchestratorStarted(9 * DAY),
      timerFired(2, 9 * DAY),
      timerCreated(3, 10 * DAY, 9 * DAY),
      orchestratorCompleted(9 * DAY),
    );
    expect(
      replay(o, past, [orchestratorStarted(10 * DAY), timerFired(3, 10 * DAY)], 6 * DAY).actions,
    ).toEqual([completed(4, "woke")]);
  });

  it("a history split at 6 days replayed with the limit lowered to 3 days gets no extra chunk after the requested time", () => {
    const o = sleep(10);
    const past = [
      ...start(),
      timerCreated(0, 6 * DAY),
      orchestratorCompleted(0),
      orchestratorStarted(6 * DAY),
      timerFired(0, 6 * DAY),
      timerCreated(1, 10 * DAY, 6 * DAY),
      orchestratorCompleted(6 * DAY),
    ];
    expect(
      replay(o, past, [orchestratorStarted(10 * DAY), timerFired(1, 10 * DAY)], 3 * DAY).actions,
    ).toEqual([completed(2, "woke")]);
  });

  it("Durable Functions' extra chunk when the last chunk fires before the requested time replays, and a new early firing adds it", () => {
    // LongTimerTask.trySetValue: `if (finalFireTime > currentTime)` another chunk, here to fireAt itself; the
    // .NET extension: `while (CurrentUtcDateTime < fireAt)`.
    const o = sleep(10);
    const early = 10 * DAY - 500;
    const past = [
      ...start(),
      timerCreated(0, 3 * DAY),
      orchestratorCompleted(0),
      orchestratorStarted(3 * DAY),
      timerFired(0, 3 * DAY),
      timerCreated(1, 6 * DAY, 3 * DAY),
      orchestratorCompleted(3 * DAY),
      orchestratorStarted(6 * DAY),
      timerFired(1, 6 * DAY),
      timerCreated(2, 10 * DAY, 6 * DAY),
      orchestratorCompleted(6 * DAY),
    ];
    expect(replay(o, past, [orchestratorStarted(early), timerFired(2, 10 * DAY)], 6 * DAY).actions).toEqual([
      createTimer(3, 10 * DAY),
    ]);
    past.push(
      orchestratorStarted(early),
      timerFired(2, 10 * DAY),
      timerCreated(3, 10 * DAY, early),
      orchestratorCompleted(early),
    );
    expect(replay(o, past, [], 6 * DAY).actions).toEqual([]);
    expect(
      replay(o, past, [orchestratorStarted(10 * DAY), timerFired(3, 10 * DAY)], 6 * DAY).actions,
    ).toEqual([completed(4, "woke")]);
  });

  it("a chunk delivered after the requested time ends the timer, with no further chunk (DF: currentUtcDateTime ≥ fireAt)", () => {
    const past = [...start(), timerCreated(0, 3 * DAY), orchestratorCompleted(0)];
    expect(
      replay(sleep(10), past, [orchestratorStarted(11 * DAY), timerFired(0, 3 * DAY)], 3 * DAY).actions,
    ).toEqual([completed(1, "woke")]);
  });

  it("a timer within the limit ends when it fires, even a little early (DF and DTF do not check the time for it)", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.createTimer(HOUR);
      return "woke";
    };
    const past = [...start(), timerCreated(0, HOUR), orchestratorCompleted(0)];
    expect(replay(o, past, [orchestratorStarted(HOUR - 500), timerFired(0, HOUR)], 6 * DAY).actions).toEqual([
      completed(1, "woke"),
    ]);
  });
});

describe("taskhub's older long-timer histories still replay", () => {
  const o: Orchestrator = function* (ctx) {
    yield ctx.createTimer(new Date(T0 + 10 * DAY));
    return (yield ctx.callActivity("After")) as unknown;
  };

  it("a chunk delivered late got one more chunk to the requested time", () => {
    // Older taskhub: the fired chunk (3 d) had not reached 10 d, so a chunk to min(now + limit, fireAt) = 10 d.
    const past = [
      ...start(),
      timerCreated(0, 3 * DAY),
      orchestratorCompleted(0),
      orchestratorStarted(11 * DAY),
      timerFired(0, 3 * DAY),
      timerCreated(1, 10 * DAY, 11 * DAY),
      orchestratorCompleted(11 * DAY),
    ];
    expect(replay(o, past, [], 3 * DAY).actions).toEqual([]);
    expect(
      replay(o, past, [orchestratorStarted(11 * DAY), timerFired(1, 10 * DAY)], 3 * DAY).actions,
    ).toEqual([scheduleTask(2, "After")]);
  });

  it("the last chunk delivered early ended the timer", () => {
    const early = 10 * DAY - 500;
    const past = [
      ...start(),
      timerCreated(0, 6 * DAY),
      orchestratorCompleted(0),
      orchestratorStarted(6 * DAY),
      timerFired(0, 6 * DAY),
      timerCreated(1, 10 * DAY, 6 * DAY),
      orchestratorCompleted(6 * DAY),
      orchestratorStarted(early),
      timerFired(1, 10 * DAY),
      taskScheduled(2, "After", undefined, early),
      orchestratorCompleted(early),
    ];
    expect(
      replay(o, past, [orchestratorStarted(10 * DAY), taskCompleted(2, "done")], 6 * DAY).actions,
    ).toEqual([completed(3, "done")]);
  });
});
