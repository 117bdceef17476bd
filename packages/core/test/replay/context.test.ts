// Every OrchestrationContext feature, checked through the exact actions replayOrchestration returns for
// hand-written DTF histories.
import { describe, expect, it } from "vitest";
import {
  InvalidArgumentError,
  TimeoutError,
  type DurableTask,
  type Logger,
  type Orchestrator,
  type ParentOrchestrationInfo,
} from "../../src/index.js";
import {
  DAY,
  EXECUTION_ID,
  INSTANCE_ID,
  MIN,
  SEC,
  T0,
  at,
  completed,
  createTimer,
  eventRaised,
  eventSent,
  executionStarted,
  firstEpisode,
  orchestratorCompleted,
  orchestratorStarted,
  replay,
  scheduleTask,
  subOrchestrationCompleted,
  subOrchestrationCreated,
  taskCompleted,
  taskScheduled,
  timerCreated,
  timerFired,
} from "./dtf-events.js";

describe("callActivity", () => {
  it("issues ScheduleTask with the serialized input, tags and version, ids in call order", () => {
    const o: Orchestrator = function* (ctx) {
      const a = ctx.callActivity(
        "Charge",
        { amount: 12.5, currency: "EUR" },
        { tags: { tenant: "t1" }, version: "2.0" },
      );
      const b = ctx.callActivity("Notify", "done");
      const c = ctx.callActivity("NoInput");
      yield ctx.whenAll([a, b, c]);
    };
    const r = firstEpisode(o);
    expect(r.actions).toEqual([
      {
        type: "ScheduleTask",
        id: 0,
        name: "Charge",
        input: '{"amount":12.5,"currency":"EUR"}',
        tags: { tenant: "t1" },
        version: "2.0",
      },
      { type: "ScheduleTask", id: 1, name: "Notify", input: '"done"', tags: undefined, version: undefined },
      { type: "ScheduleTask", id: 2, name: "NoInput", input: undefined, tags: undefined, version: undefined },
    ]);
    expect(r.completion).toBeUndefined();
  });

  it("delivers the parsed TaskCompleted result to the generator", () => {
    let got: unknown;
    const o: Orchestrator = function* (ctx) {
      got = yield ctx.callActivity("Lookup", 7);
      return "ok";
    };
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      taskScheduled(0, "Lookup", 7),
      orchestratorCompleted(0),
    ];
    const r = replay(o, past, [orchestratorStarted(SEC), taskCompleted(0, { name: "x", tags: [1, 2] })]);
    expect(got).toEqual({ name: "x", tags: [1, 2] });
    expect(r.actions).toEqual([completed(1, "ok")]);
  });

  it("rejects an empty activity name without consuming a sequence id", () => {
    const o: Orchestrator = function* (ctx) {
      let err: unknown;
      try {
        ctx.callActivity("");
      } catch (e) {
        err = e;
      }
      yield ctx.callActivity("Real", (err as InvalidArgumentError).code);
    };
    expect(firstEpisode(o).actions).toEqual([scheduleTask(0, "Real", "InvalidArgument")]);
  });
});

