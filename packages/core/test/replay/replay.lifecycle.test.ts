// whenAll / whenAny with failures, continue-as-new, suspend / resume and terminate.
import { describe, expect, it } from "vitest";
import {
  TaskFailedError,
  WhenAllFailedError,
  type DurableTask,
  type EventRaisedEvent,
  type Orchestrator,
} from "../../src/index.js";
import {
  MIN,
  SEC,
  completed,
  createTimer,
  eventRaised,
  eventSent,
  executionResumed,
  executionStarted,
  executionSuspended,
  executionTerminated,
  firstEpisode,
  orchestratorCompleted,
  orchestratorStarted,
  replay,
  scheduleTask,
  taskCompleted,
  taskFailed,
  taskScheduled,
  timerCreated,
  timerFired,
} from "./dtf-events.js";

const start = (input?: unknown) => [orchestratorStarted(0), executionStarted("O", input)];

describe("whenAll", () => {
  const fanOut: Orchestrator = function* (ctx) {
    try {
      const rs: unknown[] = yield ctx.whenAll([
        ctx.callActivity("A"),
        ctx.callActivity("B"),
        ctx.callActivity("C"),
      ]);
      return { ok: rs };
    } catch (err) {
      const e = err as WhenAllFailedError;
      return { code: e.code, failed: e.errors.map((x) => (x as TaskFailedError).taskId), message: e.message };
    }
  };
  const scheduled = [
    ...start(),
    taskScheduled(0, "A"),
    taskScheduled(1, "B"),
    taskScheduled(2, "C"),
    orchestratorCompleted(0),
  ];

  it("does not fail at the first failure: it waits until every task has finished", () => {
    expect(replay(fanOut, scheduled, [orchestratorStarted(SEC), taskFailed(0, "A broke")]).actions).toEqual(
      [],
    );
    const past = [
      ...scheduled,
      orchestratorStarted(SEC),
      taskFailed(0, "A broke"),
      orchestratorCompleted(SEC),
    ];
    expect(replay(fanOut, past, [orchestratorStarted(2 * SEC), taskCompleted(1, "b")]).actions).toEqual([]);
  });

  it("then fails with WhenAllFailedError listing every failure in task order", () => {
    const past = [
      ...scheduled,
      orchestratorStarted(SEC),
      taskFailed(2, "C broke"),
      orchestratorCompleted(SEC),
      orchestratorStarted(2 * SEC),
      taskCompleted(1, "b"),
      orchestratorCompleted(2 * SEC),
    ];
    const r = replay(fanOut, past, [orchestratorStarted(3 * SEC), taskFailed(0, "A broke")]);
    expect(r.actions).toEqual([
      completed(3, {
        code: "WhenAllFailed",
        failed: [0, 2],
        message:
          "2 of the awaited tasks failed: Activity 'A' (task #0) failed: A broke; Activity 'C' (task #2) failed: C broke",
      }),
    ]);
  });

  it("uncaught, it fails the orchestration with WhenAllFailedError", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.whenAll([ctx.callActivity("A"), ctx.callActivity("B")]);
    };
    const past = [...start(), taskScheduled(0, "A"), taskScheduled(1, "B"), orchestratorCompleted(0)];
    const c = replay(o, past, [orchestratorStarted(SEC), taskFailed(0, "x"), taskFailed(1, "y")]).completion;
    expect(c).toMatchObject({ id: 2, status: "Failed", failureDetails: { errorType: "WhenAllFailedError" } });
    expect(c?.failureDetails?.errorMessage).toContain("task #0) failed: x");
    expect(c?.failureDetails?.errorMessage).toContain("task #1) failed: y");
  });

  it("returns the results in task order, not arrival order", () => {
    expect(
      replay(fanOut, scheduled, [
        orchestratorStarted(SEC),
        taskCompleted(2, 3),
        taskCompleted(0, 1),
        taskCompleted(1, 2),
      ]).actions,
    ).toEqual([completed(3, { ok: [1, 2, 3] })]);
  });

  it("of [] is [] at once, without any action", () => {
    const o: Orchestrator = function* (ctx) {
      const r: unknown = yield ctx.whenAll([]);
      return r;
    };
    expect(firstEpisode(o).actions).toEqual([completed(0, [])]);
  });

  it("mixes activities, timers and events", () => {
    const o: Orchestrator = function* (ctx) {
      return (yield ctx.whenAll<unknown>([
        ctx.callActivity("A"),
        ctx.createTimer(MIN),
        ctx.waitForExternalEvent("e"),
      ])) as unknown;
    };
    expect(firstEpisode(o).actions).toEqual([scheduleTask(0, "A"), createTimer(1, MIN)]);
    const past = [...start(), taskScheduled(0, "A"), timerCreated(1, MIN), orchestratorCompleted(0)];
    expect(
      replay(o, past, [
        orchestratorStarted(MIN),
        eventRaised("e", "ev"),
        timerFired(1, MIN),
        taskCompleted(0, "a"),
      ]).actions,
    ).toEqual([completed(2, ["a", null, "ev"])]);
  });
});

