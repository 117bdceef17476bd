/**
 * The spans of an entity's batch, as DurableTask.Core's entity dispatcher emits them, once the batch is
 * written (like an orchestration step's, step-spans.ts):
 *
 * - a signal received that asks for it (`createTrace`: a signal from an orchestration, or from a client under
 *   a span): its `entity:<name>:<operation>` (Producer), under the sender's span, from the request's time to its
 *   receipt; the request then continues that span (the executor re-points its trace context, as DTF does);
 * - a call: `entity:<name>:<operation>` (Client), a child of the caller's span, from the request's time to the
 *   response, under an id derived from the request (DTF: its `ClientSpanId`), and `entity:<name>:<operation>`
 *   (Server), its child, for the operation's run;
 * - a signal's run: `entity:<name>:<operation>` (Consumer), a child of the span the request continues;
 * - what an operation sends: a signal to an entity, `entity:<target name>:<operation>` (Producer), and the start
 *   of an orchestration, `<name>:create_orchestration` (Producer), both under the operation's span, from the
 *   call that made them to the end of the batch.
 *
 * `<name>` is the entity's name as its instance id keeps it (lower case). Requests that carry no trace context
 * (their sender traced nothing) get no spans. Each operation's span has the operation's own start and end, and
 * an id derived from its request, so the messages it sends name it before it is emitted. With no SDK
 * registered each span is a no-op.
 */
import { diag, ROOT_CONTEXT, SpanKind, trace, type Attributes, type SpanContext } from "@opentelemetry/api";
import { parseEntityInstanceId } from "../entities/entity-id.js";
import { parseRequestTime, type EntityRequestMessage } from "../entities/messages.js";
import type { DistributedTraceContext, FailureDetails } from "../history/events.js";
import { deriveSpanId } from "./derived-span-id.js";
import { pinSpanId } from "./pinned-span.js";
import {
  Attr,
  EntityOperation,
  SpanType,
  entityCreateOrchestrationSpanName,
  entitySpanName,
} from "./schema.js";
import { setSpanFailed } from "./span-failure.js";
import { parentSpanContextOf, toDistributedTraceContext } from "./trace-parent.js";
import { durableTaskTracer } from "./tracer.js";

export interface EntityOperationTrace {
  /** The request as run: its trace context is the span the operation continues. */
  request: EntityRequestMessage;
  failure?: FailureDetails | undefined;
  /** When the operation started and ended running. */
  startTime: Date;
  endTime: Date;
}

/** A signal received with `createTrace`: its Producer span (emitted by the receiver, as DTF). */
export interface EntitySignalReceivedTrace {
  /** The request as it arrived (its trace context: the sender's span). */
  request: EntityRequestMessage;
  spanId: string;
  receivedAt: Date;
}

/** What a traced operation sent: a signal to an entity or the start of an orchestration. */
export interface EntityRequestSentTrace {
  kind: "signal" | "startOrchestration";
  /** The sending operation's span. */
  parent: SpanContext;
  spanId: string;
  /** The entity (`@name@key`) or orchestration instance. */
  target: string;
  /** The operation signaled. */
  operation?: string | undefined;
  requestTime: Date;
  scheduledTime?: Date | undefined;
}

export interface EntityBatchTrace {
  /** The entity's instance id (`@name@key`) and name. */
  instanceId: string;
  entityName: string;
  received: EntitySignalReceivedTrace[];
  operations: EntityOperationTrace[];
  sent: EntityRequestSentTrace[];
  /** When the batch's operations ended running (the end of what they sent). */
  endTime: Date;
}

/** The id of the Producer span of a received signal (DTF draws it at random), and so the request's new parent. */
export function receivedSignalSpanId(instanceId: string, request: EntityRequestMessage): string {
  return deriveSpanId("entity-request", instanceId, request.id);
}

/** The trace context that makes span `spanId` (in `parent`'s trace) the parent of whatever carries it. */
export function spanTraceContext(parent: SpanContext, spanId: string): DistributedTraceContext {
  return toDistributedTraceContext({ ...parent, spanId });
}

/** The span an operation's run is (undefined when its request is not traced). */
export function operationSpanContext(
  instanceId: string,
  request: EntityRequestMessage,
): SpanContext | undefined {
  const parent = parentSpanContextOf(request.parentTraceContext);
  return (
    parent && { ...parent, spanId: deriveSpanId("entity-operation", instanceId, request.id), isRemote: true }
  );
}