describe("callSubOrchestrator", () => {
  const parentOrch: Orchestrator = function* (ctx) {
    const a: unknown = yield ctx.callSubOrchestrator("Child", { n: 1 });
    const b: unknown = yield ctx.callSubOrchestrator(
      "Child",
      { n: 2 },
      { instanceId: "child-explicit", version: "3", tags: { k: "v" } },
    );
    return [a, b];
  };

  it("defaults the child instance id to <executionId>:<sequence id>", () => {
    expect(firstEpisode(parentOrch).actions).toEqual([
      {
        type: "CreateSubOrchestration",
        id: 0,
        name: "Child",
        instanceId: `${EXECUTION_ID}:0`,
        input: '{"n":1}',
        version: undefined,
        tags: undefined,
      },
    ]);
  });

  it("uses an explicit instance id, version and tags, and returns the child's result", () => {
    const past = [
      orchestratorStarted(0),
      executionStarted("Parent"),
      subOrchestrationCreated(0, "Child", `${EXECUTION_ID}:0`, { n: 1 }),
      orchestratorCompleted(0),
    ];
    const r1 = replay(parentOrch, past, [orchestratorStarted(MIN), subOrchestrationCompleted(0, "first")]);
    expect(r1.actions).toEqual([
      {
        type: "CreateSubOrchestration",
        id: 1,
        name: "Child",
        instanceId: "child-explicit",
        input: '{"n":2}',
        version: "3",
        tags: { k: "v" },
      },
    ]);
    const past2 = [
      ...past,
      orchestratorStarted(MIN),
      subOrchestrationCompleted(0, "first"),
      subOrchestrationCreated(1, "Child", "child-explicit", { n: 2 }),
      orchestratorCompleted(MIN),
    ];
    const r2 = replay(parentOrch, past2, [
      orchestratorStarted(2 * MIN),
      subOrchestrationCompleted(1, "second"),
    ]);
    expect(r2.actions).toEqual([completed(2, ["first", "second"])]);
  });

  it("the default id follows the sequence even when other actions come first", () => {
    const o: Orchestrator = function* (ctx) {
      ctx.sendEvent("elsewhere", "hello");
      yield ctx.callSubOrchestrator("Child");
    };
    expect(firstEpisode(o).actions[1]).toMatchObject({
      type: "CreateSubOrchestration",
      id: 1,
      instanceId: `${EXECUTION_ID}:1`,
    });
  });

  it("a child orchestration sees its parent (and its own identity) from ExecutionStarted", () => {
    let parent: ParentOrchestrationInfo | undefined;
    let identity: unknown;
    const child: Orchestrator = function* (ctx) {
      parent = ctx.parent;
      identity = {
        id: ctx.instanceId,
        exec: ctx.executionId,
        name: ctx.name,
        version: ctx.version,
        tags: ctx.tags,
      };
      yield ctx.createTimer(SEC);
    };
    replay(
      child,
      [],
      [
        orchestratorStarted(0),
        executionStarted(
          "Child",
          { n: 1 },
          {
            instanceId: `${EXECUTION_ID}:0`,
            executionId: "child-exec",
            version: "3",
            tags: { k: "v" },
            parentInstance: {
              name: "Parent",
              orchestrationInstance: { instanceId: INSTANCE_ID, executionId: EXECUTION_ID },
              taskScheduleId: 0,
            },
          },
        ),
      ],
    );
    expect(parent).toEqual({ name: "Parent", instanceId: INSTANCE_ID, taskScheduledId: 0 });
    expect(identity).toEqual({
      id: `${EXECUTION_ID}:0`,
      exec: "child-exec",
      name: "Child",
      version: "3",
      tags: { k: "v" },
    });
  });

  it("a top-level orchestration has no parent", () => {
    let parent: unknown = "unset";
    firstEpisode((ctx) => {
      parent = ctx.parent;
      return null;
    });
    expect(parent).toBeUndefined();
  });
});

describe("createTimer", () => {
  it("takes an absolute Date or a delay in ms from currentUtcDateTime", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.createTimer(new Date(T0 + DAY));
      yield ctx.createTimer(90 * SEC);
      return "both fired";
    };
    expect(firstEpisode(o).actions).toEqual([createTimer(0, DAY)]);
    // The second timer is computed from the time of the episode it is created in (T0 + 1 day + 5 s).
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      timerCreated(0, DAY),
      orchestratorCompleted(0),
    ];
    const r = replay(o, past, [orchestratorStarted(DAY + 5 * SEC), timerFired(0, DAY)]);
    expect(r.actions).toEqual([createTimer(1, DAY + 5 * SEC + 90 * SEC)]);
    const past2 = [
      ...past,
      orchestratorStarted(DAY + 5 * SEC),
      timerFired(0, DAY),
      timerCreated(1, DAY + 95 * SEC),
      orchestratorCompleted(DAY + 5 * SEC),
    ];
    expect(
      replay(o, past2, [orchestratorStarted(DAY + 95 * SEC), timerFired(1, DAY + 95 * SEC)]).actions,
    ).toEqual([completed(2, "both fired")]);
  });

  it("the TimerTask exposes its fireAt, and the generator resumes with undefined", () => {
    let fireAt: Date | undefined;
    let value: unknown = "unset";
    const o: Orchestrator = function* (ctx) {
      const t = ctx.createTimer(5 * SEC);
      fireAt = t.fireAt;
      value = yield t;
    };
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      timerCreated(0, 5 * SEC),
      orchestratorCompleted(0),
    ];
    const r = replay(o, past, [orchestratorStarted(5 * SEC), timerFired(0, 5 * SEC)]);
    expect(fireAt?.toISOString()).toBe(at(5 * SEC));
    expect(value).toBeUndefined();
    expect(r.actions).toEqual([
      { type: "CompleteOrchestration", id: 1, status: "Completed", result: undefined },
    ]);
  });

  it("an invalid fireAt fails the orchestration with InvalidArgument", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.createTimer(new Date("not a date"));
    };
    expect(firstEpisode(o).completion).toMatchObject({
      status: "Failed",
      failureDetails: { errorType: "InvalidArgumentError" },
    });
  });
});

