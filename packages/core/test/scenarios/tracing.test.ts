// The spans of whole orchestrations on the in-memory backend, as DurableTask.Core names and shapes them
// (docs/tracing.md): the tree (names, kinds, parents), the attributes, failures, and one span per
// execution however often it replays.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { context, SpanKind, SpanStatusCode, trace, TraceFlags } from "@opentelemetry/api";
import {
  newEvent,
  TaskHubClient,
  TaskHubWorker,
  type ExecutionStartedEvent,
  type HistoryEvent,
  type Orchestrator,
  type TaskScheduledEvent,
} from "../../src/index.js";
import { InMemoryOrchestrationService } from "../../src/testing/index.js";
import {
  installSpanCapture,
  parentSpanId,
  type ReadableSpan,
  type SpanCapture,
} from "../tracing/span-capture.js";

let capture: SpanCapture;
beforeAll(() => {
  capture = installSpanCapture();
});
afterAll(() => capture.uninstall());
beforeEach(() => capture.reset());

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

async function run(
  setup: (w: TaskHubWorker) => void,
  start: (c: TaskHubClient) => Promise<string>,
): Promise<{ client: TaskHubClient; service: InMemoryOrchestrationService; instanceId: string }> {
  const service = new InMemoryOrchestrationService({ pollIntervalMs: 10 });
  const worker = new TaskHubWorker(service);
  setup(worker);
  await worker.start();
  stops.push(() => worker.stop({ drainTimeoutMs: 2000 }));
  const client = new TaskHubClient(service);
  const instanceId = await start(client);
  await client.waitForOrchestrationCompletion(instanceId, { timeoutMs: 15_000 });
  return { client, service, instanceId };
}

/** The execution span is emitted right after the completing step is written, which a client may see first. */
async function executionSpan(name: string): Promise<ReadableSpan> {
  return vi.waitFor(() => capture.one(`orchestration:${name}`), { timeout: 5000, interval: 10 });
}

const attrs = (s: ReadableSpan) => s.attributes;
const ms = ([sec, ns]: [number, number]) => sec * 1000 + ns / 1e6;
const isChildOf = (child: ReadableSpan, parent: ReadableSpan) => {
  expect(child.spanContext().traceId).toBe(parent.spanContext().traceId);
  expect(parentSpanId(child)).toBe(parent.spanContext().spanId);
};
/** Client spans of one kind and name, each with its server span as its only child. */
function clientServerPairs(name: string): { client: ReadableSpan; server: ReadableSpan }[] {
  const spans = capture.named(name);
  const clients = spans.filter((s) => s.kind === SpanKind.CLIENT);
  return clients.map((client) => {
    const servers = capture.childrenOf(client).filter((s) => s.kind === SpanKind.SERVER);
    expect(servers, `server spans under ${name} ${client.spanContext().spanId}`).toHaveLength(1);
    return { client, server: servers[0]! };
  });
}

