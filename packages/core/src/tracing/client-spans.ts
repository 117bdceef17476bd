/**
 * The client's spans, as DurableTask.Core's TaskHubClient starts them:
 *
 * - `create_orchestration:<name>` (Producer), a child of the caller's active span; its context becomes the
 *   new instance's `ParentTraceContext`, so the orchestration's span is its child, in any process;
 * - `orchestration_event:<name>` (Producer) for an event raised by the client.
 *
 * Each lasts while the message is sent; a failed send marks it failed. With no SDK the span is a no-op, and
 * the start event carries the caller's span context if there is one (propagation without recording, as
 * OpenTelemetry propagates), otherwise none.
 */
import { context, isSpanContextValid, SpanKind, type Attributes, type Span } from "@opentelemetry/api";
import type { DistributedTraceContext, ExecutionStartedEvent } from "../history/events.js";
import { Attr, SpanType, spanName } from "./schema.js";
import { setSpanFailed } from "./span-failure.js";
import { toDistributedTraceContext } from "./trace-parent.js";
import { durableTaskTracer } from "./tracer.js";

export interface CreateOrchestrationSpan {
  span: Span;
  /** The start event's `ParentTraceContext` (undefined when there is nothing to continue). */
  parentTraceContext: DistributedTraceContext | undefined;
}

/** The attributes of a `create_orchestration` span (the client's, or the worker's on a client's behalf). */
export function createOrchestrationAttributes(start: ExecutionStartedEvent): Attributes {
  const instance = start.orchestrationInstance;
  return {
    [Attr.type]: SpanType.orchestration,
    [Attr.name]: start.name,
    [Attr.instanceId]: instance.instanceId,
    ...(instance.executionId ? { [Attr.executionId]: instance.executionId } : {}),
    ...(start.version ? { [Attr.version]: start.version } : {}),
  };
}

export function startCreateOrchestrationSpan(start: ExecutionStartedEvent): CreateOrchestrationSpan {
  const span = durableTaskTracer().startSpan(
    spanName(SpanType.createOrchestration, start.name, start.version),
    { kind: SpanKind.PRODUCER },
    context.active(),
  );
  if (span.isRecording()) span.setAttributes(createOrchestrationAttributes(start));
  const sc = span.spanContext();
  return { span, parentTraceContext: isSpanContextValid(sc) ? toDistributedTraceContext(sc) : undefined };
}

export function startRaiseEventSpan(eventName: string, targetInstanceId: string): Span {
  const span = durableTaskTracer().startSpan(
    spanName(SpanType.orchestrationEvent, eventName),
    { kind: SpanKind.PRODUCER },
    context.active(),
  );
  if (span.isRecording())
    span.setAttributes({
      [Attr.type]: SpanType.event,
      [Attr.name]: eventName,
      [Attr.eventTargetInstanceId]: targetInstanceId,
    });
  return span;
}

/** Runs `send`, ends `span` when it settles, and marks it failed if it throws (rethrowing). */
export async function endAfter<T>(span: Span, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (span.isRecording()) {
      const e = err instanceof Error ? err : new Error(String(err));
      setSpanFailed(span, e.message, { errorType: e.name, errorMessage: e.message });
    }
    throw err;
  } finally {
    span.end();
  }
}
