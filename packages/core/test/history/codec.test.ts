import { describe, expect, it } from "vitest";
import {
  decodeField,
  encodeField,
  fromDtfJson,
  historyEventFromDtfJsonText,
  historyEventToDtfJsonText,
  TAGS_DICTIONARY_TYPE,
  toDtfJson,
  type DtfJsonOptions,
} from "../../src/history/codec.js";
import {
  EventType,
  OrchestrationStatus,
  type EventTypeName,
  type FailureDetails,
  type HistoryEvent,
  type OrchestrationRuntimeStatus,
} from "../../src/history/events.js";
import { newEvent } from "../../src/history/factories.js";
import { EVENT_FIELDS } from "../../src/history/fields.js";

type Json = Record<string, any>;

const ts = "2026-01-05T10:00:00.1234567Z";
const failure: FailureDetails = {
  errorType: "System.InvalidOperationException",
  errorMessage: "boom",
  stackTrace: "at X",
  innerFailure: { errorType: "Inner", errorMessage: "inner boom", isNonRetriable: true },
  properties: { code: 42, nested: { a: [1, "x"] } },
};
const instance = { instanceId: "abc", executionId: "aae324dcc8f943e490b37ec5e5bbf9da" };
const trace = {
  traceParent: "00-abc-def-01",
  traceState: "x=1",
  id: "00-abc-def-01",
  spanId: "def",
  activityStartTime: "2026-01-05T09:59:59.9999999+00:00",
};

/** One fully populated example of every event type. */
const samples: Record<EventTypeName, HistoryEvent> = {
  ExecutionStarted: newEvent("ExecutionStarted", {
    timestamp: ts,
    orchestrationInstance: instance,
    parentInstance: {
      name: "Parent",
      orchestrationInstance: { instanceId: "p", executionId: "e1" },
      taskScheduleId: 3,
      version: "1.0",
    },
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
  ExecutionCompleted: newEvent("ExecutionCompleted", {
    eventId: 4,
    timestamp: ts,
    orchestrationStatus: "Failed",
    result: "r",
    failureDetails: failure,
  }),
  ExecutionFailed: newEvent("ExecutionFailed", { timestamp: ts }),
  ExecutionTerminated: newEvent("ExecutionTerminated", { timestamp: ts, input: '"stop"' }),
  TaskScheduled: newEvent("TaskScheduled", {
    eventId: 0,
    timestamp: ts,
    name: "SayHello",
    version: "",
    input: '"Tokyo"',
    parentTraceContext: trace,
    tags: { t: "1" },
  }),
  TaskCompleted: newEvent("TaskCompleted", { timestamp: ts, taskScheduledId: 0, result: '"Hello"' }),
  TaskFailed: newEvent("TaskFailed", {
    timestamp: ts,
    taskScheduledId: 1,
    reason: "boom",
    details: "stack",
    failureDetails: failure,
  }),
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
  SubOrchestrationInstanceCompleted: newEvent("SubOrchestrationInstanceCompleted", {
    timestamp: ts,
    taskScheduledId: 2,
    result: "42",
  }),
  SubOrchestrationInstanceFailed: newEvent("SubOrchestrationInstanceFailed", {
    timestamp: ts,
    taskScheduledId: 2,
    reason: "r",
    details: "d",
    failureDetails: failure,
  }),
  TimerCreated: newEvent("TimerCreated", {
    eventId: 5,
    timestamp: ts,
    fireAt: "2026-01-08T00:00:00.0000000Z",
  }),
  TimerFired: newEvent("TimerFired", { timestamp: ts, timerId: 5, fireAt: "2026-01-08T00:00:00.0000000Z" }),
  OrchestratorStarted: newEvent("OrchestratorStarted", { timestamp: ts, isPlayed: true }),
  OrchestratorCompleted: newEvent("OrchestratorCompleted", { timestamp: ts }),
  EventSent: newEvent("EventSent", {
    eventId: 6,
    timestamp: ts,
    instanceId: "other",
    name: "ping",
    input: "{}",
  }),
  EventRaised: newEvent("EventRaised", {
    timestamp: ts,
    name: "approval",
    input: "true",
    parentTraceContext: trace,
  }),
  ContinueAsNew: newEvent("ContinueAsNew", {
    eventId: 7,
    timestamp: ts,
    orchestrationStatus: "ContinuedAsNew",
    result: "3",
  }),
  GenericEvent: newEvent("GenericEvent", { timestamp: ts, data: "d" }),
  HistoryState: newEvent("HistoryState", {
    timestamp: ts,
    state: { $type: "DurableTask.Core.OrchestrationState", Status: "x", Size: 3 },
  }),
  ExecutionSuspended: newEvent("ExecutionSuspended", { timestamp: ts, reason: "pause" }),
  ExecutionResumed: newEvent("ExecutionResumed", { timestamp: ts, reason: "go" }),
  ExecutionRewound: newEvent("ExecutionRewound", {
    timestamp: ts,
    reason: "fix",
    parentExecutionId: "pe",
    instanceId: "abc",
    parentTraceContext: trace,
  }),
};

/** DTF's EventType number and `$type` class of every event type, written out independently of the code. */
const dtfTable: Record<EventTypeName, [number, string]> = {
  ExecutionStarted: [0, "ExecutionStartedEvent"],
  ExecutionCompleted: [1, "ExecutionCompletedEvent"],
  ExecutionFailed: [2, "ExecutionFailedEvent"],
  ExecutionTerminated: [3, "ExecutionTerminatedEvent"],
  TaskScheduled: [4, "TaskScheduledEvent"],
  TaskCompleted: [5, "TaskCompletedEvent"],
  TaskFailed: [6, "TaskFailedEvent"],
  SubOrchestrationInstanceCreated: [7, "SubOrchestrationInstanceCreatedEvent"],
  SubOrchestrationInstanceCompleted: [8, "SubOrchestrationInstanceCompletedEvent"],
  SubOrchestrationInstanceFailed: [9, "SubOrchestrationInstanceFailedEvent"],
  TimerCreated: [10, "TimerCreatedEvent"],
  TimerFired: [11, "TimerFiredEvent"],
  OrchestratorStarted: [12, "OrchestratorStartedEvent"],
  OrchestratorCompleted: [13, "OrchestratorCompletedEvent"],
  EventSent: [14, "EventSentEvent"],
  EventRaised: [15, "EventRaisedEvent"],
  ContinueAsNew: [16, "ContinueAsNewEvent"],
  GenericEvent: [17, "GenericEvent"],
  HistoryState: [18, "HistoryStateEvent"],
  ExecutionSuspended: [19, "ExecutionSuspendedEvent"],
  ExecutionResumed: [20, "ExecutionResumedEvent"],
  ExecutionRewound: [21, "ExecutionRewoundEvent"],
};

/** A control-queue message exactly as DT.AS writes it (raw text: `\"` stays escaped). */
const specExampleMessage = String.raw`{"$type":"DurableTask.AzureStorage.MessageData",
 "ActivityId":"5406d369-4369-4673-afae-6671a2fa1e57",
 "TaskMessage":{"$type":"DurableTask.Core.TaskMessage",
   "Event":{"$type":"DurableTask.Core.History.TaskScheduledEvent","EventType":4,"Name":"SayHello","Version":"",
            "Input":"\"Tokyo\"","ParentTraceContext":null,"Tags":null,"EventId":0,"IsPlayed":false,
            "Timestamp":"2026-01-05T10:00:00.1234567Z"},
   "SequenceNumber":0,
   "OrchestrationInstance":{"$type":"DurableTask.Core.OrchestrationInstance","InstanceId":"abc","ExecutionId":"aae324dcc8f943e490b37ec5e5bbf9da"},
   "OrchestrationExecutionContext":{"$type":"DurableTask.Core.OrchestrationExecutionContext","OrchestrationTags":null}},
 "CompressedBlobName":null,"SequenceNumber":17,"Episode":1,
 "Sender":{"InstanceId":"abc","ExecutionId":"aae324dcc8f943e490b37ec5e5bbf9da"},
 "SerializableTraceContext":null}`;

const sampleEntries = Object.entries(samples) as [EventTypeName, HistoryEvent][];

/** toDtfJson → JSON text → parse → fromDtfJson. */
function roundTrip(e: HistoryEvent, options?: DtfJsonOptions): HistoryEvent {
  return fromDtfJson(JSON.parse(JSON.stringify(toDtfJson(e, options))));
}

/** Every JSON object below `v` (including `v`), with its path. */
function objectsIn(v: unknown, path = "$"): [string, Json][] {
  if (v === null || typeof v !== "object") return [];
  if (Array.isArray(v)) return v.flatMap((x, i) => objectsIn(x, `${path}[${i}]`));
  return [[path, v as Json], ...Object.entries(v).flatMap(([k, x]) => objectsIn(x, `${path}.${k}`))];
}

/**
 * Recursively rename every member name (to test case-insensitive reads). `$type` is metadata and stays; the
 * keys inside Tags, Properties and State are data, not member names, so those values are copied unchanged.
 */
function renameKeys(v: unknown, f: (k: string) => string): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x) => renameKeys(x, f));
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [
      k === "$type" ? k : f(k),
      /^(tags|properties|state)$/i.test(k) ? x : renameKeys(x, f),
    ]),
  );
}

