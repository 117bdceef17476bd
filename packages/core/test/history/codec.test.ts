import { describe, expect, it } from "vitest";
import {
  EVENT_FIELDS,
  EventType,
  fromDtfJson,
  historyEventFromDtfJsonText,
  historyEventToDtfJsonText,
  newEvent,
  toDtfJson,
  type EventTypeName,
  type HistoryEvent,
} from "../../src/index.js";

const ts = "2026-01-05T10:00:00.1234567Z";
const failure = {
  errorType: "System.InvalidOperationException",
  errorMessage: "boom",
  stackTrace: "at X",
  innerFailure: { errorType: "Inner", errorMessage: "inner boom", isNonRetriable: true },
  isNonRetriable: false,
};
const instance = { instanceId: "abc", executionId: "aae324dcc8f943e490b37ec5e5bbf9da" };
const trace = { traceParent: "00-abc-def-01", traceState: "x=1", spanId: "def" };

/** One fully populated example of every event type. */
const samples: Record<EventTypeName, HistoryEvent> = {
  ExecutionStarted: newEvent("ExecutionStarted", {
    timestamp: ts,
    orchestrationInstance: instance,
    parentInstance: { name: "Parent", orchestrationInstance: { instanceId: "p", executionId: "e1" }, taskScheduleId: 3, version: "1.0" },
    name: "Hello",
    version: "2",
    input: '"Tokyo"',
    tags: { team: "a", "Mixed.Case": "B" },
    correlation: "corr",
    parentTraceContext: trace,
    scheduledStartTime: "2026-01-06T00:00:00.0000001Z",
    generation: 2,
    generateNewTrace: true,
  }),
  ExecutionCompleted: newEvent("ExecutionCompleted", { eventId: 4, timestamp: ts, orchestrationStatus: "Failed", result: "r", failureDetails: failure }),
  ExecutionFailed: newEvent("ExecutionFailed", { timestamp: ts }),
  ExecutionTerminated: newEvent("ExecutionTerminated", { timestamp: ts, input: '"stop"' }),
  TaskScheduled: newEvent("TaskScheduled", { eventId: 0, timestamp: ts, name: "SayHello", version: "", input: '"Tokyo"', parentTraceContext: trace, tags: { t: "1" } }),
  TaskCompleted: newEvent("TaskCompleted", { timestamp: ts, taskScheduledId: 0, result: '"Hello"' }),
  TaskFailed: newEvent("TaskFailed", { timestamp: ts, taskScheduledId: 1, reason: "boom", details: "stack", failureDetails: failure }),
  SubOrchestrationInstanceCreated: newEvent("SubOrchestrationInstanceCreated", {
    eventId: 2,
    timestamp: ts,
    name: "Child",
    version: "1",
    instanceId: "child-1",
    input: "1",
    clientSpanId: "span",
    tags: { a: "b" },
  }),
  SubOrchestrationInstanceCompleted: newEvent("SubOrchestrationInstanceCompleted", { timestamp: ts, taskScheduledId: 2, result: "42" }),
  SubOrchestrationInstanceFailed: newEvent("SubOrchestrationInstanceFailed", { timestamp: ts, taskScheduledId: 2, reason: "r", details: "d", failureDetails: failure }),
  TimerCreated: newEvent("TimerCreated", { eventId: 5, timestamp: ts, fireAt: "2026-01-08T00:00:00.0000000Z" }),
  TimerFired: newEvent("TimerFired", { timestamp: ts, timerId: 5, fireAt: "2026-01-08T00:00:00.0000000Z" }),
  OrchestratorStarted: newEvent("OrchestratorStarted", { timestamp: ts, isPlayed: true }),
  OrchestratorCompleted: newEvent("OrchestratorCompleted", { timestamp: ts }),
  EventSent: newEvent("EventSent", { eventId: 6, timestamp: ts, instanceId: "other", name: "ping", input: "{}" }),
  EventRaised: newEvent("EventRaised", { timestamp: ts, name: "approval", input: "true", parentTraceContext: trace }),
  ContinueAsNew: newEvent("ContinueAsNew", { eventId: 7, timestamp: ts, orchestrationStatus: "ContinuedAsNew", result: "3" }),
  GenericEvent: newEvent("GenericEvent", { timestamp: ts, data: "d" }),
  HistoryState: newEvent("HistoryState", { timestamp: ts, state: { Status: "x" } }),
  ExecutionSuspended: newEvent("ExecutionSuspended", { timestamp: ts, reason: "pause" }),
  ExecutionResumed: newEvent("ExecutionResumed", { timestamp: ts, reason: "go" }),
  ExecutionRewound: newEvent("ExecutionRewound", { timestamp: ts, reason: "fix", parentExecutionId: "pe", instanceId: "abc", parentTraceContext: trace }),
};

