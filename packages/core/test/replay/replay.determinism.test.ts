// Partial replay (only new actions come out), every non-determinism case, and duplicate results.
import { describe, expect, it } from "vitest";
import type { CompleteOrchestrationAction, Orchestrator, ReplayResult } from "../../src/index.js";
import {
  EXECUTION_ID,
  MIN,
  SEC,
  completed,
  eventRaised,
  eventSent,
  executionStarted,
  firstEpisode,
  orchestratorCompleted,
  orchestratorStarted,
  replay,
  scheduleTask,
  subOrchestrationCreated,
  taskCompleted,
  taskScheduled,
  timerCreated,
  timerFired,
} from "./dtf-events.js";

/** F1 → F2 → F3, each fed the previous result. */
const chain: Orchestrator<number, number> = function* (ctx, x) {
  const a: number = yield ctx.callActivity("F1", x);
  const b: number = yield ctx.callActivity("F2", a);
  const c: number = yield ctx.callActivity("F3", b);
  return c;
};

describe("replay of a partially completed history", () => {
  it("first episode: only ScheduleTask #0", () => {
    expect(firstEpisode(chain, "Chain", 1).actions).toEqual([scheduleTask(0, "F1", 1)]);
  });

  it("step 1 completed: only ScheduleTask #1 (F1 is not issued again)", () => {
    const past = [
      orchestratorStarted(0),
      executionStarted("Chain", 1),
      taskScheduled(0, "F1", 1),
      orchestratorCompleted(0),
    ];
    const r = replay(chain, past, [orchestratorStarted(SEC), taskCompleted(0, 10)]);
    expect(r.actions).toEqual([scheduleTask(1, "F2", 10)]);
    expect(r.completion).toBeUndefined();
  });

  it("step 2 completed with steps 1-2 in history: only ScheduleTask #2", () => {
    const past = [
      orchestratorStarted(0),
      executionStarted("Chain", 1),
      taskScheduled(0, "F1", 1),
      orchestratorCompleted(0),
      orchestratorStarted(SEC),
      taskCompleted(0, 10),
      taskScheduled(1, "F2", 10),
      orchestratorCompleted(SEC),
    ];
    expect(replay(chain, past, [orchestratorStarted(2 * SEC), taskCompleted(1, 20)]).actions).toEqual([
      scheduleTask(2, "F3", 20),
    ]);
  });

  it("last step completed: only the completion, with the next sequence id", () => {
    const past = [
      orchestratorStarted(0),
      executionStarted("Chain", 1),
      taskScheduled(0, "F1", 1),
      orchestratorCompleted(0),
      orchestratorStarted(SEC),
      taskCompleted(0, 10),
      taskScheduled(1, "F2", 10),
      orchestratorCompleted(SEC),
      orchestratorStarted(2 * SEC),
      taskCompleted(1, 20),
      taskScheduled(2, "F3", 20),
      orchestratorCompleted(2 * SEC),
    ];
    const r = replay(chain, past, [orchestratorStarted(3 * SEC), taskCompleted(2, 30)]);
    expect(r.actions).toEqual([completed(3, 30)]);
    expect(r.completion).toBe(r.actions[0]);
  });

  it("a work item with no result for the awaited task issues nothing", () => {
    const past = [
      orchestratorStarted(0),
      executionStarted("Chain", 1),
      taskScheduled(0, "F1", 1),
      orchestratorCompleted(0),
    ];
    expect(replay(chain, past, [orchestratorStarted(SEC), eventRaised("irrelevant", 1)])).toEqual({
      actions: [],
      customStatus: undefined,
      completion: undefined,
    });
  });

  it("fan-out: results arriving one per work item issue nothing until the last", () => {
    const o: Orchestrator = function* (ctx) {
      const rs: number[] = yield ctx.whenAll([1, 2, 3].map((n) => ctx.callActivity("Square", n)));
      return rs.reduce((s, v) => s + v, 0);
    };
    expect(firstEpisode(o).actions).toEqual([
      scheduleTask(0, "Square", 1),
      scheduleTask(1, "Square", 2),
      scheduleTask(2, "Square", 3),
    ]);
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      taskScheduled(0, "Square", 1),
      taskScheduled(1, "Square", 2),
      taskScheduled(2, "Square", 3),
      orchestratorCompleted(0),
    ];
    expect(replay(o, past, [orchestratorStarted(SEC), taskCompleted(1, 4)]).actions).toEqual([]);
    const past2 = [...past, orchestratorStarted(SEC), taskCompleted(1, 4), orchestratorCompleted(SEC)];
    expect(replay(o, past2, [orchestratorStarted(2 * SEC), taskCompleted(2, 9)]).actions).toEqual([]);
    const past3 = [
      ...past2,
      orchestratorStarted(2 * SEC),
      taskCompleted(2, 9),
      orchestratorCompleted(2 * SEC),
    ];
    expect(replay(o, past3, [orchestratorStarted(3 * SEC), taskCompleted(0, 1)]).actions).toEqual([
      completed(3, 14),
    ]);
  });
});

