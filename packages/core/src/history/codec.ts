/**
 * Pure codec between our history events and DTF's Newtonsoft JSON shape, as queue messages carry
 * it (docs/storage-layout.md#the-envelope).
 *
 * Writer (`toDtfJson`):
 * - `"$type"` is the first member of the event and of every nested object (`typeNames: false` drops them all,
 *   as in table columns). The event's class is `DurableTask.Core.History.` + `EVENT_CLASS_NAMES[type]`.
 *   `ExecutionFailed` has no class in DTF; it is written as `ExecutionFailedEvent` anyway (no DTF process ever
 *   sends or expects one, and this keeps the codec total over the union).
 * - PascalCase members as DTF declares them (`fields.ts`), then the base members `EventId`, `IsPlayed`,
 *   `Timestamp`; `EventType` comes right after `$type`, where Newtonsoft puts the overridden property.
 * - `EventType` and `OrchestrationStatus` are integers (queue JSON) or enum names (`eventType: "name"`, tables).
 * - Absent optional members are written as `null`, like Newtonsoft — except the non-nullable .NET `bool`
 *   members (`ExecutionStarted.GenerateNewTrace`, `FailureDetails.IsNonRetriable`), which are written as
 *   `false`: Newtonsoft cannot read `null` into a `System.Boolean` and would reject the whole message.
 * - Instants are written exactly as held (raw DTF text, 7 fractional digits survive).
 *
 * Reader (`fromDtfJson`) is as tolerant as Newtonsoft: member names match case-insensitively (exact match
 * first), unknown members are ignored, `null` means absent (no key is created), dispatch is on `EventType`
 * (integer, integer text, or name in any case) with the `$type` class name as fallback, `OrchestrationStatus`
 * may be an integer or a name. Missing `EventId` → -1, missing `IsPlayed` → false, missing `Timestamp` → the
 * Unix epoch. A `false` non-nullable bool decodes to "absent" (its .NET default), so an event built without
 * `generateNewTrace` / `isNonRetriable` round-trips unchanged. Anything else malformed throws
 * `TaskHubError("Serialization")` naming the member at fault.
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

/** `$type` of a `Dictionary<string, string>` as written by .NET (Core) hosts; `mscorlib` variants are read too. */
export const TAGS_DICTIONARY_TYPE =
  "System.Collections.Generic.Dictionary`2[[System.String, System.Private.CoreLib],[System.String, System.Private.CoreLib]]";

/** Namespace of the history event classes (`$type` = namespace + class). */
export const HISTORY_EVENT_NAMESPACE = "DurableTask.Core.History.";

export interface DtfJsonOptions {
  /** `"number"` (queue JSON, default) or `"name"` (tables) for EventType and OrchestrationStatus. */
  eventType?: "number" | "name";
  /** Emit `$type` on the event and nested objects (default true). */
  typeNames?: boolean;
}

type Json = Record<string, unknown>;
type Options = Required<DtfJsonOptions>;
type NestedKind = "instance" | "parentInstance" | "failureDetails" | "traceContext";
/** `FieldKind` plus kinds only found inside nested objects. */
type MemberKind = FieldKind | "objectDictionary";
/** [our field, .NET member, kind, required by our types] */
type MemberSpec = readonly [field: string, member: string, kind: MemberKind, required?: boolean];

