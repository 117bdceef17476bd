/**
 * Emits the spans of a committed orchestration step (see step-trace.ts), with DurableTask.Core's names, kinds
 * and attributes (docs/tracing.md):
 *
 * - `activity:<name>` (Client) per activity result, from the TaskScheduled event's time to now, under the id
 *   written into the TaskScheduled's trace context (the activity's execution span is its child);
 * - `orchestration:<name>` (Client) per sub-orchestration result, under the SubOrchestrationInstanceCreated's
 *   `ClientSpanId` (the child orchestration's span is its child);
 * - `orchestration:<name>:timer` (Internal) per fired timer, from its creation to now;
 * - `orchestration_event:<name>` (Producer) per event sent to another orchestration;
 * - `orchestration:<name>` (Server), the execution's span, when the step completed it (or continued it as new
 *   into a new trace: status `ContinuedAsNew`);
 * - `create_orchestration:<name>` (Producer, a root), when the step started a new trace by continue-as-new.
 *
 * All are children of the execution span. With no SDK registered each is a no-op span and nothing is built.
 */
import { diag, ROOT_CONTEXT, SpanKind, trace, TraceFlags, type Attributes } from "@opentelemetry/api";
import { isEntityInstanceId } from "../entities/entity-id.js";
import type { FailureDetails } from "../history/events.js";
import { parseDtfDateTime, toDotNetRoundTrip } from "../history/time.js";
import { createOrchestrationAttributes } from "./client-spans.js";
import { pinSpanId, pinTraceId } from "./pinned-span.js";
import { setSpanFailed } from "./span-failure.js";
import { Attr, SpanType, spanName, timerSpanName } from "./schema.js";
import type { NewTraceRoot } from "./execution-trace.js";
import type { OrchestrationStepTrace, StepTraceEntry } from "./step-trace.js";
import { parentSpanContextOf } from "./trace-parent.js";
import { durableTaskTracer } from "./tracer.js";

/** Never throws: a step is written by then, and tracing must not make the worker abandon it. */
export function emitStepSpans(step: OrchestrationStepTrace, now: Date): void {
  try {
    for (const chain of step.earlier ?? []) emit(chain, now);
    emit(step, now);
  } catch (err) {
    diag.warn("taskhub: emitting the spans of an orchestration step failed", err);
  }
}

function emit(step: OrchestrationStepTrace, now: Date): void {
  const tracer = durableTaskTracer();
  const underExecution = trace.setSpanContext(ROOT_CONTEXT, step.execution.span);
  const { start } = step;
  const instanceId = start.orchestrationInstance.instanceId;
  if (step.newTrace) emitNewTraceRoot(step, step.newTrace);
  for (const entry of step.entries) {
    const s = startEntrySpan(entry, step, instanceId);
    if (!s) continue;
    const span = tracer.startSpan(s.name, { kind: s.kind, startTime: s.startTime }, underExecution);
    if (span.isRecording()) {
      if (s.spanId) pinSpanId(span, s.spanId);
      span.setAttributes(s.attributes());
      if (s.failure) setSpanFailed(span, s.failure.message, s.failure.details);
    }
    span.end(now);
  }
  if (!step.completion) return;
  const span = tracer.startSpan(
    spanName(SpanType.orchestration, start.name, start.version),
    { kind: SpanKind.SERVER, startTime: step.execution.startTime },
    trace.setSpanContext(ROOT_CONTEXT, step.execution.parent),
  );
  if (span.isRecording()) {
    pinSpanId(span, step.execution.span.spanId);
    span.setAttributes({
      [Attr.type]: SpanType.orchestration,
      [Attr.name]: start.name,
      [Attr.instanceId]: instanceId,
      ...(start.version ? { [Attr.version]: start.version } : {}),
      [Attr.status]: step.completion.status,
    });
    const fd = step.completion.failureDetails;
    if (step.completion.status === "Failed")
      setSpanFailed(span, fd?.errorMessage ?? "orchestration failed", fd);
  }
  span.end(now);
}

/**
 * The `create_orchestration:<name>` (Producer) span a worker creates, as DTF's: for a continue-as-new into a
 * new trace (a root, at the step's time), or for a start that asked for it (under the start's context, from
 * the client's request time), ending when the execution's first step ran; under the ids written into the start.
 */
