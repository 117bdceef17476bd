/**
 * The tracer every taskhub span comes from, named as DurableTask.Core's ActivitySource ("DurableTask.Core").
 * Without an OpenTelemetry SDK registered, the API hands out a no-op tracer whose spans record nothing; the
 * callers then skip building attributes (`span.isRecording()`).
 */
import { trace, type Tracer } from "@opentelemetry/api";
import { TRACER_NAME } from "./schema.js";

/**
 * Looked up on each use rather than cached, so that a provider registered after taskhub was loaded (or
 * replaced in a test) is the one used; the API's global lookup is a map read.
 */
export function durableTaskTracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}
