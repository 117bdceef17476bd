// A late result for an earlier generation (continue-as-new) carries the same task id as a result of the current
// one. The chaos soak (issue 9) had both in one batch: the stale one was discarded for its execution, but had
// already marked the task id as seen, so the current generation's result was dropped as a duplicate and the
// instance waited for ever.
import { describe, expect, it } from "vitest";
import { executeOrchestrationWorkItem, newEvent, type Orchestrator, type TaskMessage } from "../../src/index.js";

const twoActivities: Orchestrator = function* (ctx) {
  const [a, b] = (yield ctx.whenAll([ctx.callActivity("Work", 1), ctx.callActivity("Work", 2)])) as number[];
  return a! + b!;
};
const opts = (now: Date) => ({ resolveOrchestrator: () => twoActivities, now, newExecutionId: () => "unused" });
const completed = (executionId: string, taskScheduledId: number, result: number): TaskMessage => ({
  event: newEvent("TaskCompleted", { timestamp: new Date(5000), taskScheduledId, result: String(result) }),
  orchestrationInstance: { instanceId: "i", executionId },
});

describe("results of an earlier generation", () => {
  it("do not shadow the current generation's results with the same task ids", () => {
    const start: TaskMessage = {
      event: newEvent("ExecutionStarted", { timestamp: new Date(0), orchestrationInstance: { instanceId: "i", executionId: "gen2" }, name: "Two", version: "" }),
      orchestrationInstance: { instanceId: "i", executionId: "gen2" },
    };
    const first = executeOrchestrationWorkItem({ instanceId: "i", pastEvents: [], newMessages: [start] }, opts(new Date(1000)))!;
    const discarded: string[] = [];
    const commit = executeOrchestrationWorkItem(
      {
        instanceId: "i",
        pastEvents: first.newEvents,
        newMessages: [completed("gen1", 0, 100), completed("gen1", 1, 200), completed("gen2", 0, 1), completed("gen2", 1, 2)],
      },
      { ...opts(new Date(6000)), onDiscard: (_m, reason) => discarded.push(reason) },
    )!;
    expect(discarded).toEqual(["message for execution gen1, current execution is gen2", "message for execution gen1, current execution is gen2"]);
    expect(commit.state.runtimeStatus).toBe("Completed");
    expect(commit.state.serializedOutput).toBe("3");
  });
});