describe("whenAny", () => {
  it("returns the failed task as the winner without throwing", () => {
    let threw = false;
    const o: Orchestrator = function* (ctx) {
      const a = ctx.callActivity("A");
      const b = ctx.callActivity("B");
      let w: DurableTask<unknown>;
      try {
        w = yield ctx.whenAny([a, b]);
      } catch {
        threw = true;
        return "threw";
      }
      return {
        winner: w === a ? "A" : "B",
        failed: w.isFailed,
        error: (w.getException() as TaskFailedError).details.errorMessage,
      };
    };
    const past = [...start(), taskScheduled(0, "A"), taskScheduled(1, "B"), orchestratorCompleted(0)];
    const r = replay(o, past, [orchestratorStarted(SEC), taskFailed(1, "B broke"), taskCompleted(0, "a")]);
    expect(r.actions).toEqual([completed(2, { winner: "B", failed: true, error: "B broke" })]);
    expect(threw).toBe(false);
  });

  it("yielding the failed winner afterwards throws its TaskFailedError", () => {
    const o: Orchestrator = function* (ctx) {
      const a = ctx.callActivity("A");
      const w: DurableTask<unknown> = yield ctx.whenAny([a, ctx.createTimer(MIN)]);
      try {
        yield w;
        return "no error";
      } catch (err) {
        return (err as TaskFailedError).code;
      }
    };
    const past = [...start(), taskScheduled(0, "A"), timerCreated(1, MIN), orchestratorCompleted(0)];
    expect(replay(o, past, [orchestratorStarted(SEC), taskFailed(0, "x")]).actions).toEqual([
      completed(2, "TaskFailed"),
    ]);
  });

  it("the first result in history order wins; later results do not change the winner", () => {
    const o: Orchestrator = function* (ctx) {
      const tasks = [ctx.callActivity("A"), ctx.callActivity("B"), ctx.callActivity("C")];
      const w: DurableTask<unknown> = yield ctx.whenAny(tasks);
      return [tasks.indexOf(w), w.getResult()];
    };
    const past = [
      ...start(),
      taskScheduled(0, "A"),
      taskScheduled(1, "B"),
      taskScheduled(2, "C"),
      orchestratorCompleted(0),
    ];
    expect(
      replay(o, past, [orchestratorStarted(SEC), taskCompleted(2, "c"), taskCompleted(0, "a")]).actions,
    ).toEqual([completed(3, [2, "c"])]);
  });

  it("of [] fails with a clear error", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.whenAny([]);
    };
    expect(firstEpisode(o).completion?.failureDetails?.errorMessage).toMatch(/at least one task/);
  });
});

