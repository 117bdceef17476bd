// A late result for an earlier generation (continue-as-new) carries the same task id as a result of the current
// one. The chaos soak (issue 9) had both in one batch: the stale one was discarded for its execution, but had
// already marked the task id as seen, so the current generation's result was dropped as a duplicate and the
// instance waited for ever.
import { describe, expect, it } from "vitest";
import {
  executeOrchestrationWorkItem,
  newEvent,
  type Orchestrator,
  type TaskMessage,
} from "../../src/index.js";

const twoActivities: Orchestrator = function* (ctx) {
  const [a, b] = (yield ctx.whenAll([ctx.callActivity("Work", 1), ctx.callActivity("Work", 2)])) as number[];
  return a! + b!;
};
const opts = (now: Date) => ({
  resolveOrchestrator: () => twoActivities,
  now,
  newExecutionId: () => "unused",
});
const completed = (executionId: string, taskScheduledId: number, result: number): TaskMessage => ({
  event: newEvent("TaskCompleted", { timestamp: new Date(5000), taskScheduledId, result: String(result) }),
  orchestrationInstance: { instanceId: "i", executionId },
});

describe("results of an earlier generation", () => {
  it("do not shadow the current generation's results with the same task ids", () => {
    const start: TaskMessage = {
      event: newEvent("ExecutionStarted", {
        timestamp: new Date(0),
        orchestrationInstance: { instanceId: "i", executionId: "gen2" },
        name: "Two",
        version: "",
      }),
      orchestrationInstance: { instanceId: "i", executionId: "gen2" },
    };
    const first = executeOrchestrationWorkItem(
      { instanceId: "i", pastEvents: [], newMessages: [start] },
      opts(new Date(1000)),
    )!;
    const discarded: string[] = [];
    const commit = executeOrchestrationWorkItem(
      {
        instanceId: "i",
        pastEvents: first.newEvents,
        newMessages: [
          completed("gen1", 0, 100),
          completed("gen1", 1, 200),
          completed("gen2", 0, 1),
          completed("gen2", 1, 2),
        ],
      },
      { ...opts(new Date(6000)), onDiscard: (_m, reason) => discarded.push(reason) },
    )!;
    expect(discarded).toEqual([
      "message for execution gen1, current execution is gen2",
      "message for execution gen1, current execution is gen2",
    ]);
    expect(commit.state.runtimeStatus).toBe("Completed");
    expect(commit.state.serializedOutput).toBe("3");
  });
});

describe("continue-as-new execution ids", () => {
  const eternal: Orchestrator = function* (ctx, n: number) {
    yield ctx.callActivity("Work", n);
    ctx.continueAsNew(n + 1);
  };
  const o = (now: Date) => ({ resolveOrchestrator: () => eternal, now });
  const start: TaskMessage = {
    event: newEvent("ExecutionStarted", {
      timestamp: new Date(0),
      orchestrationInstance: { instanceId: "e", executionId: "g1" },
      name: "Eternal",
      version: "",
      input: "0",
    }),
    orchestrationInstance: { instanceId: "e", executionId: "g1" },
  };

  it("are the same when the continuing step runs again, so its generation's messages stay valid", () => {
    const first = executeOrchestrationWorkItem(
      { instanceId: "e", pastEvents: [], newMessages: [start] },
      o(new Date(1000)),
    )!;
    const result = completed("g1", 0, 0);
    const once = executeOrchestrationWorkItem(
      {
        instanceId: "e",
        pastEvents: first.newEvents,
        newMessages: [{ ...result, orchestrationInstance: { instanceId: "e", executionId: "g1" } }],
      },
      o(new Date(2000)),
    )!;
    const again = executeOrchestrationWorkItem(
      {
        instanceId: "e",
        pastEvents: first.newEvents,
        newMessages: [{ ...result, orchestrationInstance: { instanceId: "e", executionId: "g1" } }],
      },
      o(new Date(9000)),
    )!;
    const nextId = (c: typeof once): string | undefined =>
      c.newEvents.find((e) => e.type === "ExecutionStarted")?.orchestrationInstance.executionId;
    expect(once.replacesHistory).toBe(true);
    expect(nextId(once)).toMatch(/^[0-9a-f]{32}$/);
    expect(nextId(again)).toBe(nextId(once));
    expect(nextId(once)).not.toBe("g1");
    // The generation after that differs again.
    const g2 = nextId(once)!;
    const r2: TaskMessage = {
      ...completed(g2, 0, 0),
      orchestrationInstance: { instanceId: "e", executionId: g2 },
    };
    const third = executeOrchestrationWorkItem(
      { instanceId: "e", pastEvents: once.newEvents, newMessages: [r2] },
      o(new Date(3000)),
    )!;
    expect(nextId(third)).not.toBe(g2);
    expect(nextId(third)).not.toBe("g1");
  });
});
