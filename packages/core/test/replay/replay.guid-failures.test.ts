// Deterministic newGuid (DTF .NET recipe, vectors cross-checked with Python's uuid.uuid5) and how failures
// surface: to the generator, in the completion, and for programming errors.
import { describe, expect, it } from "vitest";
import {
  newDeterministicGuid,
  newEvent,
  TaskFailedError,
  uuidV5,
  type HistoryEvent,
  type Orchestrator,
} from "../../src/index.js";
import {
  SEC,
  completed,
  executionStarted,
  firstEpisode,
  orchestratorCompleted,
  orchestratorStarted,
  replay,
  subOrchestrationCreated,
  subOrchestrationFailed,
  taskCompleted,
  taskFailed,
  taskScheduled,
} from "./dtf-events.js";

const VECTOR = "9e6da236-e0d4-5763-9676-05cac0dfe31c"; // abc123_2024-01-02T03:04:05.0000000Z_0 (DTF's deterministic-GUID name)
// Independently computed with Python: uuid.uuid5(UUID('9e952958-5e33-4daf-827f-2fa12937b875'), name)
const PY = {
  "abc123_2024-01-02T03:04:05.0000000Z_1": "a02d19b1-610b-5ca8-8307-6ade470309db",
  "abc123_2024-01-02T03:04:05.0000000Z_2": "cfd9b395-b690-5df3-a2cd-068fc25f0da7",
  "abc123_2024-01-02T03:04:06.1234567Z_2": "81b22544-ebd1-513f-be40-a48027e278a5",
  "abc123_2024-01-02T03:04:05.1230000Z_0": "baee7a35-c69d-5db4-a1e6-92cc7ed0a40f",
} as const;

describe("newDeterministicGuid", () => {
  it("matches the spec vector for every accepted spelling of the time", () => {
    expect(newDeterministicGuid("abc123", "2024-01-02T03:04:05Z", 0)).toBe(VECTOR);
    expect(newDeterministicGuid("abc123", "2024-01-02T03:04:05.0000000Z", 0)).toBe(VECTOR);
    expect(newDeterministicGuid("abc123", "2024-01-02T03:04:05.000Z", 0)).toBe(VECTOR);
    expect(newDeterministicGuid("abc123", new Date("2024-01-02T03:04:05Z"), 0)).toBe(VECTOR);
  });

  it("matches independently computed UUIDv5 values for other counters and sub-millisecond times", () => {
    expect(newDeterministicGuid("abc123", "2024-01-02T03:04:05Z", 1)).toBe(
      PY["abc123_2024-01-02T03:04:05.0000000Z_1"],
    );
    expect(newDeterministicGuid("abc123", "2024-01-02T03:04:05Z", 2)).toBe(
      PY["abc123_2024-01-02T03:04:05.0000000Z_2"],
    );
    // All seven .NET digits of the stored string are kept.
    expect(newDeterministicGuid("abc123", "2024-01-02T03:04:06.1234567Z", 2)).toBe(
      PY["abc123_2024-01-02T03:04:06.1234567Z_2"],
    );
    expect(newDeterministicGuid("abc123", "2024-01-02T03:04:05.123Z", 0)).toBe(
      PY["abc123_2024-01-02T03:04:05.1230000Z_0"],
    );
  });

  it("is a version-5, RFC-variant UUID and differs by instance, time and counter", () => {
    const g = newDeterministicGuid("abc123", "2024-01-02T03:04:05Z", 0);
    expect(g).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const others = [
      newDeterministicGuid("abc124", "2024-01-02T03:04:05Z", 0),
      newDeterministicGuid("abc123", "2024-01-02T03:04:05.0000001Z", 0),
      newDeterministicGuid("abc123", "2024-01-02T03:04:05Z", 1),
    ];
    expect(new Set([g, ...others]).size).toBe(4);
  });

  it("uuidV5 reproduces RFC 4122's published DNS example", () => {
    // RFC 4122 errata / Python: uuid5(NAMESPACE_DNS, "python.org")
    expect(uuidV5(Buffer.from("6ba7b8109dad11d180b400c04fd430c8", "hex"), "python.org")).toBe(
      "886313e1-3b8a-5372-9b90-0c9aee199e5d",
    );
  });
});

