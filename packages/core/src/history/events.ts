/**
 * DTF's history model (`DurableTask.Core.History`) as a closed, `type`-tagged union.
 *
 * Field semantics follow DurableTask.Core's history events (as table columns: docs/storage-layout.md#event-rows):
 * - `eventId` is -1 for ExecutionStarted, OrchestratorStarted/Completed, every result event (TaskCompleted,
 *   TaskFailed, TimerFired, SubOrchestrationInstanceCompleted/Failed), EventRaised and client-sent
 *   ExecutionTerminated; TaskScheduled, TimerCreated, SubOrchestrationInstanceCreated, EventSent and
 *   ExecutionCompleted carry the orchestrator's action id (0, 1, 2, ...).
 * - Result events point back at the scheduling event through `taskScheduledId` (tasks, sub-orchestrations)
 *   or `timerId` (timers).
 * - Payloads (`input`, `result`, `reason`, `details`) are already-serialized JSON text, never parsed here.
 * - Instants are kept as the raw ISO-8601 UTC string (`...Z`, up to 7 fractional digits) so that .NET's
 *   100 ns precision survives a round trip; see `./time.ts` for conversions.
 */

/** DTF `EventType` enum: the numeric values are append-only and appear in queue JSON. */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  GenericEvent: 17,
  HistoryState: 18,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
  ExecutionRewound: 21,
} as const;
export type EventTypeName = keyof typeof EventType;

/** DTF `OrchestrationStatus`, with its .NET numeric values. */
export const OrchestrationStatus = {
  Running: 0,
  Completed: 1,
  ContinuedAsNew: 2,
  Failed: 3,
  Canceled: 4,
  Terminated: 5,
  Pending: 6,
  Suspended: 7,
} as const;
export type OrchestrationRuntimeStatus = keyof typeof OrchestrationStatus;

export const TERMINAL_STATUSES: readonly OrchestrationRuntimeStatus[] = [
  "Completed",
  "Failed",
  "Terminated",
  "Canceled",
];
export function isTerminalStatus(s: OrchestrationRuntimeStatus): boolean {
  return TERMINAL_STATUSES.includes(s);
}

/** ISO-8601 UTC instant as written by DTF (`2024-01-02T03:04:05.1234567Z`). */
export type DtfDateTime = string;

export interface OrchestrationInstance {
  instanceId: string;
  /** Null/undefined means "the current execution" (raise event, terminate, entity messages). */
  executionId?: string | undefined;
}

export interface ParentInstance {
  name: string;
  orchestrationInstance: OrchestrationInstance;
  /** DTF spells it `TaskScheduleId`: the parent's SubOrchestrationInstanceCreated event id. */
  taskScheduleId: number;
  version?: string | undefined;
}

/** DTF `FailureDetails`. `properties` is free-form. */
export interface FailureDetails {
  errorType: string;
  errorMessage: string;
  stackTrace?: string | undefined;
  innerFailure?: FailureDetails | undefined;
  isNonRetriable?: boolean | undefined;
  properties?: Record<string, unknown> | undefined;
}

export interface DistributedTraceContext {
  traceParent?: string | undefined;
  traceState?: string | undefined;
  id?: string | undefined;
  spanId?: string | undefined;
  activityStartTime?: string | undefined;
}

export type Tags = Record<string, string>;

interface Base<T extends EventTypeName> {
  type: T;
  eventId: number;
  isPlayed: boolean;
  timestamp: DtfDateTime;
}