function serializationError(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: "Serialization", name: "TaskHubError" });
    return err as Error & { code?: string };
  }
  throw new Error("expected a Serialization error, nothing was thrown");
}

describe("DTF JSON codec: round trips", () => {
  it("has a populated sample and a spec table row for each of the 22 event types", () => {
    expect(Object.keys(EventType)).toHaveLength(22);
    expect(Object.keys(samples).sort()).toEqual(Object.keys(EventType).sort());
    expect(Object.keys(dtfTable).sort()).toEqual(Object.keys(EventType).sort());
    expect(Object.keys(EVENT_FIELDS).sort()).toEqual(Object.keys(EventType).sort());
  });

  it.each(sampleEntries)(
    "%s: toDtfJson → JSON text → fromDtfJson gives the original back",
    (_type, event) => {
      const decoded = roundTrip(event);
      expect(decoded).toStrictEqual(event);
      // No keys with undefined values are created.
      for (const [path, obj] of objectsIn(decoded))
        for (const [k, v] of Object.entries(obj)) expect(v, `${path}.${k}`).not.toBeUndefined();
    },
  );

  it.each(sampleEntries)(
    "%s: round-trips with EventType/OrchestrationStatus names (table shape)",
    (_type, event) => {
      expect(roundTrip(event, { eventType: "name" })).toStrictEqual(event);
    },
  );

  it.each(sampleEntries)("%s: round-trips without any $type (typeNames: false)", (_type, event) => {
    const json = toDtfJson(event, { typeNames: false });
    expect(objectsIn(json).filter(([, o]) => "$type" in o && o !== (event as Json).state)).toEqual([]);
    expect(roundTrip(event, { typeNames: false })).toStrictEqual(event);
  });

  it.each(sampleEntries)("%s: the text helpers round-trip and keep 100 ns timestamps", (_type, event) => {
    const text = historyEventToDtfJsonText(event);
    expect(text).toContain(`"Timestamp":"${ts}"`);
    expect(historyEventFromDtfJsonText(text)).toStrictEqual(event);
    expect(
      historyEventFromDtfJsonText(historyEventToDtfJsonText(event, { eventType: "name" })),
    ).toStrictEqual(event);
  });

  it.each(Object.keys(OrchestrationStatus) as OrchestrationRuntimeStatus[])(
    "round-trips OrchestrationStatus %s as integer and as name",
    (status) => {
      const e = newEvent("ExecutionCompleted", { eventId: 1, timestamp: ts, orchestrationStatus: status });
      expect(toDtfJson(e).OrchestrationStatus).toBe(OrchestrationStatus[status]);
      expect(toDtfJson(e, { eventType: "name" }).OrchestrationStatus).toBe(status);
      expect(roundTrip(e)).toStrictEqual(e);
      expect(roundTrip(e, { eventType: "name" })).toStrictEqual(e);
    },
  );

  it("round-trips minimal events (only required members) to exactly the same keys", () => {
    const minimal: HistoryEvent[] = [
      newEvent("ExecutionStarted", { timestamp: ts, orchestrationInstance: { instanceId: "i" }, name: "O" }),
      newEvent("TaskScheduled", { eventId: 0, timestamp: ts, name: "A" }),
      newEvent("TaskFailed", {
        timestamp: ts,
        taskScheduledId: 0,
        failureDetails: { errorType: "E", errorMessage: "m" },
      }),
      newEvent("EventRaised", { timestamp: ts, name: "e" }),
      newEvent("HistoryState", { timestamp: ts }),
    ];
    for (const e of minimal) expect(roundTrip(e)).toStrictEqual(e);
  });
});

