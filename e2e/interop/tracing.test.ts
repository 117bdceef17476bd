// One trace across the two runtimes: DurableTask.Core's client (with an ActivitySource listener in the peer, as
// an OpenTelemetry SDK registers one) starts the chaining orchestration on a hub a taskhub worker runs, and the
// taskhub worker's spans continue DTF's trace under its create_orchestration span; and back, taskhub's client
// starts one on a hub a DT.AS worker runs, whose spans continue taskhub's trace.
import { randomBytes } from "node:crypto";
import { context, trace, type SpanContext } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useInterop } from "./fixture.js";
import { taskhubClient } from "./taskhub.js";

const run = randomBytes(3).toString("hex");
const hubT = `traceT${run}`;
const hubD = `traceD${run}`;
const hubE = `traceE${run}`;

/** An Activity that DurableTask.Core stopped (SpanRecorder.cs). */
interface PeerSpan {
  name: string;
  kind: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  instanceId: string | null;
}

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

const fx = useInterop({
  dtasWorkers: { [hubD]: {}, [hubE]: { entities: true } },
  taskhubWorkers: { [hubT]: {} },
});

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  await fx.peer.call("listenSpans", hubD);
  await fx.peer.call("listenSpans", hubE);
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

/** Polls `find` until it returns something: spans end once their step is written, after the state reads done. */
async function eventually<T>(what: string, find: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not there after 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const ofTrace = (traceId: string): ReadableSpan[] =>
  exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
const parentOf = (s: ReadableSpan): SpanContext | undefined => s.parentSpanContext;

describe("a trace across DurableTask.Core and taskhub", () => {
  it("started by DT.AS's client continues through a taskhub worker, under DTF's create_orchestration span", async () => {
    const id = `trace-d2t-${run}`;
    await fx.peer.startInstance(hubT, "HelloSequence", id, '"hi"');
    expect((await fx.peer.wait(hubT, id, 300))?.status).toBe("Completed");

    const created = await eventually("DTF's create_orchestration span", async () =>
      (await fx.peer.call<PeerSpan[]>("spans", hubT)).find(
        (s) => s.name === "create_orchestration:HelloSequence",
      ),
    );
    expect(created.kind).toBe("Producer");
    const orchestration = await eventually("taskhub's orchestration span", () =>
      ofTrace(created.traceId).find((s) => s.name === "orchestration:HelloSequence"),
    );
    expect(parentOf(orchestration)?.spanId).toBe(created.spanId);
    const spans = ofTrace(created.traceId);
    // HelloSequence: five activities, each a Client span under the orchestration and a Server span under it.
    const clients = spans.filter((s) => s.name === "activity:SayHello" && s.kind === 2);
    expect(clients).toHaveLength(5);
    for (const c of clients) expect(parentOf(c)?.spanId).toBe(orchestration.spanContext().spanId);
    const servers = spans.filter((s) => s.name === "activity:SayHello" && s.kind === 1);
    expect(servers.map((s) => parentOf(s)?.spanId).sort()).toEqual(
      clients.map((c) => c.spanContext().spanId).sort(),
    );
  });

  it("started by taskhub's client continues through a DT.AS worker, under taskhub's create_orchestration span", async () => {
    const id = `trace-t2d-${run}`;
    const client = taskhubClient(fx.connectionString, hubD);
    const root = provider.getTracer("interop-test").startSpan("caller");
    await context.with(trace.setSpan(context.active(), root), () =>
      client.scheduleNewOrchestration("HelloSequence", "hi", { instanceId: id }),
    );
    root.end();
    expect((await fx.peer.wait(hubD, id, 300))?.status).toBe("Completed");

    const traceId = root.spanContext().traceId;
    const created = ofTrace(traceId).find((s) => s.name === "create_orchestration:HelloSequence");
    expect(parentOf(created!)?.spanId).toBe(root.spanContext().spanId);
    const dtfSpans = await eventually("DTF's orchestration span", async () => {
      const all = (await fx.peer.call<PeerSpan[]>("spans", hubD)).filter((s) => s.traceId === traceId);
      return all.some((s) => s.name === "orchestration:HelloSequence") ? all : undefined;
    });
    const orchestration = dtfSpans.find((s) => s.name === "orchestration:HelloSequence")!;
    expect(orchestration.parentSpanId).toBe(created!.spanContext().spanId);
    expect(dtfSpans.filter((s) => s.name === "activity:SayHello" && s.kind === "Client")).toHaveLength(5);
  });

  it("a taskhub client's signalEntity under a span: DTF's entity worker reads createTrace and requestTime, and traces it under the span", async () => {
    const key = `sig-${run}`;
    const client = taskhubClient(fx.connectionString, hubE);
    const root = provider.getTracer("interop-test").startSpan("signaller");
    await context.with(trace.setSpan(context.active(), root), () =>
      client.signalEntity({ name: "counter", key }, "add", 5),
    );
    root.end();
    const traceId = root.spanContext().traceId;
    const spans = await eventually("DTF's entity spans", async () => {
      const all = (await fx.peer.call<PeerSpan[]>("spans", hubE)).filter(
        (s) => s.traceId === traceId && s.name === "entity:counter:add",
      );
      return all.length >= 2 ? all : undefined;
    });
    const producer = spans.find((s) => s.kind === "Producer")!;
    expect(producer.parentSpanId).toBe(root.spanContext().spanId);
    const consumer = spans.find((s) => s.kind === "Consumer")!;
    expect(consumer.parentSpanId).toBe(producer.spanId);
    expect(consumer.instanceId).toBe(`@counter@${key}`);
  });
});
