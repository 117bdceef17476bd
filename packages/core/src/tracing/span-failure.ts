/**
 * How a taskhub span records a failure: error status with the failure's message (as DTF's
 * `SetStatus(Error, message)`), plus the OpenTelemetry `exception` event carrying its type and message
 * (`exception.type`, `exception.message`, and `exception.stacktrace` when known).
 */
import { SpanStatusCode, type Span } from "@opentelemetry/api";
import type { FailureDetails } from "../history/events.js";

export function setSpanFailed(span: Span, message: string, details?: FailureDetails): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.recordException({
    name: details?.errorType ?? "Error",
    message: details?.errorMessage ?? message,
    ...(details?.stackTrace ? { stack: details.stackTrace } : {}),
  });
}
