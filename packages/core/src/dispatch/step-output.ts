/**
 * The output of one orchestration step: the history events an orchestrator's actions become, and the messages
 * they send (activities, sub-orchestration starts, timers, events, the result to a parent), accumulated across
 * the generations a continue-as-new step runs.
 */
import { encodeActivityInput } from "./activity-input.js";
import type { CompleteOrchestrationAction, OrchestratorAction } from "../actions/actions.js";
import type { DelayedTaskMessage, TaskMessage } from "../backend/task-message.js";
import type { ExecutionStartedEvent, HistoryEvent, OrchestrationInstance } from "../history/events.js";
import { newEvent } from "../history/factories.js";
import { parseDtfDateTime } from "../history/time.js";
import { uuidV5 } from "../replay/new-guid.js";
import { deriveSpanId } from "../tracing/derived-span-id.js";
import { childTraceContext, type ExecutionTrace } from "../tracing/execution-trace.js";
import type { StepTraceEntry } from "../tracing/step-trace.js";

export interface StepOutputOptions {
  now: Date;
  /** Keep activity/sub-orchestration inputs in history events (DTF's IncludeParameters). */
  includeParameters?: boolean | undefined;
  /** The version of sub-orchestrations started without one (default ""). */
  defaultVersion?: string | undefined;
}

/** Accumulates the outbound messages of a step across generations. */
export class StepOutput {
  readonly activityMessages: TaskMessage[] = [];
  readonly orchestratorMessages: TaskMessage[] = [];
  readonly timerMessages: DelayedTaskMessage[] = [];
  customStatus: string | undefined;
  /**
   * The execution's span (see tracing/execution-trace.ts), when it is traced: scheduled activities and
   * sub-orchestrations and sent events then carry trace contexts that make them its children.
   */
  execution: ExecutionTrace | undefined;
  /** What the step sent that spans are emitted for (events to other instances). */
  readonly traceEntries: StepTraceEntry[] = [];

  constructor(private readonly opts: StepOutputOptions) {}

  /** Turn actions into history events (returned) and outbound messages (collected). */
  apply(
    actions: readonly OrchestratorAction[],
    start: ExecutionStartedEvent,
    self: OrchestrationInstance,
    episode: number,
    rewinds: number,
  ): HistoryEvent[] {
    const { now } = this.opts;
    const keepInput = this.opts.includeParameters ?? false;
    const events: HistoryEvent[] = [];
    const from = { sender: self, episode };
    const exec = this.execution;
    for (const a of actions) {
      switch (a.type) {
        case "ScheduleTask": {
          const scheduled = newEvent("TaskScheduled", {
            eventId: a.id,
            timestamp: now,
            name: a.name,
            // DTF writes "" for an unversioned task (its Version column is always there).
            version: a.version ?? "",
            input: encodeActivityInput(a.input),
            tags: a.tags,
            ...(exec && {
              parentTraceContext: childTraceContext(
                exec,
                deriveSpanId("activity", exec.span.spanId, a.id, rewinds),
              ),
            }),
          });
          events.push(keepInput ? scheduled : { ...scheduled, input: undefined });
          this.activityMessages.push({
            event: scheduled,
            orchestrationInstance: self,
            orchestrationTags: a.tags,
            ...from,
          });
          break;
        }
        case "CreateSubOrchestration": {
          // Without a version of its own, a sub-orchestration gets the worker's default version (as DF does).
          const subVersion = a.version ?? this.opts.defaultVersion ?? "";
          const clientSpanId = exec && deriveSpanId("orchestration", exec.span.spanId, a.id, rewinds);
          const created = newEvent("SubOrchestrationInstanceCreated", {
            eventId: a.id,
            timestamp: now,
            name: a.name,
            version: subVersion,
            instanceId: a.instanceId,
            input: a.input,
            ...(clientSpanId !== undefined ? { clientSpanId } : {}),
            tags: a.tags,
          });
          events.push(keepInput ? created : { ...created, input: undefined });
          const child: OrchestrationInstance = {
            instanceId: a.instanceId,
            executionId: subOrchestrationExecutionId(self, a.id, rewinds),
          };
          this.orchestratorMessages.push({
            event: newEvent("ExecutionStarted", {
              timestamp: now,
              orchestrationInstance: child,
              parentInstance: {
                name: start.name,
                orchestrationInstance: self,
                taskScheduleId: a.id,
                version: start.version,
              },
              name: a.name,
              version: subVersion,
              input: a.input,
              tags: a.tags,
              ...(exec && clientSpanId !== undefined
                ? { parentTraceContext: childTraceContext(exec, clientSpanId) }
                : {}),
              generation: 0,
            }),
            orchestrationInstance: child,
            orchestrationTags: a.tags,
            ...from,
          });
          break;
        }
        case "CreateTimer":
          events.push(newEvent("TimerCreated", { eventId: a.id, timestamp: now, fireAt: a.fireAt }));
          this.timerMessages.push({
            message: {
              event: newEvent("TimerFired", { timestamp: now, timerId: a.id, fireAt: a.fireAt }),
              orchestrationInstance: self,
              ...from,
            },
            fireAt: parseDtfDateTime(a.fireAt),
          });
          break;
        case "SendEvent":
          events.push(
            newEvent("EventSent", {
              eventId: a.id,
              timestamp: now,
              instanceId: a.instanceId,
              name: a.name,
              input: a.input,
            }),
          );
          this.orchestratorMessages.push({
            event: newEvent("EventRaised", {
              timestamp: now,
              name: a.name,
              input: a.input,
              // As DTF: the receiving side sees the sending orchestration's span as the event's parent.
              ...(exec && { parentTraceContext: childTraceContext(exec, exec.span.spanId) }),
            }),
            orchestrationInstance: { instanceId: a.instanceId },
            ...from,
          });
          if (exec)
            this.traceEntries.push({ type: "eventSent", name: a.name, targetInstanceId: a.instanceId });
          break;
        case "CompleteOrchestration":
          events.push(this.completionEvent(a, now));
          this.notifyParent(a, start, self, from);
          break;
      }
    }
    return events;
  }

