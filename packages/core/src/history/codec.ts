/**
 * Pure codec between our history events and DTF's Newtonsoft JSON shape (spec dtf-azure-storage §3.2–3.5):
 * `$type` first in every object (nested ones too, unless `typeNames: false` as in table columns),
 * PascalCase members, `EventType` and `OrchestrationStatus` as integers (or names, as tables store them),
 * nulls written as `null`. The reader is as tolerant as Newtonsoft: member names match case-insensitively,
 * `$type` is optional, EventType may be a number or a name, `null` means absent, unknown members are ignored.
 */
import { TaskHubError } from "../errors/errors.js";
import {
  EventType,
  OrchestrationStatus,
  type EventTypeName,
  type HistoryEvent,
  type OrchestrationRuntimeStatus,
} from "./events.js";
import { EVENT_CLASS_NAMES, EVENT_FIELDS, type FieldKind } from "./fields.js";

export const TAGS_DICTIONARY_TYPE =
  "System.Collections.Generic.Dictionary`2[[System.String, System.Private.CoreLib],[System.String, System.Private.CoreLib]]";

export interface DtfJsonOptions {
  /** `"number"` (queue JSON, default) or `"name"` (tables) for EventType and OrchestrationStatus. */
  eventType?: "number" | "name";
  /** Emit `$type` on the event and nested objects (default true). */
  typeNames?: boolean;
}

type Json = Record<string, unknown>;

const NESTED: Record<"instance" | "parentInstance" | "failureDetails" | "traceContext", { type: string; members: readonly [string, string, FieldKind][] }> = {
  instance: {
    type: "DurableTask.Core.OrchestrationInstance",
    members: [["instanceId", "InstanceId", "string"], ["executionId", "ExecutionId", "string"]],
  },
  parentInstance: {
    type: "DurableTask.Core.ParentInstance",
    members: [
      ["name", "Name", "string"],
      ["orchestrationInstance", "OrchestrationInstance", "instance"],
      ["taskScheduleId", "TaskScheduleId", "int"],
      ["version", "Version", "string"],
    ],
  },
  failureDetails: {
    type: "DurableTask.Core.FailureDetails",
    members: [
      ["errorType", "ErrorType", "string"],
      ["errorMessage", "ErrorMessage", "string"],
      ["stackTrace", "StackTrace", "string"],
      ["innerFailure", "InnerFailure", "failureDetails"],
      ["isNonRetriable", "IsNonRetriable", "bool"],
      ["properties", "Properties", "opaque"],
    ],
  },
  traceContext: {
    type: "DurableTask.Core.Tracing.DistributedTraceContext",
    members: [
      ["traceParent", "TraceParent", "string"],
      ["traceState", "TraceState", "string"],
      ["id", "Id", "string"],
      ["spanId", "SpanId", "string"],
      ["activityStartTime", "ActivityStartTime", "datetime"],
    ],
  },
};

const STATUS_BY_NUMBER = Object.fromEntries(Object.entries(OrchestrationStatus).map(([k, v]) => [v, k])) as Record<number, OrchestrationRuntimeStatus>;
const TYPE_BY_NUMBER = Object.fromEntries(Object.entries(EventType).map(([k, v]) => [v, k])) as Record<number, EventTypeName>;
const TYPE_BY_CLASS = Object.fromEntries(Object.entries(EVENT_CLASS_NAMES).map(([k, v]) => [v, k])) as Record<string, EventTypeName>;

function fail(message: string): never {
  throw new TaskHubError("Serialization", message);
}

/** Encode one value of a given kind into DTF's JSON form. */
export function encodeField(kind: FieldKind, value: unknown, o: Required<DtfJsonOptions>): unknown {
  if (value === undefined || value === null) return null;
  switch (kind) {
    case "string":
    case "datetime":
      return String(value);
    case "int":
      return Number(value);
    case "bool":
      return Boolean(value);
    case "status":
      return o.eventType === "name" ? value : OrchestrationStatus[value as OrchestrationRuntimeStatus];
    case "tags":
      return o.typeNames ? { $type: TAGS_DICTIONARY_TYPE, ...(value as Record<string, string>) } : { ...(value as Record<string, string>) };
    case "opaque":
      return value;
    default: {
      const spec = NESTED[kind];
      const out: Json = o.typeNames ? { $type: spec.type } : {};
      for (const [field, member, k] of spec.members) out[member] = encodeField(k, (value as Json)[field], o);
      return out;
    }
  }
}

