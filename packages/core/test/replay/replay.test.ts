// replayOrchestration against hand-written DTF-shaped histories: every context feature, partial replay,
// non-determinism, retries, timers, whenAll/whenAny, continue-as-new, suspend/resume, terminate, newGuid.
import { describe, expect, it } from "vitest";
import {
  newDeterministicGuid,
  newEvent,
  replayOrchestration,
  TaskFailedError,
  TimeoutError,
  WhenAllFailedError,
  type DurableTask,
  type HistoryEvent,
  type Orchestrator,
  type OrchestratorAction,
} from "../../src/index.js";
import { EXECUTION, History, INSTANCE, T0 } from "./history-builder.js";

const SEC = 1000;
const DAY = 24 * 3600 * SEC;

function replay(
  orch: Orchestrator,
  past: readonly HistoryEvent[],
  newEvents: readonly HistoryEvent[],
  maxTimerIntervalMs?: number,
) {
  return replayOrchestration(orch, past, newEvents, { maxTimerIntervalMs });
}

/** Replay with everything before `split` as committed history and the rest as this work item's events. */
function replayAt(orch: Orchestrator, h: History, split: number, maxTimerIntervalMs?: number) {
  return replay(orch, h.events.slice(0, split), h.events.slice(split), maxTimerIntervalMs);
}

const chain: Orchestrator<number, number> = function* (ctx, input) {
  const a: number = yield ctx.callActivity("F1", input);
  const b: number = yield ctx.callActivity("F2", a);
  return (yield ctx.callActivity("F3", b)) as number;
};

describe("replay of partially completed histories", () => {
  it("issues only the actions history does not record", () => {
    const h = new History().episode().start("Chain", 1).scheduled(0, "F1").end();
    const split = h.mark();
    h.episode(T0 + SEC).completed(0, 2);
    const r = replayAt(chain, h, split);
    expect(r.actions).toEqual([
      { type: "ScheduleTask", id: 1, name: "F2", input: "2", version: undefined, tags: undefined },
    ]);
    expect(r.completion).toBeUndefined();
  });

  it("completes when the last result arrives", () => {
    const h = new History()
      .episode()
      .start("Chain", 1)
      .scheduled(0, "F1")
      .end()
      .episode()
      .completed(0, 2)
      .scheduled(1, "F2")
      .end();
    const split = h.mark();
    h.episode().completed(1, 4).scheduled(2, "F3").end();
    const mid = replayAt(chain, h, split);
    expect(mid.actions).toEqual([]);
    h.episode().completed(2, 8);
    const r = replayAt(chain, h, h.events.length - 2);
    expect(r.actions).toEqual([{ type: "CompleteOrchestration", id: 3, status: "Completed", result: "8" }]);
  });

  it("the first episode schedules the first activity", () => {
    const r = replay(chain, [], new History().episode().start("Chain", 1).events);
    expect(r.actions.map((a) => a.type)).toEqual(["ScheduleTask"]);
  });
});

