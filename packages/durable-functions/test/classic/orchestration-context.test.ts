// The classic context.df where durable-functions 2.x differs from v3, on one worker that also runs a v4-model
// orchestration (each execution gets its own model's behaviour): Task.all([]) / Task.any([]), the shape of
// task failures, callHttp's positional arguments; and the members both share (retries, custom status,
// continueAsNew, Task.any with a cancelled timer).
import { createServer, type Server } from "node:http";
import { TaskHubWorker } from "@taskhub/core";
import { InMemoryOrchestrationService } from "@taskhub/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as df from "../../src/index.js";
import type { ClassicContext, IOrchestrationFunctionContext, OrchestrationContext } from "../../src/index.js";

const orchestration = [{ name: "context", type: "orchestrationTrigger", direction: "in" }];
const activity = [{ name: "input", type: "activityTrigger", direction: "in" }];

let worker: TaskHubWorker;
let client: df.DurableClient;
let server: Server;
let serverUrl = "";
const requests: string[] = [];
let attempts = 0;

const classic: Record<string, unknown> = {
  EmptyAll: df.orchestrator(function* (context: IOrchestrationFunctionContext) {
    const all = yield context.df.Task.all([]);
    const any = yield context.df.Task.any([]);
    return { all: all === undefined ? "undefined" : all, any: any === undefined ? "undefined" : any };
  }),
  CatchFailure: df.orchestrator(function* (context: IOrchestrationFunctionContext) {
    try {
      yield context.df.callActivity("Boom", "activity");
    } catch (err) {
      const e = err as Error;
      return {
        isError: e instanceof Error,
        ctor: e.constructor.name,
        isTaskFailed: e instanceof df.TaskFailedError,
        message: e.message,
      };
    }
  }),
  CatchSubFailure: df.orchestrator(function* (context: IOrchestrationFunctionContext) {
    try {
      yield context.df.callSubOrchestrator("Throws", 1);
    } catch (err) {
      return { ctor: (err as Error).constructor.name, head: (err as Error).message.split(" \n ")[0] };
    }
  }),
  Throws: df.orchestrator(function* () {
    yield* [];
    throw new Error("sub failed");
  }),
  AllFailFast: df.orchestrator(function* (context: IOrchestrationFunctionContext) {
    const tasks = [
      context.df.callActivity("Echo", 1),
      context.df.callActivity("Boom", "second"),
      context.df.callActivity("Echo", 3),
    ];
    try {
      yield context.df.Task.all(tasks);
      return "no error";
    } catch (err) {
      return { head: (err as Error).message.split(" \n ")[0], faulted: tasks.map((t) => t.isFaulted) };
    }
  }),
  Http: df.orchestrator(function* (context: IOrchestrationFunctionContext) {
    const res = (yield context.df.callHttp(
      "POST",
      `${context.df.getInput<string>()}/start`,
      { a: 1 },
      { "x-k": "v" },
    )) as df.DurableHttpResponse;
    const noPoll = (yield context.df.callHttp(
      "GET",
      `${context.df.getInput<string>()}/start`,
      undefined,
      undefined,
      undefined,
      false,
    )) as df.DurableHttpResponse;
    return { status: res.statusCode, content: JSON.parse(res.content!), noPoll: noPoll.statusCode };
  }),
  Retry: df.orchestrator(function* (context: IOrchestrationFunctionContext) {
    const options = new df.RetryOptions(1000, 3);
    const ok = yield context.df.callActivityWithRetry("Flaky", options, "x");
    try {
      yield context.df.callActivityWithRetry("Boom", new df.RetryOptions(1000, 2), "retried");
      return { ok };
    } catch (err) {
      const e = err as Error;
      return { ok, ctor: e.constructor.name, head: e.message.split(" \n ")[0] };
    }
  }),
  Shared: df.orchestrator(function* (context: IOrchestrationFunctionContext) {
    const n = context.df.getInput<number>();
    context.df.setCustomStatus({ n });
    if (n < 2) {
      context.df.continueAsNew(n + 1);
      return "ignored";
    }
    const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 3600_000));
    const echo = context.df.callActivity("Echo", "fast");
    const winner = yield context.df.Task.any([echo, timer]);
    if (winner === echo) timer.cancel();
    return {
      n,
      winner: winner === echo ? "echo" : "timer",
      result: echo.result,
      status: context.df.customStatus,
      guid: context.df.newGuid(context.df.instanceId).length,
    };
  }),
};

