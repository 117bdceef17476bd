// Retry schedules on durable timers, timer cancellation and long-timer chunking, step by step over
// hand-written DTF histories.
import { describe, expect, it } from "vitest";
import {
  TaskFailedError,
  type DurableTask,
  type HistoryEvent,
  type Orchestrator,
  type OrchestratorAction,
  type RetryPolicy,
  type TimerTask,
} from "../../src/index.js";
import {
  DAY,
  EXECUTION_ID,
  HOUR,
  MIN,
  SEC,
  completed,
  createTimer,
  executionStarted,
  firstEpisode,
  orchestratorCompleted,
  orchestratorStarted,
  replay,
  scheduleTask,
  subOrchestrationCreated,
  subOrchestrationFailed,
  subOrchestrationCompleted,
  taskCompleted,
  taskFailed,
  taskScheduled,
  timerCreated,
  timerFired,
} from "./dtf-events.js";

/**
 * One episode: the events that woke the orchestrator (`trigger`, starting with OrchestratorStarted), the
 * actions the code must issue in response, and the history events the dispatcher then records for them.
 */
interface Episode {
  trigger: HistoryEvent[];
  expected: OrchestratorAction[];
  recorded: HistoryEvent[];
}

/** Replays episode k with episodes 0..k-1 as committed history and asserts its exact actions. */
function checkEpisodes(o: Orchestrator, episodes: Episode[], maxTimerIntervalMs?: number): void {
  const past: HistoryEvent[] = [];
  episodes.forEach((ep, k) => {
    const r = replay(o, past, ep.trigger, maxTimerIntervalMs);
    expect(r.actions, `episode ${k}`).toEqual(ep.expected);
    past.push(...ep.trigger, ...ep.recorded, orchestratorCompleted(0));
  });
}

const start = (name = "O", input?: unknown): HistoryEvent[] => [
  orchestratorStarted(0),
  executionStarted(name, input),
];