describe("DTF JSON codec: writer shape", () => {
  it.each(sampleEntries)(
    "%s: $type is the first key of the event and of every nested object",
    (type, event) => {
      const json = toDtfJson(event);
      expect(Object.keys(json)[0]).toBe("$type");
      expect(json.$type).toBe(`DurableTask.Core.History.${dtfTable[type][1]}`);
      for (const [path, obj] of objectsIn(json)) {
        // Opaque payloads (FailureDetails.Properties, HistoryState.State) are written as given.
        if (/\.(Properties|State)(\.|$)/.test(path)) continue;
        expect(Object.keys(obj)[0], path).toBe("$type");
      }
    },
  );

  it.each(sampleEntries)(
    "%s: EventType is the spec's integer by default and the enum name on request",
    (type, event) => {
      expect(toDtfJson(event).EventType).toBe(dtfTable[type][0]);
      expect(toDtfJson(event, { eventType: "number" }).EventType).toBe(dtfTable[type][0]);
      expect(toDtfJson(event, { eventType: "name" }).EventType).toBe(type);
    },
  );

  it.each(sampleEntries)(
    "%s: writes exactly the DTF members: $type, EventType, the class's members, then the base members",
    (type, event) => {
      const members = EVENT_FIELDS[type].map(([, m]) => m);
      expect(Object.keys(toDtfJson(event))).toEqual([
        "$type",
        "EventType",
        ...members,
        "EventId",
        "IsPlayed",
        "Timestamp",
      ]);
      expect(Object.keys(toDtfJson(event, { typeNames: false }))).toEqual([
        "EventType",
        ...members,
        "EventId",
        "IsPlayed",
        "Timestamp",
      ]);
    },
  );

  it("writes ExecutionStarted with every member PascalCase and every nested type named", () => {
    expect(toDtfJson(samples.ExecutionStarted)).toEqual({
      $type: "DurableTask.Core.History.ExecutionStartedEvent",
      EventType: 0,
      OrchestrationInstance: {
        $type: "DurableTask.Core.OrchestrationInstance",
        InstanceId: "abc",
        ExecutionId: instance.executionId,
      },
      ParentInstance: {
        $type: "DurableTask.Core.ParentInstance",
        Name: "Parent",
        OrchestrationInstance: {
          $type: "DurableTask.Core.OrchestrationInstance",
          InstanceId: "p",
          ExecutionId: "e1",
        },
        TaskScheduleId: 3,
        Version: "1.0",
      },
      Name: "Hello",
      Version: "2",
      Input: '"Tokyo"',
      Tags: {
        $type:
          "System.Collections.Generic.Dictionary`2[[System.String, System.Private.CoreLib],[System.String, System.Private.CoreLib]]",
        team: "a",
        "Mixed.Case": "B",
      },
      Correlation: "corr",
      ParentTraceContext: {
        $type: "DurableTask.Core.Tracing.DistributedTraceContext",
        TraceParent: "00-abc-def-01",
        TraceState: "x=1",
        Id: "00-abc-def-01",
        SpanId: "def",
        ActivityStartTime: "2026-01-05T09:59:59.9999999+00:00",
      },
      ScheduledStartTime: "2026-01-06T00:00:00.0000001Z",
      Generation: 2,
      GenerateNewTrace: true,
      EventId: -1,
      IsPlayed: false,
      Timestamp: ts,
    });
    expect(Object.keys(toDtfJson(samples.ExecutionStarted).ParentInstance as Json)).toEqual([
      "$type",
      "Name",
      "OrchestrationInstance",
      "TaskScheduleId",
      "Version",
    ]);
    expect(Object.keys(toDtfJson(samples.ExecutionStarted).ParentTraceContext as Json)).toEqual([
      "$type",
      "TraceParent",
      "TraceState",
      "Id",
      "SpanId",
      "ActivityStartTime",
    ]);
  });

  it("writes FailureDetails with its nested InnerFailure, nulls for absent members and false for IsNonRetriable", () => {
    const json = toDtfJson(samples.TaskFailed);
    expect(json.FailureDetails).toEqual({
      $type: "DurableTask.Core.FailureDetails",
      ErrorType: "System.InvalidOperationException",
      ErrorMessage: "boom",
      StackTrace: "at X",
      InnerFailure: {
        $type: "DurableTask.Core.FailureDetails",
        ErrorType: "Inner",
        ErrorMessage: "inner boom",
        StackTrace: null,
        InnerFailure: null,
        IsNonRetriable: true,
        Properties: null,
      },
      // A .NET bool cannot be read from null: unset means false.
      IsNonRetriable: false,
      Properties: { code: 42, nested: { a: [1, "x"] } },
    });
    expect(Object.keys(json.FailureDetails as Json)).toEqual([
      "$type",
      "ErrorType",
      "ErrorMessage",
      "StackTrace",
      "InnerFailure",
      "IsNonRetriable",
      "Properties",
    ]);
  });

  it("writes absent optional members as null, as Newtonsoft does", () => {
    expect(toDtfJson(newEvent("TaskCompleted", { timestamp: ts, taskScheduledId: 0 }))).toStrictEqual({
      $type: "DurableTask.Core.History.TaskCompletedEvent",
      EventType: 5,
      TaskScheduledId: 0,
      Result: null,
      EventId: -1,
      IsPlayed: false,
      Timestamp: ts,
    });
    const started = toDtfJson(
      newEvent("ExecutionStarted", { timestamp: ts, orchestrationInstance: { instanceId: "i" }, name: "O" }),
    );
    expect(started).toStrictEqual({
      $type: "DurableTask.Core.History.ExecutionStartedEvent",
      EventType: 0,
      OrchestrationInstance: {
        $type: "DurableTask.Core.OrchestrationInstance",
        InstanceId: "i",
        ExecutionId: null,
      },
      ParentInstance: null,
      Name: "O",
      Version: null,
      Input: null,
      Tags: null,
      Correlation: null,
      ParentTraceContext: null,
      ScheduledStartTime: null,
      Generation: null,
      GenerateNewTrace: false,
      EventId: -1,
      IsPlayed: false,
      Timestamp: ts,
    });
    // JSON text keeps the nulls (JSON.stringify would drop undefined).
    expect(historyEventToDtfJsonText(newEvent("GenericEvent", { timestamp: ts }))).toBe(
      `{"$type":"DurableTask.Core.History.GenericEvent","EventType":17,"Data":null,"EventId":-1,"IsPlayed":false,"Timestamp":"${ts}"}`,
    );
  });

  it("names the special classes: ContinueAsNewEvent, GenericEvent, HistoryStateEvent, and ExecutionFailedEvent (no DTF class)", () => {
    expect(toDtfJson(samples.ContinueAsNew)).toMatchObject({
      $type: "DurableTask.Core.History.ContinueAsNewEvent",
      EventType: 16,
      OrchestrationStatus: 2,
    });
    expect(toDtfJson(samples.GenericEvent).$type).toBe("DurableTask.Core.History.GenericEvent");
    expect(toDtfJson(samples.HistoryState).$type).toBe("DurableTask.Core.History.HistoryStateEvent");
    expect(toDtfJson(samples.ExecutionFailed)).toStrictEqual({
      $type: "DurableTask.Core.History.ExecutionFailedEvent",
      EventType: 2,
      EventId: -1,
      IsPlayed: false,
      Timestamp: ts,
    });
  });

  it("writes HistoryState.State as-is and OrchestrationStatus by name only when asked", () => {
    expect(toDtfJson(samples.HistoryState).State).toBe((samples.HistoryState as Json).state);
    expect(toDtfJson(samples.ExecutionCompleted).OrchestrationStatus).toBe(3);
    expect(toDtfJson(samples.ExecutionCompleted, { eventType: "name" })).toMatchObject({
      EventType: "ExecutionCompleted",
      OrchestrationStatus: "Failed",
    });
  });

  it("typeNames: false drops $type everywhere, including tags", () => {
    const json = toDtfJson(samples.ExecutionStarted, { typeNames: false });
    expect(objectsIn(json).filter(([, o]) => "$type" in o)).toEqual([]);
    expect(json.Tags).toEqual({ team: "a", "Mixed.Case": "B" });
  });

  it("keeps raw instants byte for byte: 7 digits, no digits, offsets", () => {
    for (const t of [
      "2026-01-05T10:00:00.1234567Z",
      "2026-01-05T10:00:00Z",
      "2026-01-05T10:00:00.1200000Z",
      "2026-01-05T11:00:00.5+01:00",
    ]) {
      const e = newEvent("TimerFired", { timestamp: t, timerId: 1, fireAt: t });
      expect(toDtfJson(e)).toMatchObject({ Timestamp: t, FireAt: t });
      expect(roundTrip(e)).toStrictEqual(e);
    }
  });

  it("exports the tags dictionary type name", () => {
    expect(TAGS_DICTIONARY_TYPE).toBe(
      "System.Collections.Generic.Dictionary`2[[System.String, System.Private.CoreLib],[System.String, System.Private.CoreLib]]",
    );
  });
});

