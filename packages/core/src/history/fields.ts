/**
 * The members of each DTF history event class, in declaration order, with their .NET names and kinds.
 * One descriptor drives both the queue JSON codec (`codec.ts`) and the Azure table row codec.
 */
import type { EventTypeName } from "./events.js";

export type FieldKind =
  | "string"
  | "int"
  | "bool"
  | "datetime"
  | "status"
  | "instance"
  | "parentInstance"
  | "failureDetails"
  | "traceContext"
  | "tags"
  | "opaque";

/** [our field, .NET member name, kind] */
export type FieldSpec = readonly [field: string, member: string, kind: FieldKind];

const f = (field: string, kind: FieldKind): FieldSpec => [
  field,
  field[0]!.toUpperCase() + field.slice(1),
  kind,
];

const COMPLETED = [
  f("orchestrationStatus", "status"),
  f("result", "string"),
  f("failureDetails", "failureDetails"),
] as const;
const FAILED = [
  f("taskScheduledId", "int"),
  f("reason", "string"),
  f("details", "string"),
  f("failureDetails", "failureDetails"),
] as const;

export const EVENT_FIELDS: Record<EventTypeName, readonly FieldSpec[]> = {
  ExecutionStarted: [
    f("orchestrationInstance", "instance"),
    f("parentInstance", "parentInstance"),
    f("name", "string"),
    f("version", "string"),
    f("input", "string"),
    f("tags", "tags"),
    f("correlation", "string"),
    f("parentTraceContext", "traceContext"),
    f("scheduledStartTime", "datetime"),
    f("generation", "int"),
    f("generateNewTrace", "bool"),
  ],
  ExecutionCompleted: COMPLETED,
  ExecutionFailed: [],
  ExecutionTerminated: [f("input", "string")],
  TaskScheduled: [
    f("name", "string"),
    f("version", "string"),
    f("input", "string"),
    f("parentTraceContext", "traceContext"),
    f("tags", "tags"),
  ],
  TaskCompleted: [f("taskScheduledId", "int"), f("result", "string")],
  TaskFailed: FAILED,
  SubOrchestrationInstanceCreated: [
    f("name", "string"),
    f("version", "string"),
    f("instanceId", "string"),
    f("input", "string"),
    f("clientSpanId", "string"),
    f("tags", "tags"),
  ],
  SubOrchestrationInstanceCompleted: [f("taskScheduledId", "int"), f("result", "string")],
  SubOrchestrationInstanceFailed: FAILED,
  TimerCreated: [f("fireAt", "datetime")],
  TimerFired: [f("timerId", "int"), f("fireAt", "datetime")],
  OrchestratorStarted: [],
  OrchestratorCompleted: [],
  EventSent: [f("instanceId", "string"), f("name", "string"), f("input", "string")],
  EventRaised: [f("name", "string"), f("input", "string"), f("parentTraceContext", "traceContext")],
  ContinueAsNew: COMPLETED,
  GenericEvent: [f("data", "string")],
  HistoryState: [f("state", "opaque")],
  ExecutionSuspended: [f("reason", "string")],
  ExecutionResumed: [f("reason", "string")],
  ExecutionRewound: [
    f("reason", "string"),
    f("parentExecutionId", "string"),
    f("instanceId", "string"),
    f("parentTraceContext", "traceContext"),
  ],
};

/** .NET class of each event (`$type` = `DurableTask.Core.History.` + class). ExecutionFailed has no class in DTF. */
export const EVENT_CLASS_NAMES: Record<EventTypeName, string> = {
  ExecutionStarted: "ExecutionStartedEvent",
  ExecutionCompleted: "ExecutionCompletedEvent",
  ExecutionFailed: "ExecutionFailedEvent",
  ExecutionTerminated: "ExecutionTerminatedEvent",
  TaskScheduled: "TaskScheduledEvent",
  TaskCompleted: "TaskCompletedEvent",
  TaskFailed: "TaskFailedEvent",
  SubOrchestrationInstanceCreated: "SubOrchestrationInstanceCreatedEvent",
  SubOrchestrationInstanceCompleted: "SubOrchestrationInstanceCompletedEvent",
  SubOrchestrationInstanceFailed: "SubOrchestrationInstanceFailedEvent",
  TimerCreated: "TimerCreatedEvent",
  TimerFired: "TimerFiredEvent",
  OrchestratorStarted: "OrchestratorStartedEvent",
  OrchestratorCompleted: "OrchestratorCompletedEvent",
  EventSent: "EventSentEvent",
  EventRaised: "EventRaisedEvent",
  ContinueAsNew: "ContinueAsNewEvent",
  GenericEvent: "GenericEvent",
  HistoryState: "HistoryStateEvent",
  ExecutionSuspended: "ExecutionSuspendedEvent",
  ExecutionResumed: "ExecutionResumedEvent",
  ExecutionRewound: "ExecutionRewoundEvent",
};
