/**
 * What one entity step sends: responses to callers, signals (now or scheduled, capped at the queue's longest
 * delay and hopping on), forwarded lock requests, orchestration starts, and messages to the entity itself that
 * must wait; and the release message that ends a critical section.
 */
import type { DelayedTaskMessage, TaskMessage } from "../backend/task-message.js";
import type {
  DistributedTraceContext,
  EventRaisedEvent,
  ExecutionStartedEvent,
  OrchestrationInstance,
} from "../history/events.js";
import { newEvent } from "../history/factories.js";
import { dateTimeToTicks } from "../history/time.js";
import type { OperationResult } from "./entity-context.js";
import { DEFAULT_REORDER_WINDOW_MS } from "./message-sorter.js";
import {
  RELEASE_EVENT,
  REQUEST_EVENT,
  scheduledRequestEventName,
  serializeRelease,
  serializeRequest,
  serializeResponse,
  type EntityRequestMessage,
} from "./messages.js";
import type { SchedulerState } from "./scheduler-state.js";

const SIX_DAYS_MS = 6 * 24 * 3600_000;

/** The parts of the step's options (`EntityExecuteOptions`) its output needs. */
export interface EntityOutputOptions {
  now: Date;
  newExecutionId(): string;
  newGuid(): string;
  /** DTF's EntityMessageReorderWindow (default 30 min). */
  reorderWindowMs?: number;
  /** Longest delay of one scheduled-signal message (Azure Storage: 6 days); later signals hop. */
  maxSignalDelayMs?: number;
}

/** Outbound messages of one entity step. */
export class EntityOutput {
  readonly messages: TaskMessage[] = [];
  /** Messages to this entity itself that must wait (rescheduled signals). */
  readonly delayed: DelayedTaskMessage[] = [];
  private readonly sender: OrchestrationInstance;

  constructor(
    private readonly instanceId: string,
    private readonly opts: EntityOutputOptions,
  ) {
    this.sender = { instanceId };
  }

  send(target: OrchestrationInstance, name: string, input: string | undefined, notBeforeMs?: number): void {
    const message: TaskMessage = {
      event: newEvent("EventRaised", { timestamp: this.opts.now, name, input }) as EventRaisedEvent,
      orchestrationInstance: target,
      sender: this.sender,
    };
    if (
      notBeforeMs !== undefined &&
      notBeforeMs > this.opts.now.getTime() &&
      target.instanceId === this.instanceId
    )
      this.delayed.push({
        message,
        fireAt: new Date(Math.min(notBeforeMs, this.opts.now.getTime() + this.maxDelayMs())),
      });
    else this.messages.push(message);
  }

  respond(request: EntityRequestMessage, result: OperationResult): void {
    const body = result.failure
      ? serializeResponse({
          result: result.failure.errorMessage,
          exceptionType: result.failure.errorType,
          failureDetails: result.failure,
        })
      : serializeResponse({ result: result.result });
    this.send({ instanceId: request.parent!, executionId: request.parentExecution }, request.id, body);
  }

  signal(
    scheduler: SchedulerState,
    target: string,
    operation: string,
    input: string | undefined,
    scheduledTime: Date | undefined,
    /** The signal's Producer span, emitted by this entity (DTF leaves `createTrace` and `requestTime` unset). */
    parentTraceContext?: DistributedTraceContext,
  ): void {
    const nowTicks = dateTimeToTicks(this.opts.now);
    const request: EntityRequestMessage = {
      op: operation,
      signal: true,
      input,
      id: this.opts.newGuid(),
      parent: this.instanceId,
      timestamp: 0n,
      predecessor: 0n,
      ...(parentTraceContext ? { parentTraceContext } : {}),
    };
    if (scheduledTime) {
      request.due = scheduledTime.toISOString();
      const capped = Math.min(scheduledTime.getTime(), this.opts.now.getTime() + this.maxDelayMs());
      this.send(
        { instanceId: target },
        scheduledRequestEventName(dateTimeToTicks(new Date(capped))),
        serializeRequest(request),
      );
    } else {
      scheduler.sorter.labelOutgoing(
        request,
        target,
        nowTicks,
        this.opts.reorderWindowMs ?? DEFAULT_REORDER_WINDOW_MS,
      );
      this.send({ instanceId: target }, REQUEST_EVENT, serializeRequest(request));
    }
  }

  /**
   * As DTF Core 3.11's entity dispatcher: the entity is the parent (so the start is not subject to the top-level
   * start dedupe), with its current execution (`parentExecutionId`: the execution before this batch, or, for a
   * new entity, the one this batch writes), and the start carries the `FireAndForget` tag beside the entity's.
   */
  startOrchestration(
    instanceId: string,
    name: string,
    input: string | undefined,
    version: string | undefined,
    start: ExecutionStartedEvent | undefined,
    parentExecutionId: string,
    /** The entity's `create_orchestration` span: the orchestration's span is its child. */
    parentTraceContext?: DistributedTraceContext,
  ): void {
    const target: OrchestrationInstance = { instanceId, executionId: this.opts.newExecutionId() };
    this.messages.push({
      event: newEvent("ExecutionStarted", {
        timestamp: this.opts.now,
        orchestrationInstance: target,
        parentInstance: {
          name: start?.name ?? this.instanceId,
          version: start?.version ?? "",
          orchestrationInstance: { instanceId: this.instanceId, executionId: parentExecutionId },
          taskScheduleId: this.messages.length,
        },
        name,
        version: version ?? "",
        input,
        tags: { ...start?.tags, FireAndForget: "" },
        ...(parentTraceContext ? { parentTraceContext } : {}),
        generation: 0,
      }),
      orchestrationInstance: target,
      sender: this.sender,
    });
  }

  private maxDelayMs(): number {
    return Math.min(this.opts.maxSignalDelayMs ?? SIX_DAYS_MS, SIX_DAYS_MS);
  }
}

/** A release message (used by orchestrations at the end of a critical section, and by storage clean-up). */
export function releaseMessage(
  target: string,
  lockOwner: string,
  criticalSectionId: string,
  now: Date,
): TaskMessage {
  return {
    event: newEvent("EventRaised", {
      timestamp: now,
      name: RELEASE_EVENT,
      input: serializeRelease({ parent: lockOwner, id: criticalSectionId }),
    }),
    orchestrationInstance: { instanceId: target },
  };
}