export interface ExecutionStartedEvent extends Base<"ExecutionStarted"> {
  orchestrationInstance: OrchestrationInstance;
  parentInstance?: ParentInstance | undefined;
  name: string;
  version?: string | undefined;
  input?: string | undefined;
  tags?: Tags | undefined;
  correlation?: string | undefined;
  parentTraceContext?: DistributedTraceContext | undefined;
  scheduledStartTime?: DtfDateTime | undefined;
  generation?: number | undefined;
  generateNewTrace?: boolean | undefined;
}
export interface ExecutionCompletedEvent extends Base<"ExecutionCompleted"> {
  orchestrationStatus: OrchestrationRuntimeStatus;
  result?: string | undefined;
  failureDetails?: FailureDetails | undefined;
}
/** Has no class in DTF and is never written; kept so the enum maps one to one. */
export type ExecutionFailedEvent = Base<"ExecutionFailed">;
export interface ExecutionTerminatedEvent extends Base<"ExecutionTerminated"> {
  /** The termination reason / output. */
  input?: string | undefined;
}
export interface TaskScheduledEvent extends Base<"TaskScheduled"> {
  name: string;
  version?: string | undefined;
  input?: string | undefined;
  parentTraceContext?: DistributedTraceContext | undefined;
  tags?: Tags | undefined;
}
export interface TaskCompletedEvent extends Base<"TaskCompleted"> {
  taskScheduledId: number;
  result?: string | undefined;
}
export interface TaskFailedEvent extends Base<"TaskFailed"> {
  taskScheduledId: number;
  reason?: string | undefined;
  details?: string | undefined;
  failureDetails?: FailureDetails | undefined;
}
export interface SubOrchestrationInstanceCreatedEvent extends Base<"SubOrchestrationInstanceCreated"> {
  name: string;
  version?: string | undefined;
  instanceId: string;
  input?: string | undefined;
  clientSpanId?: string | undefined;
  tags?: Tags | undefined;
}
export interface SubOrchestrationInstanceCompletedEvent extends Base<"SubOrchestrationInstanceCompleted"> {
  taskScheduledId: number;
  result?: string | undefined;
}
export interface SubOrchestrationInstanceFailedEvent extends Base<"SubOrchestrationInstanceFailed"> {
  taskScheduledId: number;
  reason?: string | undefined;
  details?: string | undefined;
  failureDetails?: FailureDetails | undefined;
}
export interface TimerCreatedEvent extends Base<"TimerCreated"> {
  fireAt: DtfDateTime;
}
export interface TimerFiredEvent extends Base<"TimerFired"> {
  timerId: number;
  fireAt: DtfDateTime;
}
export type OrchestratorStartedEvent = Base<"OrchestratorStarted">;
export type OrchestratorCompletedEvent = Base<"OrchestratorCompleted">;
export interface EventSentEvent extends Base<"EventSent"> {
  instanceId: string;
  name: string;
  input?: string | undefined;
}
export interface EventRaisedEvent extends Base<"EventRaised"> {
  name: string;
  input?: string | undefined;
  parentTraceContext?: DistributedTraceContext | undefined;
}
/** DTF's ContinueAsNewEvent subclasses ExecutionCompletedEvent; status is always ContinuedAsNew. */
export interface ContinueAsNewEvent extends Base<"ContinueAsNew"> {
  orchestrationStatus: OrchestrationRuntimeStatus;
  result?: string | undefined;
  failureDetails?: FailureDetails | undefined;
}
export interface GenericEvent extends Base<"GenericEvent"> {
  data?: string | undefined;
}
export interface HistoryStateEvent extends Base<"HistoryState"> {
  /** DTF's OrchestrationState, kept opaque (unused by the Azure Storage provider). */
  state?: unknown;
}
export interface ExecutionSuspendedEvent extends Base<"ExecutionSuspended"> {
  reason?: string | undefined;
}
export interface ExecutionResumedEvent extends Base<"ExecutionResumed"> {
  reason?: string | undefined;
}
export interface ExecutionRewoundEvent extends Base<"ExecutionRewound"> {
  reason?: string | undefined;
  parentExecutionId?: string | undefined;
  instanceId?: string | undefined;
  parentTraceContext?: DistributedTraceContext | undefined;
}

export type HistoryEvent =
  | ExecutionStartedEvent
  | ExecutionCompletedEvent
  | ExecutionFailedEvent
  | ExecutionTerminatedEvent
  | TaskScheduledEvent
  | TaskCompletedEvent
  | TaskFailedEvent
  | SubOrchestrationInstanceCreatedEvent
  | SubOrchestrationInstanceCompletedEvent
  | SubOrchestrationInstanceFailedEvent
  | TimerCreatedEvent
  | TimerFiredEvent
  | OrchestratorStartedEvent
  | OrchestratorCompletedEvent
  | EventSentEvent
  | EventRaisedEvent
  | ContinueAsNewEvent
  | GenericEvent
  | HistoryStateEvent
  | ExecutionSuspendedEvent
  | ExecutionResumedEvent
  | ExecutionRewoundEvent;

export type HistoryEventOf<T extends EventTypeName> = Extract<HistoryEvent, { type: T }>;

/** The fields a caller supplies to build an event; base fields get DTF defaults. */
export type HistoryEventInit<T extends EventTypeName> = Omit<
  HistoryEventOf<T>,
  "type" | "eventId" | "isPlayed" | "timestamp"
> & {
  eventId?: number;
  isPlayed?: boolean;
  timestamp?: DtfDateTime | Date;
};

/** Events that record an orchestrator action; replay matches them against the actions the code issues. */
export type ScheduledHistoryEvent =
  TaskScheduledEvent | TimerCreatedEvent | SubOrchestrationInstanceCreatedEvent | EventSentEvent;