describe("non-determinism", () => {
  /** The single Failed completion a non-determinism produces; returns its message. */
  function expectNonDeterminism(r: ReplayResult, id: number): string {
    expect(r.actions).toHaveLength(1);
    const c = r.actions[0] as CompleteOrchestrationAction;
    expect(r.completion).toBe(c);
    expect(c).toMatchObject({
      type: "CompleteOrchestration",
      id,
      status: "Failed",
      failureDetails: { errorType: "NonDeterminismError", isNonRetriable: true },
    });
    return c.failureDetails!.errorMessage;
  }

  it("a different activity name at the same id", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.callActivity("ChargeCardV2");
    };
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      taskScheduled(0, "ChargeCard"),
      orchestratorCompleted(0),
    ];
    const msg = expectNonDeterminism(replay(o, past, [orchestratorStarted(SEC), taskCompleted(0)]), 1);
    expect(msg).toContain("TaskScheduled #0 'ChargeCard'");
    expect(msg).toContain("ScheduleTask #0 'ChargeCardV2'");
  });

  it("a different kind at the same id: history has a timer, the code calls an activity", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.callActivity("Wait");
    };
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      timerCreated(0, MIN),
      orchestratorCompleted(0),
    ];
    const msg = expectNonDeterminism(replay(o, past, [orchestratorStarted(MIN), timerFired(0, MIN)]), 1);
    expect(msg).toContain("TimerCreated #0");
    expect(msg).toContain("ScheduleTask #0 'Wait'");
  });

  it("a different kind at the same id: history has an activity, the code creates a timer", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.createTimer(MIN);
    };
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      taskScheduled(0, "Work"),
      orchestratorCompleted(0),
    ];
    const msg = expectNonDeterminism(replay(o, past, [orchestratorStarted(SEC), taskCompleted(0)]), 1);
    expect(msg).toContain("TaskScheduled #0 'Work'");
    expect(msg).toContain("CreateTimer #0");
  });

  it("history has a scheduled event the code no longer issues", () => {
    // The old code called A, then B; the new code returns right after A.
    const o: Orchestrator = function* (ctx) {
      yield ctx.callActivity("A");
      return "short";
    };
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      taskScheduled(0, "A"),
      orchestratorCompleted(0),
      orchestratorStarted(SEC),
      taskCompleted(0),
      taskScheduled(1, "B"),
      orchestratorCompleted(SEC),
    ];
    const r = replay(o, past, [orchestratorStarted(2 * SEC), taskCompleted(1)]);
    // The completion id must not reuse #0 or #1 (it becomes ExecutionCompleted's EventId).
    const msg = expectNonDeterminism(r, 2);
    expect(msg).toContain("TaskScheduled #1 'B'");
    expect(msg).toContain("issued no action with id 1");
  });

  it("the code no longer issues the first action at all (completion id still after everything issued)", () => {
    const o: Orchestrator = () => "nothing to do";
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      taskScheduled(0, "A"),
      orchestratorCompleted(0),
    ];
    const msg = expectNonDeterminism(replay(o, past, [orchestratorStarted(SEC), taskCompleted(0)]), 1);
    expect(msg).toContain("TaskScheduled #0 'A'");
  });

  it("EventSent to a different target instance", () => {
    const o: Orchestrator = function* (ctx) {
      ctx.sendEvent("instance-B", "Ping");
      yield ctx.createTimer(MIN);
    };
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      eventSent(0, "instance-A", "Ping"),
      timerCreated(1, MIN),
      orchestratorCompleted(0),
    ];
    const msg = expectNonDeterminism(replay(o, past, [orchestratorStarted(MIN), timerFired(1, MIN)]), 2);
    expect(msg).toContain("EventSent #0 'Ping' to 'instance-A'");
    expect(msg).toContain("SendEvent #0 'Ping' to 'instance-B'");
  });

  it("EventSent with a different event name", () => {
    const o: Orchestrator = function* (ctx) {
      ctx.sendEvent("instance-A", "Pong");
      yield ctx.createTimer(MIN);
    };
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      eventSent(0, "instance-A", "Ping"),
      timerCreated(1, MIN),
      orchestratorCompleted(0),
    ];
    const msg = expectNonDeterminism(replay(o, past, []), 2);
    expect(msg).toContain("'Ping'");
    expect(msg).toContain("'Pong'");
  });

  it("a sub-orchestration with a different name", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.callSubOrchestrator("ShipOrderV2");
    };
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      subOrchestrationCreated(0, "ShipOrder", `${EXECUTION_ID}:0`),
      orchestratorCompleted(0),
    ];
    const msg = expectNonDeterminism(replay(o, past, [orchestratorStarted(SEC)]), 1);
    expect(msg).toContain("SubOrchestrationInstanceCreated #0 'ShipOrder'");
    expect(msg).toContain("CreateSubOrchestration #0 'ShipOrderV2'");
  });

  it("a sub-orchestration where an activity used to be", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.callSubOrchestrator("Ship");
    };
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      taskScheduled(0, "Ship"),
      orchestratorCompleted(0),
    ];
    const msg = expectNonDeterminism(replay(o, past, []), 1);
    expect(msg).toContain("TaskScheduled #0 'Ship'");
    expect(msg).toContain("CreateSubOrchestration #0 'Ship'");
  });

  it("reordered calls are detected at the first differing id", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.whenAll([ctx.callActivity("B"), ctx.callActivity("A")]);
    };
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      taskScheduled(0, "A"),
      taskScheduled(1, "B"),
      orchestratorCompleted(0),
    ];
    const msg = expectNonDeterminism(replay(o, past, []), 2);
    expect(msg).toContain("TaskScheduled #0 'A'");
    expect(msg).toContain("ScheduleTask #0 'B'");
  });

  it("a mismatch found among this work item's events is reported the same way", () => {
    // Another worker wrote TaskScheduled #0 'Old' in this very batch (e.g. a retried checkpoint).
    const o: Orchestrator = function* (ctx) {
      yield ctx.callActivity("New");
    };
    const msg = expectNonDeterminism(
      replay(o, [], [orchestratorStarted(0), executionStarted("O"), taskScheduled(0, "Old")]),
      1,
    );
    expect(msg).toContain("'Old'");
    expect(msg).toContain("'New'");
  });

  it("the custom status set before the mismatch is still reported", () => {
    const o: Orchestrator = function* (ctx) {
      ctx.setCustomStatus("working");
      yield ctx.callActivity("Other");
    };
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      taskScheduled(0, "A"),
      orchestratorCompleted(0),
    ];
    expect(replay(o, past, []).customStatus).toBe('"working"');
  });

  it("matching histories with extra new calls in the same step are fine (additions at the end are new actions)", () => {
    const o: Orchestrator = function* (ctx) {
      const a = ctx.callActivity("A");
      const b = ctx.callActivity("B");
      yield ctx.whenAll([a, b]);
    };
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      taskScheduled(0, "A"),
      orchestratorCompleted(0),
    ];
    expect(replay(o, past, [orchestratorStarted(SEC), taskCompleted(0)]).actions).toEqual([
      scheduleTask(1, "B"),
    ]);
  });
});

