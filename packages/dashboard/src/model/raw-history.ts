/**
 * The history as the History table holds it (the host's `GET /dashboard/api/instances/{id}/history`): every
 * event, the scheduling ones included, in DTF's JSON shape (PascalCase members, `Input`/`Result` as the JSON
 * text stored, `FailureDetails` with PascalCase members). `fromRawHistory` turns it into the shape the views
 * read (`HistoryEvent`, the management API's condensed form plus `EventId`/`TaskScheduledId`/`TimerId`), so that
 * the timeline and "waiting for" see what is in flight:
 * - a completion takes its scheduling's name, time, input and sub-orchestration id (`FunctionName`,
 *   `ScheduledTime`, `Input`, `InstanceId`), paired by `TaskScheduledId` = the scheduling's `EventId`;
 * - ExecutionStarted, TaskScheduled and SubOrchestrationInstanceCreated name their function in `FunctionName`;
 * - `Input`/`Result` texts are parsed as JSON (kept as text when they are not JSON);
 * - `FailureDetails` members become camelCase.
 */
import type { FailureDetails, HistoryEvent } from "./history-event.js";

/** One History row as the host answers it. */
export type RawHistoryEvent = Record<string, unknown> & { EventType: string; Timestamp: string };

export interface ParentLink {
  instanceId: string;
  executionId?: string;
  name?: string;
  /** The EventId of the parent's SubOrchestrationInstanceCreated. */
  taskScheduleId?: number;
}

/** Rows of an older execution that a newer one did not overwrite. */
export interface HistoryFragment {
  executionId: string;
  fromIndex: number;
  toIndex: number;
  events: RawHistoryEvent[];
}

/** `view=skeleton`: every event of the current execution with a few columns, the parent, the fragments. */
export interface HistorySkeleton {
  instanceId: string;
  executionId: string | null;
  events: RawHistoryEvent[];
  parent?: ParentLink;
  fragments: HistoryFragment[];
}

/** `view=full`: one page of full rows. */
export interface HistoryPage {
  instanceId: string;
  executionId: string | null;
  events: RawHistoryEvent[];
  lastIndex?: number;
  /** Present while more rows follow: the `after` of the next page. */
  next?: number;
}

function parseJsonText(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

/** DTF's FailureDetails (PascalCase) as the views read it; undefined for null or not an object. */
export function failureDetailsFrom(v: unknown): FailureDetails | undefined {
  if (v === null || typeof v !== "object") return undefined;
  const o = v as Record<string, unknown>;
  const f: FailureDetails = {};
  if (typeof o.ErrorType === "string") f.errorType = o.ErrorType;
  if (typeof o.ErrorMessage === "string") f.errorMessage = o.ErrorMessage;
  if (typeof o.StackTrace === "string") f.stackTrace = o.StackTrace;
  if (typeof o.IsNonRetriable === "boolean") f.isNonRetriable = o.IsNonRetriable;
  const inner = failureDetailsFrom(o.InnerFailure);
  if (inner) f.innerFailure = inner;
  return f;
}

const SCHEDULING = new Set(["TaskScheduled", "SubOrchestrationInstanceCreated"]);
const COMPLETIONS: Record<string, "t" | "s"> = {
  TaskCompleted: "t",
  TaskFailed: "t",
  SubOrchestrationInstanceCompleted: "s",
  SubOrchestrationInstanceFailed: "s",
};

export function fromRawHistory(raw: readonly RawHistoryEvent[]): HistoryEvent[] {
  const scheduled = new Map<string, HistoryEvent>();
  const out: HistoryEvent[] = [];
  for (const r of raw) {
    const e = { ...r } as unknown as HistoryEvent & Record<string, unknown>;
    if ("Input" in r) e.Input = parseJsonText(r.Input);
    if ("Result" in r) e.Result = parseJsonText(r.Result);
    if ("FailureDetails" in r) {
      const f = failureDetailsFrom(r.FailureDetails);
      if (f) e.FailureDetails = f;
      else delete e.FailureDetails;
    }
    if (typeof r.Details === "string") e.Details = parseJsonText(r.Details);
    if (r.EventType === "ExecutionStarted" || SCHEDULING.has(r.EventType))
      if (typeof r.Name === "string") e.FunctionName = r.Name;
    if (SCHEDULING.has(r.EventType) && typeof r.EventId === "number")
      scheduled.set(`${r.EventType === "TaskScheduled" ? "t" : "s"}${r.EventId}`, e);
    const kind = COMPLETIONS[r.EventType];
    if (kind && typeof r.TaskScheduledId === "number") {
      const s = scheduled.get(`${kind}${r.TaskScheduledId}`);
      if (s) {
        if (s.FunctionName !== undefined) e.FunctionName = s.FunctionName;
        e.ScheduledTime = s.Timestamp;
        if (s.InstanceId !== undefined) e.InstanceId = s.InstanceId;
        if (s.Input !== undefined && e.Input === undefined) e.Input = s.Input;
      }
    }
    out.push(e);
  }
  return out;
}