const activities: Record<string, (context: ClassicContext) => unknown> = {
  Boom: (context) => {
    throw new RangeError(`boom ${context.bindings.input}`);
  },
  Echo: async (context) => context.bindings.input,
  Flaky: async () => {
    if (++attempts < 3) throw new Error(`attempt ${attempts}`);
    return `ok after ${attempts}`;
  },
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      requests.push(`${req.method} ${req.url} ${req.headers["x-k"] ?? ""} ${body}`);
      if (req.url === "/start")
        res.writeHead(202, { location: `${serverUrl}/done`, "retry-after": "5" }).end();
      else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ done: true }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  const service = new InMemoryOrchestrationService({
    clock: "virtual",
    autoAdvanceTime: true,
    pollIntervalMs: 20,
  });
  worker = new TaskHubWorker(service);
  for (const [name, handler] of Object.entries(classic))
    df.registerClassicFunction(worker, {
      name,
      trigger: "orchestrationTrigger",
      handler,
      bindings: orchestration,
    });
  for (const [name, handler] of Object.entries(activities))
    df.registerClassicFunction(worker, { name, trigger: "activityTrigger", handler, bindings: activity });
  // A v4-model orchestration on the same worker.
  const app = df.createApp();
  app.orchestration("V4CatchFailure", function* (context: OrchestrationContext) {
    try {
      yield context.df.callActivity("Boom", "v4");
    } catch (err) {
      return { isTaskFailed: err instanceof df.TaskFailedError, message: (err as Error).message };
    }
  });
  app.orchestration("V4EmptyAll", function* (context: OrchestrationContext) {
    try {
      yield context.df.Task.all([]);
      return "no error";
    } catch (err) {
      return (err as Error).message;
    }
  });
  app.register(worker, { taskHubName: "TestHub" });
  client = app.getClient();
  await worker.start();
});
afterAll(async () => {
  await worker?.stop({ drainTimeoutMs: 1000 });
  server?.close();
});

async function run(name: string, input?: unknown) {
  const id = await client.startNew(name, { input });
  await client.client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 });
  return client.getStatus(id);
}

describe("classic context.df (2.x behaviour)", () => {
  it("Task.all([]) and Task.any([]) complete at once with undefined (the v4 model throws)", async () => {
    expect((await run("EmptyAll")).output).toEqual({ all: "undefined", any: "undefined" });
    expect((await run("V4EmptyAll")).output).toMatch(/you must specify at least one Task/);
  });

  it("a failed activity is a plain Error '<reason> \\n <details>' (the v4 model gets TaskFailedError)", async () => {
    const out = (await run("CatchFailure")).output as Record<string, unknown>;
    expect(out).toMatchObject({ isError: true, ctor: "Error", isTaskFailed: false });
    const [reason, details] = (out.message as string).split(" \n ");
    expect(reason).toBe("boom activity");
    expect(details).toMatch(/^RangeError: boom activity\n\s+at /);
    expect((await run("V4CatchFailure")).output).toMatchObject({
      isTaskFailed: true,
      message: "RangeError: boom v4",
    });
  });

  it("a failed sub-orchestration is a plain Error too", async () => {
    expect((await run("CatchSubFailure")).output).toEqual({ ctor: "Error", head: "sub failed" });
  });

  it("Task.all fails as soon as one task fails, with that task's error", async () => {
    expect((await run("AllFailFast")).output).toEqual({ head: "boom second", faulted: [false, true, false] });
  });

  it("callHttp(method, uri, content, headers, tokenSource, asynchronousPatternEnabled): JSON content, 202 polled or not", async () => {
    requests.length = 0;
    expect((await run("Http", serverUrl)).output).toEqual({
      status: 200,
      content: { done: true },
      noPoll: 202,
    });
    expect(requests).toEqual([`POST /start v {"a":1}`, "GET /done v ", "GET /start  "]);
  });

  it("callActivityWithRetry with df.RetryOptions; used-up retries fail with the last plain Error", async () => {
    attempts = 0;
    expect((await run("Retry")).output).toEqual({ ok: "ok after 3", ctor: "Error", head: "boom retried" });
  });

  it("continueAsNew, setCustomStatus / customStatus, Task.any with a cancelled timer, newGuid", async () => {
    const status = await run("Shared", 0);
    expect(status.output).toEqual({ n: 2, winner: "echo", result: "fast", status: { n: 2 }, guid: 36 });
    expect(status.customStatus).toEqual({ n: 2 });
  });
});