describe("retry policies", () => {
  const policy: RetryPolicy = {
    maxNumberOfAttempts: 5,
    firstRetryIntervalMs: 1000,
    backoffCoefficient: 2,
    maxRetryIntervalMs: 5000,
  };
  const flaky: Orchestrator = function* (ctx) {
    return (yield ctx.callActivity("Flaky", "in", { retry: policy })) as unknown;
  };

  it("waits first × coefficient^(attempt−1), capped by maxRetryIntervalMs, measured from the failure's episode; surfaces the last failure after maxNumberOfAttempts", () => {
    checkEpisodes(flaky, [
      {
        trigger: start(),
        expected: [scheduleTask(0, "Flaky", "in")],
        recorded: [taskScheduled(0, "Flaky", "in")],
      },
      // attempt 1 fails at 10 s → 1 s delay
      {
        trigger: [orchestratorStarted(10 * SEC), taskFailed(0, "e1")],
        expected: [createTimer(1, 11 * SEC)],
        recorded: [timerCreated(1, 11 * SEC)],
      },
      {
        trigger: [orchestratorStarted(11 * SEC), timerFired(1, 11 * SEC)],
        expected: [scheduleTask(2, "Flaky", "in")],
        recorded: [taskScheduled(2, "Flaky", "in")],
      },
      // attempt 2 fails at 20 s → 2 s
      {
        trigger: [orchestratorStarted(20 * SEC), taskFailed(2, "e2")],
        expected: [createTimer(3, 22 * SEC)],
        recorded: [timerCreated(3, 22 * SEC)],
      },
      {
        trigger: [orchestratorStarted(22 * SEC), timerFired(3, 22 * SEC)],
        expected: [scheduleTask(4, "Flaky", "in")],
        recorded: [taskScheduled(4, "Flaky", "in")],
      },
      // attempt 3 fails at 30 s → 4 s
      {
        trigger: [orchestratorStarted(30 * SEC), taskFailed(4, "e3")],
        expected: [createTimer(5, 34 * SEC)],
        recorded: [timerCreated(5, 34 * SEC)],
      },
      {
        trigger: [orchestratorStarted(34 * SEC), timerFired(5, 34 * SEC)],
        expected: [scheduleTask(6, "Flaky", "in")],
        recorded: [taskScheduled(6, "Flaky", "in")],
      },
      // attempt 4 fails at 40 s → 8 s, capped to 5 s
      {
        trigger: [orchestratorStarted(40 * SEC), taskFailed(6, "e4")],
        expected: [createTimer(7, 45 * SEC)],
        recorded: [timerCreated(7, 45 * SEC)],
      },
      {
        trigger: [orchestratorStarted(45 * SEC), timerFired(7, 45 * SEC)],
        expected: [scheduleTask(8, "Flaky", "in")],
        recorded: [taskScheduled(8, "Flaky", "in")],
      },
      // attempt 5 of 5 fails: as DTF's RetryInterceptor, one more retry timer (16 s, capped to 5 s) ...
      {
        trigger: [orchestratorStarted(50 * SEC), taskFailed(8, "e5", { errorType: "HttpError" })],
        expected: [createTimer(9, 55 * SEC)],
        recorded: [timerCreated(9, 55 * SEC)],
      },
      // ... and when it fires, the orchestration fails with the last attempt's TaskFailedError
      {
        trigger: [orchestratorStarted(55 * SEC), timerFired(9, 55 * SEC)],
        expected: [
          {
            type: "CompleteOrchestration",
            id: 10,
            status: "Failed",
            failureDetails: expect.objectContaining({
              errorType: "TaskFailedError",
              errorMessage: "Activity 'Flaky' (task #8) failed: e5",
              innerFailure: { errorType: "HttpError", errorMessage: "e5" },
            }) as unknown,
          } as OrchestratorAction,
        ],
        recorded: [],
      },
    ]);
  });

  it("the generator can catch the final TaskFailedError (code TaskFailed, details and id of the last attempt)", () => {
    let caught: unknown;
    const o: Orchestrator = function* (ctx) {
      try {
        yield ctx.callActivity("Flaky", undefined, {
          retry: { maxNumberOfAttempts: 2, firstRetryIntervalMs: 500 },
        });
      } catch (err) {
        caught = err;
        return "gave up";
      }
    };
    const past = [
      ...start(),
      taskScheduled(0, "Flaky"),
      orchestratorCompleted(0),
      orchestratorStarted(SEC),
      taskFailed(0, "first"),
      timerCreated(1, SEC + 500),
      orchestratorCompleted(SEC),
      orchestratorStarted(SEC + 500),
      timerFired(1, SEC + 500),
      taskScheduled(2, "Flaky"),
      orchestratorCompleted(SEC + 500),
    ];
    expect(
      replay(o, past, [orchestratorStarted(2 * SEC), taskFailed(2, "second", { stackTrace: "at Flaky" })])
        .actions,
    ).toEqual([createTimer(3, 2 * SEC + 500)]);
    expect(caught).toBeUndefined();
    past.push(
      orchestratorStarted(2 * SEC),
      taskFailed(2, "second", { stackTrace: "at Flaky" }),
      timerCreated(3, 2 * SEC + 500),
      orchestratorCompleted(2 * SEC),
    );
    const r = replay(o, past, [orchestratorStarted(2 * SEC + 500), timerFired(3, 2 * SEC + 500)]);
    expect(r.actions).toEqual([completed(4, "gave up")]);
    expect(caught).toBeInstanceOf(TaskFailedError);
    expect(caught).toMatchObject({
      code: "TaskFailed",
      taskId: 2,
      details: { errorType: "Exception", errorMessage: "second", stackTrace: "at Flaky" },
    });
  });

  it("succeeds on the second attempt with that attempt's result", () => {
    const past = [
      ...start(),
      taskScheduled(0, "Flaky", "in"),
      orchestratorCompleted(0),
      orchestratorStarted(10 * SEC),
      taskFailed(0, "transient"),
      timerCreated(1, 11 * SEC),
      orchestratorCompleted(10 * SEC),
      orchestratorStarted(11 * SEC),
      timerFired(1, 11 * SEC),
      taskScheduled(2, "Flaky", "in"),
      orchestratorCompleted(11 * SEC),
    ];
    expect(replay(flaky, past, [orchestratorStarted(12 * SEC), taskCompleted(2, { ok: 2 })]).actions).toEqual(
      [completed(3, { ok: 2 })],
    );
  });

  it("handleFailure returning false stops at once; it sees the TaskFailedError of each attempt", () => {
    const seen: string[] = [];
    const o: Orchestrator = function* (ctx) {
      try {
        yield ctx.callActivity("Pay", undefined, {
          retry: {
            ...policy,
            handleFailure: (f) => {
              seen.push(`${f.taskId}:${f.details.errorType}`);
              return f.details.errorType !== "CardDeclined";
            },
          },
        });
        return "paid";
      } catch (err) {
        return (err as TaskFailedError).details.errorType;
      }
    };
    const past = [
      ...start(),
      taskScheduled(0, "Pay"),
      orchestratorCompleted(0),
      orchestratorStarted(SEC),
      taskFailed(0, "timeout", { errorType: "Timeout" }),
      timerCreated(1, 2 * SEC),
      orchestratorCompleted(SEC),
      orchestratorStarted(2 * SEC),
      timerFired(1, 2 * SEC),
      taskScheduled(2, "Pay"),
      orchestratorCompleted(2 * SEC),
    ];
    const r = replay(o, past, [
      orchestratorStarted(3 * SEC),
      taskFailed(2, "declined", { errorType: "CardDeclined" }),
    ]);
    expect(r.actions).toEqual([completed(3, "CardDeclined")]);
    expect(seen).toEqual(["0:Timeout", "2:CardDeclined"]);
  });

  it("a throwing handleFailure counts as false", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.callActivity("A", undefined, {
        retry: {
          ...policy,
          handleFailure: () => {
            throw new Error("bad predicate");
          },
        },
      });
    };
    const past = [...start(), taskScheduled(0, "A"), orchestratorCompleted(0)];
    expect(replay(o, past, [orchestratorStarted(SEC), taskFailed(0, "x")]).completion).toMatchObject({
      id: 1,
      status: "Failed",
      failureDetails: { errorType: "TaskFailedError" },
    });
  });

  it("a non-retriable failure stops at once, even with attempts left", () => {
    const past = [...start(), taskScheduled(0, "Flaky", "in"), orchestratorCompleted(0)];
    const r = replay(flaky, past, [
      orchestratorStarted(SEC),
      taskFailed(0, "bad input", { errorType: "ValidationError", isNonRetriable: true }),
    ]);
    expect(r.actions).toHaveLength(1);
    expect(r.completion).toMatchObject({
      id: 1,
      status: "Failed",
      failureDetails: { innerFailure: { errorType: "ValidationError", isNonRetriable: true } },
    });
  });

  it("retryTimeoutMs (from the first attempt): a failure before it gets a retry timer, one at or after it surfaces at once (DTF)", () => {
    const timed: Orchestrator = function* (ctx) {
      try {
        return (yield ctx.callActivity("Slow", undefined, {
          retry: { maxNumberOfAttempts: 10, firstRetryIntervalMs: 1000, retryTimeoutMs: 30 * SEC },
        })) as unknown;
      } catch (err) {
        return `stopped after #${(err as TaskFailedError).taskId}`;
      }
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
    ];
    // DTF checks "now < first attempt + timeout" before adding the delay: 29.5 s < 30 s, so a timer, even
    // though the next attempt starts after the timeout.
    expect(replay(timed, past, [orchestratorStarted(29.5 * SEC), taskFailed(2, "e2")]).actions).toEqual([
      createTimer(3, 30.5 * SEC),
    ]);
    // 30 s is not before the timeout: give up.
    expect(replay(timed, past, [orchestratorStarted(30 * SEC), taskFailed(2, "e2")]).actions).toEqual([
      completed(3, "stopped after #2"),
    ]);
  });

  it("maxNumberOfAttempts 1 never makes a second attempt: the failure surfaces when the trailing retry timer fires", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.callActivity("A", undefined, {
        retry: { maxNumberOfAttempts: 1, firstRetryIntervalMs: 1000 },
      });
    };
    const past = [...start(), taskScheduled(0, "A"), orchestratorCompleted(0)];
    expect(replay(o, past, [orchestratorStarted(SEC), taskFailed(0, "x")]).actions).toEqual([
      createTimer(1, 2 * SEC),
    ]);
    past.push(
      orchestratorStarted(SEC),
      taskFailed(0, "x"),
      timerCreated(1, 2 * SEC),
      orchestratorCompleted(SEC),
    );
    expect(replay(o, past, [orchestratorStarted(2 * SEC), timerFired(1, 2 * SEC)]).completion).toMatchObject({
      id: 2,
      status: "Failed",
    });
  });

  it("a sub-orchestration retry gets a new default instance id per attempt, and its result", () => {
    const o: Orchestrator = function* (ctx) {
      return (yield ctx.callSubOrchestrator("Child", 5, {
        retry: { maxNumberOfAttempts: 3, firstRetryIntervalMs: MIN },
      })) as unknown;
    };
    const child = (id: number): OrchestratorAction => ({
      type: "CreateSubOrchestration",
      id,
      name: "Child",
      instanceId: `${EXECUTION_ID}:${id}`,
      input: "5",
      version: undefined,
      tags: undefined,
    });
    checkEpisodes(o, [
      {
        trigger: start(),
        expected: [child(0)],
        recorded: [subOrchestrationCreated(0, "Child", `${EXECUTION_ID}:0`, 5)],
      },
      {
        trigger: [orchestratorStarted(MIN), subOrchestrationFailed(0, "child broke")],
        expected: [createTimer(1, 2 * MIN)],
        recorded: [timerCreated(1, 2 * MIN)],
      },
      {
        trigger: [orchestratorStarted(2 * MIN), timerFired(1, 2 * MIN)],
        expected: [child(2)],
        recorded: [subOrchestrationCreated(2, "Child", `${EXECUTION_ID}:2`, 5)],
      },
      {
        trigger: [orchestratorStarted(3 * MIN), subOrchestrationCompleted(2, "child ok")],
        expected: [completed(3, "child ok")],
        recorded: [],
      },
    ]);
  });

  it("a retry delay longer than the timer limit is chunked, and the next attempt follows the last chunk", () => {
    const o: Orchestrator = function* (ctx) {
      return (yield ctx.callActivity("A", undefined, {
        retry: { maxNumberOfAttempts: 2, firstRetryIntervalMs: 5 * DAY },
      })) as unknown;
    };
    checkEpisodes(
      o,
      [
        { trigger: start(), expected: [scheduleTask(0, "A")], recorded: [taskScheduled(0, "A")] },
        {
          trigger: [orchestratorStarted(HOUR), taskFailed(0, "x")],
          expected: [createTimer(1, HOUR + 3 * DAY)],
          recorded: [timerCreated(1, HOUR + 3 * DAY)],
        },
        {
          trigger: [orchestratorStarted(HOUR + 3 * DAY), timerFired(1, HOUR + 3 * DAY)],
          expected: [createTimer(2, HOUR + 5 * DAY)],
          recorded: [timerCreated(2, HOUR + 5 * DAY)],
        },
        {
          trigger: [orchestratorStarted(HOUR + 5 * DAY), timerFired(2, HOUR + 5 * DAY)],
          expected: [scheduleTask(3, "A")],
          recorded: [taskScheduled(3, "A")],
        },
        {
          trigger: [orchestratorStarted(HOUR + 5 * DAY + SEC), taskCompleted(3, "late")],
          expected: [completed(4, "late")],
          recorded: [],
        },
      ],
      3 * DAY,
    );
  });

  it("an invalid policy fails the orchestration with InvalidArgument before any action", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.callActivity("A", undefined, { retry: { maxNumberOfAttempts: 3, firstRetryIntervalMs: 0 } });
    };
    const r = firstEpisode(o);
    expect(r.actions).toHaveLength(1);
    expect(r.completion).toMatchObject({
      id: 0,
      status: "Failed",
      failureDetails: { errorType: "InvalidArgumentError" },
    });
  });
});

