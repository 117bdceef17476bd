// The facade end to end on a worker over the in-memory backend (virtual time): registration, activities,
// sub-orchestrations, entities, the DurableClient, HTTP client functions and callHttp against a real server.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createApp,
  DurableClient,
  DurableHttpResponse,
  EntityId,
  LockingRulesViolationError,
  OrchestrationRuntimeStatus,
  RetryOptions,
  TaskFailedError,
  type DurableLock,
  type EntityContext,
  type FunctionApp,
  type OrchestrationContext,
  type Task,
} from "../../src/index.js";
import { v3DeterministicGuid } from "../../src/orchestration/new-guid.js";
import { start, type Running } from "../harness.js";
import { TaskHubError, TaskHubWorker, TaskRegistry } from "@taskhub/core";
import { InMemoryOrchestrationService } from "@taskhub/core/testing";

const HOUR = 3600_000;
let r: Running;

function describeError(err: unknown): string {
  const e = err as Error;
  const core = err instanceof TaskHubError ? ` (TaskHubError ${err.code})` : "";
  return `${err instanceof LockingRulesViolationError ? e.name : `not v3: ${e.name}`}${core}: ${e.message}`;
}
/** The same app on the system clock, where a 72-hour timer does not fire during the test. */
let real: Running;

function declareApproval(app: FunctionApp): void {
  app.orchestration("Approval", function* (context: OrchestrationContext) {
    const deadline = new Date(context.df.currentUtcDateTime.getTime() + 72 * HOUR);
    const timeout = context.df.createTimer(deadline);
    const approval = context.df.waitForExternalEvent("ApprovalEvent");
    context.df.setCustomStatus("waiting");
    const winner: Task = yield context.df.Task.any([approval, timeout]);
    if (winner === approval) {
      timeout.cancel();
      return { approved: approval.result };
    }
    return { escalated: true, at: context.df.currentUtcDateTime.getTime() - deadline.getTime() };
  });
}
let flakyCalls = 0;
const activityContexts: unknown[] = [];
let server: Server;
let serverUrl = "";
const serverLog: string[] = [];
let polls = 0;
let withRetryError: unknown;

