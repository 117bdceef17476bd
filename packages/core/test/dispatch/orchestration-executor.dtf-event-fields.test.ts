// Fields of the events a step writes, as DurableTask.Core 3.11 on DT.AS 2.11 writes them (seen by the interop
// suite, e2e/interop, and listed in docs/dtf-compatibility.md): an unversioned task or sub-orchestration has
// Version "", and a failed execution's ExecutionCompleted carries the failure's message as Result.
import { describe, expect, it } from "vitest";
import {
  executeOrchestrationWorkItem,
  newEvent,
  type HistoryEvent,
  type Orchestrator,
  type TaskMessage,
} from "../../src/index.js";
import { decodeActivityInput } from "../../src/dispatch/activity-input.js";

const start = (name: string): TaskMessage => ({
  event: newEvent("ExecutionStarted", {
    timestamp: new Date(0),
    orchestrationInstance: { instanceId: "i", executionId: "e" },
    name,
    version: "",
  }),
  orchestrationInstance: { instanceId: "i", executionId: "e" },
});

function step(orchestrator: Orchestrator) {
  return executeOrchestrationWorkItem(
    { instanceId: "i", pastEvents: [], newMessages: [start("O")] },
    { resolveOrchestrator: () => orchestrator, now: new Date(1000), newExecutionId: () => "unused" },
  )!;
}

function firstStep(orchestrator: Orchestrator): HistoryEvent[] {
  return step(orchestrator).newEvents;
}

describe("event fields as DTF Core writes them", () => {
  it('an unversioned task and sub-orchestration have Version ""', () => {
    const events = firstStep(function* (ctx) {
      yield ctx.whenAll([ctx.callActivity("A"), ctx.callSubOrchestrator("C", 1, { instanceId: "child" })]);
    });
    expect(events.find((e) => e.type === "TaskScheduled")).toMatchObject({ name: "A", version: "" });
    expect(events.find((e) => e.type === "SubOrchestrationInstanceCreated")).toMatchObject({
      name: "C",
      version: "",
    });
  });

  it("a failed execution's ExecutionCompleted has the failure's message as Result", () => {
    const events = firstStep(() => {
      throw new Error("broken");
    });
    const completed = events.find((e) => e.type === "ExecutionCompleted");
    expect(completed).toMatchObject({
      orchestrationStatus: "Failed",
      result: "broken",
      failureDetails: { errorMessage: "broken" },
    });
  });
});

describe("completion of a started orchestration", () => {
  const child = (tags: Record<string, string> | undefined): TaskMessage => ({
    event: newEvent("ExecutionStarted", {
      timestamp: new Date(0),
      orchestrationInstance: { instanceId: "i", executionId: "e" },
      name: "O",
      version: "",
      tags,
      parentInstance: {
        name: "P",
        version: "",
        orchestrationInstance: { instanceId: "parent", executionId: "pe" },
        taskScheduleId: 3,
      },
    }),
    orchestrationInstance: { instanceId: "i", executionId: "e" },
  });
  const complete = (tags: Record<string, string> | undefined) =>
    executeOrchestrationWorkItem(
      { instanceId: "i", pastEvents: [], newMessages: [child(tags)] },
      { resolveOrchestrator: () => () => "done", now: new Date(1000), newExecutionId: () => "unused" },
    )!.orchestratorMessages;

  it("is reported to the parent, except when the start is tagged FireAndForget (DTF Core's rule)", () => {
    expect(complete(undefined).map((m) => [m.orchestrationInstance.instanceId, m.event.type])).toEqual([
      ["parent", "SubOrchestrationInstanceCompleted"],
    ]);
    // DTF Core's entities start orchestrations with this tag; so may .NET orchestrations (fire-and-forget children).
    expect(complete({ FireAndForget: "" })).toEqual([]);
  });
});

describe("activity inputs as DTF Core writes them", () => {
  it("are the JSON array of the call's parameters: [input], or [] without one", () => {
    const commit = step(function* (ctx) {
      yield ctx.whenAll([
        ctx.callActivity("A", { city: "Tokyo" }),
        ctx.callActivity("B"),
        ctx.callActivity("C", [1, 2]),
        ctx.callActivity("D", null),
      ]);
    });
    const inputs = commit.activityMessages.map((m) => (m.event as { input?: string }).input);
    expect(inputs).toEqual(['[{"city":"Tokyo"}]', "[]", "[[1,2]]", "[null]"]);
  });

  it("reach the activity as the one parameter, also from DT.AS's messages and taskhub's earlier bare values", () => {
    // DurableTask.Core's ScheduleTask<T>("SayHello", "", "h Tokyo") writes ["h Tokyo"].
    expect(decodeActivityInput('["h Tokyo"]')).toBe("h Tokyo");
    expect(decodeActivityInput('[{"key":"k","failures":2}]')).toEqual({ key: "k", failures: 2 });
    expect(decodeActivityInput("[[1,2]]")).toEqual([1, 2]);
    expect(decodeActivityInput("[null]")).toBeNull();
    expect(decodeActivityInput("[]")).toBeUndefined();
    expect(decodeActivityInput(undefined)).toBeUndefined();
    expect(decodeActivityInput('"bare"')).toBe("bare");
    expect(decodeActivityInput("7")).toBe(7);
  });
});