describe("waitForExternalEvent", () => {
  it("an event raised before anyone waits is buffered and consumed later, name matched case-insensitively", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.callActivity("First");
      const approval: unknown = yield ctx.waitForExternalEvent("Approval");
      return approval;
    };
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      taskScheduled(0, "First"),
      orchestratorCompleted(0),
    ];
    // APPROVAL arrives while the orchestrator is still waiting on the activity: it must be kept.
    const r1 = replay(o, past, [orchestratorStarted(SEC), eventRaised("APPROVAL", { ok: true })]);
    expect(r1.actions).toEqual([]);
    const past2 = [
      ...past,
      orchestratorStarted(SEC),
      eventRaised("APPROVAL", { ok: true }),
      orchestratorCompleted(SEC),
    ];
    expect(replay(o, past2, [orchestratorStarted(2 * SEC), taskCompleted(0)]).actions).toEqual([
      completed(1, { ok: true }),
    ]);
  });

  it("events of another name are not consumed", () => {
    const o: Orchestrator = function* (ctx) {
      return (yield ctx.waitForExternalEvent("go")) as unknown;
    };
    const past = [orchestratorStarted(0), executionStarted("O"), orchestratorCompleted(0)];
    expect(
      replay(o, past, [orchestratorStarted(SEC), eventRaised("gone", 1), eventRaised("goo", 2)]).actions,
    ).toEqual([]);
    expect(
      replay(o, past, [orchestratorStarted(SEC), eventRaised("gone", 1), eventRaised("GO", 3)]).actions,
    ).toEqual([completed(0, 3)]);
  });

  it("two waiters on one name are served first-come first-served", () => {
    const o: Orchestrator = function* (ctx) {
      const first = ctx.waitForExternalEvent("vote");
      const second = ctx.waitForExternalEvent("VOTE");
      const w: DurableTask<unknown> = yield ctx.whenAny([second, first]);
      return { winner: w === first ? "first" : "second", value: w.getResult() };
    };
    const past = [orchestratorStarted(0), executionStarted("O"), orchestratorCompleted(0)];
    expect(replay(o, past, [orchestratorStarted(SEC), eventRaised("Vote", "A")]).actions).toEqual([
      completed(0, { winner: "first", value: "A" }),
    ]);
  });

  it("FIFO holds for buffered events too: the oldest buffered event goes to the first waiter", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.createTimer(MIN);
      const a: unknown = yield ctx.waitForExternalEvent("x");
      const b: unknown = yield ctx.waitForExternalEvent("x");
      return [a, b];
    };
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      timerCreated(0, MIN),
      orchestratorCompleted(0),
    ];
    const r = replay(o, past, [
      orchestratorStarted(SEC),
      eventRaised("x", "one"),
      eventRaised("X", "two"),
      orchestratorCompleted(SEC),
      orchestratorStarted(MIN),
      timerFired(0, MIN),
    ]);
    expect(r.actions).toEqual([completed(1, ["one", "two"])]);
  });

  it("with a timeout: creates a timer of the timeout, and the timer firing fails the wait with TimeoutError", () => {
    let caught: unknown;
    const o: Orchestrator = function* (ctx) {
      try {
        return (yield ctx.waitForExternalEvent("reply", { timeoutMs: 10 * MIN })) as unknown;
      } catch (err) {
        caught = err;
        return "timed out";
      }
    };
    const r0 = firstEpisode(o);
    expect(r0.actions).toEqual([createTimer(0, 10 * MIN)]);
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      timerCreated(0, 10 * MIN),
      orchestratorCompleted(0),
    ];
    const r = replay(o, past, [orchestratorStarted(10 * MIN), timerFired(0, 10 * MIN)]);
    expect(r.actions).toEqual([completed(1, "timed out")]);
    expect(caught).toBeInstanceOf(TimeoutError);
    expect((caught as TimeoutError).code).toBe("Timeout");
    expect((caught as TimeoutError).message).toContain("'reply'");
  });

  it("an uncaught timeout fails the orchestration with TimeoutError", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.waitForExternalEvent("reply", { timeoutMs: 10 * MIN });
    };
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      timerCreated(0, 10 * MIN),
      orchestratorCompleted(0),
    ];
    expect(
      replay(o, past, [orchestratorStarted(10 * MIN), timerFired(0, 10 * MIN)]).completion,
    ).toMatchObject({
      id: 1,
      status: "Failed",
      failureDetails: { errorType: "TimeoutError" },
    });
  });

  it("the event winning the race cancels the timer: its later TimerFired changes nothing", () => {
    const o: Orchestrator = function* (ctx) {
      const reply: unknown = yield ctx.waitForExternalEvent("reply", { timeoutMs: 10 * MIN });
      yield ctx.callActivity("Handle", reply);
      return "handled";
    };
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      timerCreated(0, 10 * MIN),
      orchestratorCompleted(0),
    ];
    const r1 = replay(o, past, [orchestratorStarted(MIN), eventRaised("reply", "yes")]);
    expect(r1.actions).toEqual([scheduleTask(1, "Handle", "yes")]);
    const past2 = [
      ...past,
      orchestratorStarted(MIN),
      eventRaised("reply", "yes"),
      taskScheduled(1, "Handle", "yes"),
      orchestratorCompleted(MIN),
    ];
    // The timeout timer still fires at its time; the wait already succeeded, so nothing happens.
    expect(replay(o, past2, [orchestratorStarted(10 * MIN), timerFired(0, 10 * MIN)]).actions).toEqual([]);
    const past3 = [
      ...past2,
      orchestratorStarted(10 * MIN),
      timerFired(0, 10 * MIN),
      orchestratorCompleted(10 * MIN),
    ];
    expect(replay(o, past3, [orchestratorStarted(11 * MIN), taskCompleted(1)]).actions).toEqual([
      completed(2, "handled"),
    ]);
  });

  it("a buffered event satisfies a wait with timeout at once, without creating a timer", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.createTimer(MIN);
      return (yield ctx.waitForExternalEvent("reply", { timeoutMs: 10 * MIN })) as unknown;
    };
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      timerCreated(0, MIN),
      orchestratorCompleted(0),
    ];
    const r = replay(o, past, [
      orchestratorStarted(SEC),
      eventRaised("reply", 1),
      orchestratorCompleted(SEC),
      orchestratorStarted(MIN),
      timerFired(0, MIN),
    ]);
    expect(r.actions).toEqual([completed(1, 1)]);
  });

  it("a timed-out waiter leaves the queue: the next event goes to the next waiter, a later one is buffered", () => {
    const o: Orchestrator = function* (ctx) {
      const impatient = ctx.waitForExternalEvent("x", { timeoutMs: MIN });
      const patient = ctx.waitForExternalEvent("x");
      let first: unknown;
      try {
        first = yield impatient;
      } catch (err) {
        first = (err as Error).name;
      }
      const second: unknown = yield patient;
      const third: unknown = yield ctx.waitForExternalEvent("x");
      return [first, second, third];
    };
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      timerCreated(0, MIN),
      orchestratorCompleted(0),
    ];
    const r = replay(o, past, [
      orchestratorStarted(MIN),
      timerFired(0, MIN),
      eventRaised("x", "p"),
      eventRaised("x", "q"),
    ]);
    expect(r.actions).toEqual([completed(1, ["TimeoutError", "p", "q"])]);
  });

  it("a negative timeout is rejected and leaves no waiter behind to swallow the next event", () => {
    const o: Orchestrator = function* (ctx) {
      let code: unknown;
      try {
        ctx.waitForExternalEvent("x", { timeoutMs: -5 });
      } catch (err) {
        code = (err as InvalidArgumentError).code;
      }
      const v: unknown = yield ctx.waitForExternalEvent("x");
      return [code, v];
    };
    expect(
      replay(o, [], [orchestratorStarted(0), executionStarted("O"), eventRaised("x", 1)]).actions,
    ).toEqual([completed(0, ["InvalidArgument", 1])]);
  });

  it("a negative timeout is rejected even when a matching event is already buffered, and the event stays buffered", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.createTimer(MIN);
      let code: unknown;
      try {
        ctx.waitForExternalEvent("x", { timeoutMs: Number.NaN });
      } catch (err) {
        code = (err as InvalidArgumentError).code;
      }
      const v: unknown = yield ctx.waitForExternalEvent("x");
      return [code, v];
    };
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      timerCreated(0, MIN),
      orchestratorCompleted(0),
    ];
    const r = replay(o, past, [
      orchestratorStarted(SEC),
      eventRaised("x", 1),
      orchestratorCompleted(SEC),
      orchestratorStarted(MIN),
      timerFired(0, MIN),
    ]);
    expect(r.actions).toEqual([completed(1, ["InvalidArgument", 1])]);
  });
});

