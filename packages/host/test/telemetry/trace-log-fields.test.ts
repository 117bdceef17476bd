import { Writable } from "node:stream";
import { context, trace, TraceFlags } from "@opentelemetry/api";
import { node } from "@opentelemetry/sdk-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { traceLogFields } from "../../src/telemetry/trace-log-fields.js";

// A registered provider brings the context manager that makes a span active across awaits.
const provider = new node.NodeTracerProvider();
beforeAll(() => provider.register());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

const remote = trace.wrapSpanContext({
  traceId: "0af7651916cd43dd8448eb211c80319c",
  spanId: "b7ad6b7169203331",
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
});

describe("traceLogFields", () => {
  it("names the active span, and nothing without one", async () => {
    expect(traceLogFields()).toEqual({});
    await context.with(trace.setSpan(context.active(), remote), async () => {
      await new Promise((r) => setImmediate(r));
      expect(traceLogFields()).toEqual({
        trace_id: "0af7651916cd43dd8448eb211c80319c",
        span_id: "b7ad6b7169203331",
        trace_flags: "01",
      });
    });
    const span = provider.getTracer("t").startSpan("s");
    context.with(trace.setSpan(context.active(), span), () =>
      expect(traceLogFields()).toMatchObject({
        trace_id: span.spanContext().traceId,
        span_id: span.spanContext().spanId,
      }),
    );
    span.end();
  });

  it("is on the host logger's lines written in a span", () => {
    const chunks: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ destination });
    logger.info("outside");
    context.with(trace.setSpan(context.active(), remote), () => logger.info({ n: 1 }, "inside"));
    const [outside, inside] = chunks.map((c) => JSON.parse(c) as Record<string, unknown>);
    expect(outside).not.toHaveProperty("trace_id");
    expect(inside).toMatchObject({
      msg: "inside",
      n: 1,
      trace_id: "0af7651916cd43dd8448eb211c80319c",
      span_id: "b7ad6b7169203331",
    });
  });
});
