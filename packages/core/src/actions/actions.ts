/**
 * What an orchestrator asks for in one episode. Replay returns these; the dispatcher turns them into
 * history events and outbound messages. `id` is the orchestrator's sequence number, which becomes the
 * EventId of the matching history event (TaskScheduled, TimerCreated, SubOrchestrationInstanceCreated,
 * EventSent, ExecutionCompleted).
 */
import type {
  DtfDateTime,
  EventRaisedEvent,
  FailureDetails,
  OrchestrationRuntimeStatus,
  Tags,
} from "../history/events.js";

export interface ScheduleTaskAction {
  type: "ScheduleTask";
  id: number;
  name: string;
  version?: string | undefined;
  input?: string | undefined;
  tags?: Tags | undefined;
}

export interface CreateSubOrchestrationAction {
  type: "CreateSubOrchestration";
  id: number;
  name: string;
  instanceId: string;
  version?: string | undefined;
  input?: string | undefined;
  tags?: Tags | undefined;
}

export interface CreateTimerAction {
  type: "CreateTimer";
  id: number;
  fireAt: DtfDateTime;
}

export interface SendEventAction {
  type: "SendEvent";
  id: number;
  instanceId: string;
  name: string;
  input?: string | undefined;
}

export interface CompleteOrchestrationAction {
  type: "CompleteOrchestration";
  id: number;
  status: Extract<OrchestrationRuntimeStatus, "Completed" | "Failed" | "ContinuedAsNew" | "Terminated">;
  result?: string | undefined;
  failureDetails?: FailureDetails | undefined;
  /** ContinuedAsNew only: version of the next generation (defaults to the current one). */
  newVersion?: string | undefined;
  /** ContinuedAsNew only: external events received but never consumed, re-delivered to the next generation. */
  carryoverEvents?: EventRaisedEvent[] | undefined;
  /** ContinuedAsNew only: `startNewTrace` starts the next generation in a new trace (DTF's `ContinueAsNewTraceBehavior`). */
  continueAsNewTraceBehavior?: "preserveTraceContext" | "startNewTrace" | undefined;
}

export type OrchestratorAction =
  | ScheduleTaskAction
  | CreateSubOrchestrationAction
  | CreateTimerAction
  | SendEventAction
  | CompleteOrchestrationAction;
