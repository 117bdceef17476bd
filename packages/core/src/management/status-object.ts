/**
 * Durable Functions' status object (docs/http-api.md, "Status object") and its condensed history: OrchestratorStarted /
 * Completed removed, each scheduling event folded into its result (FunctionName, ScheduledTime, Input),
 * EventType as a name, ids and Version dropped, Result payloads only with showHistoryOutput.
 */
import type { HistoryEvent } from "../history/events.js";
import type { OrchestrationState } from "../state/orchestration-state.js";

export interface StatusObject {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: Record<string, unknown>[];
}

/** Whole seconds with a trailing Z, as the Functions host formats them. */
export function wholeSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, "Z");
}

function parse(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text; // not JSON (written as plain text by another SDK): shown as is
  }
}

export function toStatusObject(
  s: OrchestrationState,
  options: { showInput?: boolean; history?: HistoryEvent[]; showHistoryOutput?: boolean } = {},
): StatusObject {
  const o: StatusObject = {
    name: s.name,
    instanceId: s.instanceId,
    runtimeStatus: s.runtimeStatus,
    input: options.showInput === false ? null : parse(s.serializedInput),
    customStatus: parse(s.serializedCustomStatus),
    output: s.runtimeStatus === "Failed" ? (s.serializedOutput ?? null) : parse(s.serializedOutput),
    createdTime: wholeSeconds(s.createdAt),
    lastUpdatedTime: wholeSeconds(s.lastUpdatedAt),
  };
  if (options.history && s.runtimeStatus !== "Pending")
    o.historyEvents = condenseHistory(options.history, {
      showInput: options.showInput !== false,
      showHistoryOutput: options.showHistoryOutput === true,
    });
  return o;
}

export function condenseHistory(
  events: HistoryEvent[],
  o: { showInput: boolean; showHistoryOutput: boolean },
): Record<string, unknown>[] {
  const scheduled = new Map<string, HistoryEvent>();
  for (const e of events) {
    if (e.type === "TaskScheduled") scheduled.set(`t${e.eventId}`, e);
    if (e.type === "SubOrchestrationInstanceCreated") scheduled.set(`s${e.eventId}`, e);
  }
  const out: Record<string, unknown>[] = [];
  for (const e of events) {
    const base: Record<string, unknown> = { EventType: e.type, Timestamp: e.timestamp };
    switch (e.type) {
      case "OrchestratorStarted":
      case "OrchestratorCompleted":
      case "TaskScheduled":
      case "SubOrchestrationInstanceCreated":
        continue;
      case "ExecutionStarted":
        out.push({
          ...base,
          FunctionName: e.name,
          ...(o.showInput ? { Input: parse(e.input) } : {}),
          ...(e.scheduledStartTime ? { ScheduledStartTime: e.scheduledStartTime } : {}),
        });
        continue;
      case "TaskCompleted":
      case "TaskFailed":
      case "SubOrchestrationInstanceCompleted":
      case "SubOrchestrationInstanceFailed": {
        const key = `${e.type.startsWith("Task") ? "t" : "s"}${e.taskScheduledId}`;
        const s = scheduled.get(key);
        const folded: Record<string, unknown> = { ...base };
        if (s && (s.type === "TaskScheduled" || s.type === "SubOrchestrationInstanceCreated")) {
          folded.FunctionName = s.name;
          folded.ScheduledTime = s.timestamp;
          if (s.type === "SubOrchestrationInstanceCreated") folded.InstanceId = s.instanceId;
          if (o.showInput && s.input !== undefined) folded.Input = parse(s.input);
        }
        if ("result" in e && o.showHistoryOutput) folded.Result = parse(e.result);
        if ("reason" in e)
          Object.assign(folded, {
            Reason: e.reason,
            Details: e.details ?? null,
            ...(e.failureDetails ? { FailureDetails: e.failureDetails } : {}),
          });
        out.push(folded);
        continue;
      }
      case "ExecutionCompleted":
      case "ContinueAsNew":
        out.push({
          ...base,
          OrchestrationStatus: e.orchestrationStatus,
          ...(o.showHistoryOutput ? { Result: parse(e.result) } : {}),
          ...(e.failureDetails ? { FailureDetails: e.failureDetails } : {}),
        });
        continue;
      case "TimerCreated":
        out.push({ ...base, FireAt: e.fireAt });
        continue;
      case "TimerFired":
        out.push({ ...base, FireAt: e.fireAt });
        continue;
      case "EventRaised":
        out.push({ ...base, Name: e.name, ...(o.showInput ? { Input: parse(e.input) } : {}) });
        continue;
      case "EventSent":
        out.push({
          ...base,
          Name: e.name,
          InstanceId: e.instanceId,
          ...(o.showInput ? { Input: parse(e.input) } : {}),
        });
        continue;
      case "ExecutionTerminated":
        out.push({ ...base, Input: parse(e.input) });
        continue;
      case "ExecutionSuspended":
      case "ExecutionResumed":
      case "ExecutionRewound":
        out.push({ ...base, Reason: e.reason ?? null });
        continue;
      default:
        out.push(base);
    }
  }
  return out;
}