describe("duplicate and stray results", () => {
  const one: Orchestrator = function* (ctx) {
    const first: unknown = yield ctx.callActivity("A");
    const second: unknown = yield ctx.callActivity("B");
    return [first, second];
  };
  const past = [
    orchestratorStarted(0),
    executionStarted("O"),
    taskScheduled(0, "A"),
    orchestratorCompleted(0),
  ];

  it("a duplicate TaskCompleted in the same batch is ignored (the first result wins)", () => {
    expect(
      replay(one, past, [orchestratorStarted(SEC), taskCompleted(0, "first"), taskCompleted(0, "again")])
        .actions,
    ).toEqual([scheduleTask(1, "B")]);
  });

  it("a duplicate TaskCompleted in a later batch is ignored and issues nothing", () => {
    const past2 = [
      ...past,
      orchestratorStarted(SEC),
      taskCompleted(0, "first"),
      taskScheduled(1, "B"),
      orchestratorCompleted(SEC),
    ];
    expect(
      replay(one, past2, [orchestratorStarted(2 * SEC), taskCompleted(0, "late duplicate")]).actions,
    ).toEqual([]);
    expect(
      replay(one, past2, [
        orchestratorStarted(2 * SEC),
        taskCompleted(0, "late duplicate"),
        taskCompleted(1, "b"),
      ]).actions,
    ).toEqual([completed(2, ["first", "b"])]);
  });

  it("a result for an id never scheduled, or for the wrong kind, is ignored", () => {
    expect(
      replay(one, past, [orchestratorStarted(SEC), taskCompleted(7, "stray"), timerFired(0, SEC)]).actions,
    ).toEqual([]);
  });
});