beforeAll(async () => {
  server = createServer((req, res) => {
    serverLog.push(`${req.method} ${req.url} ${req.headers["x-k"] ?? ""}`);
    if (req.url === "/start") {
      res.writeHead(202, { location: `${serverUrl}/status`, "retry-after": "60" }).end();
    } else if (req.url === "/status" && ++polls < 3) {
      res.writeHead(202, { location: `${serverUrl}/status` }).end();
    } else {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ done: true, polls }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  r = await start(
    (app) => {
      const hello = app.activity("Hello", {
        handler: async (name: string, context) => {
          activityContexts.push({
            functionName: context.functionName,
            hasId: typeof context.invocationId === "string",
          });
          return `Hello ${name}`;
        },
      });
      const flaky = app.activity("Flaky", {
        handler: () => {
          if (++flakyCalls % 3 !== 0) throw new RangeError(`flaky ${flakyCalls}`);
          return flakyCalls;
        },
      });
      app.activity("Fails", {
        handler: () => {
          throw new Error("always");
        },
      });
      // eslint-disable-next-line require-yield -- an orchestrator that never waits
      const child = app.orchestration("Child", function* (context: OrchestrationContext) {
        const n = context.df.getInput<number>();
        return { n, parent: context.df.parentInstanceId, me: context.df.instanceId };
      });
      app.orchestration("Registered", function* (context: OrchestrationContext) {
        const a = yield hello("registered");
        const t = hello("twice");
        yield t;
        try {
          t.withRetry(new RetryOptions(1000, 2));
        } catch (err) {
          withRetryError = err;
        }
        const f = yield flaky().withRetry(new RetryOptions(1000, 3));
        const c = yield child(7, `${context.df.instanceId}-child`);
        return { a, f, c };
      });
      app.orchestration("Compensate", {
        handler: function* (context: OrchestrationContext) {
          try {
            yield context.df.callActivity("Fails");
          } catch (err) {
            return {
              type: (err as Error).constructor.name,
              message: (err as Error).message,
              isTaskFailed: err instanceof TaskFailedError,
            };
          }
        },
      });
      app.orchestration("Unhandled", function* (context: OrchestrationContext) {
        yield context.df.callActivity("Fails");
      });
      app.orchestration("RetriesRunOut", function* (context: OrchestrationContext) {
        return yield context.df.callActivityWithRetry("Fails", new RetryOptions(1000, 2));
      });
      app.orchestration("NamelessGuids", function* (context: OrchestrationContext) {
        const at = context.df.currentUtcDateTime.getTime();
        const guids = [context.df.newGuid(), context.df.newGuid()];
        yield context.df.callActivity("Hello", "guids");
        return { at, guids };
      });
      declareApproval(app);
      app.orchestration("Eternal", function* (context: OrchestrationContext) {
        const n = context.df.getInput<number>();
        yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + HOUR));
        if (n < 3) context.df.continueAsNew(n + 1);
        return n;
      });
      app.orchestration("UsesEntities", function* (context: OrchestrationContext) {
        const id = new EntityId("Counter", context.df.instanceId);
        context.df.signalEntity(id, "add", 5);
        yield context.df.callEntity(id, "add", 2);
        const value = yield context.df.callEntity(id, "get");
        let failure: unknown;
        try {
          yield context.df.callEntity(id, "explode");
        } catch (err) {
          failure = (err as Error).message;
        }
        return { value, failure };
      });
      app.orchestration("AskBox", function* (context: OrchestrationContext) {
        const box = new EntityId("Box", context.df.getInput<string>());
        const first = yield context.df.callEntity(box, "info");
        yield context.df.callEntity(box, "put", "pear");
        const second = yield context.df.callEntity(box, "info");
        return [first, second];
      });
      app.orchestration("Transfer", function* (context: OrchestrationContext) {
        const from = new EntityId("Counter", "acct-b");
        const to = new EntityId("Counter", "acct-a");
        const before = context.df.isLocked();
        const lock = (yield context.df.lock(from, to, from)) as DurableLock;
        const inside = context.df.isLocked();
        let violation = "";
        try {
          context.df.signalEntity(to, "add", 1);
        } catch (err) {
          violation = (err as Error).message;
        }
        yield context.df.callEntity(from, "add", -5);
        yield context.df.callEntity(to, "add", 5);
        lock.release();
        return {
          before: before.isLocked,
          inside: inside.isLocked,
          owned: lock.ownedLocks.map((e) => e.toString()),
          violation: violation.length > 0,
          after: context.df.isLocked().isLocked,
        };
      });
      app.orchestration("LockRules", function* (context: OrchestrationContext) {
        const a = new EntityId("Counter", "rules-a");
        const other = new EntityId("Counter", "rules-other");
        const lock = (yield context.df.lock(a)) as DurableLock;
        const rules: Record<string, string> = {};
        try {
          yield context.df.callEntity(other, "get");
        } catch (err) {
          rules.callUnlocked = describeError(err);
        }
        try {
          yield context.df.callSubOrchestrator("Child", 1);
        } catch (err) {
          rules.sub = describeError(err);
        }
        const first = context.df.callEntity(a, "add", 2);
        try {
          context.df.callEntity(a, "get");
        } catch (err) {
          rules.parallel = describeError(err);
        }
        yield first;
        // Once the first call settled, the entity can be called again.
        const value = yield context.df.callEntity(a, "get");
        lock.release();
        // After release(), the rules no longer apply.
        context.df.signalEntity(a, "add", 1);
        const sub = yield context.df.callSubOrchestrator("Child", 2, `${context.df.instanceId}-child`);
        return {
          rules,
          value,
          sub: (sub as { n: number }).n,
          released: lock.isReleased,
          locked: context.df.isLocked().isLocked,
        };
      });
      app.orchestration("LockViolation", function* (context: OrchestrationContext) {
        yield context.df.lock(new EntityId("Counter", "rules-b"));
        yield context.df.callEntity(new EntityId("Counter", "rules-other"), "get");
      });
      app.orchestration("Http", function* (context: OrchestrationContext) {
        const res = (yield context.df.callHttp({
          method: "POST",
          url: `${serverUrl}/start`,
          headers: { "x-k": "v" },
        })) as DurableHttpResponse;
        return {
          status: res.statusCode,
          body: JSON.parse(res.content ?? "null"),
          type: res.getHeader("Content-Type"),
        };
      });
      app.entity("Counter", (context: EntityContext<number>) => {
        const value = context.df.getState(() => 0)!;
        switch (context.df.operationName) {
          case "add":
            context.df.setState(value + (context.df.getInput<number>() ?? 1));
            break;
          case "get":
            context.df.return(value);
            break;
          case "explode":
            context.df.setState(-1000);
            throw new Error("kaboom");
          case "delete":
            context.df.destructOnExit();
            break;
        }
      });
      app.entity("Box", {
        handler: (context: EntityContext<{ items: string[] }>) => {
          const s = context.df.getState(() => ({ items: [] }))!;
          if (context.df.operationName === "mutateOnly") {
            s.items.push("lost");
            return;
          }
          if (context.df.operationName === "put") {
            s.items.push(context.df.getInput<string>()!);
            context.df.setState(s);
            context.df.signalEntity(new EntityId("Counter", `box-${context.df.entityKey}`), "add", 1);
          }
          context.df.return({
            name: context.df.entityName,
            key: context.df.entityKey,
            id: context.df.entityId.toString(),
            isNew: context.df.isNewlyConstructed,
          });
        },
      });
      app.client.http("StartHttp", {
        route: "orchestrators/{orchestratorName}/{instanceId?}",
        methods: ["POST"],
        handler: async (request, client) => {
          const input = await request.text();
          const id = await client.startNew(request.params.orchestratorName!, {
            input: input ? JSON.parse(input) : undefined,
            ...(request.params.instanceId ? { instanceId: request.params.instanceId } : {}),
          });
          return client.createCheckStatusResponse(request, id);
        },
      });
      app.client.http("Echo", {
        handler: (request) => ({ status: 201, jsonBody: { q: request.query.get("q") } }),
      });
      app.client.timer("Nightly", {
        schedule: "0 0 * * *",
        handler: (timer: unknown, client: DurableClient) => client.startNew("Child", { input: timer }),
      });
    },
    { origin: "http://localhost:7071", key: "secret-key-0123456789" },
  );
  real = await start(declareApproval, { virtual: false });
});