describe("context features", () => {
  it("callActivity puts input, tags and version on the action", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.callActivity("A", { x: 1 }, { tags: { k: "v" }, version: "2" });
    };
    expect(replay(o, [], new History().episode().start("O").events).actions).toEqual([
      { type: "ScheduleTask", id: 0, name: "A", input: '{"x":1}', tags: { k: "v" }, version: "2" },
    ]);
  });

  it("sub-orchestrations get DTF's default id, an explicit id, and their result", () => {
    const o: Orchestrator = function* (ctx) {
      const a: unknown = yield ctx.callSubOrchestrator("Child", 1);
      const b: unknown = yield ctx.callSubOrchestrator("Child", 2, { instanceId: "explicit" });
      return [a, b];
    };
    const h = new History().episode().start("O");
    const first = replay(o, [], h.events);
    expect(first.actions).toEqual([
      {
        type: "CreateSubOrchestration",
        id: 0,
        name: "Child",
        instanceId: `${EXECUTION}:0`,
        input: "1",
        version: undefined,
        tags: undefined,
      },
    ]);
    h.subCreated(0, "Child", `${EXECUTION}:0`).end();
    const split = h.mark();
    h.episode().subCompleted(0, "one");
    expect(replayAt(o, h, split).actions).toMatchObject([
      { type: "CreateSubOrchestration", id: 1, instanceId: "explicit" },
    ]);
    h.subCreated(1, "Child", "explicit").end();
    const split2 = h.mark();
    h.episode().subCompleted(1, "two");
    expect(replayAt(o, h, split2).completion).toMatchObject({ status: "Completed", result: '["one","two"]' });
  });

  it("a child sees its parent", () => {
    let seen: unknown;
    const child: Orchestrator = (ctx) => {
      seen = ctx.parent;
      return ctx.instanceId;
    };
    const h = new History().episode().start("Child", undefined, {
      parentInstance: {
        name: "Parent",
        orchestrationInstance: { instanceId: "p", executionId: "pe" },
        taskScheduleId: 4,
      },
    });
    expect(replay(child, [], h.events).completion?.result).toBe(JSON.stringify(INSTANCE));
    expect(seen).toEqual({ name: "Parent", instanceId: "p", taskScheduledId: 4 });
  });

  it("createTimer takes a Date or a delay from currentUtcDateTime", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.whenAll([ctx.createTimer(new Date(T0 + 60 * SEC)), ctx.createTimer(5 * SEC)]);
      return "done";
    };
    const h = new History().episode().start("O");
    expect(replay(o, [], h.events).actions).toEqual([
      { type: "CreateTimer", id: 0, fireAt: new Date(T0 + 60 * SEC).toISOString() },
      { type: "CreateTimer", id: 1, fireAt: new Date(T0 + 5 * SEC).toISOString() },
    ]);
    h.timerCreated(0, T0 + 60 * SEC)
      .timerCreated(1, T0 + 5 * SEC)
      .end();
    const split = h.mark();
    h.episode(T0 + 5 * SEC).timerFired(1, T0 + 5 * SEC);
    expect(replayAt(o, h, split).completion).toBeUndefined();
    h.end()
      .episode(T0 + 60 * SEC)
      .timerFired(0, T0 + 60 * SEC);
    expect(replayAt(o, h, split).completion?.result).toBe('"done"');
  });

  it("buffers early external events and matches names case-insensitively", () => {
    const o: Orchestrator = function* (ctx) {
      const v: unknown = yield ctx.waitForExternalEvent("approval");
      return v;
    };
    const h = new History().episode().start("O").raised("APPROVAL", true);
    expect(replay(o, [], h.events).completion?.result).toBe("true");
  });

  it("serves waiters of one name in order", () => {
    const o: Orchestrator = function* (ctx) {
      const first = ctx.waitForExternalEvent("x");
      const second = ctx.waitForExternalEvent("x");
      const both: unknown[] = yield ctx.whenAll([first, second]);
      return both;
    };
    const h = new History().episode().start("O").end().episode().raised("x", 1).raised("x", 2);
    expect(replayAt(o, h, 3).completion?.result).toBe("[1,2]");
  });

  it("times out a wait for an external event with a durable timer", () => {
    const o: Orchestrator = function* (ctx) {
      try {
        return (yield ctx.waitForExternalEvent("e", { timeoutMs: 30 * SEC })) as unknown;
      } catch (err) {
        return { timedOut: err instanceof TimeoutError, code: (err as TimeoutError).code };
      }
    };
    const h = new History().episode().start("O");
    expect(replay(o, [], h.events).actions).toEqual([
      { type: "CreateTimer", id: 0, fireAt: new Date(T0 + 30 * SEC).toISOString() },
    ]);
    h.timerCreated(0, T0 + 30 * SEC).end();
    const split = h.mark();
    h.episode(T0 + 30 * SEC).timerFired(0, T0 + 30 * SEC);
    expect(replayAt(o, h, split).completion?.result).toBe('{"timedOut":true,"code":"Timeout"}');
  });

  it("an event that beats the timeout wins and later timer firings are ignored", () => {
    const o: Orchestrator = function* (ctx) {
      return (yield ctx.waitForExternalEvent("e", { timeoutMs: 30 * SEC })) as unknown;
    };
    const h = new History()
      .episode()
      .start("O")
      .timerCreated(0, T0 + 30 * SEC)
      .end();
    const split = h.mark();
    h.episode(T0 + SEC)
      .raised("e", "value")
      .timerFired(0, T0 + 30 * SEC);
    const r = replayAt(o, h, split);
    expect(r.completion).toMatchObject({ status: "Completed", result: '"value"' });
  });

  it("sendEvent issues SendEvent, recorded as EventSent", () => {
    const o: Orchestrator = function* (ctx) {
      ctx.sendEvent("other", "ping", { n: 1 });
      yield ctx.createTimer(SEC);
      return "ok";
    };
    const h = new History().episode().start("O");
    expect(replay(o, [], h.events).actions[0]).toEqual({
      type: "SendEvent",
      id: 0,
      instanceId: "other",
      name: "ping",
      input: '{"n":1}',
    });
    h.sent(0, "other", "ping")
      .timerCreated(1, T0 + SEC)
      .end();
    const split = h.mark();
    h.episode(T0 + SEC).timerFired(1, T0 + SEC);
    expect(replayAt(o, h, split).actions).toEqual([
      { type: "CompleteOrchestration", id: 2, status: "Completed", result: '"ok"' },
    ]);
  });

  it("reports the custom status", () => {
    const o: Orchestrator = function* (ctx) {
      ctx.setCustomStatus({ step: 1 });
      yield ctx.callActivity("A");
    };
    expect(replay(o, [], new History().episode().start("O").events).customStatus).toBe('{"step":1}');
  });

  it("isReplaying is true while re-running recorded events, and time advances per episode", () => {
    const seen: [boolean, string][] = [];
    const o: Orchestrator = function* (ctx) {
      seen.push([ctx.isReplaying, ctx.currentUtcDateTime.toISOString()]);
      yield ctx.callActivity("A");
      seen.push([ctx.isReplaying, ctx.currentUtcDateTime.toISOString()]);
      yield ctx.callActivity("B");
      seen.push([ctx.isReplaying, ctx.currentUtcDateTime.toISOString()]);
    };
    const h = new History()
      .episode()
      .start("O")
      .scheduled(0, "A")
      .end()
      .episode(T0 + 60 * SEC)
      .completed(0)
      .scheduled(1, "B")
      .end();
    const split = h.mark();
    h.episode(T0 + 120 * SEC).completed(1);
    replayAt(o, h, split);
    expect(seen).toEqual([
      [true, new Date(T0).toISOString()],
      [true, new Date(T0 + 60 * SEC).toISOString()],
      [false, new Date(T0 + 120 * SEC).toISOString()],
    ]);
  });

  it("the replay-safe logger is silent during replay", () => {
    const lines: string[] = [];
    const logger = {
      debug() {},
      warn() {},
      error() {},
      info: (m: object | string) => void lines.push(String(m)),
    };
    const o: Orchestrator = function* (ctx) {
      const log = ctx.createReplaySafeLogger(logger);
      log.info("before");
      yield ctx.callActivity("A");
      log.info("after");
    };
    const h = new History().episode().start("O").scheduled(0, "A").end();
    const split = h.mark();
    h.episode().completed(0);
    replayAt(o, h, split);
    expect(lines).toEqual(["after"]);
  });
});