describe("DTF JSON codec: reader", () => {
  it("decodes the TaskScheduledEvent inside a control-queue message as DT.AS writes it", () => {
    const message = JSON.parse(specExampleMessage) as Json;
    const eventJson = message.TaskMessage.Event as Json;
    const e = fromDtfJson(eventJson);
    expect(e).toStrictEqual({
      type: "TaskScheduled",
      eventId: 0,
      isPlayed: false,
      timestamp: "2026-01-05T10:00:00.1234567Z",
      name: "SayHello",
      version: "",
      input: '"Tokyo"',
    });
    expect(e.timestamp).toBe("2026-01-05T10:00:00.1234567Z");
    // Writing it back gives the spec's Event object, member for member and in the same order.
    expect(JSON.stringify(toDtfJson(e))).toBe(JSON.stringify(eventJson));
  });

  it.each(sampleEntries)("%s: reads member names case-insensitively, at every level", (_type, event) => {
    const json = JSON.parse(JSON.stringify(toDtfJson(event)));
    expect(fromDtfJson(renameKeys(json, (k) => k.toLowerCase()))).toStrictEqual(event);
    expect(fromDtfJson(renameKeys(json, (k) => k.toUpperCase()))).toStrictEqual(event);
    expect(fromDtfJson(renameKeys(json, (k) => k[0]!.toLowerCase() + k.slice(1)))).toStrictEqual(event);
  });

  it("reads a hand-written mixed-case event", () => {
    expect(
      fromDtfJson({ eventtype: "TaskCompleted", TASKSCHEDULEDID: 3, rEsUlT: "1", timestamp: ts }),
    ).toStrictEqual(newEvent("TaskCompleted", { timestamp: ts, taskScheduledId: 3, result: "1" }));
  });

  it("prefers an exact member name over a case-insensitive one", () => {
    expect(
      fromDtfJson({ EventType: 5, taskscheduledid: 1, TaskScheduledId: 2, timestamp: ts }),
    ).toMatchObject({ taskScheduledId: 2 });
  });

  it("turns null into an absent field, at every level, without creating keys", () => {
    const e = fromDtfJson({
      EventType: 0,
      OrchestrationInstance: { InstanceId: "i", ExecutionId: null },
      ParentInstance: null,
      Name: "O",
      Version: null,
      Input: null,
      Tags: null,
      Correlation: null,
      ParentTraceContext: {
        TraceParent: "tp",
        TraceState: null,
        Id: null,
        SpanId: null,
        ActivityStartTime: null,
      },
      ScheduledStartTime: null,
      Generation: null,
      GenerateNewTrace: false,
      EventId: null,
      IsPlayed: null,
      Timestamp: ts,
    });
    expect(e).toStrictEqual({
      type: "ExecutionStarted",
      eventId: -1,
      isPlayed: false,
      timestamp: ts,
      orchestrationInstance: { instanceId: "i" },
      name: "O",
      parentTraceContext: { traceParent: "tp" },
    });
    expect(Object.keys(e)).toEqual([
      "type",
      "eventId",
      "isPlayed",
      "timestamp",
      "orchestrationInstance",
      "name",
      "parentTraceContext",
    ]);
    const failed = fromDtfJson({
      EventType: 6,
      TaskScheduledId: 0,
      Reason: null,
      Details: null,
      FailureDetails: {
        ErrorType: "E",
        ErrorMessage: "m",
        StackTrace: null,
        InnerFailure: null,
        IsNonRetriable: false,
        Properties: null,
      },
      Timestamp: ts,
    });
    expect(failed).toStrictEqual({
      type: "TaskFailed",
      eventId: -1,
      isPlayed: false,
      timestamp: ts,
      taskScheduledId: 0,
      failureDetails: { errorType: "E", errorMessage: "m" },
    });
  });

  it("applies DTF defaults: missing EventId → -1, missing IsPlayed → false, missing Timestamp → the epoch", () => {
    expect(fromDtfJson({ EventType: 12 })).toStrictEqual({
      type: "OrchestratorStarted",
      eventId: -1,
      isPlayed: false,
      timestamp: "1970-01-01T00:00:00.000Z",
    });
    expect(fromDtfJson({ EventType: 12, EventId: 3, IsPlayed: true, Timestamp: ts })).toStrictEqual({
      type: "OrchestratorStarted",
      eventId: 3,
      isPlayed: true,
      timestamp: ts,
    });
  });

  it("dispatches on EventType as integer, integer text, or name in any case", () => {
    for (const v of [5, "5", "TaskCompleted", "taskcompleted", "TASKCOMPLETED"]) {
      expect(fromDtfJson({ EventType: v, TaskScheduledId: 0, Timestamp: ts }), String(v)).toMatchObject({
        type: "TaskCompleted",
      });
    }
  });

  it("ignores $type for dispatch when EventType is present, and falls back to it otherwise", () => {
    expect(
      fromDtfJson({ $type: "DurableTask.Core.History.TimerFiredEvent", EventType: 5, TaskScheduledId: 1 }),
    ).toMatchObject({ type: "TaskCompleted" });
    expect(
      fromDtfJson({
        $type: "DurableTask.Core.History.TimerFiredEvent, DurableTask.Core",
        TimerId: 1,
        FireAt: ts,
      }),
    ).toMatchObject({ type: "TimerFired", timerId: 1, fireAt: ts });
    expect(
      fromDtfJson({
        $type: "DurableTask.Core.History.ContinueAsNewEvent",
        EventType: null,
        OrchestrationStatus: 2,
      }),
    ).toMatchObject({ type: "ContinueAsNew", orchestrationStatus: "ContinuedAsNew" });
    expect(fromDtfJson({ $type: "DurableTask.Core.History.GenericEvent", Data: "x" })).toMatchObject({
      type: "GenericEvent",
      data: "x",
    });
    expect(fromDtfJson({ $type: "DurableTask.Core.History.HistoryStateEvent" })).toMatchObject({
      type: "HistoryState",
    });
    expect(fromDtfJson({ $type: "DurableTask.Core.History.ExecutionFailedEvent" })).toMatchObject({
      type: "ExecutionFailed",
    });
    for (const [type, [, cls]] of Object.entries(dtfTable)) {
      expect(
        fromDtfJson({ ...toDtfJson(samples[type as EventTypeName]), EventType: undefined }),
        cls,
      ).toStrictEqual(samples[type as EventTypeName]);
    }
  });

  it("reads OrchestrationStatus as integer, integer text, or name", () => {
    for (const [v, expected] of [
      [3, "Failed"],
      ["3", "Failed"],
      ["Failed", "Failed"],
      ["continuedasnew", "ContinuedAsNew"],
      [7, "Suspended"],
    ] as const) {
      expect(
        fromDtfJson({ EventType: "ExecutionCompleted", OrchestrationStatus: v, Timestamp: ts }),
      ).toMatchObject({ orchestrationStatus: expected });
    }
  });

  it("ignores unknown members, including DTF members we do not model", () => {
    const json = { ...toDtfJson(samples.ExecutionStarted), SerializedActivity: "x", Extra: { a: 1 } } as Json;
    (json.OrchestrationInstance as Json).Unknown = 1;
    (json.ParentTraceContext as Json).Other = "y";
    expect(fromDtfJson(json)).toStrictEqual(samples.ExecutionStarted);
  });

  it("reads tags dictionaries with either .NET type name and strips the $type metadata", () => {
    const mscorlib =
      "System.Collections.Generic.Dictionary`2[[System.String, mscorlib],[System.String, mscorlib]], mscorlib";
    const e = fromDtfJson({
      EventType: 4,
      Name: "A",
      Tags: { $type: mscorlib, a: "1", b: null, n: 2 },
      Timestamp: ts,
    });
    expect(e).toMatchObject({ tags: { a: "1", n: "2" } });
    expect(Object.keys((e as Json).tags)).toEqual(["a", "n"]);
    expect(
      fromDtfJson({ EventType: 4, Name: "A", Tags: { $type: TAGS_DICTIONARY_TYPE }, Timestamp: ts }),
    ).toMatchObject({ tags: {} });
  });

  it("keeps FailureDetails.Properties and HistoryState.State opaque (only the dictionary's $type is stripped)", () => {
    const e = fromDtfJson({
      EventType: 9,
      TaskScheduledId: 1,
      FailureDetails: {
        ErrorType: "E",
        ErrorMessage: "m",
        Properties: {
          $type: "System.Collections.Generic.Dictionary`2[[System.String],[System.Object]]",
          k: { deep: true },
        },
      },
    }) as Json;
    expect(e.failureDetails).toStrictEqual({
      errorType: "E",
      errorMessage: "m",
      properties: { k: { deep: true } },
    });
    const state = { $type: "DurableTask.Core.OrchestrationState", Name: "n", Status: 1 };
    expect(fromDtfJson({ EventType: 18, State: state })).toMatchObject({ state });
  });

  it("treats a false non-nullable .NET bool as its default (absent) and keeps true", () => {
    const started = { EventType: 0, OrchestrationInstance: { InstanceId: "i" }, Name: "O", Timestamp: ts };
    expect(fromDtfJson({ ...started, GenerateNewTrace: false })).not.toHaveProperty("generateNewTrace");
    expect(fromDtfJson({ ...started, GenerateNewTrace: true })).toMatchObject({ generateNewTrace: true });
    expect(fromDtfJson({ ...started, GenerateNewTrace: "True" })).toMatchObject({ generateNewTrace: true });
    const fd = (v: unknown): Json =>
      (
        fromDtfJson({
          EventType: 6,
          TaskScheduledId: 0,
          FailureDetails: { ErrorType: "E", ErrorMessage: "m", IsNonRetriable: v },
        }) as Json
      ).failureDetails;
    expect(fd(false)).toStrictEqual({ errorType: "E", errorMessage: "m" });
    expect(fd(true)).toStrictEqual({ errorType: "E", errorMessage: "m", isNonRetriable: true });
    // So an explicit `false` comes back as absent (the same meaning).
    const explicit = newEvent("TaskFailed", {
      timestamp: ts,
      taskScheduledId: 0,
      failureDetails: { errorType: "E", errorMessage: "m", isNonRetriable: false },
    });
    expect((roundTrip(explicit) as Json).failureDetails).toStrictEqual({ errorType: "E", errorMessage: "m" });
  });

  it("accepts IsPlayed and ints the way Newtonsoft does", () => {
    expect(fromDtfJson({ EventType: 12, IsPlayed: "true", EventId: "7" })).toMatchObject({
      isPlayed: true,
      eventId: 7,
    });
    expect(fromDtfJson({ EventType: 12, IsPlayed: 0 })).toMatchObject({ isPlayed: false });
    expect(fromDtfJson({ EventType: 11, TimerId: -100, FireAt: ts })).toMatchObject({ timerId: -100 });
  });

  it("reads the text form and accepts DTF v1 property casing in JSON text", () => {
    const text = `{"$type":"DurableTask.Core.History.EventRaisedEvent","eventType":15,"name":"go","input":"1","eventId":-1,"isPlayed":true,"timestamp":"${ts}"}`;
    expect(historyEventFromDtfJsonText(text)).toStrictEqual({
      type: "EventRaised",
      eventId: -1,
      isPlayed: true,
      timestamp: ts,
      name: "go",
      input: "1",
    });
  });
});