  private completionEvent(a: CompleteOrchestrationAction, now: Date): HistoryEvent {
    return newEvent("ExecutionCompleted", {
      eventId: a.id,
      timestamp: now,
      orchestrationStatus: a.status,
      // DTF Core records a failure's message as the Result of a failed execution too.
      result: a.result ?? (a.status === "Failed" ? a.failureDetails?.errorMessage : undefined),
      failureDetails: a.failureDetails,
    });
  }

  private notifyParent(
    a: CompleteOrchestrationAction,
    start: ExecutionStartedEvent,
    self: OrchestrationInstance,
    from: { sender: OrchestrationInstance; episode: number },
  ): void {
    const parent = start.parentInstance;
    // Orchestrations started by entities report to nobody (the entity does not wait for them), nor do those
    // whose start is tagged FireAndForget (DTF Core's tag, which its entities and fire-and-forget children carry).
    if (
      !parent ||
      a.status === "ContinuedAsNew" ||
      parent.orchestrationInstance.instanceId.startsWith("@") ||
      start.tags?.FireAndForget !== undefined
    )
      return;
    const { now } = this.opts;
    const event: HistoryEvent =
      a.status === "Completed"
        ? newEvent("SubOrchestrationInstanceCompleted", {
            timestamp: now,
            taskScheduledId: parent.taskScheduleId,
            result: a.result,
          })
        : newEvent("SubOrchestrationInstanceFailed", {
            timestamp: now,
            taskScheduledId: parent.taskScheduleId,
            reason:
              a.status === "Terminated"
                ? `sub-orchestration '${self.instanceId}' was terminated: ${a.result ?? ""}`
                : a.failureDetails?.errorMessage,
            failureDetails: a.failureDetails ?? {
              errorType: "OrchestrationTerminated",
              errorMessage: `sub-orchestration '${self.instanceId}' was terminated`,
            },
          });
    this.orchestratorMessages.push({ event, orchestrationInstance: parent.orchestrationInstance, ...from });
  }
}

const SUB_ORCHESTRATION_NAMESPACE = Buffer.from("5b1c4f0e8d2a4c7e9f3b6a1d2e4c8b07", "hex");

/**
 * A sub-orchestration's execution id, derived from what identifies its creation: the parent execution, the
 * task id and how often the parent was rewound. A parent step that runs again (its worker died after sending
 * the child's start but before its history write) sends the same start, which the child drops as a duplicate;
 * with a fresh random id the child took it for a new generation and ran again from the top. A rewind re-issues
 * a failed child under a new id, so the child does run again then.
 */
function subOrchestrationExecutionId(parent: OrchestrationInstance, taskId: number, rewinds: number): string {
  return uuidV5(
    SUB_ORCHESTRATION_NAMESPACE,
    `${parent.instanceId}\n${parent.executionId ?? ""}\n${taskId}\n${rewinds}`,
  ).replaceAll("-", "");
}
