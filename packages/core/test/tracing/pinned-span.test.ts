import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trace, type Span, type SpanContext } from "@opentelemetry/api";
import { pinSpanId, pinTraceId } from "../../src/tracing/pinned-span.js";
import { installSpanCapture, type SpanCapture } from "./span-capture.js";

let capture: SpanCapture;
beforeAll(() => {
  capture = installSpanCapture();
});
afterAll(() => capture.uninstall());

describe("pinSpanId", () => {
  it("gives an SDK span the id it is exported under", () => {
    const span = trace.getTracer("t").startSpan("pinned");
    expect(pinSpanId(span, "00f067aa0ba902b7")).toBe(true);
    span.end();
    expect(capture.one("pinned").spanContext().spanId).toBe("00f067aa0ba902b7");
  });

  it("reports a span whose context cannot change", () => {
    const frozen: SpanContext = Object.freeze({
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: 1,
    });
    const span = { spanContext: () => frozen } as unknown as Span;
    expect(pinSpanId(span, "00f067aa0ba902b7")).toBe(false);
    const copying = { spanContext: () => ({ ...frozen }) } as unknown as Span;
    expect(pinSpanId(copying, "00f067aa0ba902b7")).toBe(false);
  });
});

describe("pinTraceId", () => {
  it("gives an SDK root span the trace id it is exported under", () => {
    const span = trace.getTracer("t").startSpan("root", { root: true });
    expect(pinTraceId(span, "0af7651916cd43dd8448eb211c80319c")).toBe(true);
    span.end();
    expect(capture.one("root").spanContext().traceId).toBe("0af7651916cd43dd8448eb211c80319c");
  });
});