describe("continue-as-new", () => {
  const counter: Orchestrator<number> = function* (ctx, n) {
    const inc: number = yield ctx.waitForExternalEvent("add");
    ctx.continueAsNew(n + inc);
  };

  it("ends the execution with a ContinuedAsNew completion whose result is the new input", () => {
    const past = [...start(10), orchestratorCompleted(0)];
    const r = replay(counter, past, [orchestratorStarted(SEC), eventRaised("add", 5)]);
    expect(r.actions).toEqual([
      {
        type: "CompleteOrchestration",
        id: 0,
        status: "ContinuedAsNew",
        result: "15",
        newVersion: undefined,
        carryoverEvents: [],
      },
    ]);
    expect(r.completion).toBe(r.actions[0]);
  });

  it("carries over buffered, unconsumed events, including those after it in the same batch, in order", () => {
    const past = [...start(10), orchestratorCompleted(0)];
    const r = replay(counter, past, [
      orchestratorStarted(SEC),
      eventRaised("other", "x"),
      eventRaised("add", 1),
      eventRaised("add", 2),
      eventRaised("ADD", 3),
    ]);
    expect(r.completion?.status).toBe("ContinuedAsNew");
    expect(r.completion?.result).toBe("11");
    const carried = r.completion?.carryoverEvents as EventRaisedEvent[];
    expect(carried.map((e) => [e.type, e.name, e.input])).toEqual([
      ["EventRaised", "other", '"x"'],
      ["EventRaised", "add", "2"],
      ["EventRaised", "ADD", "3"],
    ]);
  });

  it("preserveUnprocessedEvents: false drops them", () => {
    const o: Orchestrator<number> = function* (ctx, n) {
      const inc: number = yield ctx.waitForExternalEvent("add");
      ctx.continueAsNew(n + inc, { preserveUnprocessedEvents: false, newVersion: "2.0" });
    };
    const past = [...start(10), orchestratorCompleted(0)];
    const r = replay(o, past, [orchestratorStarted(SEC), eventRaised("add", 1), eventRaised("add", 2)]);
    expect(r.actions).toEqual([
      {
        type: "CompleteOrchestration",
        id: 0,
        status: "ContinuedAsNew",
        result: "11",
        newVersion: "2.0",
        carryoverEvents: [],
      },
    ]);
  });

  it("keeps actions issued before it in the episode and drops those issued after it", () => {
    const o: Orchestrator<number> = function* (ctx, n) {
      yield ctx.callActivity("Work", n);
      ctx.sendEvent("monitor", "progress", n);
      ctx.continueAsNew(n + 1);
      ctx.sendEvent("monitor", "never");
      yield ctx.callActivity("NeverScheduled");
      return "never returned";
    };
    const past = [...start(1), taskScheduled(0, "Work", 1), orchestratorCompleted(0)];
    const r = replay(o, past, [orchestratorStarted(SEC), taskCompleted(0)]);
    expect(r.actions).toEqual([
      { type: "SendEvent", id: 1, instanceId: "monitor", name: "progress", input: "1" },
      {
        type: "CompleteOrchestration",
        id: 2,
        status: "ContinuedAsNew",
        result: "2",
        newVersion: undefined,
        carryoverEvents: [],
      },
    ]);
  });

  it("returning after continueAsNew keeps the ContinuedAsNew completion", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.createTimer(SEC);
      ctx.continueAsNew({ round: 2 });
      return "ignored";
    };
    const past = [...start(), timerCreated(0, SEC), orchestratorCompleted(0)];
    expect(replay(o, past, [orchestratorStarted(SEC), timerFired(0, SEC)]).actions).toEqual([
      {
        type: "CompleteOrchestration",
        id: 1,
        status: "ContinuedAsNew",
        result: '{"round":2}',
        newVersion: undefined,
        carryoverEvents: [],
      },
    ]);
  });

  it("a non-generator orchestrator may continue as new too", () => {
    const o: Orchestrator<number> = (ctx, n) => {
      if (n < 3) ctx.continueAsNew(n + 1);
      return n;
    };
    expect(replay(o, [], [orchestratorStarted(0), executionStarted("O", 2)]).completion).toMatchObject({
      status: "ContinuedAsNew",
      result: "3",
    });
    expect(replay(o, [], [orchestratorStarted(0), executionStarted("O", 3)]).actions).toEqual([
      completed(0, 3),
    ]);
  });
});