describe("timer cancellation", () => {
  it("a cancelled timer does not keep the orchestration from completing", () => {
    const o: Orchestrator = function* (ctx) {
      const deadline = ctx.createTimer(HOUR);
      const work = ctx.callActivity("Work");
      const winner: DurableTask<unknown> = yield ctx.whenAny<unknown>([work, deadline]);
      if (winner === work) deadline.cancel();
      return { winner: winner === work ? "work" : "deadline", canceled: deadline.isCanceled };
    };
    expect(firstEpisode(o).actions).toEqual([createTimer(0, HOUR), scheduleTask(1, "Work")]);
    const past = [...start(), timerCreated(0, HOUR), taskScheduled(1, "Work"), orchestratorCompleted(0)];
    expect(replay(o, past, [orchestratorStarted(MIN), taskCompleted(1)]).actions).toEqual([
      completed(2, { winner: "work", canceled: true }),
    ]);
    expect(replay(o, past, [orchestratorStarted(HOUR), timerFired(0, HOUR)]).actions).toEqual([
      completed(2, { winner: "deadline", canceled: false }),
    ]);
  });

  it("a TimerFired for a cancelled timer later is ignored", () => {
    const o: Orchestrator = function* (ctx) {
      const deadline = ctx.createTimer(HOUR);
      const work = ctx.callActivity("Work");
      const winner: DurableTask<unknown> = yield ctx.whenAny<unknown>([work, deadline]);
      if (winner !== work) return "deadline";
      deadline.cancel();
      yield ctx.callActivity("Next");
      return "finished";
    };
    const past = [
      ...start(),
      timerCreated(0, HOUR),
      taskScheduled(1, "Work"),
      orchestratorCompleted(0),
      orchestratorStarted(MIN),
      taskCompleted(1),
      taskScheduled(2, "Next"),
      orchestratorCompleted(MIN),
    ];
    expect(replay(o, past, [orchestratorStarted(HOUR), timerFired(0, HOUR)]).actions).toEqual([]);
    const past2 = [...past, orchestratorStarted(HOUR), timerFired(0, HOUR), orchestratorCompleted(HOUR)];
    expect(replay(o, past2, [orchestratorStarted(HOUR + SEC), taskCompleted(2)]).actions).toEqual([
      completed(3, "finished"),
    ]);
  });

  it("cancel() after the timer fired is a no-op", () => {
    let canceled: boolean | undefined;
    const o: Orchestrator = function* (ctx) {
      const t: TimerTask = ctx.createTimer(SEC);
      yield t;
      t.cancel();
      canceled = t.isCanceled;
      return t.isFailed;
    };
    const past = [...start(), timerCreated(0, SEC), orchestratorCompleted(0)];
    expect(replay(o, past, [orchestratorStarted(SEC), timerFired(0, SEC)]).actions).toEqual([
      completed(1, false),
    ]);
    expect(canceled).toBe(false);
  });
});