describe("non-determinism", () => {
  const expectNonDeterminism = (actions: OrchestratorAction[], ...fragments: string[]) => {
    expect(actions).toHaveLength(1);
    const done = actions[0]!;
    expect(done).toMatchObject({ type: "CompleteOrchestration", status: "Failed" });
    const details = done.type === "CompleteOrchestration" ? done.failureDetails : undefined;
    expect(details?.errorType).toBe("NonDeterminismError");
    for (const f of fragments) expect(details?.errorMessage).toContain(f);
  };

  it("a different activity name at the same step", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.callActivity("F2");
    };
    const h = new History().episode().start("O").scheduled(0, "F1").end();
    expectNonDeterminism(replayAt(o, h, h.mark()).actions, "TaskScheduled #0 'F1'", "ScheduleTask #0 'F2'");
  });

  it("a different kind of action at the same step", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.callActivity("F1");
    };
    const h = new History()
      .episode()
      .start("O")
      .timerCreated(0, T0 + SEC)
      .end();
    expectNonDeterminism(replayAt(o, h, h.mark()).actions, "TimerCreated #0", "ScheduleTask #0 'F1'");
  });

  it("a recorded step the code no longer takes", () => {
    const o: Orchestrator = () => "done";
    const h = new History().episode().start("O").scheduled(0, "F1").end();
    expectNonDeterminism(replayAt(o, h, h.mark()).actions, "TaskScheduled #0 'F1'", "no action with id 0");
  });

  it("an event sent to a different instance", () => {
    const o: Orchestrator = function* (ctx) {
      ctx.sendEvent("b", "ping");
      yield ctx.createTimer(SEC);
    };
    const h = new History().episode().start("O").sent(0, "a", "ping").end();
    expectNonDeterminism(
      replayAt(o, h, h.mark()).actions,
      "EventSent #0 'ping' to 'a'",
      "SendEvent #0 'ping' to 'b'",
    );
  });

  it("a different sub-orchestration", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.callSubOrchestrator("Other", undefined, { instanceId: "c" });
    };
    const h = new History().episode().start("O").subCreated(0, "Child", "c").end();
    expectNonDeterminism(
      replayAt(o, h, h.mark()).actions,
      "SubOrchestrationInstanceCreated #0 'Child'",
      "CreateSubOrchestration #0 'Other'",
    );
  });
});

