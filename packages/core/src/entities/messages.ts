/**
 * The entity messages DTF exchanges through EventRaised events (`Core/Entities/EventFormat`), in the
 * exact JSON DTF writes (Newtonsoft, no type names, DataMember names and order, defaults omitted) and a
 * tolerant reader (member names case-insensitive, as Newtonsoft's PopulateObject).
 *
 * Event names: `op` (operation or lock request), `op@<capped due time, "o">` (scheduled signal),
 * `release`, `continue`, and the request id for responses to orchestrations.
 */
import { TaskHubError } from "../errors/errors.js";
import { decodeField, encodeField } from "../history/codec.js";
import type { DistributedTraceContext, DtfDateTime, FailureDetails } from "../history/events.js";
import { dateTimeToTicks, ticksToDateTime, ticksToMs } from "../history/time.js";
import type { EntityInstanceId } from "./entity-id.js";

export const REQUEST_EVENT = "op";
export const RELEASE_EVENT = "release";
export const CONTINUE_EVENT = "continue";
export const LOCK_GRANTED_RESULT = "Lock Acquisition Completed";

/** An operation call, signal or lock request. Times are .NET ticks (their ordering needs 100 ns precision). */
export interface EntityRequestMessage {
  /** Operation name; undefined for lock requests (written as `null`). */
  op?: string | undefined;
  signal?: boolean | undefined;
  /** Serialized operation input. */
  input?: string | undefined;
  id: string;
  /** The sending orchestration or entity; undefined for client signals. */
  parent?: string | undefined;
  parentExecution?: string | undefined;
  /** Scheduled signals: the time asked for (raw DateTime). */
  due?: DtfDateTime | undefined;
  timestamp: bigint;
  predecessor: bigint;
  lockset?: EntityInstanceId[] | undefined;
  pos?: number | undefined;
  /** The span the request continues (DTF's `RequestMessage.ParentTraceContext`: traceparent and tracestate). */
  parentTraceContext?: DistributedTraceContext | undefined;
  /**
   * Asks the entity's worker to trace the request on the sender's behalf (DTF's `RequestMessage.CreateTrace`):
   * for a signal, the Producer span; for a call, the Client span, both from `requestTime`. Set by orchestrations
   * (calls and signals, not lock requests) and by a client's signal under a span, as DTF's .NET SDK sets it.
   */
  createTrace?: boolean | undefined;
  /** When the request was made (DTF's `RequestMessage.RequestTime`, a DateTimeOffset): see `formatRequestTime`. */
  requestTime?: string | undefined;
}

export interface EntityResponseMessage {
  result?: string | undefined;
  /** Set when the operation failed (DTF's `ResponseMessage.ErrorMessage`). */
  exceptionType?: string | undefined;
  failureDetails?: FailureDetails | undefined;
}

export interface EntityReleaseMessage {
  parent: string;
  id: string;
}

const NO_TYPES = { eventType: "number", typeNames: false } as const;

export function requestToJson(m: EntityRequestMessage): Record<string, unknown> {
  const o: Record<string, unknown> = { op: m.op ?? null };
  if (m.signal) o.signal = true;
  if (m.input !== undefined) o.input = m.input;
  o.id = m.id;
  if (m.parent !== undefined) o.parent = m.parent;
  if (m.parentExecution !== undefined) o.parentExecution = m.parentExecution;
  if (m.due !== undefined) o.due = ticksToDateTime(dateTimeToTicks(m.due));
  o.Timestamp = ticksToDateTime(m.timestamp);
  o.Predecessor = ticksToDateTime(m.predecessor);
  if (m.lockset) o.lockset = m.lockset.map((e) => ({ name: e.name, key: e.key }));
  if (m.pos) o.pos = m.pos;
  o.IsLockRequest = m.lockset !== undefined;
  if (m.parentTraceContext?.traceParent !== undefined)
    o.parentTraceContext = {
      TraceParent: m.parentTraceContext.traceParent,
      TraceState: m.parentTraceContext.traceState ?? null,
    };
  o.createTrace = m.createTrace ?? false;
  if (m.requestTime !== undefined) o.requestTime = m.requestTime;
  return o;
}

export function serializeRequest(m: EntityRequestMessage): string {
  return JSON.stringify(requestToJson(m));
}

/** Parse a request from JSON text or an already-parsed object. Throws `Serialization` when malformed. */
export function parseRequest(value: string | unknown): EntityRequestMessage {
  const o = members(value, "entity request");
  const id = o.get("id");
  if (typeof id !== "string" || id.length === 0) throw malformed("entity request", "'id' is missing");
  const lockset = o.get("lockset");
  if (lockset !== undefined && lockset !== null && !Array.isArray(lockset))
    throw malformed("entity request", "'lockset' is not an array");
  return {
    op: optString(o, "op", "entity request"),
    signal: o.get("signal") === true || undefined,
    input: optString(o, "input", "entity request"),
    id,
    parent: optString(o, "parent", "entity request"),
    parentExecution: optString(o, "parentexecution", "entity request"),
    due: optString(o, "due", "entity request"),
    timestamp: ticksOf(o.get("timestamp")),
    predecessor: ticksOf(o.get("predecessor")),
    lockset: Array.isArray(lockset)
      ? lockset.map((e) => {
          const m = members(e, "entity request lockset entry");
          return { name: String(m.get("name") ?? ""), key: String(m.get("key") ?? "") };
        })
      : undefined,
    pos: typeof o.get("pos") === "number" ? (o.get("pos") as number) : undefined,
    parentTraceContext: traceContextOf(o.get("parenttracecontext")),
    createTrace: o.get("createtrace") === true || undefined,
    requestTime: optString(o, "requesttime", "entity request"),
  };
}