describe("DTF JSON codec", () => {
  it("covers all 22 event types", () => {
    expect(Object.keys(EVENT_FIELDS)).toHaveLength(22);
    expect(Object.keys(samples).sort()).toEqual(Object.keys(EventType).sort());
  });

  it.each(Object.entries(samples))("round-trips %s through JSON text", (_name, event) => {
    const text = historyEventToDtfJsonText(event);
    expect(historyEventFromDtfJsonText(text)).toEqual(event);
    const json = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(json)[0]).toBe("$type");
    expect(json.EventType).toBe(EventType[event.type]);
    expect(json.Timestamp).toBe(ts);
  });

  it("puts $type first on nested objects and writes .NET names", () => {
    const json = toDtfJson(samples.ExecutionStarted) as Record<string, any>;
    expect(json.$type).toBe("DurableTask.Core.History.ExecutionStartedEvent");
    expect(Object.keys(json.OrchestrationInstance)[0]).toBe("$type");
    expect(json.OrchestrationInstance).toEqual({ $type: "DurableTask.Core.OrchestrationInstance", InstanceId: "abc", ExecutionId: instance.executionId });
    expect(json.ParentInstance.$type).toBe("DurableTask.Core.ParentInstance");
    expect(json.ParentInstance.TaskScheduleId).toBe(3);
    expect(json.Tags.$type).toMatch(/^System\.Collections\.Generic\.Dictionary`2\[\[System\.String, System\.Private\.CoreLib\]/);
    expect(json.ParentTraceContext.$type).toBe("DurableTask.Core.Tracing.DistributedTraceContext");
    const failed = toDtfJson(samples.TaskFailed) as Record<string, any>;
    expect(failed.FailureDetails.$type).toBe("DurableTask.Core.FailureDetails");
    expect(failed.FailureDetails.InnerFailure.$type).toBe("DurableTask.Core.FailureDetails");
    const completed = toDtfJson(samples.ExecutionCompleted) as Record<string, any>;
    expect(completed.OrchestrationStatus).toBe(3);
    expect(toDtfJson(samples.ExecutionCompleted, { eventType: "name" }).OrchestrationStatus).toBe("Failed");
    expect(toDtfJson(samples.TaskScheduled, { eventType: "name" }).EventType).toBe("TaskScheduled");
    const plain = toDtfJson(samples.ExecutionStarted, { typeNames: false }) as Record<string, any>;
    expect(plain.$type).toBeUndefined();
    expect(plain.OrchestrationInstance.$type).toBeUndefined();
  });

  it("writes absent members as null, as Newtonsoft does", () => {
    const json = toDtfJson(newEvent("TaskCompleted", { timestamp: ts, taskScheduledId: 0 }));
    expect(json).toEqual({ $type: "DurableTask.Core.History.TaskCompletedEvent", TaskScheduledId: 0, Result: null, EventType: 5, EventId: -1, IsPlayed: false, Timestamp: ts });
  });

  it("decodes the spec's example TaskScheduledEvent with 100 ns precision", () => {
    const e = fromDtfJson({
      $type: "DurableTask.Core.History.TaskScheduledEvent",
      EventType: 4,
      Name: "SayHello",
      Version: "",
      Input: '"Tokyo"',
      ParentTraceContext: null,
      Tags: null,
      EventId: 0,
      IsPlayed: false,
      Timestamp: "2026-01-05T10:00:00.1234567Z",
    });
    expect(e).toEqual({ type: "TaskScheduled", eventId: 0, isPlayed: false, timestamp: "2026-01-05T10:00:00.1234567Z", name: "SayHello", version: "", input: '"Tokyo"' });
  });

  it("reads member names case-insensitively, EventType by name, and without $type", () => {
    expect(fromDtfJson({ eventtype: "TaskCompleted", TASKSCHEDULEDID: 3, result: "1", timestamp: ts })).toEqual(
      newEvent("TaskCompleted", { timestamp: ts, taskScheduledId: 3, result: "1" }),
    );
    expect(fromDtfJson({ $type: "DurableTask.Core.History.TimerFiredEvent, DurableTask.Core", TimerId: 1, FireAt: ts })).toMatchObject({ type: "TimerFired", timerId: 1 });
    expect(fromDtfJson({ EventType: "5", TaskScheduledId: 0 })).toMatchObject({ type: "TaskCompleted", eventId: -1, isPlayed: false });
  });

  it.each([
    ["a string", "x", /not a JSON object/],
    ["an unknown type", { EventType: 99 }, /unknown history event type/],
    ["an unknown class", { $type: "DurableTask.Core.History.NoSuchEvent" }, /unknown history event type/],
    ["a result without its task id", { EventType: 5, Result: "1" }, /TaskCompleted has no TaskScheduledId/],
    ["a start without an instance", { EventType: 0, Name: "x" }, /ExecutionStarted has no OrchestrationInstance/],
    ["a non-integer id", { EventType: 5, TaskScheduledId: "abc" }, /must be an integer/],
  ])("rejects %s with a Serialization error", (_what, input, message) => {
    let err: unknown;
    try {
      fromDtfJson(input);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: "Serialization" });
    expect((err as Error).message).toMatch(message);
  });

  it("rejects text that is not JSON", () => {
    expect(() => historyEventFromDtfJsonText("{nope")).toThrow(/not valid JSON/);
  });
});