describe("DTF JSON codec: errors", () => {
  it.each([
    ["null", null, /history event must be a JSON object, got null/],
    ["undefined", undefined, /history event must be a JSON object/],
    ["a string", "x", /history event must be a JSON object, got "x"/],
    ["a number", 42, /must be a JSON object, got 42/],
    ["an array", [{ EventType: 4 }], /must be a JSON object/],
    ["an object with neither EventType nor $type", { Name: "x" }, /neither EventType nor \$type/],
    ["an unknown EventType number", { EventType: 99 }, /unknown history event type: EventType 99/],
    ["a negative EventType", { EventType: -1 }, /unknown history event type/],
    ["a fractional EventType", { EventType: 4.5 }, /unknown history event type/],
    [
      "an unknown EventType name",
      { EventType: "TaskExploded" },
      /unknown history event type: EventType "TaskExploded"/,
    ],
    ["a prototype name as EventType", { EventType: "toString" }, /unknown history event type/],
    ["an object as EventType", { EventType: { a: 1 } }, /unknown history event type/],
    [
      "an unknown $type class",
      { $type: "DurableTask.Core.History.NoSuchEvent" },
      /unknown history event type: \$type "DurableTask.Core.History.NoSuchEvent"/,
    ],
    ["a prototype name as $type", { $type: "constructor" }, /unknown history event type/],
    ["a result without its task id", { EventType: 5, Result: "1" }, /TaskCompleted has no TaskScheduledId/],
    ["a null required member", { EventType: 6, TaskScheduledId: null }, /TaskFailed has no TaskScheduledId/],
    [
      "a sub-orchestration result without its task id",
      { EventType: 8 },
      /SubOrchestrationInstanceCompleted has no TaskScheduledId/,
    ],
    [
      "a start without an instance",
      { EventType: 0, Name: "x" },
      /ExecutionStarted has no OrchestrationInstance/,
    ],
    [
      "a start without an InstanceId",
      { EventType: 0, Name: "x", OrchestrationInstance: { ExecutionId: "e" } },
      /ExecutionStarted\.OrchestrationInstance has no InstanceId/,
    ],
    [
      "a start without a name",
      { EventType: 0, OrchestrationInstance: { InstanceId: "i" } },
      /ExecutionStarted has no Name/,
    ],
    ["a scheduled task without a name", { EventType: 4 }, /TaskScheduled has no Name/],
    ["a timer without FireAt", { EventType: 10, EventId: 0 }, /TimerCreated has no FireAt/],
    ["a fired timer without TimerId", { EventType: 11, FireAt: ts }, /TimerFired has no TimerId/],
    ["a sent event without its target", { EventType: 14, Name: "n" }, /EventSent has no InstanceId/],
    [
      "a created sub-orchestration without InstanceId",
      { EventType: 7, Name: "n" },
      /SubOrchestrationInstanceCreated has no InstanceId/,
    ],
    ["a raised event without a name", { EventType: 15 }, /EventRaised has no Name/],
    ["a completion without a status", { EventType: 1 }, /ExecutionCompleted has no OrchestrationStatus/],
    ["a continue-as-new without a status", { EventType: 16 }, /ContinueAsNew has no OrchestrationStatus/],
    [
      "an unknown status",
      { EventType: 1, OrchestrationStatus: 42 },
      /ExecutionCompleted\.OrchestrationStatus is not an OrchestrationStatus: 42/,
    ],
    [
      "an unknown status name",
      { EventType: 1, OrchestrationStatus: "Exploded" },
      /is not an OrchestrationStatus: "Exploded"/,
    ],
    [
      "a non-integer id",
      { EventType: 5, TaskScheduledId: "abc" },
      /TaskCompleted\.TaskScheduledId must be an integer \(Int32\), got "abc"/,
    ],
    ["a fractional id", { EventType: 5, TaskScheduledId: 1.5 }, /must be an integer/],
    ["an out-of-range id", { EventType: 5, TaskScheduledId: 2 ** 31 }, /must be an integer/],
    ["an empty-string id", { EventType: 5, TaskScheduledId: "" }, /must be an integer/],
    ["a boolean id", { EventType: 5, TaskScheduledId: true }, /must be an integer/],
    ["a bad EventId", { EventType: 12, EventId: "x" }, /OrchestratorStarted\.EventId must be an integer/],
    [
      "a bad IsPlayed",
      { EventType: 12, IsPlayed: "maybe" },
      /OrchestratorStarted\.IsPlayed must be a boolean, got "maybe"/,
    ],
    [
      "a numeric Timestamp",
      { EventType: 12, Timestamp: 1234 },
      /OrchestratorStarted\.Timestamp must be a DateTime string, got 1234/,
    ],
    [
      "an object where a string belongs",
      { EventType: 4, Name: { a: 1 } },
      /TaskScheduled\.Name must be a string, got \{"a":1\}/,
    ],
    [
      "an array as an instance",
      { EventType: 0, Name: "x", OrchestrationInstance: ["i"] },
      /ExecutionStarted\.OrchestrationInstance must be a JSON object/,
    ],
    [
      "a string as FailureDetails",
      { EventType: 6, TaskScheduledId: 0, FailureDetails: "boom" },
      /TaskFailed\.FailureDetails must be a JSON object, got "boom"/,
    ],
    [
      "FailureDetails without ErrorType",
      { EventType: 6, TaskScheduledId: 0, FailureDetails: { ErrorMessage: "m" } },
      /TaskFailed\.FailureDetails has no ErrorType/,
    ],
    [
      "an InnerFailure without ErrorMessage",
      {
        EventType: 6,
        TaskScheduledId: 0,
        FailureDetails: { ErrorType: "E", ErrorMessage: "m", InnerFailure: { ErrorType: "I" } },
      },
      /TaskFailed\.FailureDetails\.InnerFailure has no ErrorMessage/,
    ],
    [
      "a ParentInstance without its instance",
      {
        EventType: 0,
        Name: "x",
        OrchestrationInstance: { InstanceId: "i" },
        ParentInstance: { Name: "p", TaskScheduleId: 1 },
      },
      /ExecutionStarted\.ParentInstance has no OrchestrationInstance/,
    ],
    [
      "a ParentInstance without TaskScheduleId",
      {
        EventType: 0,
        Name: "x",
        OrchestrationInstance: { InstanceId: "i" },
        ParentInstance: { Name: "p", OrchestrationInstance: { InstanceId: "p" } },
      },
      /ExecutionStarted\.ParentInstance has no TaskScheduleId/,
    ],
    [
      "tags that are not an object",
      { EventType: 4, Name: "A", Tags: "a=b" },
      /TaskScheduled\.Tags must be a JSON object/,
    ],
    [
      "a tag value that is an object",
      { EventType: 4, Name: "A", Tags: { a: { b: 1 } } },
      /TaskScheduled\.Tags\["a"\] must be a string/,
    ],
    [
      "a bad GenerateNewTrace",
      { EventType: 0, Name: "x", OrchestrationInstance: { InstanceId: "i" }, GenerateNewTrace: "yes" },
      /ExecutionStarted\.GenerateNewTrace must be a boolean/,
    ],
  ])("rejects %s with a Serialization error naming the problem", (_what, input, message) => {
    expect(serializationError(() => fromDtfJson(input)).message).toMatch(message);
  });

  it("rejects text that is not JSON, or JSON that is not an event", () => {
    expect(serializationError(() => historyEventFromDtfJsonText("{nope")).message).toMatch(
      /history event is not valid JSON/,
    );
    expect(serializationError(() => historyEventFromDtfJsonText("")).message).toMatch(/not valid JSON/);
    expect(serializationError(() => historyEventFromDtfJsonText("[1,2]")).message).toMatch(
      /must be a JSON object/,
    );
    expect(serializationError(() => historyEventFromDtfJsonText('{"EventType":5}')).message).toMatch(
      /TaskCompleted has no TaskScheduledId/,
    );
  });

  it("refuses to encode what is not one of our events", () => {
    expect(serializationError(() => toDtfJson(null as unknown as HistoryEvent)).message).toMatch(
      /cannot encode history event/,
    );
    expect(
      serializationError(() =>
        toDtfJson({ ...samples.GenericEvent, type: "Nope" } as unknown as HistoryEvent),
      ).message,
    ).toMatch(/cannot encode history event of unknown type "Nope"/);
    expect(
      serializationError(() =>
        toDtfJson({ ...samples.ExecutionCompleted, orchestrationStatus: "Done" } as unknown as HistoryEvent),
      ).message,
    ).toMatch(/cannot encode OrchestrationStatus "Done"/);
  });

  it("keeps long offending values short in messages", () => {
    const message = serializationError(() =>
      fromDtfJson({ EventType: 4, Name: { text: "x".repeat(500) } }),
    ).message;
    expect(message.length).toBeLessThan(200);
  });
});