describe("ctx.newGuid", () => {
  const start = (ts: string): HistoryEvent[] => [
    newEvent("OrchestratorStarted", { timestamp: ts }),
    newEvent("ExecutionStarted", {
      timestamp: ts,
      orchestrationInstance: { instanceId: "abc123", executionId: "e1" },
      name: "Guids",
    }),
  ];
  const guids: Orchestrator = function* (ctx) {
    const first = ctx.newGuid();
    const second = ctx.newGuid();
    yield ctx.callActivity("Use", [first, second]);
    return [first, second, ctx.newGuid()];
  };

  it("first call at OrchestratorStarted 2024-01-02T03:04:05Z of instance abc123 gives the spec vector; the next differs", () => {
    for (const ts of ["2024-01-02T03:04:05Z", "2024-01-02T03:04:05.0000000Z"]) {
      const r = replay(guids, [], start(ts));
      expect(r.actions).toEqual([
        {
          type: "ScheduleTask",
          id: 0,
          name: "Use",
          input: JSON.stringify([VECTOR, PY["abc123_2024-01-02T03:04:05.0000000Z_1"]]),
          version: undefined,
          tags: undefined,
        },
      ]);
    }
  });

  it("the same history replays the same GUIDs, and a later episode's time (all 7 digits) feeds later calls", () => {
    const first = replay(guids, [], start("2024-01-02T03:04:05Z"));
    const input = (first.actions[0] as { input: string }).input;
    const past = [
      ...start("2024-01-02T03:04:05Z"),
      newEvent("TaskScheduled", { eventId: 0, timestamp: "2024-01-02T03:04:05Z", name: "Use", input }),
      newEvent("OrchestratorCompleted", { timestamp: "2024-01-02T03:04:05Z" }),
    ];
    const fresh = [
      newEvent("OrchestratorStarted", { timestamp: "2024-01-02T03:04:06.1234567Z" }),
      newEvent("TaskCompleted", { timestamp: "2024-01-02T03:04:06Z", taskScheduledId: 0 }),
    ];
    const r1 = replay(guids, past, fresh);
    const r2 = replay(guids, past, fresh);
    // No non-determinism: the replayed activity input (which embeds the GUIDs) is what history recorded.
    expect(r1.actions).toEqual([
      completed(1, [
        VECTOR,
        PY["abc123_2024-01-02T03:04:05.0000000Z_1"],
        PY["abc123_2024-01-02T03:04:06.1234567Z_2"],
      ]),
    ]);
    expect(r2).toEqual(r1);
  });
});

