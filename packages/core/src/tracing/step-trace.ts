/**
 * What one orchestration step did that spans are emitted for, recorded by the (pure) step and emitted by the
 * worker once the step is committed (step-spans.ts): a step that is abandoned and runs again emits nothing
 * the first time. Only events new in the step are recorded, never replayed ones, so replays add no spans.
 */
import type {
  ExecutionStartedEvent,
  FailureDetails,
  HistoryEvent,
  OrchestrationRuntimeStatus,
  SubOrchestrationInstanceCreatedEvent,
  SubOrchestrationInstanceFailedEvent,
  TaskFailedEvent,
  TaskScheduledEvent,
  TimerFiredEvent,
} from "../history/events.js";
import type { ExecutionTrace, NewTraceRoot } from "./execution-trace.js";

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
  /**
   * Set when the step completed the execution: the execution span ends. Continue-as-new ends it only into a
   * new trace (`ContinuedAsNew`); otherwise the next generation continues the span.
   */
  completion?:
    { status: OrchestrationRuntimeStatus; failureDetails?: FailureDetails | undefined } | undefined;
  /**
   * Set when this step created the execution's `create_orchestration` span: for continue-as-new into a new
   * trace (a root), or for a start that asked the worker for it (DTF's `GenerateNewTrace` / `MS_CreateTrace`).
   */
  newTrace?: NewTraceRoot | undefined;
  /** The generations (span chains) this step ended by continue-as-new into a new trace, oldest first. */
  earlier?: OrchestrationStepTrace[] | undefined;
}

/** Spans for the results and timers that arrived in this step (never for replayed ones). */
export function arrivalTraceEntries(
  past: readonly HistoryEvent[],
  arrived: readonly HistoryEvent[],
): StepTraceEntry[] {
  const entries: StepTraceEntry[] = [];
  const scheduled = (id: number): TaskScheduledEvent | undefined =>
    past.findLast((e): e is TaskScheduledEvent => e.type === "TaskScheduled" && e.eventId === id);
  const created = (id: number): SubOrchestrationInstanceCreatedEvent | undefined =>
    past.findLast(
      (e): e is SubOrchestrationInstanceCreatedEvent =>
        e.type === "SubOrchestrationInstanceCreated" && e.eventId === id,
    );
  for (const e of arrived) {
    switch (e.type) {
      case "TaskCompleted":
      case "TaskFailed": {
        const s = scheduled(e.taskScheduledId);
        if (s)
          entries.push({
            type: "activityResult",
            scheduled: s,
            failed: e.type === "TaskFailed" ? e : undefined,
          });
        break;
      }
      case "SubOrchestrationInstanceCompleted":
      case "SubOrchestrationInstanceFailed": {
        const c = created(e.taskScheduledId);
        if (c)
          entries.push({
            type: "subOrchestrationResult",
            created: c,
            failed: e.type === "SubOrchestrationInstanceFailed" ? e : undefined,
          });
        break;
      }
      case "TimerFired":
        entries.push({ type: "timerFired", fired: e });
        break;
    }
  }
  return entries;
}
