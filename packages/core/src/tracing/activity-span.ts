/**
 * The span of an activity's execution, `activity:<name>` (Server), as DurableTask.Core's activity dispatcher
 * starts it: a child of the context in the TaskScheduled event (the orchestration's client span for the
 * activity), current while the activity runs (so the activity's own spans nest under it), ended before the
 * result is sent. A TaskScheduled without a trace context (its orchestration was not traced) runs the
 * activity without a span.
 */
import { context, SpanKind, trace, ROOT_CONTEXT, type Span } from "@opentelemetry/api";
import type { FailureDetails, OrchestrationInstance, TaskScheduledEvent } from "../history/events.js";
import { Attr, SpanType, spanName } from "./schema.js";
import { setSpanFailed } from "./span-failure.js";
import { parentSpanContextOf } from "./trace-parent.js";
import { durableTaskTracer } from "./tracer.js";

export interface ActivitySpan {
  /** Runs `fn` with the span current (as the parent of whatever spans `fn` starts). */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Marks the span failed with the failure's type and message. */
  fail(failure: FailureDetails): void;
  end(): void;
}

const NONE: ActivitySpan = { run: (fn) => fn(), fail: () => {}, end: () => {} };

export function startActivitySpan(event: TaskScheduledEvent, instance: OrchestrationInstance): ActivitySpan {
  const parent = parentSpanContextOf(event.parentTraceContext);
  if (!parent) return NONE;
  const ctx = trace.setSpanContext(ROOT_CONTEXT, parent);
  const span: Span = durableTaskTracer().startSpan(
    spanName(SpanType.activity, event.name, event.version),
    { kind: SpanKind.SERVER },
    ctx,
  );
  if (span.isRecording())
    span.setAttributes({
      [Attr.type]: SpanType.activity,
      [Attr.name]: event.name,
      [Attr.instanceId]: instance.instanceId,
      [Attr.taskId]: event.eventId,
      ...(event.version ? { [Attr.version]: event.version } : {}),
    });
  const active = trace.setSpan(ctx, span);
  return {
    run: (fn) => context.with(active, fn),
    fail: (failure) => {
      if (span.isRecording()) setSpanFailed(span, failure.errorMessage, failure);
    },
    end: () => span.end(),
  };
}
