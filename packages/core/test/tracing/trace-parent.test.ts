import { describe, expect, it } from "vitest";
import {
  formatTraceParent,
  parentSpanContextOf,
  parseTraceParent,
  toDistributedTraceContext,
} from "../../src/tracing/trace-parent.js";

const TRACE = "0af7651916cd43dd8448eb211c80319c";
const SPAN = "b7ad6b7169203331";

describe("W3C traceparent", () => {
  it("reads version 00 with its sampled flag and tracestate", () => {
    const sc = parseTraceParent(`00-${TRACE}-${SPAN}-01`, "congo=t61rcWkgMzE")!;
    expect(sc).toMatchObject({ traceId: TRACE, spanId: SPAN, traceFlags: 1, isRemote: true });
    expect(sc.traceState?.get("congo")).toBe("t61rcWkgMzE");
    expect(parseTraceParent(`00-${TRACE}-${SPAN}-00`)?.traceFlags).toBe(0);
  });

  it("reads a later version by its first four fields", () => {
    expect(parseTraceParent(`01-${TRACE}-${SPAN}-01-extra`)?.spanId).toBe(SPAN);
  });

  it("reads malformed or all-zero values as no context", () => {
    for (const bad of [
      undefined,
      "",
      "garbage",
      `00-${TRACE}-${SPAN}`,
      `00-${TRACE}-${SPAN}-01-extra`,
      `ff-${TRACE}-${SPAN}-01`,
      `00-${"0".repeat(32)}-${SPAN}-01`,
      `00-${TRACE}-${"0".repeat(16)}-01`,
      `00-${TRACE.slice(1)}-${SPAN}-01`,
    ])
      expect(parseTraceParent(bad), String(bad)).toBeUndefined();
    expect(parentSpanContextOf(undefined)).toBeUndefined();
    expect(parentSpanContextOf({ traceState: "a=b" })).toBeUndefined();
  });

  it("writes version 00, and a DistributedTraceContext that reads back", () => {
    expect(formatTraceParent(TRACE, SPAN, 1)).toBe(`00-${TRACE}-${SPAN}-01`);
    const sc = parseTraceParent(`00-${TRACE}-${SPAN}-01`, "a=1,b=2")!;
    const tc = toDistributedTraceContext(sc);
    expect(tc).toEqual({ traceParent: `00-${TRACE}-${SPAN}-01`, traceState: "a=1,b=2" });
    expect(parentSpanContextOf(tc)).toMatchObject({ traceId: TRACE, spanId: SPAN, traceFlags: 1 });
  });

  it("drops a tracestate longer than 513 characters, as DTF", () => {
    const long = Array.from({ length: 30 }, (_, i) => `k${i}=${"v".repeat(20)}`).join(",");
    expect(long.length).toBeGreaterThan(513);
    const tc = toDistributedTraceContext(parseTraceParent(`00-${TRACE}-${SPAN}-01`, long)!);
    expect(tc.traceState).toBeUndefined();
  });
});
