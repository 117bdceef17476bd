/**
 * DTF's `TaskMessage`: a history event addressed to an orchestration instance (or, for TaskScheduled, to
 * the activity queue on behalf of one).
 */
import type { HistoryEvent, OrchestrationInstance, Tags } from "../history/events.js";

export interface TaskMessage {
  event: HistoryEvent;
  /** The target instance; `executionId` undefined means "whatever execution is current". */
  orchestrationInstance: OrchestrationInstance;
  /** Always 0 with DTF's Azure Storage provider; kept for fidelity. */
  sequenceNumber?: number;
  /** DTF's OrchestrationExecutionContext.OrchestrationTags, on activity and sub-orchestration messages. */
  orchestrationTags?: Tags | undefined;
  /** The sending orchestration (absent for client messages). */
  sender?: OrchestrationInstance | undefined;
  /** The sender's episode (number of OrchestratorStarted events), informational. */
  episode?: number | undefined;
}

/** A message that must not be delivered before `fireAt` (timers, scheduled starts). */
export interface DelayedTaskMessage {
  message: TaskMessage;
  fireAt: Date;
}
