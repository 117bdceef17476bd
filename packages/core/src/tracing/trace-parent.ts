/**
 * W3C trace context (`traceparent` / `tracestate`) to and from OpenTelemetry span contexts: what DTF stores in
 * the `ParentTraceContext` of ExecutionStarted, TaskScheduled and EventRaised events (its
 * `DistributedTraceContext`). Only version 00 is written; a later version is read by its first four fields,
 * as the W3C specification asks. A malformed value reads as "no context", never as an error: a bad header
 * from another process must not fail an orchestration.
 */
import { createTraceState, isSpanContextValid, TraceFlags, type SpanContext } from "@opentelemetry/api";
import type { DistributedTraceContext } from "../history/events.js";

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The remote span context a `traceparent` (and optional `tracestate`) names; undefined when invalid. */
export function parseTraceParent(
  traceParent: string | undefined,
  traceState?: string,
): SpanContext | undefined {
  if (!traceParent) return undefined;
  const m = TRACEPARENT.exec(traceParent.trim().toLowerCase());
  if (!m || m[1] === "ff" || (m[1] === "00" && m[5] !== undefined)) return undefined;
  const context: SpanContext = {
    traceId: m[2]!,
    spanId: m[3]!,
    traceFlags: parseInt(m[4]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  if (traceState) context.traceState = createTraceState(traceState);
  return isSpanContextValid(context) ? context : undefined;
}

/** `00-<trace id>-<span id>-<flags>`. */
export function formatTraceParent(traceId: string, spanId: string, traceFlags: number): string {
  return `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, "0")}`;
}

/**
 * The `DistributedTraceContext` that makes a span with this context the parent of whatever reads it.
 * DTF drops a `tracestate` longer than 513 characters rather than truncate it by the W3C rules.
 */
export function toDistributedTraceContext(sc: SpanContext): DistributedTraceContext {
  const traceState = sc.traceState?.serialize();
  return {
    traceParent: formatTraceParent(sc.traceId, sc.spanId, sc.traceFlags),
    ...(traceState && traceState.length <= 513 ? { traceState } : {}),
  };
}

/** The span context an event's `ParentTraceContext` names, if any. */
export function parentSpanContextOf(tc: DistributedTraceContext | undefined): SpanContext | undefined {
  return tc ? parseTraceParent(tc.traceParent, tc.traceState) : undefined;
}