describe("retries", () => {
  const policy = {
    maxNumberOfAttempts: 4,
    firstRetryIntervalMs: SEC,
    backoffCoefficient: 2,
    maxRetryIntervalMs: 3 * SEC,
  };
  const flaky: Orchestrator = function* (ctx) {
    try {
      return (yield ctx.callActivity("Flaky", undefined, { retry: policy })) as unknown;
    } catch (err) {
      return { failed: (err as TaskFailedError).details.errorMessage };
    }
  };

  it("waits first × coefficient^(n-1), capped by the max interval, then surfaces the failure", () => {
    const h = new History().episode().start("O").scheduled(0, "Flaky").end();
    const expectNext = (failAt: number, actions: OrchestratorAction[]) => actions;
    // attempt 1 fails at +0.1 s → retry timer at +1.1 s
    let split = h.mark();
    h.episode(T0 + 100).failed(0, "fail 1");
    expect(expectNext(0, replayAt(flaky, h, split).actions)).toEqual([
      { type: "CreateTimer", id: 1, fireAt: new Date(T0 + 1100).toISOString() },
    ]);
    h.timerCreated(1, T0 + 1100).end();
    split = h.mark();
    h.episode(T0 + 1100).timerFired(1, T0 + 1100);
    expect(replayAt(flaky, h, split).actions).toMatchObject([{ type: "ScheduleTask", id: 2, name: "Flaky" }]);
    h.scheduled(2, "Flaky").end();
    // attempt 2 fails at +1.2 s → 2 s later
    split = h.mark();
    h.episode(T0 + 1200).failed(2, "fail 2");
    expect(replayAt(flaky, h, split).actions).toEqual([
      { type: "CreateTimer", id: 3, fireAt: new Date(T0 + 3200).toISOString() },
    ]);
    h.timerCreated(3, T0 + 3200)
      .end()
      .episode(T0 + 3200)
      .timerFired(3, T0 + 3200)
      .scheduled(4, "Flaky")
      .end();
    // attempt 3 fails at +3.3 s → 4 s capped to 3 s
    split = h.mark();
    h.episode(T0 + 3300).failed(4, "fail 3");
    expect(replayAt(flaky, h, split).actions).toEqual([
      { type: "CreateTimer", id: 5, fireAt: new Date(T0 + 6300).toISOString() },
    ]);
    h.timerCreated(5, T0 + 6300)
      .end()
      .episode(T0 + 6300)
      .timerFired(5, T0 + 6300)
      .scheduled(6, "Flaky")
      .end();
    // attempt 4 is the last: DTF still waits one more retry interval (8 s capped to 3 s), then surfaces it
    split = h.mark();
    h.episode(T0 + 6400).failed(6, "fail 4");
    expect(replayAt(flaky, h, split).actions).toEqual([
      { type: "CreateTimer", id: 7, fireAt: new Date(T0 + 9400).toISOString() },
    ]);
    h.timerCreated(7, T0 + 9400).end();
    split = h.mark();
    h.episode(T0 + 9400).timerFired(7, T0 + 9400);
    expect(replayAt(flaky, h, split).completion).toMatchObject({
      status: "Completed",
      result: '{"failed":"fail 4"}',
    });
  });

  it("succeeds on a later attempt", () => {
    const h = new History()
      .episode()
      .start("O")
      .scheduled(0, "Flaky")
      .end()
      .episode(T0 + 100)
      .failed(0, "x")
      .timerCreated(1, T0 + 1100)
      .end();
    h.episode(T0 + 1100)
      .timerFired(1, T0 + 1100)
      .scheduled(2, "Flaky")
      .end();
    const split = h.mark();
    h.episode(T0 + 1200).completed(2, "ok");
    expect(replayAt(flaky, h, split).completion?.result).toBe('"ok"');
  });

  it("stops at once for non-retriable failures, a false predicate, or the retry timeout", () => {
    const cases: [Orchestrator, (h: History) => History][] = [
      [flaky, (h) => h.failed(0, "fatal", { isNonRetriable: true })],
      [
        function* (ctx) {
          try {
            return (yield ctx.callActivity("Flaky", undefined, {
              retry: { ...policy, handleFailure: (e) => !e.details.errorMessage.includes("fatal") },
            })) as unknown;
          } catch (err) {
            return { failed: (err as TaskFailedError).details.errorMessage };
          }
        },
        (h) => h.failed(0, "fatal"),
      ],
      [
        function* (ctx) {
          try {
            return (yield ctx.callActivity("Flaky", undefined, {
              retry: { ...policy, retryTimeoutMs: 100 },
            })) as unknown;
          } catch (err) {
            return { failed: (err as TaskFailedError).details.errorMessage };
          }
        },
        (h) => h.failed(0, "fatal"),
      ],
    ];
    for (const [o, fail] of cases) {
      const h = new History().episode().start("O").scheduled(0, "Flaky").end();
      const split = h.mark();
      fail(h.episode(T0 + 100));
      expect(replayAt(o, h, split).actions).toEqual([
        { type: "CompleteOrchestration", id: 1, status: "Completed", result: '{"failed":"fatal"}' },
      ]);
    }
  });

  it("rejects an invalid policy with a clear error", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.callActivity("A", undefined, { retry: { maxNumberOfAttempts: 0, firstRetryIntervalMs: 1 } });
    };
    expect(
      replay(o, [], new History().episode().start("O").events).completion?.failureDetails?.errorMessage,
    ).toMatch(/maxNumberOfAttempts/);
  });
});