afterAll(async () => {
  await r.stop();
  await real.stop();
  await new Promise((resolve) => server.close(resolve));
});

describe("registration", () => {
  it("registered activity and orchestration functions are callable tasks with withRetry", async () => {
    const s = await r.run("Registered", undefined, "reg-1");
    expect(s.runtimeStatus).toBe(OrchestrationRuntimeStatus.Completed);
    expect(s.output).toEqual({
      a: "Hello registered",
      f: 3,
      c: { n: 7, parent: "reg-1", me: "reg-1-child" },
    });
    expect((withRetryError as Error).message).toMatch(/Invalid use of `.withRetry`/);
    expect(activityContexts[0]).toEqual({ functionName: "Hello", hasId: true });
  });

  it("rejects duplicate names and async generator orchestrators", () => {
    const app = createApp();
    app.activity("X", { handler: () => 1 });
    expect(() =>
      app.orchestration("X", function* () {
        yield* [];
      }),
    ).toThrow(/already registered/);
    expect(() => app.orchestration("Y", async function* () {} as never)).toThrow(
      /async generator.*worker\.addOrchestrator/,
    );
    expect(() => app.getClient()).toThrow(/no durable client/);
  });

  it("fills a bare registry (no worker, no backend: as taskhub replay reads an app), making no client", () => {
    const app = createApp();
    app.orchestration("Orch", function* (context: OrchestrationContext) {
      return yield context.df.callActivity("Act");
    });
    app.activity("Act", { handler: () => 1 });
    app.entity("Ent", () => undefined);
    const registry = new TaskRegistry();
    app.register(registry);
    expect(registry.orchestratorNames()).toEqual(["Orch"]);
    expect(registry.activityNames()).toContain("Act");
    expect(registry.entityNames()).toEqual([{ name: "ent", style: "function" }]);
    expect(() => app.getClient()).toThrow(/no durable client/);
  });

  it("durabletask-js style async function* orchestrators run on the same worker, next to the app", async () => {
    const app = createApp();
    app.activity("Greet", { handler: (name: string) => `Hello ${name}` });
    const service = new InMemoryOrchestrationService({ pollIntervalMs: 20 });
    const worker = new TaskHubWorker(service);
    app.register(worker, { taskHubName: "TestHub" });
    worker.addOrchestrator("Ported", async function* (ctx, names: string[]) {
      await Promise.resolve();
      const greetings: string[] = yield ctx.whenAll(names.map((n) => ctx.callActivity<string>("Greet", n)));
      return greetings;
    });
    await worker.start();
    try {
      const client = app.getClient();
      const id = await client.startNew("Ported", { input: ["Ann", "Bo"] });
      await client.client.waitForOrchestrationCompletion(id, { timeoutMs: 20_000 });
      const s = await client.getStatus(id);
      expect(s.runtimeStatus).toBe(OrchestrationRuntimeStatus.Completed);
      expect(s.output).toEqual(["Hello Ann", "Hello Bo"]);
    } finally {
      await worker.stop({ drainTimeoutMs: 1000 });
    }
  });
});

