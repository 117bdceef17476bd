import { context, trace } from "@opentelemetry/api";
import { node } from "@opentelemetry/sdk-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withIncomingTraceContext } from "../../src/telemetry/incoming-trace-context.js";

// register(): the W3C trace-context propagator and the async context manager, as the SDK sets them.
const provider = new node.NodeTracerProvider();
beforeAll(() => provider.register());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

const request = (headers: Record<string, string>): Request =>
  new Request("http://127.0.0.1/runtime/webhooks/durabletask/orchestrators/X", { method: "POST", headers });

describe("withIncomingTraceContext", () => {
  it("runs the handler under the caller's traceparent, across awaits, and a span started there is its child", async () => {
    const seen = await withIncomingTraceContext(
      request({ traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", tracestate: "k=v" }),
      async () => {
        await new Promise((r) => setImmediate(r));
        const active = trace.getActiveSpan()!.spanContext();
        const child = provider.getTracer("t").startSpan("create_orchestration:X");
        child.end();
        return { active, child: child as unknown as { parentSpanContext?: { spanId: string } } };
      },
    );
    expect(seen.active).toMatchObject({
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      isRemote: true,
    });
    expect(seen.active.traceState?.get("k")).toBe("v");
    expect(seen.child.parentSpanContext?.spanId).toBe("b7ad6b7169203331");
    // Outside the handler: the caller's context is gone.
    expect(trace.getActiveSpan()).toBeUndefined();
  });

  it("runs the handler in the current context without a valid traceparent", () => {
    for (const headers of [{}, { traceparent: "not-a-traceparent" }] as Record<string, string>[])
      expect(withIncomingTraceContext(request(headers), () => trace.getActiveSpan())).toBeUndefined();
  });
});