/** Case-insensitive member lookup, as Newtonsoft reads. */
function member(obj: Json, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

/** Decode one DTF JSON value of a given kind; `undefined` for null/absent. */
export function decodeField(kind: FieldKind, value: unknown, where: string): unknown {
  if (value === undefined || value === null) return undefined;
  switch (kind) {
    case "string":
    case "datetime":
      return typeof value === "string" ? value : String(value);
    case "int": {
      const n = typeof value === "number" ? value : Number(value);
      if (!Number.isInteger(n)) fail(`${where} must be an integer, got ${JSON.stringify(value)}`);
      return n;
    }
    case "bool":
      return value === true || value === "true" || value === "True";
    case "status": {
      const s = typeof value === "number" ? STATUS_BY_NUMBER[value] : (value as OrchestrationRuntimeStatus);
      if (!s || !(s in OrchestrationStatus)) fail(`${where} is not an OrchestrationStatus: ${JSON.stringify(value)}`);
      return s;
    }
    case "tags": {
      if (typeof value !== "object" || Array.isArray(value)) fail(`${where} must be an object`);
      const tags: Record<string, string> = {};
      for (const [k, v] of Object.entries(value as Json)) if (k !== "$type" && v !== null) tags[k] = String(v);
      return tags;
    }
    case "opaque":
      return value;
    default: {
      if (typeof value !== "object" || Array.isArray(value)) fail(`${where} must be an object`);
      const out: Json = {};
      for (const [field, m, k] of NESTED[kind].members) {
        const v = decodeField(k, member(value as Json, m), `${where}.${m}`);
        if (v !== undefined) out[field] = v;
      }
      return out;
    }
  }
}

/** DTF's JSON object for one event. */
export function toDtfJson(event: HistoryEvent, options: DtfJsonOptions = {}): Json {
  const o: Required<DtfJsonOptions> = { eventType: options.eventType ?? "number", typeNames: options.typeNames ?? true };
  const out: Json = o.typeNames ? { $type: `DurableTask.Core.History.${EVENT_CLASS_NAMES[event.type]}` } : {};
  const values = event as unknown as Json;
  // Newtonsoft writes derived-class members first, then the HistoryEvent base members.
  for (const [field, m, kind] of EVENT_FIELDS[event.type]) out[m] = encodeField(kind, values[field], o);
  out.EventType = o.eventType === "name" ? event.type : EventType[event.type];
  out.EventId = event.eventId;
  out.IsPlayed = event.isPlayed;
  out.Timestamp = event.timestamp;
  return out;
}

/** Our event from DTF's JSON (queue or table shape). Throws `Serialization` with the reason. */
export function fromDtfJson(value: unknown): HistoryEvent {
  if (value === null || typeof value !== "object" || Array.isArray(value)) fail("history event is not a JSON object");
  const obj = value as Json;
  const rawType = member(obj, "EventType");
  let type: EventTypeName | undefined;
  if (typeof rawType === "number") type = TYPE_BY_NUMBER[rawType];
  else if (typeof rawType === "string") type = /^\d+$/.test(rawType) ? TYPE_BY_NUMBER[Number(rawType)] : (rawType in EventType ? (rawType as EventTypeName) : undefined);
  else {
    const cls = String(member(obj, "$type") ?? "").split(",")[0]!.split(".").pop() ?? "";
    type = TYPE_BY_CLASS[cls];
  }
  if (!type) fail(`unknown history event type ${JSON.stringify(rawType ?? member(obj, "$type"))}`);
  const eventId = member(obj, "EventId");
  const timestamp = member(obj, "Timestamp");
  const e: Json = {
    type,
    eventId: eventId === undefined || eventId === null ? -1 : (decodeField("int", eventId, "EventId") as number),
    isPlayed: decodeField("bool", member(obj, "IsPlayed"), "IsPlayed") ?? false,
    timestamp: timestamp === undefined || timestamp === null ? new Date(0).toISOString() : String(timestamp),
  };
  for (const [field, m, kind] of EVENT_FIELDS[type]) {
    const v = decodeField(kind, member(obj, m), `${type}.${m}`);
    if (v !== undefined) e[field] = v;
  }
  requireFields(type, e);
  return e as unknown as HistoryEvent;
}

function requireFields(type: EventTypeName, e: Json): void {
  const need = (field: string): void => {
    if (e[field] === undefined) fail(`${type} has no ${field[0]!.toUpperCase()}${field.slice(1)}`);
  };
  switch (type) {
    case "ExecutionStarted":
      need("orchestrationInstance");
      if (typeof (e.orchestrationInstance as Json).instanceId !== "string") fail("ExecutionStarted has no OrchestrationInstance.InstanceId");
      need("name");
      break;
    case "TaskCompleted":
    case "TaskFailed":
    case "SubOrchestrationInstanceCompleted":
    case "SubOrchestrationInstanceFailed":
      need("taskScheduledId");
      break;
    case "TimerFired":
      need("timerId");
      need("fireAt");
      break;
    case "TimerCreated":
      need("fireAt");
      break;
    case "TaskScheduled":
    case "EventRaised":
      need("name");
      break;
    case "SubOrchestrationInstanceCreated":
    case "EventSent":
      need("name");
      need("instanceId");
      break;
    case "ExecutionCompleted":
    case "ContinueAsNew":
      need("orchestrationStatus");
      break;
    default:
      break;
  }
}

export function historyEventToDtfJsonText(e: HistoryEvent): string {
  return JSON.stringify(toDtfJson(e));
}

export function historyEventFromDtfJsonText(text: string): HistoryEvent {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    fail(`history event is not valid JSON: ${(err as Error).message}`);
  }
  return fromDtfJson(v);
}