describe("timers", () => {
  it("a cancelled timer does not keep the orchestration alive", () => {
    const o: Orchestrator = function* (ctx) {
      const timer = ctx.createTimer(3600 * SEC);
      const event = ctx.waitForExternalEvent("go");
      const winner: DurableTask<unknown> = yield ctx.whenAny<unknown>([timer, event]);
      if (winner === event) timer.cancel();
      return winner === event ? "event" : "timer";
    };
    const h = new History()
      .episode()
      .start("O")
      .timerCreated(0, T0 + 3600 * SEC)
      .end();
    const split = h.mark();
    h.episode(T0 + SEC).raised("go");
    expect(replayAt(o, h, split).completion?.result).toBe('"event"');
  });

  it("splits a 10-day timer into chunks no longer than the backend's limit", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.createTimer(new Date(T0 + 10 * DAY));
      return "woke";
    };
    const max = 3 * DAY;
    const h = new History().episode().start("O");
    expect(replay(o, [], h.events, max).actions).toEqual([
      { type: "CreateTimer", id: 0, fireAt: new Date(T0 + 3 * DAY).toISOString() },
    ]);
    h.timerCreated(0, T0 + 3 * DAY).end();
    const chunks = [3, 6, 9, 10];
    for (let i = 0; i < chunks.length; i++) {
      const split = h.mark();
      h.episode(T0 + chunks[i]! * DAY).timerFired(i, T0 + chunks[i]! * DAY);
      const r = replayAt(o, h, split, max);
      if (i < chunks.length - 1) {
        expect(r.actions).toEqual([
          { type: "CreateTimer", id: i + 1, fireAt: new Date(T0 + chunks[i + 1]! * DAY).toISOString() },
        ]);
        h.timerCreated(i + 1, T0 + chunks[i + 1]! * DAY).end();
      } else {
        expect(r.completion?.result).toBe('"woke"');
      }
    }
  });
});