const NESTED: Record<NestedKind, { type: string; members: readonly MemberSpec[] }> = {
  instance: {
    type: "DurableTask.Core.OrchestrationInstance",
    members: [
      ["instanceId", "InstanceId", "string", true],
      ["executionId", "ExecutionId", "string"],
    ],
  },
  parentInstance: {
    type: "DurableTask.Core.ParentInstance",
    members: [
      ["name", "Name", "string", true],
      ["orchestrationInstance", "OrchestrationInstance", "instance", true],
      ["taskScheduleId", "TaskScheduleId", "int", true],
      ["version", "Version", "string"],
    ],
  },
  failureDetails: {
    type: "DurableTask.Core.FailureDetails",
    members: [
      ["errorType", "ErrorType", "string", true],
      ["errorMessage", "ErrorMessage", "string", true],
      ["stackTrace", "StackTrace", "string"],
      ["innerFailure", "InnerFailure", "failureDetails"],
      ["isNonRetriable", "IsNonRetriable", "bool"],
      ["properties", "Properties", "objectDictionary"],
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

/** Event members that our types require (everything else in `EVENT_FIELDS` is optional). */
const REQUIRED: Partial<Record<EventTypeName, readonly string[]>> = {
  ExecutionStarted: ["orchestrationInstance", "name"],
  ExecutionCompleted: ["orchestrationStatus"],
  TaskScheduled: ["name"],
  TaskCompleted: ["taskScheduledId"],
  TaskFailed: ["taskScheduledId"],
  SubOrchestrationInstanceCreated: ["name", "instanceId"],
  SubOrchestrationInstanceCompleted: ["taskScheduledId"],
  SubOrchestrationInstanceFailed: ["taskScheduledId"],
  TimerCreated: ["fireAt"],
  TimerFired: ["timerId", "fireAt"],
  EventSent: ["instanceId", "name"],
  EventRaised: ["name"],
  ContinueAsNew: ["orchestrationStatus"],
};

/** `EVENT_FIELDS` with the `REQUIRED` flags folded in: the decoding table of each event type. */
const EVENT_MEMBERS = {} as Record<EventTypeName, readonly MemberSpec[]>;
for (const type of Object.keys(EVENT_FIELDS) as EventTypeName[]) {
  const required = new Set(REQUIRED[type]);
  EVENT_MEMBERS[type] = EVENT_FIELDS[type].map(([field, m, kind]): MemberSpec => [
    field,
    m,
    kind,
    required.has(field),
  ]);
}

function enumMaps<T extends string>(
  values: Record<T, number>,
): { byNumber: Map<number, T>; byName: Map<string, T> } {
  const entries = Object.entries(values) as [T, number][];
  return {
    byNumber: new Map(entries.map(([k, v]) => [v, k])),
    byName: new Map(entries.map(([k]) => [k.toLowerCase(), k])),
  };
}
const EVENT_TYPES = enumMaps<EventTypeName>(EventType);
const STATUSES = enumMaps<OrchestrationRuntimeStatus>(OrchestrationStatus);
const TYPE_BY_CLASS = new Map(
  (Object.entries(EVENT_CLASS_NAMES) as [EventTypeName, string][]).map(([type, cls]) => [
    cls.toLowerCase(),
    type,
  ]),
);

function fail(message: string): never {
  throw new TaskHubError("Serialization", message);
}

/** A short rendering of an offending value for error messages. */
function show(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined; // not serializable (a cycle, a BigInt): String(value) below
  }
  text ??= String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function asObject(value: unknown, where: string): Json {
  if (!isObject(value)) fail(`${where} must be a JSON object, got ${show(value)}`);
  return value;
}

/** Member lookup as Newtonsoft reads: exact name first, then case-insensitive; own members only. */
function member(obj: Json, name: string): unknown {
  if (Object.hasOwn(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

/** An enum from its integer, integer text, or name (case-insensitive, as Newtonsoft's enum parsing). */
function decodeEnum<T extends string>(
  value: unknown,
  maps: { byNumber: Map<number, T>; byName: Map<string, T> },
): T | undefined {
  if (typeof value === "number") return maps.byNumber.get(value);
  if (typeof value !== "string") return undefined;
  const s = value.trim();
  return /^[+-]?\d+$/.test(s) ? maps.byNumber.get(Number(s)) : maps.byName.get(s.toLowerCase());
}

function encodeMember(kind: MemberKind, value: unknown, o: Options): unknown {
  if (value === undefined || value === null) return kind === "bool" ? false : null;
  switch (kind) {
    case "string":
    case "datetime":
      return String(value);
    case "int":
      return Number(value);
    case "bool":
      return Boolean(value);
    case "status": {
      const status = STATUSES.byName.get(String(value).toLowerCase());
      if (status === undefined || status !== value) fail(`cannot encode OrchestrationStatus ${show(value)}`);
      return o.eventType === "name" ? status : OrchestrationStatus[status];
    }
    case "tags": {
      // `$type` first; a tag literally named "$type" cannot survive Newtonsoft and is dropped.
      const out: Json = o.typeNames ? { $type: TAGS_DICTIONARY_TYPE } : {};
      for (const [k, v] of Object.entries(value as Json)) if (k !== "$type") out[k] = v ?? null;
      return out;
    }
    case "opaque":
    case "objectDictionary":
      return value;
    default: {
      const spec = NESTED[kind];
      const out: Json = o.typeNames ? { $type: spec.type } : {};
      for (const [field, m, k] of spec.members) out[m] = encodeMember(k, (value as Json)[field], o);
      return out;
    }
  }
}

function decodeInt(value: unknown, where: string): number {
  let n: number | undefined;
  if (typeof value === "number") n = value;
  else if (typeof value === "string" && /^\s*[+-]?\d+\s*$/.test(value)) n = Number(value);
  if (n === undefined || !Number.isInteger(n) || n < -2147483648 || n > 2147483647)
    fail(`${where} must be an integer (Int32), got ${show(value)}`);
  return n;
}

function decodeBool(value: unknown, where: string): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "string") {
    const s = value.trim().toLowerCase();
    if (s === "true") return true;
    if (s === "false") return false;
  }
  return fail(`${where} must be a boolean, got ${show(value)}`);
}

function decodeMember(kind: MemberKind, value: unknown, where: string): unknown {
  if (value === undefined || value === null) return undefined;
  switch (kind) {
    case "string":
      if (typeof value === "string") return value;
      if (typeof value === "number" || typeof value === "boolean") return String(value);
      return fail(`${where} must be a string, got ${show(value)}`);
    case "datetime":
      // Raw text is kept as is: .NET's 100 ns precision must survive.
      if (typeof value === "string") return value;
      if (value instanceof Date) return value.toISOString();
      return fail(`${where} must be a DateTime string, got ${show(value)}`);
    case "int":
      return decodeInt(value, where);
    case "bool":
      return decodeBool(value, where);
    case "status": {
      const status = decodeEnum(value, STATUSES);
      if (status === undefined) fail(`${where} is not an OrchestrationStatus: ${show(value)}`);
      return status;
    }
    case "tags": {
      const tags: Record<string, string> = {};
      for (const [k, v] of Object.entries(asObject(value, where))) {
        if (k === "$type" || v === null || v === undefined) continue;
        if (typeof v === "object") fail(`${where}["${k}"] must be a string, got ${show(v)}`);
        tags[k] = String(v);
      }
      return tags;
    }
    case "opaque":
      return value;
    case "objectDictionary": {
      const { $type: _typeName, ...rest } = asObject(value, where);
      return rest;
    }
    default:
      return decodeObject(NESTED[kind].members, asObject(value, where), where, {});
  }
}

/**
 * Decode the members of one object into `out`. Null/absent members create no key; a required one fails;
 * a `false` bool is the .NET default of a non-nullable member and is treated as absent.
 */
function decodeObject(members: readonly MemberSpec[], obj: Json, where: string, out: Json): Json {
  for (const [field, m, kind, required] of members) {
    const v = decodeMember(kind, member(obj, m), `${where}.${m}`);
    if (v === undefined) {
      if (required) fail(`${where} has no ${m}`);
      continue;
    }
    if (kind === "bool" && v === false) continue;
    out[field] = v;
  }
  return out;
}

function resolveOptions(options: DtfJsonOptions): Options {
  return { eventType: options.eventType ?? "number", typeNames: options.typeNames ?? true };
}

/** One member value in DTF's JSON form (used by the table codec for complex columns too). */
export function encodeField(kind: FieldKind, value: unknown, o: Options): unknown {
  return encodeMember(kind, value, o);
}

/** One DTF JSON member value in our form; `undefined` for null/absent; throws `Serialization` if malformed. */
export function decodeField(kind: FieldKind, value: unknown, where: string): unknown {
  return decodeMember(kind, value, where);
}

/** DTF's JSON object for one event (`$type` first; see the module comment for the rules). */
export function toDtfJson(event: HistoryEvent, options: DtfJsonOptions = {}): Json {
  if (!isObject(event)) fail(`cannot encode history event ${show(event)}: not an object`);
  const type: unknown = event.type;
  if (typeof type !== "string" || !Object.hasOwn(EVENT_FIELDS, type))
    fail(`cannot encode history event of unknown type ${show(type)}`);
  const o = resolveOptions(options);
  const out: Json = o.typeNames ? { $type: HISTORY_EVENT_NAMESPACE + EVENT_CLASS_NAMES[event.type] } : {};
  out.EventType = o.eventType === "name" ? event.type : EventType[event.type];
  const values = event as unknown as Json;
  for (const [field, m, kind] of EVENT_FIELDS[event.type]) out[m] = encodeMember(kind, values[field], o);
  out.EventId = event.eventId;
  out.IsPlayed = event.isPlayed;
  out.Timestamp = event.timestamp;
  return out;
}

/** The event type of a DTF event object: `EventType` if present, else the class named by `$type`. */
function eventTypeOf(obj: Json): EventTypeName {
  const raw = member(obj, "EventType");
  if (raw !== undefined && raw !== null) {
    const type = decodeEnum(raw, EVENT_TYPES);
    if (type === undefined) fail(`unknown history event type: EventType ${show(raw)}`);
    return type;
  }
  const typeName = obj.$type;
  if (typeof typeName === "string") {
    // "DurableTask.Core.History.TaskScheduledEvent, DurableTask.Core" → "TaskScheduledEvent"
    const fullName = (typeName.split(",")[0] ?? "").trim();
    const cls = fullName.slice(fullName.lastIndexOf(".") + 1);
    const type = TYPE_BY_CLASS.get(cls.toLowerCase());
    if (type === undefined) fail(`unknown history event type: $type ${show(typeName)}`);
    return type;
  }
  return fail("history event has neither EventType nor $type");
}

/** Our event from DTF's JSON (queue or table shape). Throws `Serialization` with the reason. */
export function fromDtfJson(value: unknown): HistoryEvent {
  if (!isObject(value)) fail(`history event must be a JSON object, got ${show(value)}`);
  const type = eventTypeOf(value);
  const eventId = decodeMember("int", member(value, "EventId"), `${type}.EventId`) as number | undefined;
  const isPlayed = decodeMember("bool", member(value, "IsPlayed"), `${type}.IsPlayed`) as boolean | undefined;
  const timestamp = decodeMember("datetime", member(value, "Timestamp"), `${type}.Timestamp`) as
    string | undefined;
  const event: Json = {
    type,
    eventId: eventId ?? -1,
    isPlayed: isPlayed ?? false,
    timestamp: timestamp ?? new Date(0).toISOString(),
  };
  return decodeObject(EVENT_MEMBERS[type], value, type, event) as unknown as HistoryEvent;
}

/** `JSON.stringify(toDtfJson(e, options))`. */
export function historyEventToDtfJsonText(e: HistoryEvent, options?: DtfJsonOptions): string {
  return JSON.stringify(toDtfJson(e, options));
}

/** Parse JSON text and decode it with `fromDtfJson`; invalid JSON is a `Serialization` error too. */
export function historyEventFromDtfJsonText(text: string): HistoryEvent {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    fail(`history event is not valid JSON: ${(err as Error).message}`);
  }
  return fromDtfJson(v);
}