describe("continueAsNew's traceBehavior", () => {
  it("startNewTrace is carried on the action; the default and preserveTraceContext add nothing", () => {
    const withBehavior =
      (traceBehavior?: "preserveTraceContext" | "startNewTrace"): Orchestrator =>
      (ctx) =>
        ctx.continueAsNew(1, traceBehavior ? { traceBehavior } : {});
    expect(firstEpisode(withBehavior("startNewTrace")).actions).toEqual([
      {
        type: "CompleteOrchestration",
        id: 0,
        status: "ContinuedAsNew",
        result: "1",
        newVersion: undefined,
        carryoverEvents: [],
        continueAsNewTraceBehavior: "startNewTrace",
      },
    ]);
    for (const b of [undefined, "preserveTraceContext"] as const)
      expect(firstEpisode(withBehavior(b)).actions[0]).not.toHaveProperty("continueAsNewTraceBehavior");
  });

  it("anything else is a clear error", () => {
    const o: Orchestrator = (ctx) => ctx.continueAsNew(1, { traceBehavior: "newTrace" as "startNewTrace" });
    const r = firstEpisode(o);
    expect(r.actions[0]).toMatchObject({
      status: "Failed",
      failureDetails: {
        errorMessage: expect.stringContaining('traceBehavior must be "preserveTraceContext"'),
      },
    });
  });
});