describe("whenAll and whenAny", () => {
  const fanOut: Orchestrator = function* (ctx) {
    try {
      const r: unknown[] = yield ctx.whenAll([
        ctx.callActivity("A"),
        ctx.callActivity("B"),
        ctx.callActivity("C"),
      ]);
      return r;
    } catch (err) {
      return {
        all: err instanceof WhenAllFailedError,
        messages: (err as WhenAllFailedError).errors.map((e) => e.message),
      };
    }
  };

  it("whenAll waits for every task, then reports all failures together", () => {
    const h = new History().episode().start("O").scheduled(0, "A").scheduled(1, "B").scheduled(2, "C").end();
    let split = h.mark();
    h.episode().failed(1, "B broke");
    expect(replayAt(fanOut, h, split).completion).toBeUndefined();
    h.end();
    split = h.mark();
    h.episode().completed(0, 1).failed(2, "C broke");
    const r = replayAt(fanOut, h, split);
    expect(JSON.parse(r.completion!.result!)).toEqual({
      all: true,
      messages: ["Activity 'B' (task #1) failed: B broke", "Activity 'C' (task #2) failed: C broke"],
    });
  });

  it("whenAll of nothing is an empty array; of successes, the results in order", () => {
    const empty: Orchestrator = function* (ctx) {
      return (yield ctx.whenAll([])) as unknown;
    };
    expect(replay(empty, [], new History().episode().start("O").events).completion?.result).toBe("[]");
    const h = new History().episode().start("O").scheduled(0, "A").scheduled(1, "B").scheduled(2, "C").end();
    const split = h.mark();
    h.episode().completed(2, "c").completed(0, "a").completed(1, "b");
    expect(replayAt(fanOut, h, split).completion?.result).toBe('["a","b","c"]');
  });

  it("whenAny returns the first task to finish, even a failed one, without throwing", () => {
    const o: Orchestrator = function* (ctx) {
      const a = ctx.callActivity("A");
      const b = ctx.callActivity("B");
      const winner: DurableTask<unknown> = yield ctx.whenAny([a, b]);
      return { first: winner === a ? "A" : "B", failed: winner.isFailed };
    };
    const h = new History().episode().start("O").scheduled(0, "A").scheduled(1, "B").end();
    const split = h.mark();
    h.episode().failed(1, "no").completed(0, "yes");
    expect(replayAt(o, h, split).completion?.result).toBe('{"first":"B","failed":true}');
  });
});