describe("failure surfaces", () => {
  const scheduledA = [
    orchestratorStarted(0),
    executionStarted("O"),
    taskScheduled(0, "A"),
    orchestratorCompleted(0),
  ];

  it("an activity's TaskFailed reaches the generator as TaskFailedError (code TaskFailed, details from FailureDetails)", () => {
    let caught: unknown;
    const o: Orchestrator = function* (ctx) {
      try {
        yield ctx.callActivity("A");
      } catch (err) {
        caught = err;
      }
      return "recovered";
    };
    const fd = {
      errorType: "System.IO.IOException",
      errorMessage: "disk full",
      stackTrace: "at A()",
      innerFailure: { errorType: "Inner", errorMessage: "why" },
    };
    const r = replay(o, scheduledA, [orchestratorStarted(SEC), taskFailed(0, "disk full", fd)]);
    expect(r.actions).toEqual([completed(1, "recovered")]);
    expect(caught).toBeInstanceOf(TaskFailedError);
    const e = caught as TaskFailedError;
    expect(e.code).toBe("TaskFailed");
    expect(e.taskId).toBe(0);
    expect(e.details).toEqual(fd);
    expect(e.message).toBe("Activity 'A' (task #0) failed: disk full");
  });

  it("a legacy TaskFailed without FailureDetails is described from Reason and Details", () => {
    let caught: TaskFailedError | undefined;
    const o: Orchestrator = function* (ctx) {
      try {
        yield ctx.callActivity("A");
      } catch (err) {
        caught = err as TaskFailedError;
      }
    };
    replay(o, scheduledA, [orchestratorStarted(SEC), taskFailed(0, "legacy reason", null, "legacy details")]);
    expect(caught?.details).toEqual({
      errorType: "TaskFailedException",
      errorMessage: "legacy reason",
      stackTrace: "legacy details",
    });
  });

  it("a sub-orchestration failure is a TaskFailedError naming the sub-orchestration", () => {
    let caught: TaskFailedError | undefined;
    const o: Orchestrator = function* (ctx) {
      try {
        yield ctx.callSubOrchestrator("Child", undefined, { instanceId: "kid" });
      } catch (err) {
        caught = err as TaskFailedError;
      }
    };
    const past = [
      orchestratorStarted(0),
      executionStarted("O"),
      subOrchestrationCreated(0, "Child", "kid"),
      orchestratorCompleted(0),
    ];
    replay(o, past, [
      orchestratorStarted(SEC),
      subOrchestrationFailed(0, "child exploded", { errorType: "ChildError" }),
    ]);
    expect(caught).toBeInstanceOf(TaskFailedError);
    expect(caught?.message).toBe("Sub-orchestration 'Child' (task #0) failed: child exploded");
    expect(caught?.details).toMatchObject({ errorType: "ChildError", errorMessage: "child exploded" });
  });

  it("uncaught, the completion is Failed with errorType/errorMessage and the activity failure as inner failure", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.callActivity("A");
    };
    const r = replay(o, scheduledA, [
      orchestratorStarted(SEC),
      taskFailed(0, "disk full", { errorType: "IOError" }),
    ]);
    expect(r.actions).toHaveLength(1);
    expect(r.completion).toMatchObject({
      type: "CompleteOrchestration",
      id: 1,
      status: "Failed",
      failureDetails: {
        errorType: "TaskFailedError",
        errorMessage: "Activity 'A' (task #0) failed: disk full",
        innerFailure: { errorType: "IOError", errorMessage: "disk full" },
      },
    });
  });

  it("an error thrown by the orchestrator's own code fails it with that error's type, message and stack", () => {
    const o: Orchestrator = function* (ctx) {
      const v: number = yield ctx.callActivity("A");
      if (v < 0) throw new RangeError(`negative: ${v}`);
      return v;
    };
    const r = replay(o, scheduledA, [orchestratorStarted(SEC), taskCompleted(0, -1)]);
    expect(r.completion).toMatchObject({
      id: 1,
      status: "Failed",
      failureDetails: { errorType: "RangeError", errorMessage: "negative: -1" },
    });
    expect(r.completion?.failureDetails?.stackTrace).toContain("RangeError: negative: -1");
  });

  it("a thrown non-Error value still produces failure details", () => {
    const o: Orchestrator = () => {
      throw "plain string";
    };
    expect(firstEpisode(o).completion).toMatchObject({
      id: 0,
      status: "Failed",
      failureDetails: { errorType: "Error", errorMessage: "plain string" },
    });
  });

  it("yielding a value that is not a durable task fails with a clear message", () => {
    const o: Orchestrator = function* () {
      yield 42 as never;
    };
    const c = firstEpisode(o).completion;
    expect(c).toMatchObject({ id: 0, status: "Failed", failureDetails: { errorType: "TaskHubError" } });
    expect(c?.failureDetails?.errorMessage).toBe("orchestrator yielded a value that is not a durable task");
  });

  it("yielding a Promise is refused the same way", () => {
    const o: Orchestrator = function* () {
      yield Promise.resolve(1) as never;
    };
    expect(firstEpisode(o).completion?.failureDetails?.errorMessage).toMatch(/not a durable task/);
  });

  it("an output that JSON cannot represent (BigInt) fails the orchestration", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.callActivity("A");
      return { total: 10n };
    };
    const c = replay(o, scheduledA, [orchestratorStarted(SEC), taskCompleted(0)]).completion;
    expect(c).toMatchObject({ id: 1, status: "Failed" });
    expect(c?.failureDetails?.errorMessage).toMatch(/orchestration output is not JSON-serializable/);
    expect(c?.result).toBeUndefined();
  });

  it("an unserializable activity input fails the orchestration without scheduling anything", () => {
    const o: Orchestrator = function* (ctx) {
      yield ctx.callActivity("A", { n: 1n });
    };
    const r = firstEpisode(o);
    expect(r.actions).toHaveLength(1);
    expect(r.completion?.failureDetails?.errorMessage).toMatch(
      /input of activity 'A' is not JSON-serializable/,
    );
  });

  it("an orchestrator returning a plain value (not a generator) completes at once", () => {
    expect(
      firstEpisode((_ctx, input: { n: number }) => ({ doubled: input.n * 2 }), "Plain", { n: 21 }).actions,
    ).toEqual([completed(0, { doubled: 42 })]);
    expect(firstEpisode(() => undefined).actions).toEqual([
      { type: "CompleteOrchestration", id: 0, status: "Completed", result: undefined },
    ]);
  });

  it("an async orchestrator is refused", () => {
    const o = (async () => "x") as unknown as Orchestrator;
    expect(firstEpisode(o).completion).toMatchObject({
      status: "Failed",
      failureDetails: { errorType: "TaskHubError" },
    });
  });

  it("input that is not valid JSON fails the orchestration", () => {
    const start = newEvent("ExecutionStarted", {
      orchestrationInstance: { instanceId: "i", executionId: "e" },
      name: "O",
      input: "{not json",
    });
    const c = replay(() => "unreached", [], [orchestratorStarted(0), start]).completion;
    expect(c).toMatchObject({ status: "Failed" });
    expect(c?.failureDetails?.errorMessage).toMatch(/input is not valid JSON/);
  });
});