describe("sendEvent and setCustomStatus", () => {
  it("sendEvent issues SendEvent with the serialized data, and replays against EventSent", () => {
    const o: Orchestrator = function* (ctx) {
      ctx.sendEvent("other-instance", "Ping", { seq: 1 });
      ctx.sendEvent("third", "Bare");
      yield ctx.callActivity("A");
      return "sent";
    };
    expect(firstEpisode(o).actions).toEqual([
      { type: "SendEvent", id: 0, instanceId: "other-instance", name: "Ping", input: '{"seq":1}' },
      { type: "SendEvent", id: 1, instanceId: "third", name: "Bare", input: undefined },
      scheduleTask(2, "A"),
    ]);
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      eventSent(0, "other-instance", "Ping", { seq: 1 }),
      eventSent(1, "third", "Bare"),
      taskScheduled(2, "A"),
      orchestratorCompleted(0),
    ];
    expect(replay(o, past, [orchestratorStarted(SEC), taskCompleted(2)]).actions).toEqual([
      completed(3, "sent"),
    ]);
  });

  it("yielding the (void) result of sendEvent fails with a hint", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.sendEvent("x", "y") as never;
    };
    const c = firstEpisode(o).completion;
    expect(c?.status).toBe("Failed");
    expect(c?.failureDetails?.errorMessage).toContain("sendEvent");
  });

  it("the custom status is the last value set, serialized; null clears it", () => {
    const o: Orchestrator = function* (ctx) {
      ctx.setCustomStatus("starting");
      yield ctx.callActivity("A");
      ctx.setCustomStatus({ progress: 50 });
      yield ctx.callActivity("B");
      ctx.setCustomStatus(null);
      yield ctx.callActivity("C");
    };
    expect(firstEpisode(o).customStatus).toBe('"starting"');
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      taskScheduled(0, "A"),
      orchestratorCompleted(0),
    ];
    const r1 = replay(o, past, [orchestratorStarted(SEC), taskCompleted(0)]);
    expect(r1.customStatus).toBe('{"progress":50}');
    expect(r1.actions).toEqual([scheduleTask(1, "B")]);
    const past2 = [
      ...past,
      orchestratorStarted(SEC),
      taskCompleted(0),
      taskScheduled(1, "B"),
      orchestratorCompleted(SEC),
    ];
    expect(replay(o, past2, [orchestratorStarted(2 * SEC), taskCompleted(1)]).customStatus).toBeUndefined();
  });
});