describe("tracing", () => {
  it("chaining: one trace from the caller's span through each activity; replays add no spans", async () => {
    const { instanceId } = await run(
      (w) => {
        w.addActivity("Hello", (_ctx, name: string) => `Hello ${name}!`);
        w.addOrchestrator("Chain", function* (ctx) {
          const out: string[] = [];
          for (const n of ["Tokyo", "Seattle", "London"])
            out.push((yield ctx.callActivity("Hello", n)) as string);
          return out;
        });
      },
      (c) =>
        trace.getTracer("test").startActiveSpan("caller", async (caller) => {
          try {
            return await c.scheduleNewOrchestration("Chain", undefined, { instanceId: "chain-1" });
          } finally {
            caller.end();
          }
        }),
    );
    const orchestration = await executionSpan("Chain");
    const caller = capture.one("caller");
    const create = capture.one("create_orchestration:Chain");
    expect(create.kind).toBe(SpanKind.PRODUCER);
    isChildOf(create, caller);
    expect(attrs(create)).toMatchObject({
      "durabletask.type": "orchestration",
      "durabletask.task.name": "Chain",
      "durabletask.task.instance_id": instanceId,
    });
    expect(attrs(create)["durabletask.task.execution_id"]).toMatch(/^[0-9a-f]{32}$/);

    expect(orchestration.kind).toBe(SpanKind.SERVER);
    isChildOf(orchestration, create);
    expect(attrs(orchestration)).toEqual({
      "durabletask.type": "orchestration",
      "durabletask.task.name": "Chain",
      "durabletask.task.instance_id": instanceId,
      "durabletask.task.status": "Completed",
    });
    expect(orchestration.status.code).toBe(SpanStatusCode.UNSET);

    const pairs = clientServerPairs("activity:Hello");
    expect(pairs).toHaveLength(3);
    for (const [i, { client, server }] of pairs.entries()) {
      isChildOf(client, orchestration);
      expect(attrs(client)).toEqual({
        "durabletask.type": "activity",
        "durabletask.task.name": "Hello",
        "durabletask.task.instance_id": instanceId,
        "durabletask.task.task_id": i,
      });
      expect(attrs(server)).toEqual(attrs(client));
    }
    // Four steps replayed the orchestration; every span is there once, each under its own id.
    const names = capture
      .spans()
      .map((s) => s.name)
      .sort();
    expect(names).toEqual([
      "activity:Hello",
      "activity:Hello",
      "activity:Hello",
      "activity:Hello",
      "activity:Hello",
      "activity:Hello",
      "caller",
      "create_orchestration:Chain",
      "orchestration:Chain",
    ]);
    expect(new Set(capture.spans().map((s) => s.spanContext().spanId)).size).toBe(capture.spans().length);
  });

  it("fan-out/fan-in: each activity's execution under its own client span", async () => {
    await run(
      (w) => {
        w.addActivity("Square", (_ctx, n: number) => n * n);
        w.addOrchestrator("Fan", function* (ctx) {
          const r = (yield ctx.whenAll(
            [1, 2, 3, 4, 5].map((n) => ctx.callActivity<number>("Square", n)),
          )) as number[];
          return r.reduce((a, b) => a + b, 0);
        });
      },
      (c) => c.scheduleNewOrchestration("Fan"),
    );
    const orchestration = await executionSpan("Fan");
    expect(parentSpanId(orchestration)).toBe(capture.one("create_orchestration:Fan").spanContext().spanId);
    const pairs = clientServerPairs("activity:Square");
    expect(pairs).toHaveLength(5);
    for (const { client } of pairs) isChildOf(client, orchestration);
    expect(pairs.map((p) => attrs(p.client)["durabletask.task.task_id"]).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it("a retried failing activity: failed attempts marked with the failure's type and message, retry timers", async () => {
    let calls = 0;
    await run(
      (w) => {
        w.addActivity("Flaky", () => {
          if (++calls < 3) throw new RangeError(`attempt ${calls} failed`);
          return "ok";
        });
        w.addOrchestrator("Retry", function* (ctx) {
          return (yield ctx.callActivity("Flaky", undefined, {
            retry: { maxNumberOfAttempts: 3, firstRetryIntervalMs: 20 },
          })) as string;
        });
      },
      (c) => c.scheduleNewOrchestration("Retry"),
    );
    const orchestration = await executionSpan("Retry");
    const pairs = clientServerPairs("activity:Flaky").sort(
      (a, b) =>
        (attrs(a.client)["durabletask.task.task_id"] as number) -
        (attrs(b.client)["durabletask.task.task_id"] as number),
    );
    expect(pairs).toHaveLength(3);
    for (const [i, { client, server }] of pairs.entries()) {
      isChildOf(client, orchestration);
      if (i < 2) {
        for (const s of [client, server]) {
          expect(s.status).toEqual({ code: SpanStatusCode.ERROR, message: `attempt ${i + 1} failed` });
          expect(s.events.find((e) => e.name === "exception")?.attributes).toMatchObject({
            "exception.type": "RangeError",
            "exception.message": `attempt ${i + 1} failed`,
          });
        }
      } else {
        expect(client.status.code).toBe(SpanStatusCode.UNSET);
        expect(server.status.code).toBe(SpanStatusCode.UNSET);
      }
    }
    const timers = capture.named("orchestration:Retry:timer");
    expect(timers).toHaveLength(2);
    for (const t of timers) {
      isChildOf(t, orchestration);
      expect(t.kind).toBe(SpanKind.INTERNAL);
    }
    expect(attrs(orchestration)["durabletask.task.status"]).toBe("Completed");
  });

  it("a sub-orchestration: its execution under the parent's client span, a failure on both", async () => {
    const { instanceId } = await run(
      (w) => {
        w.addActivity("Hello", (_ctx, n: string) => `Hello ${n}`);
        w.addOrchestrator("Child", function* (ctx, n: string) {
          const r = (yield ctx.callActivity("Hello", n)) as string;
          if (n === "bad") throw new SyntaxError("child refused");
          return r;
        });
        w.addOrchestrator("Parent", function* (ctx) {
          const ok = (yield ctx.callSubOrchestrator("Child", "good", { instanceId: "child-good" })) as string;
          try {
            yield ctx.callSubOrchestrator("Child", "bad", { instanceId: "child-bad" });
          } catch {
            return `${ok}, then a failure`;
          }
          return ok;
        });
      },
      (c) => c.scheduleNewOrchestration("Parent", undefined, { instanceId: "parent-1" }),
    );
    const parent = await executionSpan("Parent");
    const pairs = clientServerPairs("orchestration:Child");
    expect(pairs).toHaveLength(2);
    const byChild = new Map(pairs.map((p) => [attrs(p.server)["durabletask.task.instance_id"], p]));
    const good = byChild.get("child-good")!;
    const bad = byChild.get("child-bad")!;
    for (const { client, server } of [good, bad]) {
      isChildOf(client, parent);
      expect(attrs(client)).toEqual({
        "durabletask.type": "orchestration",
        "durabletask.task.name": "Child",
        "durabletask.task.instance_id": instanceId,
      });
      // The child's activity is under the child's span.
      const [activity] = capture.childrenOf(server).filter((s) => s.name === "activity:Hello");
      expect(capture.childrenOf(activity!).map((s) => s.kind)).toEqual([SpanKind.SERVER]);
    }
    expect(attrs(good.server)["durabletask.task.status"]).toBe("Completed");
    expect(attrs(bad.server)["durabletask.task.status"]).toBe("Failed");
    expect(bad.server.status).toEqual({ code: SpanStatusCode.ERROR, message: "child refused" });
    expect(bad.server.events.find((e) => e.name === "exception")?.attributes).toMatchObject({
      "exception.type": "SyntaxError",
      "exception.message": "child refused",
    });
    expect(bad.client.status.code).toBe(SpanStatusCode.ERROR);
    expect(good.client.status.code).toBe(SpanStatusCode.UNSET);
    expect(parent.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("a timer: an Internal span from its creation, with its fire time and id", async () => {
    const { instanceId } = await run(
      (w) =>
        w.addOrchestrator("Sleepy", function* (ctx) {
          yield ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 30));
          return "woke";
        }),
      (c) => c.scheduleNewOrchestration("Sleepy"),
    );
    const orchestration = await executionSpan("Sleepy");
    const timer = capture.one("orchestration:Sleepy:timer");
    isChildOf(timer, orchestration);
    expect(timer.kind).toBe(SpanKind.INTERNAL);
    expect(attrs(timer)).toMatchObject({
      "durabletask.type": "timer",
      "durabletask.task.name": "Sleepy",
      "durabletask.task.instance_id": instanceId,
      "durabletask.task.task_id": 0,
    });
    expect(attrs(timer)["durabletask.fire_at"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
  });

  it("external events: the client's and an orchestration's Producer spans", async () => {
    const { client } = await run(
      (w) => {
        w.addOrchestrator("Waiter", function* (ctx) {
          return (yield ctx.waitForExternalEvent("Approval")) as string;
        });
        w.addOrchestrator("Approver", (ctx) => {
          ctx.sendEvent("waiter-2", "Approval", "yes");
          return "sent";
        });
      },
      async (c) => {
        await c.scheduleNewOrchestration("Waiter", undefined, { instanceId: "waiter-1" });
        await c.waitForOrchestrationStart("waiter-1");
        await c.raiseEvent("waiter-1", "Approval", "ok");
        return "waiter-1";
      },
    );
    const fromClient = capture.one("orchestration_event:Approval");
    expect(fromClient.kind).toBe(SpanKind.PRODUCER);
    expect(attrs(fromClient)).toEqual({
      "durabletask.type": "event",
      "durabletask.task.name": "Approval",
      "durabletask.event.target_instance_id": "waiter-1",
    });
    capture.reset();
    await client.scheduleNewOrchestration("Waiter", undefined, { instanceId: "waiter-2" });
    await client.scheduleNewOrchestration("Approver", undefined, { instanceId: "approver-1" });
    await client.waitForOrchestrationCompletion("waiter-2", { timeoutMs: 15_000 });
    const approver = await executionSpan("Approver");
    const sent = capture.one("orchestration_event:Approval");
    isChildOf(sent, approver);
    expect(sent.kind).toBe(SpanKind.PRODUCER);
    expect(attrs(sent)).toMatchObject({
      "durabletask.type": "event",
      "durabletask.task.name": "Approval",
      "durabletask.task.instance_id": "approver-1",
      "durabletask.event.target_instance_id": "waiter-2",
    });
    expect(attrs(sent)["durabletask.task.execution_id"]).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe("continue-as-new", () => {
  const chain = (traceBehavior?: "startNewTrace"): Orchestrator<number, number> =>
    function* (ctx, n) {
      yield ctx.callActivity("Hello", n);
      if (n < 3) ctx.continueAsNew(n + 1, traceBehavior ? { traceBehavior } : {});
      return n;
    };
  const caller = (c: TaskHubClient, name: string) =>
    trace.getTracer("test").startActiveSpan("caller", async (span) => {
      try {
        return await c.scheduleNewOrchestration(name, 1, { instanceId: `${name}-1` });
      } finally {
        span.end();
      }
    });

  it("by default: one trace and one orchestration span for the whole chain", async () => {
    await run(
      (w) => {
        w.addActivity("Hello", () => "hi");
        w.addOrchestrator("Kept", chain());
      },
      (c) => caller(c, "Kept"),
    );
    const orchestration = await executionSpan("Kept");
    expect(attrs(orchestration)["durabletask.task.status"]).toBe("Completed");
    isChildOf(orchestration, capture.one("create_orchestration:Kept"));
    const clients = capture.named("activity:Hello").filter((s) => s.kind === SpanKind.CLIENT);
    expect(clients).toHaveLength(3);
    for (const a of clients) isChildOf(a, orchestration);
  });

  it("startNewTrace: each generation's span ends ContinuedAsNew, the next one is in a new trace under a root create_orchestration", async () => {
    await run(
      (w) => {
        w.addActivity("Hello", () => "hi");
        w.addOrchestrator("Fresh", chain("startNewTrace"));
      },
      (c) => caller(c, "Fresh"),
    );
    const spans = await vi.waitFor(
      () => {
        const found = capture.named("orchestration:Fresh");
        expect(found).toHaveLength(3);
        return found;
      },
      { timeout: 5000, interval: 10 },
    );
    const creates = capture.named("create_orchestration:Fresh");
    expect(creates).toHaveLength(3);
    const [clientCreate, ...roots] = creates.sort((a, b) => ms(a.startTime) - ms(b.startTime));
    isChildOf(clientCreate!, capture.one("caller"));
    const traces = new Set(spans.map((s) => s.spanContext().traceId));
    expect(traces.size).toBe(3);
    for (const root of roots) {
      expect(root.kind).toBe(SpanKind.PRODUCER);
      expect(parentSpanId(root)).toBeUndefined();
      expect(attrs(root)["durabletask.task.execution_id"]).toMatch(/^[0-9a-f]{32}$/);
    }
    for (const s of spans) {
      const parent = creates.find((c) => c.spanContext().spanId === parentSpanId(s))!;
      isChildOf(s, parent);
      const status = attrs(s)["durabletask.task.status"];
      expect(status).toBe(
        parent === clientCreate || roots.indexOf(parent) === 0 ? "ContinuedAsNew" : "Completed",
      );
      expect(s.status.code).toBe(SpanStatusCode.UNSET);
      // Each generation's activity is under its own generation's span.
      const activities = capture.childrenOf(s).filter((a) => a.name === "activity:Hello");
      expect(activities.map((a) => a.kind)).toEqual([SpanKind.CLIENT]);
    }
    expect(new Set(capture.spans().map((s) => s.spanContext().spanId)).size).toBe(capture.spans().length);
  });
  it("startNewTrace under a caller its sampler dropped: no generation is recorded, nor the new traces' roots", async () => {
    const unsampled = trace.setSpanContext(context.active(), {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: TraceFlags.NONE,
    });
    await run(
      (w) => {
        w.addActivity("Hello", () => "hi");
        w.addOrchestrator("Dropped", chain("startNewTrace"));
      },
      (c) =>
        context.with(unsampled, () => c.scheduleNewOrchestration("Dropped", 1, { instanceId: "Dropped-1" })),
    );
    // The last generation's span is written after its completing step: wait as long as the tests above do.
    await new Promise((r) => setTimeout(r, 200));
    expect(capture.spans().map((s) => s.name)).toEqual([]);
  });
});

describe("a start from DTF's .NET client (MS_CreateTrace)", () => {
  it("the worker emits its create_orchestration span under the caller's span, from the request time", async () => {
    const service = new InMemoryOrchestrationService({ pollIntervalMs: 10 });
    const worker = new TaskHubWorker(service);
    worker.addOrchestrator("Shimmed", () => "done");
    await worker.start();
    stops.push(() => worker.stop({ drainTimeoutMs: 2000 }));
    const caller = trace.getTracer("test").startSpan("caller");
    const sc = caller.spanContext();
    caller.end();
    const requested = new Date(Date.now() - 60_000);
    requested.setUTCMilliseconds(0);
    const p2 = (n: number) => String(n).padStart(2, "0");
    const requestTime = `${p2(requested.getUTCMonth() + 1)}/${p2(requested.getUTCDate())}/${requested.getUTCFullYear()} ${p2(requested.getUTCHours())}:${p2(requested.getUTCMinutes())}:${p2(requested.getUTCSeconds())} +00:00`;
    const instance = { instanceId: "shim-1", executionId: "0123456789abcdef0123456789abcdef" };
    await service.createTaskOrchestration({
      event: newEvent("ExecutionStarted", {
        timestamp: new Date(),
        orchestrationInstance: instance,
        name: "Shimmed",
        version: "",
        tags: { MS_CreateTrace: "true", MS_Entities_RequestTime: requestTime },
        parentTraceContext: { traceParent: `00-${sc.traceId}-${sc.spanId}-01` },
      }),
      orchestrationInstance: instance,
    });
    await new TaskHubClient(service).waitForOrchestrationCompletion("shim-1", { timeoutMs: 15_000 });
    const orchestration = await executionSpan("Shimmed");
    const create = capture.one("create_orchestration:Shimmed");
    expect(create.kind).toBe(SpanKind.PRODUCER);
    isChildOf(create, capture.one("caller"));
    isChildOf(orchestration, create);
    expect(ms(create.startTime)).toBe(requested.getTime());
    expect(attrs(create)).toEqual({
      "durabletask.type": "orchestration",
      "durabletask.task.name": "Shimmed",
      "durabletask.task.instance_id": "shim-1",
      "durabletask.task.execution_id": instance.executionId,
    });
  });
});

describe("rewind", () => {
  it("a rewound execution is a new span: the failed run's span is not exported again under its id", async () => {
    let calls = 0;
    const { client, instanceId } = await run(
      (w) => {
        w.addActivity("FailsOnce", () => {
          if (++calls === 1) throw new RangeError("first time");
          return "ok";
        });
        w.addOrchestrator("Rewound", function* (ctx) {
          return (yield ctx.callActivity("FailsOnce")) as string;
        });
      },
      (c) => c.scheduleNewOrchestration("Rewound", undefined, { instanceId: "rewound-1" }),
    );
    const failed = await executionSpan("Rewound");
    expect(attrs(failed)["durabletask.task.status"]).toBe("Failed");
    await client.rewindOrchestration(instanceId, "fixed");
    await client.waitForOrchestrationCompletion(instanceId, { timeoutMs: 15_000 });
    const runs = await vi.waitFor(
      () => {
        const spans = capture.named("orchestration:Rewound");
        expect(spans).toHaveLength(2);
        return spans;
      },
      { timeout: 5000, interval: 10 },
    );
    const [first, second] = runs;
    expect(second!.spanContext().spanId).not.toBe(first!.spanContext().spanId);
    expect(attrs(second!)["durabletask.task.status"]).toBe("Completed");
    const create = capture.one("create_orchestration:Rewound");
    for (const r of runs) isChildOf(r, create);
    // The rewound run's activity is under the new span.
    const activities = capture.named("activity:FailsOnce").filter((s) => s.kind === SpanKind.CLIENT);
    expect(activities.map((a) => parentSpanId(a)).sort()).toEqual(
      [first!.spanContext().spanId, second!.spanContext().spanId].sort(),
    );
  });
});

describe("entities", () => {
  it("an orchestration's entity call and signal: the call's Client span under the orchestration, the operations under it", async () => {
    await run(
      (w) => {
        w.addEntity("Counter", (ctx) => {
          if (ctx.operationName === "fail") throw new TypeError("no such thing");
          ctx.setState((ctx.getState<number>() ?? 0) + 1);
          return ctx.getState<number>();
        });
        w.addOrchestrator("UsesCounter", function* (ctx) {
          const counter = { name: "Counter", key: "k" };
          ctx.entities.signalEntity(counter, "add");
          const n = (yield ctx.entities.callEntity(counter, "add")) as number;
          try {
            yield ctx.entities.callEntity(counter, "fail");
          } catch {
            return n;
          }
          return -1;
        });
      },
      (c) => c.scheduleNewOrchestration("UsesCounter", undefined, { instanceId: "uses-1" }),
    );
    const orchestration = await executionSpan("UsesCounter");
    const adds = await vi.waitFor(
      () => {
        const spans = capture.named("entity:counter:add");
        expect(spans).toHaveLength(4);
        return spans;
      },
      { timeout: 5000, interval: 10 },
    );
    const call = adds.find((s) => s.kind === SpanKind.CLIENT)!;
    isChildOf(call, orchestration);
    expect(attrs(call)).toEqual({
      "durabletask.type": "entity",
      "durabletask.task.operation": "call_entity",
      "durabletask.event.target_instance_id": "@counter@k",
    });
    const server = adds.find((s) => s.kind === SpanKind.SERVER)!;
    isChildOf(server, call);
    expect(attrs(server)).toEqual({
      "durabletask.type": "entity",
      "durabletask.task.operation": "call_entity",
      "durabletask.task.instance_id": "@counter@k",
    });
    // The orchestration asks for the signal's Producer span (createTrace, as DTF's .NET SDK), from its request time.
    const producer = adds.find((s) => s.kind === SpanKind.PRODUCER)!;
    isChildOf(producer, orchestration);
    expect(attrs(producer)).toEqual({
      "durabletask.type": "entity",
      "durabletask.task.operation": "signal_entity",
      "durabletask.event.target_instance_id": "@counter@k",
    });
    const consumer = adds.find((s) => s.kind === SpanKind.CONSUMER)!;
    isChildOf(consumer, producer);
    expect(attrs(consumer)["durabletask.task.operation"]).toBe("signal_entity");
    // Both requests were made in the orchestration's first episode: its time starts both sender spans.
    expect(producer.startTime).toEqual(call.startTime);
    expect(ms(call.startTime)).toBeLessThanOrEqual(ms(server.startTime));

    const failed = await vi.waitFor(() => {
      const spans = capture.named("entity:counter:fail");
      expect(spans).toHaveLength(2);
      return spans;
    });
    const failedServer = failed.find((s) => s.kind === SpanKind.SERVER)!;
    isChildOf(
      failedServer,
      failed.find((s) => s.kind === SpanKind.CLIENT)!,
    );
    expect(failedServer.status).toEqual({ code: SpanStatusCode.ERROR, message: "no such thing" });
    expect(attrs(failedServer)["durabletask.entity.error_message"]).toBe("no such thing");
  });
});

describe("entities: signals from a client and an entity, an entity's orchestration start", () => {
  /** Waits until the spans named `name` number `count`. */
  const spansNamed = (name: string, count: number): Promise<ReadableSpan[]> =>
    vi.waitFor(
      () => {
        const spans = capture.named(name);
        expect(spans).toHaveLength(count);
        return spans;
      },
      { timeout: 5000, interval: 10 },
    );
  const one = (spans: ReadableSpan[], kind: SpanKind): ReadableSpan => {
    const found = spans.filter((s) => s.kind === kind);
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  it("a client's signalEntity under the caller's span: the Producer span from the call to the receipt, the Consumer under it", async () => {
    const service = new InMemoryOrchestrationService({ pollIntervalMs: 10 });
    const worker = new TaskHubWorker(service);
    worker.addEntity("Counter", (ctx) => ctx.setState((ctx.getState<number>() ?? 0) + 1));
    await worker.start();
    stops.push(() => worker.stop({ drainTimeoutMs: 2000 }));
    const client = new TaskHubClient(service);
    await trace.getTracer("test").startActiveSpan("caller", async (caller) => {
      await client.signalEntity({ name: "Counter", key: "c" }, "add");
      caller.end();
    });
    const [producer, consumer] = await spansNamed("entity:counter:add", 2).then((s) => [
      one(s, SpanKind.PRODUCER),
      one(s, SpanKind.CONSUMER),
    ]);
    isChildOf(producer!, capture.one("caller"));
    expect(attrs(producer!)).toEqual({
      "durabletask.type": "entity",
      "durabletask.task.operation": "signal_entity",
      "durabletask.event.target_instance_id": "@counter@c",
    });
    expect(ms(producer!.startTime)).toBeLessThanOrEqual(ms(producer!.endTime));
    expect(ms(producer!.endTime)).toBeLessThanOrEqual(ms(consumer!.startTime));
    isChildOf(consumer!, producer!);
    expect(attrs(consumer!)).toEqual({
      "durabletask.type": "entity",
      "durabletask.task.operation": "signal_entity",
      "durabletask.task.instance_id": "@counter@c",
    });
  });

  it("an entity signals another and starts an orchestration: Producer spans under the operation's span, each continued", async () => {
    await run(
      (w) => {
        w.addActivity("Hello", () => "hi");
        w.addOrchestrator("Started", function* (ctx) {
          return (yield ctx.callActivity("Hello")) as string;
        });
        w.addEntity("Relay", (ctx) => {
          ctx.signalEntity({ name: "Counter", key: "r" }, "add", 1);
          ctx.startNewOrchestration("Started", undefined, { instanceId: "started-1" });
        });
        w.addEntity("Counter", (ctx) => ctx.setState((ctx.getState<number>() ?? 0) + 1));
        w.addOrchestrator("Caller", function* (ctx) {
          yield ctx.entities.callEntity({ name: "Relay", key: "x" }, "go");
          return "done";
        });
      },
      (c) => c.scheduleNewOrchestration("Caller", undefined, { instanceId: "caller-1" }),
    );
    const go = one(await spansNamed("entity:relay:go", 2), SpanKind.SERVER);
    // Relay → Counter: the sender's Producer (with the sender), the receiver's Consumer under it.
    const adds = await spansNamed("entity:counter:add", 2);
    const producer = one(adds, SpanKind.PRODUCER);
    isChildOf(producer, go);
    expect(attrs(producer)).toEqual({
      "durabletask.type": "entity",
      "durabletask.task.operation": "signal_entity",
      "durabletask.event.target_instance_id": "@counter@r",
      "durabletask.task.instance_id": "@relay@x",
    });
    isChildOf(one(adds, SpanKind.CONSUMER), producer);
    // Relay → orchestration: `relay:create_orchestration`, the orchestration's span under it.
    const create = (await spansNamed("relay:create_orchestration", 1))[0]!;
    expect(create.kind).toBe(SpanKind.PRODUCER);
    isChildOf(create, go);
    expect(attrs(create)).toEqual({
      "durabletask.type": "entity",
      "durabletask.event.target_instance_id": "started-1",
      "durabletask.task.instance_id": "@relay@x",
    });
    const started = await executionSpan("Started");
    isChildOf(started, create);
    const activity = capture.named("activity:Hello").find((s) => s.kind === SpanKind.CLIENT)!;
    isChildOf(activity, started);
    // Each operation's span has its own times, within its batch: the operation ran before what it sent ended.
    expect(ms(go.startTime)).toBeLessThanOrEqual(ms(producer.startTime));
    expect(ms(producer.startTime)).toBeLessThanOrEqual(ms(go.endTime));
  });
});

describe("without an SDK", () => {
  it("records nothing and writes no trace context", async () => {
    await capture.uninstall();
    try {
      const { service, instanceId } = await run(
        (w) => {
          w.addActivity("Hello", () => "hi");
          w.addOrchestrator("Quiet", function* (ctx) {
            return (yield ctx.callActivity("Hello")) as string;
          });
        },
        (c) => c.scheduleNewOrchestration("Quiet"),
      );
      const history: HistoryEvent[] = await service.getOrchestrationHistory(instanceId);
      const start = history.find((e): e is ExecutionStartedEvent => e.type === "ExecutionStarted")!;
      const scheduled = history.find((e): e is TaskScheduledEvent => e.type === "TaskScheduled")!;
      expect(start.parentTraceContext).toBeUndefined();
      expect(scheduled.parentTraceContext).toBeUndefined();
    } finally {
      capture = installSpanCapture();
    }
  });
});
