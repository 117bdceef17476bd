/**
 * The active span's ids for a log line, named as OpenTelemetry's log correlation names them (`trace_id`,
 * `span_id`, `trace_flags`, as @opentelemetry/instrumentation-pino writes them): a line written while a span
 * is active (an activity running, a request continuing a `traceparent`, an orchestration step) can be found
 * from the trace, and the trace from the line. No active span (or no SDK): no fields.
 */
import { isSpanContextValid, trace } from "@opentelemetry/api";

export interface TraceLogFields {
  trace_id?: string;
  span_id?: string;
  trace_flags?: string;
}

export function traceLogFields(): TraceLogFields {
  const sc = trace.getActiveSpan()?.spanContext();
  if (!sc || !isSpanContextValid(sc)) return {};
  return {
    trace_id: sc.traceId,
    span_id: sc.spanId,
    trace_flags: `0${sc.traceFlags.toString(16)}`.slice(-2),
  };
}