/** Never throws: the batch is written by then. */
export function emitEntitySpans(batch: EntityBatchTrace, now: Date): void {
  try {
    for (const r of batch.received) emitReceived(batch, r);
    for (const op of batch.operations) emitOperation(batch, op, now);
    for (const s of batch.sent) emitSent(batch, s);
  } catch (err) {
    diag.warn("taskhub: emitting the spans of an entity batch failed", err);
  }
}

function emitSpan(
  name: string,
  kind: SpanKind,
  parent: SpanContext,
  spanId: string | undefined,
  times: { start?: Date | undefined; end: Date },
  attributes: Attributes,
  failure?: FailureDetails,
): void {
  const span = durableTaskTracer().startSpan(
    name,
    { kind, ...(times.start ? { startTime: times.start } : {}) },
    trace.setSpanContext(ROOT_CONTEXT, parent),
  );
  if (span.isRecording()) {
    if (spanId) pinSpanId(span, spanId);
    span.setAttributes(attributes);
    if (failure) {
      span.setAttribute(Attr.entityErrorMessage, failure.errorMessage);
      setSpanFailed(span, failure.errorMessage, failure);
    }
  }
  span.end(times.end);
}

function emitReceived(batch: EntityBatchTrace, r: EntitySignalReceivedTrace): void {
  const parent = parentSpanContextOf(r.request.parentTraceContext);
  if (!parent) return;
  const start = parseRequestTime(r.request.requestTime);
  emitSpan(
    entitySpanName(batch.entityName, r.request.op ?? ""),
    SpanKind.PRODUCER,
    parent,
    r.spanId,
    { start: start && start <= r.receivedAt ? start : r.receivedAt, end: r.receivedAt },
    {
      [Attr.type]: SpanType.entity,
      [Attr.operation]: EntityOperation.signal,
      [Attr.eventTargetInstanceId]: batch.instanceId,
      ...(r.request.due ? { [Attr.scheduledTime]: r.request.due } : {}),
    },
  );
}

function emitOperation(batch: EntityBatchTrace, op: EntityOperationTrace, now: Date): void {
  const { request } = op;
  const parent = parentSpanContextOf(request.parentTraceContext);
  if (!parent) return;
  const name = entitySpanName(batch.entityName, request.op ?? "");
  const operation = request.signal ? EntityOperation.signal : EntityOperation.call;
  let runParent: SpanContext = parent;
  if (!request.signal) {
    // The caller's side of a call: its Client span, ended by the response.
    const spanId = deriveSpanId("entity-request", batch.instanceId, request.id);
    emitSpan(
      name,
      SpanKind.CLIENT,
      parent,
      spanId,
      { start: parseRequestTime(request.requestTime), end: now },
      {
        [Attr.type]: SpanType.entity,
        [Attr.operation]: operation,
        [Attr.eventTargetInstanceId]: batch.instanceId,
      },
    );
    runParent = { ...parent, spanId, isRemote: true };
  }
  emitSpan(
    name,
    request.signal ? SpanKind.CONSUMER : SpanKind.SERVER,
    runParent,
    operationSpanContext(batch.instanceId, request)!.spanId,
    { start: op.startTime, end: op.endTime },
    { [Attr.type]: SpanType.entity, [Attr.operation]: operation, [Attr.instanceId]: batch.instanceId },
    op.failure,
  );
}

function emitSent(batch: EntityBatchTrace, s: EntityRequestSentTrace): void {
  const scheduled = s.scheduledTime ? { [Attr.scheduledTime]: s.scheduledTime.toISOString() } : {};
  const times = { start: s.requestTime, end: batch.endTime };
  const signal = s.kind === "signal";
  emitSpan(
    signal
      ? entitySpanName(parseEntityInstanceId(s.target).name, s.operation ?? "")
      : entityCreateOrchestrationSpanName(batch.entityName),
    SpanKind.PRODUCER,
    s.parent,
    s.spanId,
    times,
    {
      [Attr.type]: SpanType.entity,
      ...(signal ? { [Attr.operation]: EntityOperation.signal } : {}),
      [Attr.eventTargetInstanceId]: s.target,
      [Attr.instanceId]: batch.instanceId,
      ...scheduled,
    },
  );
}