describe("failures", () => {
  it("an activity failure is a TaskFailedError the orchestrator can catch", async () => {
    const s = await r.run("Compensate");
    expect(s.output).toEqual({ type: "TaskFailedError", message: "Error: always", isTaskFailed: true });
  });

  it("an unhandled failure fails the instance; the status carries the message", async () => {
    const s = await r.run("Unhandled");
    expect(s.runtimeStatus).toBe("Failed");
    expect(String(s.output)).toContain("Error: always");
  });
});

describe("retries that run out", () => {
  it("callActivityWithRetry fails with the activity's error after the host's trailing retry timer (DTF's RetryInterceptor)", async () => {
    const s = await r.run("RetriesRunOut", undefined, "retries-run-out");
    expect(s.runtimeStatus).toBe("Failed");
    expect(String(s.output)).toContain("Error: always");
    const history = await r.client.client.getOrchestrationHistory("retries-run-out");
    const steps = history.flatMap((e) =>
      e.type === "TaskScheduled" || e.type === "TimerCreated"
        ? [`${e.type}#${e.eventId}`]
        : e.type === "TaskFailed" || e.type === "TimerFired"
          ? [e.type]
          : [],
    );
    expect(steps).toEqual([
      "TaskScheduled#0",
      "TaskFailed",
      "TimerCreated#1",
      "TimerFired",
      "TaskScheduled#2",
      "TaskFailed",
      "TimerCreated#3",
      "TimerFired",
    ]);
  });
});

describe("newGuid", () => {
  it("without a name returns v3's GUID for that call instead of throwing", async () => {
    const s = await r.run("NamelessGuids");
    expect(s.runtimeStatus).toBe(OrchestrationRuntimeStatus.Completed);
    const { at, guids } = s.output as { at: number; guids: string[] };
    expect(guids).toEqual([
      v3DeterministicGuid(`undefined_${at}_0`),
      v3DeterministicGuid(`undefined_${at}_1`),
    ]);
  });
});

describe("timers, events and Task.any", () => {
  it("approval before the deadline wins and the timer is cancelled", async () => {
    const c = real.client;
    const id = await c.startNew("Approval", { instanceId: "approve-1" });
    await expect.poll(async () => (await c.getStatus(id)).customStatus, { timeout: 5000 }).toBe("waiting");
    await c.raiseEvent(id, "ApprovalEvent", { by: "ann" });
    const s = await real.wait(id);
    expect(s.output).toEqual({ approved: { by: "ann" } });
    expect(s.customStatus).toBe("waiting");
  });

  it("without approval the 72-hour timer wins (virtual time)", async () => {
    const s = await r.run("Approval");
    expect(s.output).toEqual({ escalated: true, at: 0 });
  });

  it("continueAsNew restarts the instance until it returns", async () => {
    const s = await r.run("Eternal", 0);
    expect(s.runtimeStatus).toBe("Completed");
    expect(s.output).toBe(3);
    expect(s.input).toBe(3);
  });
});

