/**
 * The spans of an entity's batch, as DurableTask.Core's entity dispatcher emits them, once the batch is
 * written (like an orchestration step's, step-spans.ts):
 *
 * - a call (`callEntity` from an orchestration): `entity:<name>:<operation>` (Client), a child of the caller's
 *   span, from the request's time to the response, under an id derived from the request (DTF: its
 *   `ClientSpanId`); and `entity:<name>:<operation>` (Server), its child, for the operation's run;
 * - a signal: `entity:<name>:<operation>` (Consumer) for the operation's run, a child of the signal's span;
 *   when the request asks for it (`createTrace`, an orchestration's signal), first the signal's own
 *   `entity:<name>:<operation>` (Producer) from the request's time, under the sender's span.
 *
 * `<name>` is the entity's name as its instance id keeps it (lower case). Requests that carry no trace context
 * (their sender traced nothing) get no spans. With no SDK registered each span is a no-op.
 */
import { diag, ROOT_CONTEXT, SpanKind, trace, type SpanContext } from "@opentelemetry/api";
import { parseRequestTime, type EntityRequestMessage } from "../entities/messages.js";
import type { FailureDetails } from "../history/events.js";
import { deriveSpanId } from "./derived-span-id.js";
import { pinSpanId } from "./pinned-span.js";
import { Attr, EntityOperation, SpanType, entitySpanName } from "./schema.js";
import { setSpanFailed } from "./span-failure.js";
import { parentSpanContextOf } from "./trace-parent.js";
import { durableTaskTracer } from "./tracer.js";

export interface EntityOperationTrace {
  request: EntityRequestMessage;
  failure?: FailureDetails | undefined;
}

export interface EntityBatchTrace {
  /** The entity's instance id (`@name@key`) and name. */
  instanceId: string;
  entityName: string;
  operations: EntityOperationTrace[];
  /** When the batch's operations started and ended running. */
  startTime: Date;
  endTime: Date;
}

/** Never throws: the batch is written by then. */
export function emitEntitySpans(batch: EntityBatchTrace, now: Date): void {
  try {
    for (const op of batch.operations) emitOperation(batch, op, now);
  } catch (err) {
    diag.warn("taskhub: emitting the spans of an entity batch failed", err);
  }
}

function emitOperation(batch: EntityBatchTrace, op: EntityOperationTrace, now: Date): void {
  const { request } = op;
  const parent = parentSpanContextOf(request.parentTraceContext);
  if (!parent) return;
  const tracer = durableTaskTracer();
  const name = entitySpanName(batch.entityName, request.op ?? "");
  const operation = request.signal ? EntityOperation.signal : EntityOperation.call;
  const requestTime = parseRequestTime(request.requestTime);
  const emitSender = !request.signal || request.createTrace === true;
  let runParent: SpanContext = parent;
  if (emitSender) {
    // The caller's side: a call's Client span (ended by the response) or a signal's Producer span.
    const spanId = deriveSpanId("entity-request", batch.instanceId, request.id);
    const span = tracer.startSpan(
      name,
      { kind: request.signal ? SpanKind.PRODUCER : SpanKind.CLIENT, startTime: requestTime },
      trace.setSpanContext(ROOT_CONTEXT, parent),
    );
    if (span.isRecording()) {
      pinSpanId(span, spanId);
      span.setAttributes({
        [Attr.type]: SpanType.entity,
        [Attr.operation]: operation,
        [Attr.eventTargetInstanceId]: batch.instanceId,
        ...(request.due ? { [Attr.scheduledTime]: request.due } : {}),
      });
    }
    span.end(request.signal ? (requestTime ?? now) : now);
    runParent = { ...parent, spanId, isRemote: true };
  }
  const run = tracer.startSpan(
    name,
    { kind: request.signal ? SpanKind.CONSUMER : SpanKind.SERVER, startTime: batch.startTime },
    trace.setSpanContext(ROOT_CONTEXT, runParent),
  );
  if (run.isRecording()) {
    run.setAttributes({
      [Attr.type]: SpanType.entity,
      [Attr.operation]: operation,
      [Attr.instanceId]: batch.instanceId,
    });
    if (op.failure) {
      run.setAttribute(Attr.entityErrorMessage, op.failure.errorMessage);
      setSpanFailed(run, op.failure.errorMessage, op.failure);
    }
  }
  run.end(batch.endTime);
}