describe("isReplaying, currentUtcDateTime and the replay-safe logger", () => {
  const history = () => ({
    past: [
      orchestratorStarted(0),
      executionStarted("O"),
      taskScheduled(0, "A"),
      orchestratorCompleted(0),
      orchestratorStarted(5 * MIN),
      taskCompleted(0),
      taskScheduled(1, "B"),
      orchestratorCompleted(5 * MIN),
    ],
    fresh: [orchestratorStarted(7 * MIN), taskCompleted(1)],
  });

  it("isReplaying is true while past events drive the code and false for this work item's events", () => {
    const seen: boolean[] = [];
    const o: Orchestrator = function* (ctx) {
      seen.push(ctx.isReplaying);
      yield ctx.callActivity("A");
      seen.push(ctx.isReplaying);
      yield ctx.callActivity("B");
      seen.push(ctx.isReplaying);
      yield ctx.callActivity("C");
    };
    const { past, fresh } = history();
    const r = replay(o, past, fresh);
    expect(seen).toEqual([true, true, false]);
    expect(r.actions).toEqual([scheduleTask(2, "C")]);
    // The very first episode is not a replay at all.
    const first: boolean[] = [];
    firstEpisode((ctx) => void first.push(ctx.isReplaying));
    expect(first).toEqual([false]);
  });

  it("currentUtcDateTime is the latest OrchestratorStarted time and never moves backwards", () => {
    const seen: string[] = [];
    const o: Orchestrator = function* (ctx) {
      seen.push(ctx.currentUtcDateTime.toISOString());
      yield ctx.callActivity("A");
      seen.push(ctx.currentUtcDateTime.toISOString());
      yield ctx.callActivity("B");
      seen.push(ctx.currentUtcDateTime.toISOString());
      yield ctx.callActivity("C");
      seen.push(ctx.currentUtcDateTime.toISOString());
    };
    const { past, fresh } = history();
    // An episode stamped earlier than the previous one (clock skew between workers) must not rewind time.
    replay(o, past, [
      ...fresh,
      orchestratorCompleted(7 * MIN),
      orchestratorStarted(6 * MIN),
      taskScheduled(2, "C"),
      taskCompleted(2),
    ]);
    expect(seen).toEqual([at(0), at(5 * MIN), at(7 * MIN), at(7 * MIN)]);
  });

  it("currentUtcDateTime returns a copy the code cannot use to move time", () => {
    const o: Orchestrator = function* (ctx) {
      ctx.currentUtcDateTime.setTime(0);
      yield ctx.createTimer(SEC);
    };
    expect(firstEpisode(o).actions).toEqual([createTimer(0, SEC)]);
  });

  it("the replay-safe logger drops messages while replaying and forwards them otherwise, per level", () => {
    const lines: string[] = [];
    const sink: Logger = {
      debug: (o, m) => void lines.push(`debug ${String(o)} ${m ?? ""}`.trim()),
      info: (o, m) => void lines.push(`info ${String(o)} ${m ?? ""}`.trim()),
      warn: (o) => void lines.push(`warn ${String(o)}`),
      error: (o) => void lines.push(`error ${String(o)}`),
    };
    const o: Orchestrator = function* (ctx) {
      const log = ctx.createReplaySafeLogger(sink);
      log.info("started");
      yield ctx.callActivity("A");
      log.warn("after A");
      yield ctx.callActivity("B");
      log.debug("after B", "detail");
      log.error("boom");
      yield ctx.callActivity("C");
    };
    const { past, fresh } = history();
    replay(o, past, fresh);
    expect(lines).toEqual(["debug after B detail", "error boom"]);
  });
});