/** A request's `parentTraceContext`; anything without a string TraceParent reads as none (never an error). */
function traceContextOf(value: unknown): DistributedTraceContext | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const m = members(value, "entity request parentTraceContext");
  const traceParent = m.get("traceparent");
  const traceState = m.get("tracestate");
  if (typeof traceParent !== "string") return undefined;
  return { traceParent, ...(typeof traceState === "string" ? { traceState } : {}) };
}

export function serializeResponse(m: EntityResponseMessage): string {
  const o: Record<string, unknown> = { result: m.result ?? null };
  if (m.exceptionType !== undefined) o.exceptionType = m.exceptionType;
  if (m.failureDetails !== undefined)
    o.failureDetails = encodeField("failureDetails", m.failureDetails, NO_TYPES);
  return JSON.stringify(o);
}

export function parseResponse(value: string | unknown): EntityResponseMessage {
  const o = members(value, "entity response");
  const fd = o.get("failuredetails");
  return {
    result: optString(o, "result", "entity response"),
    exceptionType: optString(o, "exceptiontype", "entity response"),
    failureDetails:
      fd === undefined || fd === null
        ? undefined
        : (decodeField("failureDetails", fd, "entity response") as FailureDetails),
  };
}

export function serializeRelease(m: EntityReleaseMessage): string {
  return JSON.stringify({ parent: m.parent, id: m.id });
}

export function parseRelease(value: string | unknown): EntityReleaseMessage {
  const o = members(value, "entity release");
  return { parent: String(o.get("parent") ?? ""), id: String(o.get("id") ?? "") };
}

// ---- requestTime -------------------------------------------------------------------------------

/**
 * A `DateTimeOffset` as Newtonsoft writes it (ISO, fraction without trailing zeros, offset `+00:00`):
 * `2026-12-06T21:00:00.1234567+00:00`. `value` in .NET ticks keeps all seven digits.
 */
export function formatRequestTime(value: Date | bigint): string {
  const ticks = typeof value === "bigint" ? value : dateTimeToTicks(value);
  return ticksToDateTime(ticks).replace(/Z$/, "+00:00");
}

/**
 * A request's `requestTime` (any ISO form: 1-7 fractional digits, `Z` or an offset); undefined when absent or
 * not a time, never an error (it only places a span).
 */
export function parseRequestTime(raw: string | undefined): Date | undefined {
  if (!raw) return undefined;
  try {
    const ms = ticksToMs(dateTimeToTicks(raw.trim()));
    return Number.isFinite(ms) ? new Date(ms) : undefined;
  } catch {
    return undefined;
  }
}

// ---- event names ---------------------------------------------------------------------------------

export function isRequestEvent(name: string): boolean {
  return name === REQUEST_EVENT || name.startsWith(`${REQUEST_EVENT}@`);
}

/** `op@<time in "o" format>`: a signal that must not be delivered before that time. */
export function scheduledRequestEventName(dueTicks: bigint): string {
  return `${REQUEST_EVENT}@${ticksToDateTime(dueTicks, "o")}`;
}

/** The delivery time encoded in a scheduled request's event name, or undefined. */
export function scheduledTimeOfEvent(name: string): Date | undefined {
  if (!name.startsWith(`${REQUEST_EVENT}@`)) return undefined;
  const d = new Date(name.slice(REQUEST_EVENT.length + 1));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

// ---- helpers -------------------------------------------------------------------------------------

/** Object members keyed by lower-cased name (Newtonsoft matches member names case-insensitively). */
function members(value: unknown, what: string): Map<string, unknown> {
  let v = value;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch (err) {
      throw malformed(what, `not JSON (${(err as Error).message})`);
    }
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw malformed(what, "not a JSON object");
  const map = new Map<string, unknown>();
  for (const [k, val] of Object.entries(v)) map.set(k.toLowerCase(), val);
  return map;
}

function optString(o: Map<string, unknown>, key: string, what: string): string | undefined {
  const v = o.get(key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw malformed(what, `'${key}' is not a string`);
  return v;
}

function ticksOf(v: unknown): bigint {
  if (typeof v !== "string" || v.length === 0) return 0n;
  try {
    return dateTimeToTicks(v);
  } catch {
    return 0n; // not a date: DTF's DateTime.MinValue, which takes no part in ordering
  }
}

function malformed(what: string, why: string): TaskHubError {
  return new TaskHubError("Serialization", `malformed ${what}: ${why}`);
}

/**
 * When a message must become visible: scheduled signals (`op@<time>` to an entity) wait for their time,
 * as DTF's providers delay them. Undefined for every other message.
 */
export function entityMessageDueTime(message: {
  event: { type: string; name?: string };
  orchestrationInstance: { instanceId: string };
}): Date | undefined {
  if (message.event.type !== "EventRaised" || !message.orchestrationInstance.instanceId.startsWith("@"))
    return undefined;
  return scheduledTimeOfEvent(message.event.name ?? "");
}