describe("entities", () => {
  it("call and signal from an orchestration; a failed operation is rolled back and reported", async () => {
    const s = await r.run("UsesEntities", undefined, "ent-1");
    expect(s.output).toEqual({ value: 7, failure: expect.stringContaining("kaboom") });
    const state = await r.client.readEntityState<number>(new EntityId("Counter", "ent-1"));
    expect(state).toEqual({ entityExists: true, entityState: 7 });
  });

  it("lock() takes a critical section in sorted order; isLocked reports it; locked entities cannot be signalled", async () => {
    const s = await r.run("Transfer");
    expect(s.output).toEqual({
      before: false,
      inside: true,
      owned: ["@counter@acct-a", "@counter@acct-b"],
      violation: true,
      after: false,
    });
    expect((await r.client.readEntityState(new EntityId("Counter", "acct-b"))).entityState).toBe(-5);
    expect((await r.client.readEntityState(new EntityId("Counter", "acct-a"))).entityState).toBe(5);
  });

  it("a broken locking rule throws LockingRulesViolationError, which the orchestration can catch", async () => {
    const s = await r.run("LockRules");
    const v3 = (message: string) =>
      `LockingRulesViolationError (TaskHubError LockingRulesViolation): ${message}`;
    expect(s.runtimeStatus).toBe("Completed");
    expect(s.output).toEqual({
      rules: {
        callUnlocked: v3(
          "Cannot call an entity from within a critical section unless it is one of the locked entities.",
        ),
        sub: v3("Cannot invoke sub-orchestrations from within a critical section."),
        parallel: v3("Cannot call the same entity multiple times in parallel within a critical section."),
      },
      value: 2,
      sub: 2,
      released: true,
      locked: false,
    });
    await expect
      .poll(
        async () => (await r.client.readEntityState<number>(new EntityId("Counter", "rules-a"))).entityState,
        { timeout: 5000 },
      )
      .toBe(3);
  });

  it("an uncaught locking violation fails the instance with the error's name and message", async () => {
    const s = await r.run("LockViolation");
    expect(s.runtimeStatus).toBe("Failed");
    const message =
      "Cannot call an entity from within a critical section unless it is one of the locked entities.";
    expect(String(s.output)).toContain(message);
    const state = await r.client.client.getOrchestrationState(s.instanceId);
    expect(state?.failureDetails).toMatchObject({
      errorType: "LockingRulesViolationError",
      errorMessage: message,
    });
    // The lock was released when the instance failed: another orchestration can take it.
    const again = await r.run("LockViolation");
    expect(again.runtimeStatus).toBe("Failed");
  });

  it("client signals, readEntityState, destructOnExit", async () => {
    const id = new EntityId("Counter", "client-1");
    expect(await r.client.readEntityState(id)).toEqual({ entityExists: false });
    await r.client.signalEntity(id, "add", 4);
    await r.client.signalEntity(id, "add");
    await expect
      .poll(async () => (await r.client.readEntityState<number>(id)).entityState, { timeout: 5000 })
      .toBe(5);
    await r.client.signalEntity(id, "delete");
    await expect
      .poll(async () => (await r.client.readEntityState(id)).entityExists, { timeout: 5000 })
      .toBe(false);
  });

  it("getState returns a copy (only setState changes state); entity context members; signals from entities", async () => {
    const box = new EntityId("Box", "b1");
    await r.client.signalEntity(box, "put", "apple");
    await r.client.signalEntity(box, "mutateOnly");
    await expect
      .poll(async () => (await r.client.readEntityState<{ items: string[] }>(box)).entityState, {
        timeout: 5000,
      })
      .toEqual({ items: ["apple"] });
    await expect
      .poll(
        async () => (await r.client.readEntityState<number>(new EntityId("Counter", "box-b1"))).entityState,
        { timeout: 5000 },
      )
      .toBe(1);
    expect(() => new EntityId("", "k")).toThrow(TypeError);
    expect(new EntityId("Box", "b1").toString()).toBe("@box@b1");
    const s = await r.run("AskBox", "b2");
    expect(s.output).toEqual([
      { name: "box", key: "b2", id: "@box@b2", isNew: true },
      { name: "box", key: "b2", id: "@box@b2", isNew: false },
    ]);
  });
});

