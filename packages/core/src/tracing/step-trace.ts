/**
 * What one orchestration step did that spans are emitted for, recorded by the (pure) step and emitted by the
 * worker once the step is committed (step-spans.ts): a step that is abandoned and runs again emits nothing
 * the first time. Only events new in the step are recorded, never replayed ones, so replays add no spans.
 */
import type {
  ExecutionStartedEvent,
  FailureDetails,
  OrchestrationRuntimeStatus,
  SubOrchestrationInstanceCreatedEvent,
  SubOrchestrationInstanceFailedEvent,
  TaskFailedEvent,
  TaskScheduledEvent,
  TimerFiredEvent,
} from "../history/events.js";
import type { ExecutionTrace } from "./execution-trace.js";

export type StepTraceEntry =
  /** An activity's result arrived: its client span (scheduled → result). */
  | { type: "activityResult"; scheduled: TaskScheduledEvent; failed?: TaskFailedEvent | undefined }
  /** A sub-orchestration's result arrived: its client span (created → result). */
  | {
      type: "subOrchestrationResult";
      created: SubOrchestrationInstanceCreatedEvent;
      failed?: SubOrchestrationInstanceFailedEvent | undefined;
    }
  /** A timer fired. */
  | { type: "timerFired"; fired: TimerFiredEvent }
  /** The orchestration raised an event on another instance. */
  | { type: "eventSent"; name: string; targetInstanceId: string };

export interface OrchestrationStepTrace {
  execution: ExecutionTrace;
  /** The start event of the step's (last) execution: name, version, instance. */
  start: ExecutionStartedEvent;
  entries: StepTraceEntry[];
  /** Set when the step completed the execution (not by continue-as-new): the execution span ends. */
  completion?:
    { status: OrchestrationRuntimeStatus; failureDetails?: FailureDetails | undefined } | undefined;
}
