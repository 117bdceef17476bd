// Tracing across processes on Azurite (issue 23): a client process and two worker processes, each with its
// own OpenTelemetry SDK (spans to a file per process). The orchestration starts on worker a, which is
// stopped while the orchestration waits for an event; worker b finishes it. The trace must stay whole: one
// orchestration span (emitted by b under the id a stored in history, from a's start), every activity's and
// the child's execution under its client span, and no span twice however many steps replayed it.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { context, SpanKind, trace } from "@opentelemetry/api";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import type { ExecutionStartedEvent } from "@taskhub/core";
import { readSpanFile, registerSpanFile, type FileSpan } from "../src/span-file.js";
import { newHub, tmp, type Hub } from "./worker-hub.js";
import { waitFor } from "./workers.js";

let azurite: AzuriteInstance;
let h: Hub;
const files = {
  client: join(tmp, "spans-client.jsonl"),
  a: join(tmp, "spans-a.jsonl"),
  b: join(tmp, "spans-b.jsonl"),
};

beforeAll(async () => {
  azurite = await startAzurite();
  h = newHub(azurite.connectionString, { partitions: 2 });
  await h.service.createIfNotExists();
  registerSpanFile(files.client, "client");
});
afterAll(async () => {
  for (const w of h?.workers ?? []) if (w.exitedAt === undefined) w.kill("SIGKILL");
  trace.disable();
  context.disable();
  await azurite?.stop();
});

describe("tracing across worker processes", () => {
  it("keeps one trace whole when the orchestration moves to another worker", async () => {
    const a = await h.start("a", { TASKHUB_SPANS_FILE: files.a });
    const id = "traced-1";
    await trace.getTracer("e2e").startActiveSpan("caller", async (caller) => {
      await h.client.scheduleNewOrchestration("Traced", 1, { instanceId: id });
      caller.end();
    });
    // Worker a ran the first activity and is waiting for the event.
    await waitFor(
      () => readSpanFile(files.a).some((s) => s.name === "activity:Work" && s.kind === SpanKind.CLIENT),
      60_000,
      () => "the first activity's result did not arrive on worker a",
    );
    a.kill("SIGTERM");
    await a.exited();
    await h.start("b", { TASKHUB_SPANS_FILE: files.b });
    await h.client.raiseEvent(id, "go", 10);
    const state = await h.client.waitForOrchestrationCompletion(id, { timeoutMs: 120_000 });
    expect(state.runtimeStatus).toBe("Completed");

    let spans: FileSpan[] = [];
    const all = (): FileSpan[] => [
      ...readSpanFile(files.client),
      ...readSpanFile(files.a),
      ...readSpanFile(files.b),
    ];
    await waitFor(
      () => (spans = all()).some((s) => s.name === "orchestration:Traced" && s.kind === SpanKind.SERVER),
      30_000,
      () => "no orchestration span",
    );
    const named = (name: string, kind: SpanKind) => spans.filter((s) => s.name === name && s.kind === kind);
    const one = (name: string, kind: SpanKind) => {
      const found = named(name, kind);
      expect(found, `${name} (${kind})`).toHaveLength(1);
      return found[0]!;
    };
    const caller = one("caller", SpanKind.INTERNAL);
    const create = one("create_orchestration:Traced", SpanKind.PRODUCER);
    const orchestration = one("orchestration:Traced", SpanKind.SERVER);
    // One trace, but for the client's raiseEvent span: the test raised the event outside its "caller" span.
    const event = one("orchestration_event:go", SpanKind.PRODUCER);
    expect(new Set(spans.filter((s) => s !== event).map((s) => s.traceId))).toEqual(
      new Set([caller.traceId]),
    );
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(spans.length);
    expect(create.parentSpanId).toBe(caller.spanId);
    expect(orchestration.parentSpanId).toBe(create.spanId);
    expect(orchestration.worker).toMatch(/^b-/);
    expect(orchestration.attributes).toMatchObject({
      "durabletask.task.instance_id": id,
      "durabletask.task.status": "Completed",
    });
    // Under the id and from the start worker a wrote into the ExecutionStarted history row.
    const history = await h.client.getOrchestrationHistory(id);
    const started = history.find((e): e is ExecutionStartedEvent => e.type === "ExecutionStarted")!;
    expect(started.parentTraceContext?.spanId).toBe(orchestration.spanId);
    expect(started.parentTraceContext?.traceParent).toBe(`00-${create.traceId}-${create.spanId}-01`);
    expect(orchestration.start).toBe(Date.parse(started.parentTraceContext!.activityStartTime!));

    // Two activities of the parent, one of the child; each execution under its client span.
    const clients = named("activity:Work", SpanKind.CLIENT);
    const servers = named("activity:Work", SpanKind.SERVER);
    expect(clients).toHaveLength(3);
    expect(servers).toHaveLength(3);
    for (const s of servers) expect(clients.map((c) => c.spanId)).toContain(s.parentSpanId);
    const parentActivities = clients.filter((c) => c.parentSpanId === orchestration.spanId);
    expect(parentActivities.map((c) => c.worker[0]).sort()).toEqual(["a", "b"]);

    const childClient = one("orchestration:Child", SpanKind.CLIENT);
    const childServer = one("orchestration:Child", SpanKind.SERVER);
    expect(childClient.parentSpanId).toBe(orchestration.spanId);
    expect(childServer.parentSpanId).toBe(childClient.spanId);
    expect(clients.filter((c) => c.parentSpanId === childServer.spanId)).toHaveLength(1);

    expect(one("orchestration:Traced:timer", SpanKind.INTERNAL).parentSpanId).toBe(orchestration.spanId);
    expect(event.worker).toBe("client");
    expect(event.attributes["durabletask.event.target_instance_id"]).toBe(id);
  });
});