describe("DurableClient", () => {
  it("getStatus: unknown ids throw; history and showInput", async () => {
    await expect(r.client.getStatus("nope")).rejects.toThrow(/404/);
    const s = await r.run("Compensate", { some: "input" }, "status-1");
    expect(s.createdTime).toBeInstanceOf(Date);
    expect(s.lastUpdatedTime).toBeInstanceOf(Date);
    expect(s.input).toEqual({ some: "input" });
    expect(s.history?.map((e) => (e as { EventType: string }).EventType)).toEqual([
      "ExecutionStarted",
      "TaskFailed",
      "ExecutionCompleted",
    ]);
    const noInput = await r.client.getStatus("status-1", { showInput: false });
    expect(noInput.input).toBeNull();
    expect(noInput.history).toBeUndefined();
  });

  it("startNew rejects an orchestrator that is not registered, as the extension does", async () => {
    await expect(r.client.startNew("NoSuchOrchestrator")).rejects.toThrow(/doesn't exist/);
  });

  it("getStatusAll and getStatusBy", async () => {
    await r.run("Child", 1, "by-1");
    const all = await r.client.getStatusAll();
    expect(all.map((s) => s.instanceId)).toContain("by-1");
    const failed = await r.client.getStatusBy({ runtimeStatus: [OrchestrationRuntimeStatus.Failed] });
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((s) => s.runtimeStatus === "Failed")).toBe(true);
  });

  it("raiseEvent, terminate, suspend, resume: finished instances resolve, unknown ones reject", async () => {
    await r.run("Child", 1, "done-1");
    await expect(r.client.raiseEvent("done-1", "x", 1)).resolves.toBeUndefined();
    await expect(r.client.terminate("done-1", "why")).resolves.toBeUndefined();
    await expect(r.client.raiseEvent("unknown-1", "x", 1)).rejects.toThrow();
    await expect(r.client.terminate("unknown-1", "why")).rejects.toThrow();
    await expect(r.client.raiseEvent("done-1", "", 1)).rejects.toThrow(/eventName/);

    const c = real.client;
    const id = await c.startNew("Approval", { instanceId: "term-1" });
    await expect.poll(async () => (await c.getStatus(id)).customStatus, { timeout: 5000 }).toBe("waiting");
    await c.suspend(id, "pause");
    await expect.poll(async () => (await c.getStatus(id)).runtimeStatus, { timeout: 5000 }).toBe("Suspended");
    await c.raiseEvent(id, "ApprovalEvent", "while suspended");
    await c.resume(id, "go");
    expect((await real.wait(id)).output).toEqual({ approved: "while suspended" });
    const id2 = await c.startNew("Approval", { instanceId: "term-2" });
    await expect.poll(async () => (await c.getStatus(id2)).customStatus, { timeout: 5000 }).toBe("waiting");
    await c.terminate(id2, "stop it");
    await expect
      .poll(async () => (await c.getStatus(id2)).runtimeStatus, { timeout: 5000 })
      .toBe("Terminated");
    expect((await c.getStatus(id2)).output).toBe("stop it");
  });

  it("rewind rejects unless Failed; purge reports what it deleted", async () => {
    await r.run("Child", 1, "purge-1");
    await expect(r.client.rewind("purge-1", "why")).rejects.toThrow(/only supported on failed/);
    expect((await r.client.purgeInstanceHistory("purge-1")).instancesDeleted).toBe(1);
    expect((await r.client.purgeInstanceHistory("purge-1")).instancesDeleted).toBe(0);
    await r.run("Child", 2, "purge-2");
    const byFilter = await r.client.purgeInstanceHistoryBy({
      createdTimeFrom: new Date(0),
      runtimeStatus: [OrchestrationRuntimeStatus.Completed],
    });
    expect(byFilter.instancesDeleted).toBeGreaterThan(0);
    await expect(r.client.getStatus("purge-2")).rejects.toThrow();
  });

  it("management payload and check-status response follow the request's origin", async () => {
    const p = r.client.createHttpManagementPayload("abc");
    expect(p.id).toBe("abc");
    expect(p.statusQueryGetUri).toBe(
      "http://localhost:7071/runtime/webhooks/durabletask/instances/abc?taskHub=TestHub&connection=Storage&code=secret-key-0123456789",
    );
    expect(p.sendEventPostUri).toContain("/instances/abc/raiseEvent/{eventName}?");
    const res = r.client.createCheckStatusResponse({ url: "https://example.org/api/start" }, "abc");
    expect(res.status).toBe(202);
    expect(res.headers.get("location")).toMatch(
      /^https:\/\/example\.org\/runtime\/webhooks\/durabletask\/instances\/abc\?/,
    );
    expect(res.headers.get("retry-after")).toBe("10");
    expect(((await res.json()) as { id: string }).id).toBe("abc");
    expect(r.client.taskHubName).toBe("TestHub");
  });

  it("waitForCompletionOrCreateCheckStatusResponse: 200 with the output, 500 when failed, 202 while running", async () => {
    await r.run("Child", 5, "wait-1");
    const ok = await r.client.waitForCompletionOrCreateCheckStatusResponse({ url: "http://h/x" }, "wait-1", {
      timeoutInMilliseconds: 1000,
      retryIntervalInMilliseconds: 100,
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ n: 5, me: "wait-1" });
    await r.run("Unhandled", undefined, "wait-2");
    expect(
      (
        await r.client.waitForCompletionOrCreateCheckStatusResponse({ url: "http://h/x" }, "wait-2", {
          timeoutInMilliseconds: 500,
          retryIntervalInMilliseconds: 100,
        })
      ).status,
    ).toBe(500);
    const id = await real.client.startNew("Approval", { instanceId: "wait-3" });
    const pending = await real.client.waitForCompletionOrCreateCheckStatusResponse(
      { url: "http://h/x" },
      id,
      { timeoutInMilliseconds: 200, retryIntervalInMilliseconds: 100 },
    );
    expect(pending.status).toBe(202);
    expect(pending.headers.get("location")).toMatch(
      /^http:\/\/h\/runtime\/webhooks\/durabletask\/instances\/wait-3\?/,
    );
  });
});

