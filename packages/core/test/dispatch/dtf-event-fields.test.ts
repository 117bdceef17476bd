// Fields of the events a step writes, as DurableTask.Core 3.11 on DT.AS 2.11 writes them (seen by the interop
// suite, e2e/interop, and listed in docs/dtf-compatibility.md): an unversioned task or sub-orchestration has
// Version "", and a failed execution's ExecutionCompleted carries the failure's message as Result.
import { describe, expect, it } from "vitest";
import { executeOrchestrationWorkItem, newEvent, type HistoryEvent, type Orchestrator, type TaskMessage } from "../../src/index.js";

const start = (name: string): TaskMessage => ({
  event: newEvent("ExecutionStarted", { timestamp: new Date(0), orchestrationInstance: { instanceId: "i", executionId: "e" }, name, version: "" }),
  orchestrationInstance: { instanceId: "i", executionId: "e" },
});

function firstStep(orchestrator: Orchestrator): HistoryEvent[] {
  return executeOrchestrationWorkItem(
    { instanceId: "i", pastEvents: [], newMessages: [start("O")] },
    { resolveOrchestrator: () => orchestrator, now: new Date(1000), newExecutionId: () => "unused" },
  )!.newEvents;
}

describe("event fields as DTF Core writes them", () => {
  it("an unversioned task and sub-orchestration have Version \"\"", () => {
    const events = firstStep(function* (ctx) {
      yield ctx.whenAll([ctx.callActivity("A"), ctx.callSubOrchestrator("C", 1, { instanceId: "child" })]);
    });
    expect(events.find((e) => e.type === "TaskScheduled")).toMatchObject({ name: "A", version: "" });
    expect(events.find((e) => e.type === "SubOrchestrationInstanceCreated")).toMatchObject({ name: "C", version: "" });
  });

  it("a failed execution's ExecutionCompleted has the failure's message as Result", () => {
    const events = firstStep(() => {
      throw new Error("broken");
    });
    const completed = events.find((e) => e.type === "ExecutionCompleted");
    expect(completed).toMatchObject({ orchestrationStatus: "Failed", result: "broken", failureDetails: { errorMessage: "broken" } });
  });
});
