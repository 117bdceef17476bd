// A client's signalEntity: under the caller's span it writes what DTF's .NET client writes (the span as the
// request's parent, createTrace, requestTime); without one, no trace context.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trace } from "@opentelemetry/api";
import type { OrchestrationServiceClient } from "../../src/backend/service.js";
import type { TaskMessage } from "../../src/backend/task-message.js";
import { signalEntity } from "../../src/entities/entity-client.js";
import { parseRequest } from "../../src/entities/messages.js";
import type { EventRaisedEvent } from "../../src/history/events.js";
import { installSpanCapture, type SpanCapture } from "../tracing/span-capture.js";

let capture: SpanCapture;
beforeAll(() => {
  capture = installSpanCapture();
});
afterAll(() => capture.uninstall());

function recordingService(): { service: OrchestrationServiceClient; sent: TaskMessage[] } {
  const sent: TaskMessage[] = [];
  const service = {
    sendTaskOrchestrationMessage: async (m: TaskMessage) => void sent.push(m),
  } as unknown as OrchestrationServiceClient;
  return { service, sent };
}

const now = new Date("2026-12-06T21:00:00.250Z");

describe("signalEntity", () => {
  it("under the caller's span: the span as parent, createTrace and the call's time", async () => {
    const { service, sent } = recordingService();
    let traceParent = "";
    await trace.getTracer("test").startActiveSpan("caller", async (span) => {
      const sc = span.spanContext();
      traceParent = `00-${sc.traceId}-${sc.spanId}-01`;
      await signalEntity(service, "@counter@k", "add", 1, { now });
      span.end();
    });
    const json = JSON.parse((sent[0]!.event as EventRaisedEvent).input!) as Record<string, unknown>;
    expect(json).toMatchObject({
      parentTraceContext: { TraceParent: traceParent, TraceState: null },
      createTrace: true,
      requestTime: "2026-12-06T21:00:00.25+00:00",
    });
    expect(parseRequest(json).parentTraceContext).toEqual({ traceParent });
  });

  it("without a span: no trace context, createTrace false, no requestTime", async () => {
    const { service, sent } = recordingService();
    await signalEntity(service, "@counter@k", "add", 1, { now });
    const json = JSON.parse((sent[0]!.event as EventRaisedEvent).input!) as Record<string, unknown>;
    expect(json.createTrace).toBe(false);
    expect(json).not.toHaveProperty("parentTraceContext");
    expect(json).not.toHaveProperty("requestTime");
  });
});
