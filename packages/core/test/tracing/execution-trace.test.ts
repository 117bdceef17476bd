import { describe, expect, it } from "vitest";
import { newEvent, type DistributedTraceContext, type ExecutionStartedEvent } from "../../src/index.js";
import {
  newExecutionTrace,
  rewoundClientSpanId,
  rewoundTraceContext,
  storedExecutionTrace,
} from "../../src/tracing/execution-trace.js";

const TRACE = "0af7651916cd43dd8448eb211c80319c";
const CLIENT_SPAN = "b7ad6b7169203331";
const T = new Date("2026-01-01T00:00:01Z");

function start(tc?: DistributedTraceContext): ExecutionStartedEvent {
  return newEvent("ExecutionStarted", {
    timestamp: new Date("2026-01-01T00:00:00Z"),
    orchestrationInstance: { instanceId: "i", executionId: "e" },
    name: "Chain",
    version: "",
    ...(tc ? { parentTraceContext: tc } : {}),
  });
}

describe("an execution's span identity", () => {
  it("is added to a new start event: its traceparent, span id and start, under the creator's trace", () => {
    const now = new Date("2026-01-01T00:00:01Z");
    const fresh = newExecutionTrace(
      start({ traceParent: `00-${TRACE}-${CLIENT_SPAN}-01`, traceState: "a=1" }),
      now,
    )!;
    const tc = fresh.start.parentTraceContext!;
    expect(tc.traceParent).toBe(`00-${TRACE}-${CLIENT_SPAN}-01`);
    expect(tc.traceState).toBe("a=1");
    expect(tc.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(tc.spanId).not.toBe(CLIENT_SPAN);
    expect(tc.id).toBe(`00-${TRACE}-${tc.spanId}-01`);
    expect(tc.activityStartTime).toBe("2026-01-01T00:00:01.000Z");
    expect(fresh.trace.span).toMatchObject({ traceId: TRACE, spanId: tc.spanId, traceFlags: 1 });
    expect(fresh.trace.parent.spanId).toBe(CLIENT_SPAN);
    // Read back by the next step (on any worker) as the same identity.
    const stored = storedExecutionTrace(fresh.start)!;
    expect(stored.span).toMatchObject({ traceId: TRACE, spanId: tc.spanId, traceFlags: 1 });
    expect(stored.parent.spanId).toBe(CLIENT_SPAN);
    expect(stored.startTime.toISOString()).toBe(now.toISOString());
  });

  it("is the same when the first step runs again", () => {
    const s = start({ traceParent: `00-${TRACE}-${CLIENT_SPAN}-01` });
    const a = newExecutionTrace(s, new Date(1000))!;
    const b = newExecutionTrace(s, new Date(2000))!;
    expect(b.trace.span.spanId).toBe(a.trace.span.spanId);
  });

  it("is read from what a DTF worker stored (Id, SpanId, ActivityStartTime)", () => {
    const dtf = start({
      traceParent: `00-${TRACE}-${CLIENT_SPAN}-01`,
      id: `00-${TRACE}-00f067aa0ba902b7-01`,
      spanId: "00f067aa0ba902b7",
      activityStartTime: "2026-01-01T00:00:00.5000000Z",
    });
    const stored = storedExecutionTrace(dtf)!;
    expect(stored.span.spanId).toBe("00f067aa0ba902b7");
    expect(stored.startTime.toISOString()).toBe("2026-01-01T00:00:00.500Z");
  });

  it("does not exist without a valid parent", () => {
    expect(newExecutionTrace(start(), new Date())).toBeUndefined();
    expect(newExecutionTrace(start({ traceParent: "nonsense" }), new Date())).toBeUndefined();
    expect(storedExecutionTrace(start())).toBeUndefined();
    expect(storedExecutionTrace(start({ traceParent: `00-${TRACE}-${CLIENT_SPAN}-01` }))).toBeUndefined();
  });
});

describe("an execution rewound in place (Azure Storage)", () => {
  const stamped = newExecutionTrace(
    start({ traceParent: `00-${TRACE}-${CLIENT_SPAN}-01`, traceState: "a=1" }),
    T,
  )!.start;

  it("gets a new span identity per rewind, under the same parent, as the worker's own rewind derives it", () => {
    const now = new Date("2026-01-01T00:01:00Z");
    const first = rewoundTraceContext(stamped, 1, now)!;
    const second = rewoundTraceContext(stamped, 2, now)!;
    expect(first).toEqual(newExecutionTrace(stamped, now, 1)!.start.parentTraceContext);
    expect(first.traceParent).toBe(`00-${TRACE}-${CLIENT_SPAN}-01`);
    expect(first.traceState).toBe("a=1");
    expect(new Set([stamped.parentTraceContext!.spanId, first.spanId, second.spanId]).size).toBe(3);
    expect(first.activityStartTime).toBe(now.toISOString());
    expect(rewoundTraceContext(stamped, 1, now)).toEqual(first);
    expect(rewoundTraceContext(start(), 1, now)).toBeUndefined();
  });

  it("of a child: under its parent's new client span", () => {
    const client = rewoundClientSpanId(stamped.parentTraceContext!.spanId!, 3, 1);
    expect(client).toMatch(/^[0-9a-f]{16}$/);
    expect(client).not.toBe(rewoundClientSpanId(stamped.parentTraceContext!.spanId!, 3, 2));
    const child = rewoundTraceContext(stamped, 1, T, client)!;
    expect(child.traceParent).toBe(`00-${TRACE}-${client}-01`);
    expect(child.id).toBe(`00-${TRACE}-${child.spanId}-01`);
  });
});