describe("suspend and resume", () => {
  const twoSteps: Orchestrator = function* (ctx) {
    const a: unknown = yield ctx.callActivity("A");
    const e: unknown = yield ctx.waitForExternalEvent("go");
    const b: unknown = yield ctx.callActivity("B", [a, e]);
    return b;
  };
  const scheduledA = [...start(), taskScheduled(0, "A"), orchestratorCompleted(0)];

  it("results and events that arrive while suspended are held: nothing is issued", () => {
    const r = replay(twoSteps, scheduledA, [
      orchestratorStarted(SEC),
      executionSuspended(),
      taskCompleted(0, "a"),
      eventRaised("go", "g"),
    ]);
    expect(r.actions).toEqual([]);
    expect(r.completion).toBeUndefined();
  });

  it("held events are processed, in arrival order, on resume", () => {
    const past = [
      ...scheduledA,
      orchestratorStarted(SEC),
      executionSuspended(),
      taskCompleted(0, "a"),
      eventRaised("go", "g"),
      orchestratorCompleted(SEC),
    ];
    expect(replay(twoSteps, past, [orchestratorStarted(MIN), executionResumed()]).actions).toEqual([
      scheduleTask(1, "B", ["a", "g"]),
    ]);
  });

  it("events after the resume in the same batch are processed after the held ones", () => {
    const r = replay(twoSteps, scheduledA, [
      orchestratorStarted(SEC),
      executionSuspended(),
      eventRaised("go", "held"),
      executionResumed(),
      eventRaised("go", "later"),
      taskCompleted(0, "a"),
    ]);
    expect(r.actions).toEqual([scheduleTask(1, "B", ["a", "held"])]);
  });

  it("a result held by a suspension and then released replays identically later", () => {
    const past = [
      ...scheduledA,
      orchestratorStarted(SEC),
      executionSuspended(),
      taskCompleted(0, "a"),
      orchestratorCompleted(SEC),
      orchestratorStarted(MIN),
      executionResumed(),
      orchestratorCompleted(MIN),
    ];
    expect(replay(twoSteps, past, [orchestratorStarted(2 * MIN), eventRaised("go", "g")]).actions).toEqual([
      scheduleTask(1, "B", ["a", "g"]),
    ]);
  });
});

describe("terminate", () => {
  const loop: Orchestrator = function* (ctx) {
    yield ctx.callActivity("A");
    ctx.sendEvent("other", "notify");
    yield ctx.callActivity("B");
  };
  const scheduledA = [...start(), taskScheduled(0, "A"), orchestratorCompleted(0)];

  it("completes with status Terminated, result = the reason, and no other action", () => {
    const r = replay(loop, scheduledA, [orchestratorStarted(SEC), executionTerminated("operator said stop")]);
    expect(r.actions).toEqual([
      { type: "CompleteOrchestration", id: 1, status: "Terminated", result: '"operator said stop"' },
    ]);
    expect(r.completion).toBe(r.actions[0]);
  });

  it("drops actions the code issued earlier in the same batch", () => {
    const r = replay(loop, scheduledA, [
      orchestratorStarted(SEC),
      taskCompleted(0),
      executionTerminated("stop"),
    ]);
    expect(r.actions).toEqual([
      { type: "CompleteOrchestration", id: 3, status: "Terminated", result: '"stop"' },
    ]);
  });

  it("results after the termination in the same batch do not run the code", () => {
    const seen: string[] = [];
    const o: Orchestrator = function* (ctx) {
      yield ctx.callActivity("A");
      seen.push("resumed");
    };
    const r = replay(o, scheduledA, [orchestratorStarted(SEC), executionTerminated(), taskCompleted(0)]);
    expect(r.actions).toEqual([
      { type: "CompleteOrchestration", id: 1, status: "Terminated", result: undefined },
    ]);
    expect(seen).toEqual([]);
  });

  it("terminates a suspended instance", () => {
    const r = replay(loop, scheduledA, [
      orchestratorStarted(SEC),
      executionSuspended(),
      taskCompleted(0),
      executionTerminated("bye"),
    ]);
    expect(r.actions).toEqual([
      { type: "CompleteOrchestration", id: 1, status: "Terminated", result: '"bye"' },
    ]);
  });

  it("replays history of sent events before terminating", () => {
    const past = [
      ...scheduledA,
      orchestratorStarted(SEC),
      taskCompleted(0),
      eventSent(1, "other", "notify"),
      taskScheduled(2, "B"),
      orchestratorCompleted(SEC),
    ];
    expect(replay(loop, past, [orchestratorStarted(MIN), executionTerminated("bye")]).actions).toEqual([
      { type: "CompleteOrchestration", id: 3, status: "Terminated", result: '"bye"' },
    ]);
  });
});
