/**
 * One span, one id, whichever process ends it. An orchestration's span is started when its first step runs
 * and ended by the step that completes it, often in another process; the ids of the activity and
 * sub-orchestration client spans are written into history when they are scheduled, and the spans emitted
 * when their results arrive. The spans ended later must carry those ids, or the spans parented to them in the
 * meantime (activity executions, timers, child orchestrations, possibly on DTF workers) would hang off
 * spans that never appear.
 *
 * The OpenTelemetry API lets no caller choose a span id, so this sets it on the span just started, as DTF
 * does on its `Activity` (by reflection) and durabletask-go on its span: the OpenTelemetry JS SDK's span
 * returns its own, mutable span context from `spanContext()`, and exporters read the id from there when the
 * span ends. Returns false when the span keeps its id (another SDK), after which the span is still exported,
 * under its own id.
 */
import type { Span } from "@opentelemetry/api";

export function pinSpanId(span: Span, spanId: string): boolean {
  const sc = span.spanContext();
  if (sc.spanId === spanId) return true;
  try {
    (sc as { spanId: string }).spanId = spanId;
  } catch {
    return false; // a frozen context
  }
  return span.spanContext().spanId === spanId;
}

/**
 * The same for the trace id of a root span that starts a trace a step derived (continue-as-new into a new
 * trace): its id is written into history before the span is emitted, so the span must carry it.
 */
export function pinTraceId(span: Span, traceId: string): boolean {
  const sc = span.spanContext();
  if (sc.traceId === traceId) return true;
  try {
    (sc as { traceId: string }).traceId = traceId;
  } catch {
    return false;
  }
  return span.spanContext().traceId === traceId;
}
