/**
 * An HTTP request continues the trace its caller names (W3C `traceparent` / `tracestate`, or what
 * `OTEL_PROPAGATORS` chose): the handler runs with that remote span as the active context, so the
 * `create_orchestration` span of an orchestration it starts (management API, a Functions HTTP starter, the
 * app's own handler) is its child, and the log lines it writes carry its trace id. Without an SDK the API's
 * propagator and context manager do nothing and the handler just runs.
 */
import { context, propagation, type TextMapGetter } from "@opentelemetry/api";

const HEADERS: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

export function withIncomingTraceContext<T>(request: Request, handler: () => T): T {
  return context.with(propagation.extract(context.active(), request.headers, HEADERS), handler);
}