describe("continue-as-new", () => {
  const counter: Orchestrator<number> = function* (ctx, count) {
    const inc: number = yield ctx.waitForExternalEvent("inc");
    ctx.continueAsNew(count + inc);
  };

  it("ends the execution with the new input and carries over unconsumed events", () => {
    const h = new History().episode().start("Counter", 0).end();
    const split = h.mark();
    h.episode().raised("inc", 1).raised("inc", 2);
    const r = replayAt(counter, h, split);
    expect(r.completion).toMatchObject({ status: "ContinuedAsNew", result: "1" });
    expect(r.completion?.carryoverEvents?.map((e) => e.input)).toEqual(["2"]);
  });

  it("drops unconsumed events with preserveUnprocessedEvents: false, and actions issued after it", () => {
    const o: Orchestrator<number> = function* (ctx, count) {
      yield ctx.waitForExternalEvent("inc");
      ctx.continueAsNew(count + 1, { preserveUnprocessedEvents: false });
      yield ctx.callActivity("AfterContinue");
    };
    const h = new History().episode().start("Counter", 0).end();
    const split = h.mark();
    h.episode().raised("inc", 1).raised("inc", 2);
    const r = replayAt(o, h, split);
    expect(r.actions).toEqual([
      {
        type: "CompleteOrchestration",
        id: 0,
        status: "ContinuedAsNew",
        result: "1",
        newVersion: undefined,
        carryoverEvents: [],
      },
    ]);
  });
});

describe("suspend, resume and terminate", () => {
  const one: Orchestrator = function* (ctx) {
    const r: unknown = yield ctx.callActivity("A");
    const s: unknown = yield ctx.callActivity("B");
    return [r, s];
  };

  it("holds results that arrive while suspended and applies them on resume", () => {
    const h = new History()
      .episode()
      .start("O")
      .scheduled(0, "A")
      .end()
      .episode()
      .suspended()
      .completed(0, "a")
      .end();
    const mid = replayAt(one, h, 4);
    expect(mid.actions).toEqual([]);
    const split = h.mark();
    h.episode().resumed();
    expect(replayAt(one, h, split).actions).toMatchObject([{ type: "ScheduleTask", id: 1, name: "B" }]);
  });

  it("terminates with the reason as output and issues nothing else", () => {
    const h = new History().episode().start("O").scheduled(0, "A").end();
    const split = h.mark();
    h.episode().completed(0, "a").terminated("bye");
    expect(replayAt(one, h, split).actions).toEqual([
      { type: "CompleteOrchestration", id: 2, status: "Terminated", result: '"bye"' },
    ]);
  });
});

describe("newGuid", () => {
  const guids: Orchestrator = function* (ctx) {
    const a = ctx.newGuid();
    const b = ctx.newGuid();
    yield ctx.createTimer(SEC);
    return [a, b, ctx.newGuid()];
  };

  it("matches DTF's .NET recipe (spec test vector)", () => {
    expect(newDeterministicGuid("abc123", "2024-01-02T03:04:05Z", 0)).toBe(
      "9e6da236-e0d4-5763-9676-05cac0dfe31c",
    );
    expect(newDeterministicGuid("abc123", "2024-01-02T03:04:05.0000000Z", 0)).toBe(
      "9e6da236-e0d4-5763-9676-05cac0dfe31c",
    );
    expect(newDeterministicGuid("abc123", new Date("2024-01-02T03:04:05Z"), 0)).toBe(
      "9e6da236-e0d4-5763-9676-05cac0dfe31c",
    );
    expect(newDeterministicGuid("abc123", "2024-01-02T03:04:05Z", 1)).not.toBe(
      "9e6da236-e0d4-5763-9676-05cac0dfe31c",
    );
  });

  it("uses the episode's time, replays identically and differs per call", () => {
    const start = newEvent("ExecutionStarted", {
      timestamp: "2024-01-02T03:04:05.0000000Z",
      orchestrationInstance: { instanceId: "abc123", executionId: "e" },
      name: "G",
    });
    const past = [
      newEvent("OrchestratorStarted", { timestamp: "2024-01-02T03:04:05.0000000Z" }),
      start,
      newEvent("TimerCreated", {
        eventId: 0,
        timestamp: "2024-01-02T03:04:05Z",
        fireAt: "2024-01-02T03:04:06Z",
      }),
      newEvent("OrchestratorCompleted", {}),
    ];
    const next = [
      newEvent("OrchestratorStarted", { timestamp: "2024-01-02T03:04:06.1234567Z" }),
      newEvent("TimerFired", { timerId: 0, fireAt: "2024-01-02T03:04:06Z" }),
    ];
    const r1 = replay(guids, past, next);
    const r2 = replay(guids, past, next);
    const [a, b, c] = JSON.parse(r1.completion!.result!) as string[];
    expect(a).toBe("9e6da236-e0d4-5763-9676-05cac0dfe31c");
    expect(b).toBe(newDeterministicGuid("abc123", "2024-01-02T03:04:05Z", 1));
    // After the await: the later episode's time with all seven digits, counter 2.
    expect(c).toBe(newDeterministicGuid("abc123", "2024-01-02T03:04:06.1234567Z", 2));
    expect(r2.completion?.result).toBe(r1.completion?.result);
  });
});