describe("HTTP", () => {
  it("callHttp follows 202 + Location with GETs on durable timers until the final response", async () => {
    const s = await r.run("Http");
    expect(s.output).toEqual({ status: 200, body: { done: true, polls: 3 }, type: "application/json" });
    expect(serverLog).toEqual(["POST /start v", "GET /status v", "GET /status v", "GET /status v"]);
  });

  it("HTTP client functions run under /api/<route> with params, query and the client", async () => {
    const handle = r.app.createHttpHandler();
    const res = await handle(
      new Request("http://myhost:8080/api/orchestrators/Child/http-1", { method: "POST", body: "3" }),
    );
    expect(res?.status).toBe(202);
    expect(res?.headers.get("location")).toMatch(
      /^http:\/\/myhost:8080\/runtime\/webhooks\/durabletask\/instances\/http-1\?/,
    );
    expect((await r.wait("http-1")).output).toEqual({ n: 3, me: "http-1" });
    expect(
      await handle(new Request("http://myhost/api/orchestrators/Child", { method: "GET" })),
    ).toBeUndefined();
    const echo = await handle(new Request("http://myhost/api/Echo?q=hi"));
    expect(echo?.status).toBe(201);
    expect(await echo?.json()).toEqual({ q: "hi" });
    expect(await handle(new Request("http://myhost/api/unknown"))).toBeUndefined();
  });

  it("other client functions run with invokeClientFunction", async () => {
    const id = (await r.app.invokeClientFunction("Nightly", 9)) as string;
    expect((await r.wait(id)).output).toMatchObject({ n: 9 });
  });
});