function emitNewTraceRoot(step: OrchestrationStepTrace, root: NewTraceRoot): void {
  // A root whose stored flags say "not sampled" (the chain it continues was not) is not recorded either.
  if (!root.parent && !(root.createSpan.traceFlags & TraceFlags.SAMPLED)) return;
  const { start } = step;
  const begin = step.execution.startTime;
  const startTime = root.startTime && root.startTime <= begin ? root.startTime : begin;
  const span = durableTaskTracer().startSpan(
    spanName(SpanType.createOrchestration, start.name, start.version),
    { kind: SpanKind.PRODUCER, startTime, ...(root.parent ? {} : { root: true }) },
    root.parent ? trace.setSpanContext(ROOT_CONTEXT, root.parent) : ROOT_CONTEXT,
  );
  if (span.isRecording()) {
    pinTraceId(span, root.createSpan.traceId);
    pinSpanId(span, root.createSpan.spanId);
    span.setAttributes(createOrchestrationAttributes(start));
  }
  span.end(begin);
}

interface EntrySpan {
  name: string;
  kind: SpanKind;
  startTime?: Date | undefined;
  /** The id the span must carry (stamped into history when it was scheduled). */
  spanId?: string | undefined;
  attributes(): Attributes;
  failure?: { message: string; details?: FailureDetails | undefined } | undefined;
}

function startEntrySpan(
  e: StepTraceEntry,
  step: OrchestrationStepTrace,
  instanceId: string,
): EntrySpan | undefined {
  switch (e.type) {
    case "activityResult": {
      const s = e.scheduled;
      const spanId = parentSpanContextOf(s.parentTraceContext)?.spanId;
      const taskId = { [Attr.taskId]: s.eventId };
      return taskResultSpan(SpanType.activity, s, instanceId, spanId, taskId, e.failed, "task activity");
    }
    case "subOrchestrationResult": {
      const c = e.created;
      const spanId = c.clientSpanId && /^[0-9a-f]{16}$/.test(c.clientSpanId) ? c.clientSpanId : undefined;
      return taskResultSpan(SpanType.orchestration, c, instanceId, spanId, {}, e.failed, "sub-orchestration");
    }
    case "timerFired": {
      const f = e.fired;
      return {
        name: timerSpanName(step.start.name),
        kind: SpanKind.INTERNAL,
        startTime: timeOf(f.timestamp),
        attributes: () => ({
          [Attr.type]: SpanType.timer,
          [Attr.name]: step.start.name,
          [Attr.instanceId]: instanceId,
          [Attr.fireAt]: toDotNetRoundTrip(f.fireAt),
          [Attr.taskId]: f.timerId,
        }),
      };
    }
    case "eventSent":
      // As DTF: events between orchestrations and entities (entity operations) are not traced as events.
      if (isEntityInstanceId(e.targetInstanceId) || isEntityInstanceId(instanceId)) return undefined;
      return {
        name: spanName(SpanType.orchestrationEvent, e.name),
        kind: SpanKind.PRODUCER,
        attributes: () => ({
          [Attr.type]: SpanType.event,
          [Attr.name]: e.name,
          [Attr.instanceId]: instanceId,
          ...(step.start.orchestrationInstance.executionId
            ? { [Attr.executionId]: step.start.orchestrationInstance.executionId }
            : {}),
          [Attr.eventTargetInstanceId]: e.targetInstanceId,
        }),
      };
  }
}

/**
 * The Client span of a scheduled task whose result arrived (an activity, a sub-orchestration): from its
 * scheduling event's time, under the id stamped into history then; `taskAttributes` stand between the
 * instance id and the version. Failed: the result's reason, else its failure's message, else
 * "Unspecified <what> failure".
 */
function taskResultSpan(
  type: typeof SpanType.activity | typeof SpanType.orchestration,
  scheduled: { name: string; version?: string | undefined; timestamp: string },
  instanceId: string,
  spanId: string | undefined,
  taskAttributes: Attributes,
  failed: { reason?: string | undefined; failureDetails?: FailureDetails | undefined } | undefined,
  what: string,
): EntrySpan {
  return {
    name: spanName(type, scheduled.name, scheduled.version),
    kind: SpanKind.CLIENT,
    startTime: timeOf(scheduled.timestamp),
    spanId,
    attributes: () => ({
      [Attr.type]: type,
      [Attr.name]: scheduled.name,
      [Attr.instanceId]: instanceId,
      ...taskAttributes,
      ...(scheduled.version ? { [Attr.version]: scheduled.version } : {}),
    }),
    failure: failed && {
      message: failed.reason ?? failed.failureDetails?.errorMessage ?? `Unspecified ${what} failure`,
      details: failed.failureDetails,
    },
  };
}

function timeOf(raw: string): Date | undefined {
  try {
    return parseDtfDateTime(raw);
  } catch {
    return undefined;
  }
}