describe("failures", () => {
  it("an activity failure arrives as TaskFailedError carrying FailureDetails", () => {
    let caught: unknown;
    const o: Orchestrator = function* (ctx) {
      try {
        yield ctx.callActivity("A");
      } catch (err) {
        caught = err;
      }
      return "handled";
    };
    const h = new History().episode().start("O").scheduled(0, "A").end();
    const split = h.mark();
    h.episode().failed(0, "disk full", { errorType: "IOError", stackTrace: "at A" });
    expect(replayAt(o, h, split).completion?.result).toBe('"handled"');
    expect(caught).toBeInstanceOf(TaskFailedError);
    expect(caught).toMatchObject({
      code: "TaskFailed",
      taskId: 0,
      details: { errorType: "IOError", errorMessage: "disk full", stackTrace: "at A" },
    });
  });

  it("an unhandled failure fails the instance with the details, inner failure included", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.callActivity("A");
    };
    const h = new History().episode().start("O").scheduled(0, "A").end();
    const split = h.mark();
    h.episode().failed(0, "disk full");
    const done = replayAt(o, h, split).completion;
    expect(done).toMatchObject({
      status: "Failed",
      failureDetails: { errorType: "TaskFailedError", innerFailure: { errorMessage: "disk full" } },
    });
    expect(done?.failureDetails?.errorMessage).toBe("Activity 'A' (task #0) failed: disk full");
  });

  it("yielding something that is not a task fails with a clear message", () => {
    const o: Orchestrator = function* () {
      yield undefined as never;
    };
    expect(
      replay(o, [], new History().episode().start("O").events).completion?.failureDetails?.errorMessage,
    ).toMatch(/not a durable task.*undefined was yielded/);
  });

  it("an output that cannot be serialized fails the instance", () => {
    const o: Orchestrator = () => ({ n: 1n });
    const done = replay(o, [], new History().episode().start("O").events).completion;
    expect(done).toMatchObject({ status: "Failed", failureDetails: { errorType: "TaskHubError" } });
    expect(done?.failureDetails?.errorMessage).toMatch(/not JSON-serializable/);
  });

  it("async functions (not generators) are refused with a clear message", () => {
    const o = (async () => 1) as unknown as Orchestrator;
    const message = replay(o, [], new History().episode().start("O").events).completion?.failureDetails
      ?.errorMessage;
    expect(message).toMatch(/function\* or async function\*/);
    expect(message).toMatch(/an async function .* is not supported/);
  });

  it("a duplicate result is ignored", () => {
    const o: Orchestrator = function* (ctx) {
      return (yield ctx.callActivity("A")) as unknown;
    };
    const h = new History().episode().start("O").scheduled(0, "A").end();
    const split = h.mark();
    h.episode().completed(0, "first").completed(0, "second");
    expect(replayAt(o, h, split).completion?.result).toBe('"first"');
  });
});