describe("DTF JSON codec: member codec shared with the table codec", () => {
  const table = { eventType: "name", typeNames: false } as const;
  const queue = { eventType: "number", typeNames: true } as const;

  it("encodes nested members with or without $type and decodes them back", () => {
    expect(encodeField("failureDetails", failure, table)).toEqual({
      ErrorType: "System.InvalidOperationException",
      ErrorMessage: "boom",
      StackTrace: "at X",
      InnerFailure: {
        ErrorType: "Inner",
        ErrorMessage: "inner boom",
        StackTrace: null,
        InnerFailure: null,
        IsNonRetriable: true,
        Properties: null,
      },
      IsNonRetriable: false,
      Properties: { code: 42, nested: { a: [1, "x"] } },
    });
    for (const o of [table, queue]) {
      const text = JSON.stringify(encodeField("failureDetails", failure, o));
      expect(decodeField("failureDetails", JSON.parse(text), "FailureDetails")).toStrictEqual(failure);
      const parent = (samples.ExecutionStarted as Json).parentInstance;
      expect(
        decodeField(
          "parentInstance",
          JSON.parse(JSON.stringify(encodeField("parentInstance", parent, o))),
          "ParentInstance",
        ),
      ).toStrictEqual(parent);
    }
    expect(encodeField("tags", { a: "b" }, table)).toEqual({ a: "b" });
    expect(encodeField("tags", { a: "b" }, queue)).toEqual({ $type: TAGS_DICTIONARY_TYPE, a: "b" });
    expect(encodeField("status", "Terminated", table)).toBe("Terminated");
    expect(encodeField("status", "Terminated", queue)).toBe(5);
  });

  it("maps null and undefined to null when writing and to undefined when reading", () => {
    for (const kind of [
      "string",
      "int",
      "datetime",
      "status",
      "instance",
      "parentInstance",
      "failureDetails",
      "traceContext",
      "tags",
      "opaque",
    ] as const) {
      expect(encodeField(kind, undefined, queue), kind).toBeNull();
      expect(decodeField(kind, null, kind), kind).toBeUndefined();
      expect(decodeField(kind, undefined, kind), kind).toBeUndefined();
    }
    expect(encodeField("bool", undefined, queue)).toBe(false);
    expect(decodeField("bool", false, "b")).toBe(false);
  });
});
