/**
 * Constructors for single DTF history events, so replay tests can spell histories out literally, row by row,
 * exactly as DTF stores them (docs/storage-layout.md):
 *
 *   OrchestratorStarted, ExecutionStarted, TaskScheduled #0, OrchestratorCompleted,
 *   OrchestratorStarted, TaskCompleted(taskScheduledId 0), ...
 *
 * Times are offsets in ms from T0. Only OrchestratorStarted timestamps matter to replay (they drive
 * `currentUtcDateTime`), but every event gets a realistic one. Payload arguments are JS values and are
 * JSON-encoded here, as DTF stores already-serialized JSON text.
 */
import {
  newEvent,
  replayOrchestration,
  type CompleteOrchestrationAction,
  type FailureDetails,
  type HistoryEvent,
  type Orchestrator,
  type OrchestratorAction,
  type ParentInstance,
  type ReplayResult,
  type Tags,
} from "../../src/index.js";

export const T0 = Date.UTC(2025, 2, 10, 8, 0, 0);
export const SEC = 1000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export const INSTANCE_ID = "order-42";
export const EXECUTION_ID = "4a3e0c0b9b2d4f6c8e1f2a3b4c5d6e7f";

/** ISO text of T0 + offset, as the engine writes fireAt values. */
export const at = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();

const enc = (v: unknown): string | undefined => (v === undefined ? undefined : JSON.stringify(v));
const ts = (offsetMs: number): Date => new Date(T0 + offsetMs);

export function orchestratorStarted(offsetMs = 0): HistoryEvent {
  return newEvent("OrchestratorStarted", { timestamp: ts(offsetMs) });
}
export function orchestratorCompleted(offsetMs = 0): HistoryEvent {
  return newEvent("OrchestratorCompleted", { timestamp: ts(offsetMs) });
}
export function executionStarted(
  name: string,
  input?: unknown,
  extra: {
    instanceId?: string;
    executionId?: string;
    version?: string;
    tags?: Tags;
    parentInstance?: ParentInstance;
    offsetMs?: number;
  } = {},
): HistoryEvent {
  return newEvent("ExecutionStarted", {
    timestamp: ts(extra.offsetMs ?? 0),
    orchestrationInstance: {
      instanceId: extra.instanceId ?? INSTANCE_ID,
      executionId: extra.executionId ?? EXECUTION_ID,
    },
    name,
    version: extra.version,
    input: enc(input),
    tags: extra.tags,
    parentInstance: extra.parentInstance,
    generation: 0,
  });
}
export function taskScheduled(id: number, name: string, input?: unknown, offsetMs = 0): HistoryEvent {
  return newEvent("TaskScheduled", { eventId: id, timestamp: ts(offsetMs), name, input: enc(input) });
}
export function taskCompleted(taskScheduledId: number, result?: unknown, offsetMs = 0): HistoryEvent {
  return newEvent("TaskCompleted", { timestamp: ts(offsetMs), taskScheduledId, result: enc(result) });
}
/** TaskFailed with FailureDetails (pass `null` for a legacy event carrying only Reason/Details). */
export function taskFailed(
  taskScheduledId: number,
  reason: string,
  failureDetails: Partial<FailureDetails> | null = {},
  details?: string,
): HistoryEvent {
  return newEvent("TaskFailed", {
    timestamp: ts(0),
    taskScheduledId,
    reason,
    details,
    failureDetails:
      failureDetails === null
        ? undefined
        : { errorType: "Exception", errorMessage: reason, ...failureDetails },
  });
}
export function timerCreated(id: number, fireAtOffsetMs: number, offsetMs = 0): HistoryEvent {
  return newEvent("TimerCreated", { eventId: id, timestamp: ts(offsetMs), fireAt: at(fireAtOffsetMs) });
}
export function timerFired(timerId: number, fireAtOffsetMs: number): HistoryEvent {
  return newEvent("TimerFired", { timestamp: ts(fireAtOffsetMs), timerId, fireAt: at(fireAtOffsetMs) });
}
export function subOrchestrationCreated(
  id: number,
  name: string,
  instanceId: string,
  input?: unknown,
): HistoryEvent {
  return newEvent("SubOrchestrationInstanceCreated", {
    eventId: id,
    timestamp: ts(0),
    name,
    instanceId,
    input: enc(input),
  });
}
export function subOrchestrationCompleted(taskScheduledId: number, result?: unknown): HistoryEvent {
  return newEvent("SubOrchestrationInstanceCompleted", {
    timestamp: ts(0),
    taskScheduledId,
    result: enc(result),
  });
}
export function subOrchestrationFailed(
  taskScheduledId: number,
  reason: string,
  failureDetails: Partial<FailureDetails> = {},
): HistoryEvent {
  return newEvent("SubOrchestrationInstanceFailed", {
    timestamp: ts(0),
    taskScheduledId,
    reason,
    failureDetails: { errorType: "Exception", errorMessage: reason, ...failureDetails },
  });
}
export function eventSent(id: number, instanceId: string, name: string, input?: unknown): HistoryEvent {
  return newEvent("EventSent", { eventId: id, timestamp: ts(0), instanceId, name, input: enc(input) });
}
export function eventRaised(name: string, input?: unknown): HistoryEvent {
  return newEvent("EventRaised", { timestamp: ts(0), name, input: enc(input) });
}
export function executionSuspended(reason = "maintenance"): HistoryEvent {
  return newEvent("ExecutionSuspended", { timestamp: ts(0), reason });
}
export function executionResumed(reason = "done"): HistoryEvent {
  return newEvent("ExecutionResumed", { timestamp: ts(0), reason });
}
export function executionTerminated(reason?: unknown): HistoryEvent {
  return newEvent("ExecutionTerminated", { timestamp: ts(0), input: enc(reason) });
}

/** `replayOrchestration(orchestrator, past, fresh, { maxTimerIntervalMs })`. */
export function replay(
  orchestrator: Orchestrator,
  past: readonly HistoryEvent[],
  fresh: readonly HistoryEvent[],
  maxTimerIntervalMs?: number,
): ReplayResult {
  return replayOrchestration(
    orchestrator,
    past,
    fresh,
    maxTimerIntervalMs === undefined ? {} : { maxTimerIntervalMs },
  );
}

/** The first episode of a new instance: OrchestratorStarted + ExecutionStarted as this work item's events. */
export function firstEpisode(
  orchestrator: Orchestrator,
  name = "Orchestration",
  input?: unknown,
  maxTimerIntervalMs?: number,
): ReplayResult {
  return replay(
    orchestrator,
    [],
    [orchestratorStarted(0), executionStarted(name, input)],
    maxTimerIntervalMs,
  );
}

/** Plain ScheduleTask action shape (the engine always sets version/input/tags keys). */
export function scheduleTask(
  id: number,
  name: string,
  input?: unknown,
  extra: { version?: string; tags?: Tags } = {},
): OrchestratorAction {
  return { type: "ScheduleTask", id, name, version: extra.version, input: enc(input), tags: extra.tags };
}
export function createTimer(id: number, fireAtOffsetMs: number): OrchestratorAction {
  return { type: "CreateTimer", id, fireAt: at(fireAtOffsetMs) };
}
export function completed(id: number, output?: unknown): CompleteOrchestrationAction {
  return { type: "CompleteOrchestration", id, status: "Completed", result: enc(output) };
}