describe("long timers", () => {
  const tenDays: Orchestrator = function* (ctx) {
    yield ctx.createTimer(10 * DAY);
    return "woke up";
  };

  it("a 10-day timer with a 3-day limit is a chain of TimerCreated actions, one per fired chunk, completing after the last", () => {
    checkEpisodes(
      tenDays,
      [
        { trigger: start(), expected: [createTimer(0, 3 * DAY)], recorded: [timerCreated(0, 3 * DAY)] },
        {
          trigger: [orchestratorStarted(3 * DAY), timerFired(0, 3 * DAY)],
          expected: [createTimer(1, 6 * DAY)],
          recorded: [timerCreated(1, 6 * DAY)],
        },
        {
          trigger: [orchestratorStarted(6 * DAY), timerFired(1, 6 * DAY)],
          expected: [createTimer(2, 9 * DAY)],
          recorded: [timerCreated(2, 9 * DAY)],
        },
        {
          trigger: [orchestratorStarted(9 * DAY), timerFired(2, 9 * DAY)],
          expected: [createTimer(3, 10 * DAY)],
          recorded: [timerCreated(3, 10 * DAY)],
        },
        {
          trigger: [orchestratorStarted(10 * DAY), timerFired(3, 10 * DAY)],
          expected: [completed(4, "woke up")],
          recorded: [],
        },
      ],
      3 * DAY,
    );
  });

  it("the next chunk starts from the episode's time when a chunk is delivered late, and never overshoots", () => {
    checkEpisodes(
      tenDays,
      [
        { trigger: start(), expected: [createTimer(0, 3 * DAY)], recorded: [timerCreated(0, 3 * DAY)] },
        {
          trigger: [orchestratorStarted(3 * DAY + HOUR), timerFired(0, 3 * DAY)],
          expected: [createTimer(1, 6 * DAY + HOUR)],
          recorded: [timerCreated(1, 6 * DAY + HOUR)],
        },
        {
          trigger: [orchestratorStarted(8 * DAY), timerFired(1, 6 * DAY + HOUR)],
          expected: [createTimer(2, 10 * DAY)],
          recorded: [timerCreated(2, 10 * DAY)],
        },
        {
          trigger: [orchestratorStarted(10 * DAY), timerFired(2, 10 * DAY)],
          expected: [completed(3, "woke up")],
          recorded: [],
        },
      ],
      3 * DAY,
    );
  });

  it("a timer within the limit is a single TimerCreated, and without a limit nothing is split", () => {
    expect(firstEpisode(tenDays, "O", undefined, 10 * DAY).actions).toEqual([createTimer(0, 10 * DAY)]);
    expect(firstEpisode(tenDays).actions).toEqual([createTimer(0, 10 * DAY)]);
  });

  it("replaying the whole chain at once reproduces the same ids and issues nothing new", () => {
    const past = [
      ...start(),
      timerCreated(0, 3 * DAY),
      orchestratorCompleted(0),
      orchestratorStarted(3 * DAY),
      timerFired(0, 3 * DAY),
      timerCreated(1, 6 * DAY),
      orchestratorCompleted(3 * DAY),
      orchestratorStarted(6 * DAY),
      timerFired(1, 6 * DAY),
      timerCreated(2, 9 * DAY),
      orchestratorCompleted(6 * DAY),
    ];
    expect(replay(tenDays, past, [], 3 * DAY).actions).toEqual([]);
    expect(
      replay(tenDays, past, [orchestratorStarted(9 * DAY), timerFired(2, 9 * DAY)], 3 * DAY).actions,
    ).toEqual([createTimer(3, 10 * DAY)]);
  });

  it("cancelling a chunked timer mid-chain stops the chain", () => {
    const o: Orchestrator = function* (ctx) {
      const long = ctx.createTimer(10 * DAY);
      const wake = ctx.callActivity("Poll");
      const w: DurableTask<unknown> = yield ctx.whenAny<unknown>([long, wake]);
      if (w === wake) long.cancel();
      yield ctx.callActivity("After");
      return w === wake ? "polled" : "slept";
    };
    const past = [
      ...start(),
      timerCreated(0, 3 * DAY),
      taskScheduled(1, "Poll"),
      orchestratorCompleted(0),
      orchestratorStarted(3 * DAY),
      timerFired(0, 3 * DAY),
      timerCreated(2, 6 * DAY),
      orchestratorCompleted(3 * DAY),
    ];
    const r = replay(o, past, [orchestratorStarted(4 * DAY), taskCompleted(1)], 3 * DAY);
    expect(r.actions).toEqual([scheduleTask(3, "After")]);
    const past2 = [
      ...past,
      orchestratorStarted(4 * DAY),
      taskCompleted(1),
      taskScheduled(3, "After"),
      orchestratorCompleted(4 * DAY),
    ];
    // The in-flight chunk fires: no further chunk is created.
    expect(replay(o, past2, [orchestratorStarted(6 * DAY), timerFired(2, 6 * DAY)], 3 * DAY).actions).toEqual(
      [],
    );
  });
});
