// The Durable Functions HTTP management API served over a real worker on Azurite: every route, status code,
// header and body shape (docs/http-api.md), paging, auth on and off, malformed requests.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskHubClient, TaskHubWorker } from "@taskhub/core";
import { AzureStorageOrchestrationService } from "@taskhub/azure-storage";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import {
  createDurableClientBindingData,
  createManagementApi,
  LOCAL_RPC_PATH,
  serve,
  type RunningServer,
} from "../../src/index.js";

const KEY = "test-key-0123456789abcdef";
let azurite: AzuriteInstance;
let service: AzureStorageOrchestrationService;
let worker: TaskHubWorker;
let server: RunningServer;
let open: RunningServer;
let rpc: RunningServer;
let allowed = false;

beforeAll(async () => {
  azurite = await startAzurite();
  service = new AzureStorageOrchestrationService({
    taskHubName: "HttpHub",
    storage: { connectionString: azurite.connectionString },
    partitionManagement: "all",
    minPollingIntervalMs: 10,
    maxPollingIntervalMs: 200,
  });
  worker = new TaskHubWorker(service);
  worker.addActivity("SayHello", (_ctx, name: string) => `Hello ${name}!`);
  worker.addActivity("Gate", () => {
    if (!allowed) throw new Error("gate closed");
    return "open";
  });
  worker.addOrchestrator("Hello", function* (ctx, name: string) {
    return (yield ctx.callActivity("SayHello", name ?? "World")) as string;
  });
  worker.addOrchestrator("WaitFor", function* (ctx) {
    return (yield ctx.waitForExternalEvent("go")) as unknown;
  });
  worker.addOrchestrator("Gated", function* (ctx) {
    return (yield ctx.callActivity("Gate")) as string;
  });
  worker.addOrchestrator("Version", (ctx) => ctx.version);
  worker.addEntity("Counter", (ctx) => {
    const v = ctx.getState<number>(() => 0) ?? 0;
    if (ctx.operationName === "add") ctx.setState(v + (ctx.getInput<number>() ?? 1));
    if (ctx.operationName === "set") ctx.setState(ctx.getInput());
    if (ctx.operationName === "delete") ctx.deleteState();
    return v;
  });
  await worker.start();
  const client = new TaskHubClient(service, { maxPollIntervalMs: 200 });
  const names = (): string[] => ["Hello", "WaitFor", "Gated", "Version"];
  server = await serve(
    createManagementApi({ client, taskHubName: "HttpHub", auth: { key: KEY }, orchestratorNames: names }),
  );
  open = await serve(
    createManagementApi({
      client,
      taskHubName: "HttpHub",
      auth: "disabled",
      orchestratorNames: names,
      maxBodyBytes: 1000,
    }),
  );
  rpc = await serve(
    createManagementApi({
      client,
      taskHubName: "HttpHub",
      auth: "disabled",
      orchestratorNames: names,
      basePath: LOCAL_RPC_PATH,
    }),
  );
});

afterAll(async () => {
  await server?.close();
  await open?.close();
  await rpc?.close();
  await worker?.stop();
  await azurite?.stop();
});

const base = (s: RunningServer = open): string => `${s.url}/runtime/webhooks/durabletask`;

async function call(
  method: string,
  path: string,
  init: { body?: string; headers?: Record<string, string>; s?: RunningServer } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(`${base(init.s)}${path}`, { method, body: init.body, headers: init.headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body };
}

async function waitStatus(id: string, status: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = await call("GET", `/instances/${id}`);
    if (r.body?.runtimeStatus === status) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`${id} never reached ${status}`);
}

describe("auth", () => {
  it("requires the key, by query or header", async () => {
    expect((await call("GET", "/instances/", { s: server })).status).toBe(401);
    expect((await call("GET", "/instances/?code=wrong", { s: server })).status).toBe(401);
    expect((await call("GET", `/instances/?code=${KEY}`, { s: server })).status).toBe(200);
    expect(
      (await call("GET", "/instances/", { s: server, headers: { "x-functions-key": KEY } })).status,
    ).toBe(200);
  });

  it("refuses to run without a key unless explicitly disabled", () => {
    const client = new TaskHubClient(service);
    expect(() => createManagementApi({ client, taskHubName: "HttpHub", auth: { key: "" } })).toThrow(
      /key must have at least 16 characters/,
    );
  });
});

describe("start and status", () => {
  it("starts an instance: 202 with all nine management URLs, Location and Retry-After", async () => {
    const r = await call("POST", "/orchestrators/Hello/http-1", {
      body: '"Tokyo"',
      s: server,
      headers: { "x-functions-key": KEY },
    });
    expect(r.status).toBe(202);
    expect(r.headers.get("retry-after")).toBe("10");
    expect(Object.keys(r.body).sort()).toEqual(
      [
        "id",
        "purgeHistoryDeleteUri",
        "restartPostUri",
        "resumePostUri",
        "rewindPostUri",
        "sendEventPostUri",
        "statusQueryGetUri",
        "suspendPostUri",
        "terminatePostUri",
      ].sort(),
    );
    expect(r.body.id).toBe("http-1");
    expect(r.headers.get("location")).toBe(r.body.statusQueryGetUri);
    expect(r.body.statusQueryGetUri).toBe(
      `${base(server)}/instances/http-1?taskHub=HttpHub&connection=Storage&code=${KEY}`,
    );
    expect(r.body.sendEventPostUri).toContain("/instances/http-1/raiseEvent/{eventName}?");
    expect(r.body.terminatePostUri).toContain("/instances/http-1/terminate?reason={text}&taskHub=HttpHub");
    // The status URL works as given.
    let status = await fetch(r.body.statusQueryGetUri);
    for (let i = 0; i < 100 && status.status === 202; i++) {
      await new Promise((res) => setTimeout(res, 50));
      status = await fetch(r.body.statusQueryGetUri);
    }
    expect(status.status).toBe(200);
    const body = (await status.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      name: "Hello",
      instanceId: "http-1",
      runtimeStatus: "Completed",
      input: "Tokyo",
      output: "Hello Tokyo!",
      customStatus: null,
    });
    expect(body.createdTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(body.historyEvents).toBeUndefined();
  });

  it("waits for completion when timeout and pollingInterval are given", async () => {
    const r = await call("POST", "/orchestrators/Hello?timeout=20&pollingInterval=1", { body: '"Seattle"' });
    expect(r.status).toBe(200);
    expect(r.body).toBe("Hello Seattle!");
  });

  it("rejects unknown orchestrators, bad JSON, bad ids and oversized bodies with 400/413", async () => {
    expect((await call("POST", "/orchestrators/NoSuch", { body: "1" })).status).toBe(400);
    const bad = await call("POST", "/orchestrators/Hello", { body: "{nope" });
    expect(bad.status).toBe(400);
    expect(bad.body.Message).toMatch(/not valid JSON/);
    expect((await call("POST", "/orchestrators/Hello/a%23b", { body: "1" })).status).toBe(400);
    expect((await call("POST", "/orchestrators/Hello/%40entity", { body: "1" })).status).toBe(400);
    expect(
      (await call("POST", "/orchestrators/Hello", { body: JSON.stringify("x".repeat(2000)) })).status,
    ).toBe(413);
    expect((await call("GET", "/instances/x?showHistory=maybe")).status).toBe(400);
    expect((await call("PUT", "/instances/x")).status).toBe(404);
    expect((await call("GET", "/no/such/route")).status).toBe(404);
  });

  it("reports a running instance with 202, Location and Retry-After: 5; unknown ids with 404", async () => {
    const r = await call("POST", "/orchestrators/WaitFor/http-running", { body: "" });
    expect(r.status).toBe(202);
    await waitStatus("http-running", "Running");
    const s = await call("GET", "/instances/http-running");
    expect(s.status).toBe(202);
    expect(s.headers.get("retry-after")).toBe("5");
    expect(s.headers.get("location")).toBe(`${base()}/instances/http-running`);
    expect((await call("GET", "/instances/nobody-here")).status).toBe(404);
    const dup = await call("POST", "/orchestrators/WaitFor/http-running", { body: "" });
    expect(dup.status).toBe(500);
  });

  it("shows the condensed history, with outputs only on request", async () => {
    const r = await call("GET", "/instances/http-1?showHistory=true");
    const types = r.body.historyEvents.map((e: { EventType: string }) => e.EventType);
    expect(types).toEqual(["ExecutionStarted", "TaskCompleted", "ExecutionCompleted"]);
    expect(r.body.historyEvents[0]).toMatchObject({ FunctionName: "Hello", Input: "Tokyo" });
    expect(r.body.historyEvents[1]).toMatchObject({ EventType: "TaskCompleted", FunctionName: "SayHello" });
    expect(r.body.historyEvents[1].ScheduledTime).toBeDefined();
    expect(r.body.historyEvents[1].Result).toBeUndefined();
    expect(r.body.historyEvents[2]).toMatchObject({ OrchestrationStatus: "Completed" });
    const withOutput = await call(
      "GET",
      "/instances/http-1?showHistory=true&showHistoryOutput=true&showInput=false",
    );
    expect(withOutput.body.historyEvents[1].Result).toBe("Hello Tokyo!");
    expect(withOutput.body.historyEvents[0].Input).toBeUndefined();
    expect(withOutput.body.input).toBeNull();
  });
});

describe("management verbs", () => {
  it("raises events (202, 404, 410, media type), terminates, suspends and resumes", async () => {
    await call("POST", "/orchestrators/WaitFor/http-ev", { body: "" });
    await waitStatus("http-ev", "Running");
    expect(
      (
        await call("POST", "/instances/http-ev/raiseEvent/go", {
          body: '{"a":1}',
          headers: { "content-type": "text/plain" },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call("POST", "/instances/nobody/raiseEvent/go", {
          body: "1",
          headers: { "content-type": "application/json" },
        })
      ).status,
    ).toBe(404);
    expect((await call("POST", "/instances/http-ev/suspend?reason=pause")).status).toBe(202);
    await waitStatus("http-ev", "Suspended");
    expect((await call("POST", "/instances/http-ev/resume?reason=go")).status).toBe(202);
    await waitStatus("http-ev", "Running");
    expect(
      (
        await call("POST", "/instances/http-ev/raiseEvent/go", {
          body: '{"a":1}',
          headers: { "content-type": "application/json" },
        })
      ).status,
    ).toBe(202);
    await waitStatus("http-ev", "Completed");
    expect((await call("GET", "/instances/http-ev")).body.output).toEqual({ a: 1 });
    expect(
      (
        await call("POST", "/instances/http-ev/raiseEvent/go", {
          body: "1",
          headers: { "content-type": "application/json" },
        })
      ).status,
    ).toBe(410);
    // The instance is checked before the media type, as the extension does.
    expect(
      (
        await call("POST", "/instances/http-ev/raiseEvent/go", {
          body: "1",
          headers: { "content-type": "text/plain" },
        })
      ).status,
    ).toBe(410);
    expect((await call("POST", "/instances/http-ev/terminate")).status).toBe(410);

    await call("POST", "/orchestrators/WaitFor/http-term", { body: "" });
    await waitStatus("http-term", "Running");
    expect((await call("POST", "/instances/http-term/terminate?reason=enough")).status).toBe(202);
    await waitStatus("http-term", "Terminated");
    expect((await call("GET", "/instances/http-term")).body.output).toBe("enough");
    expect((await call("POST", "/instances/nobody/terminate")).status).toBe(404);
  });

  it("rewinds a failed instance (202) and refuses any other state (412) as the extension; failure as 500 on request", async () => {
    allowed = false;
    await call("POST", "/orchestrators/Gated/http-gate", { body: "" });
    await waitStatus("http-gate", "Failed");
    expect((await call("GET", "/instances/http-gate")).status).toBe(200);
    expect((await call("GET", "/instances/http-gate?returnInternalServerErrorOnFailure=true")).status).toBe(
      500,
    );
    // Start-and-wait answers a failed instance with the status route: 200, or 500 when asked.
    const waited = await call("POST", "/orchestrators/Gated?timeout=20&pollingInterval=1", { body: "" });
    expect(waited.status).toBe(200);
    expect(waited.body).toMatchObject({ name: "Gated", runtimeStatus: "Failed" });
    expect(
      (
        await call(
          "POST",
          "/orchestrators/Gated?timeout=20&pollingInterval=1&returnInternalServerErrorOnFailure=true",
          { body: "" },
        )
      ).status,
    ).toBe(500);
    allowed = true;
    expect((await call("POST", "/instances/http-gate/rewind?reason=fixed")).status).toBe(202);
    await waitStatus("http-gate", "Completed");
    // durable-functions 3.x turns the bare JSON string body of 404/412 into its error message.
    const completed = await call("POST", "/instances/http-gate/rewind");
    expect(completed).toMatchObject({
      status: 412,
      body: expect.stringMatching(
        /has status Completed, but only orchestrations in the "Failed" state can be rewound/,
      ),
    });
    await call("POST", "/orchestrators/WaitFor/http-rewind-running", { body: "" });
    await waitStatus("http-rewind-running", "Running");
    expect((await call("POST", "/instances/http-rewind-running/rewind")).status).toBe(412);
    await call("POST", "/instances/http-rewind-running/terminate");
    expect(await call("POST", "/instances/nobody/rewind")).toMatchObject({
      status: 404,
      body: expect.stringMatching(/No orchestration with instance ID 'nobody' found/),
    });
  });

  it("restarts with the same or a new id", async () => {
    const same = await call("POST", "/instances/http-1/restart");
    expect(same.status).toBe(202);
    expect(same.body.id).toBe("http-1");
    const other = await call(
      "POST",
      "/instances/http-1/restart?restartWithNewInstanceId=true&timeout=20&pollingInterval=1",
    );
    expect(other.status).toBe(200);
    expect(other.body).toBe("Hello Tokyo!");
    expect((await call("POST", "/instances/nobody/restart")).status).toBe(400);
  });

  it("lists instances with filters and continuation tokens", async () => {
    for (let i = 0; i < 5; i++)
      await call("POST", `/orchestrators/Hello/page-${i}?timeout=20&pollingInterval=1`, { body: `"p${i}"` });
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const r = await call("GET", "/instances/?instanceIdPrefix=page-&top=2", {
        headers: token ? { "x-ms-continuation-token": token } : {},
      });
      expect(r.status).toBe(200);
      seen.push(...r.body.map((s: { instanceId: string }) => s.instanceId));
      token = r.headers.get("x-ms-continuation-token");
      pages++;
    } while (token);
    expect(seen.sort()).toEqual(["page-0", "page-1", "page-2", "page-3", "page-4"]);
    expect(pages).toBe(3);
    const running = await call("GET", "/instances/?runtimeStatus=Running,Pending");
    expect(
      running.body.every((s: { runtimeStatus: string }) => ["Running", "Pending"].includes(s.runtimeStatus)),
    ).toBe(true);
    expect((await call("GET", "/instances/?runtimeStatus=Sleeping")).status).toBe(400);
    expect((await call("GET", "/instances/?createdTimeFrom=yesterday")).status).toBe(400);
  });

  it("purges one instance (200/404/412 while running) and by filter (400 without createdTimeFrom, 404 when none)", async () => {
    await call("POST", "/orchestrators/WaitFor/http-purge-running", { body: "" });
    await waitStatus("http-purge-running", "Running");
    const refused = await call("DELETE", "/instances/http-purge-running");
    expect(refused.status).toBe(412);
    expect(refused.body.Message).toMatch(/Only orchestrations in a terminal state can be purged/);
    expect((await call("GET", "/instances/http-purge-running")).status).toBe(202);
    // Purge by filter takes finished statuses only: naming Running is a 400, and the running instance stays.
    const hour = new Date(Date.now() - 3600_000).toISOString();
    const byRunning = await call("DELETE", `/instances/?createdTimeFrom=${hour}&runtimeStatus=Running`);
    expect(byRunning.status).toBe(400);
    expect(byRunning.body.Message).toMatch(/only finished instances can be purged/);
    expect((await call("GET", "/instances/http-purge-running")).status).toBe(202);
    await call("POST", "/instances/http-purge-running/terminate");
    await waitStatus("http-purge-running", "Terminated");
    const one = await call("DELETE", "/instances/page-0");
    expect(one).toMatchObject({ status: 200, body: { instancesDeleted: 1 } });
    expect((await call("DELETE", "/instances/page-0")).status).toBe(404);
    expect((await call("DELETE", "/instances/")).status).toBe(400);
    const from = new Date(Date.now() - 3600_000).toISOString();
    const many = await call("DELETE", `/instances/?createdTimeFrom=${from}&runtimeStatus=Completed`);
    expect(many.status).toBe(200);
    expect(many.body.instancesDeleted).toBeGreaterThanOrEqual(4);
    expect((await call("DELETE", `/instances/?createdTimeFrom=${from}&runtimeStatus=Completed`)).status).toBe(
      404,
    );
    expect((await call("GET", "/instances/page-1")).status).toBe(404);
  });
});

describe("out-of-process clients (durable-functions)", () => {
  it("builds the durableClient binding payload as the extension does", () => {
    const b = createDurableClientBindingData({
      origin: "http://127.0.0.1:7071",
      taskHubName: "HttpHub",
      key: KEY,
      rpcBaseUrl: "http://127.0.0.1:17071/durabletask/",
    });
    const base = "http://127.0.0.1:7071/runtime/webhooks/durabletask";
    expect(b).toMatchObject({
      taskHubName: "HttpHub",
      baseUrl: base,
      requiredQueryStringParameters: `code=${KEY}`,
      rpcBaseUrl: "http://127.0.0.1:17071/durabletask/",
      creationUrls: {
        createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?code=${KEY}`,
        createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=${KEY}`,
      },
    });
    expect(b.managementUrls.id).toBe("INSTANCEID");
    expect(b.managementUrls.statusQueryGetUri).toBe(
      `${base}/instances/INSTANCEID?taskHub=HttpHub&connection=Storage&code=${KEY}`,
    );
    expect(Object.keys(b.managementUrls)).toHaveLength(9);
    const keyless = createDurableClientBindingData({
      origin: "http://localhost:7071",
      taskHubName: "HttpHub",
    });
    expect(keyless.requiredQueryStringParameters).toBe("");
    expect(keyless.creationUrls.createNewInstancePostUri).toBe(
      "http://localhost:7071/runtime/webhooks/durabletask/orchestrators/{functionName}[/{instanceId}]?",
    );
    expect(keyless).not.toHaveProperty("rpcBaseUrl");
  });

  it("serves the same routes under the local RPC path; links still point at the webhook path", async () => {
    const started = await fetch(`${rpc.url}/durabletask/orchestrators/Hello/http-rpc`, {
      method: "POST",
      body: '"RPC"',
    });
    expect(started.status).toBe(202);
    expect(((await started.json()) as { statusQueryGetUri: string }).statusQueryGetUri).toBe(
      `${base(rpc)}/instances/http-rpc?taskHub=HttpHub&connection=Storage`,
    );
    await waitStatus("http-rpc", "Completed");
    const status = await fetch(`${rpc.url}/durabletask/instances/http-rpc`);
    expect(await status.json()).toMatchObject({ instanceId: "http-rpc", output: "Hello RPC!" });
    expect((await fetch(`${rpc.url}/runtime/webhooks/durabletask/instances/http-rpc`)).status).toBe(404);
  });

  it("entities: signal (202), read (200/404, key '$'), list with fetchState and paging, delete (202), bad requests (400)", async () => {
    const until = async (
      path: string,
      ok: (r: { status: number; body: any }) => boolean,
    ): Promise<{ status: number; body: any }> => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const r = await call("GET", path);
        if (ok(r) || Date.now() > deadline) return r;
        await new Promise((res) => setTimeout(res, 50));
      }
    };
    expect(
      (
        await call("POST", "/entities/Counter/e1?op=add", {
          body: "5",
          headers: { "content-type": "application/json" },
        })
      ).status,
    ).toBe(202);
    expect(
      (
        await call("POST", "/entities/counter/e1?op=add", {
          body: "2",
          headers: { "content-type": "application/json" },
        })
      ).status,
    ).toBe(202);
    expect(await until("/entities/counter/e1", (r) => r.body === 7)).toMatchObject({ status: 200, body: 7 });
    // Bodies are JSON whatever the content type: a string is sent as a JSON string.
    expect(
      (
        await call("POST", "/entities/counter/text?op=set", {
          body: '"plain words"',
          headers: { "content-type": "text/plain" },
        })
      ).status,
    ).toBe(202);
    expect((await until("/entities/counter/text", (r) => r.status === 200)).body).toBe("plain words");
    // '$' is the empty key.
    expect(
      (
        await call("POST", "/entities/counter/$?op=add", {
          body: "1",
          headers: { "content-type": "application/json" },
        })
      ).status,
    ).toBe(202);
    expect((await until("/entities/counter/$", (r) => r.status === 200)).body).toBe(1);
    expect((await call("GET", "/entities/counter/nobody")).status).toBe(404);

    const all = await call("GET", "/entities/counter?fetchState=true");
    expect(all.status).toBe(200);
    expect(all.body).toEqual(
      expect.arrayContaining([
        { entityId: { name: "counter", key: "e1" }, lastOperationTime: expect.any(String), state: 7 },
        { entityId: { name: "counter", key: "" }, lastOperationTime: expect.any(String), state: 1 },
      ]),
    );
    expect((await call("GET", "/entities/")).body.every((e: object) => !("state" in e))).toBe(true);
    const page1 = await call("GET", "/entities/counter?top=2");
    expect(page1.body).toHaveLength(2);
    const token = page1.headers.get("x-ms-continuation-token");
    expect(token).toBeTruthy();
    const page2 = await call("GET", "/entities/counter?top=2", {
      headers: { "x-ms-continuation-token": token! },
    });
    expect(page2.body.map((e: { entityId: { key: string } }) => e.entityId.key)).not.toEqual(
      page1.body.map((e: { entityId: { key: string } }) => e.entityId.key),
    );

    expect((await call("DELETE", "/entities/counter/e1")).status).toBe(202);
    expect((await until("/entities/counter/e1", (r) => r.status === 404)).status).toBe(404);

    expect((await call("POST", "/entities/counter/e1")).status).toBe(400);
    expect(
      (
        await call("POST", "/entities/counter/e1?op=add", {
          body: "{bad",
          headers: { "content-type": "application/json" },
        })
      ).status,
    ).toBe(400);
    expect((await call("GET", "/entities/counter?top=0")).status).toBe(400);
    expect((await call("GET", "/entities/counter?lastOperationTimeFrom=yesterday")).status).toBe(400);
    expect((await call("POST", "/entities/counter/e1?op=add", { s: server })).status).toBe(401);
  });

  it("starts with a version; refuses requests naming another task hub", async () => {
    const r = await call("POST", "/orchestrators/Version?version=1.2&timeout=20&pollingInterval=1", {
      body: "",
    });
    expect(r).toMatchObject({ status: 200, body: "1.2" });
    const other = await call("GET", "/instances/?taskHub=OtherHub");
    expect(other.status).toBe(400);
    expect(other.body.Message).toMatch(/serves the task hub 'HttpHub' only/);
    expect((await call("POST", "/orchestrators/Hello?taskHub=OtherHub", { body: '"x"' })).status).toBe(400);
    expect((await call("GET", "/instances/?taskHub=httphub&connection=Whatever")).status).toBe(200);
  });
});

describe("one rule for every route", () => {
  it("bodies are JSON on every route, whatever the content type: malformed JSON is a 400 that changes nothing", async () => {
    await call("POST", "/orchestrators/WaitFor/body-rule", { body: "" });
    await waitStatus("body-rule", "Running");
    const malformed = "{not json";
    const cases: [string, string, Record<string, string>][] = [
      ["start", "/orchestrators/Hello/body-rule-start", {}],
      ["start, text/plain", "/orchestrators/Hello/body-rule-start", { "content-type": "text/plain" }],
      ["raiseEvent", "/instances/body-rule/raiseEvent/go", { "content-type": "application/json" }],
      ["entity signal", "/entities/counter/body-rule?op=set", {}],
      ["entity signal, text/plain", "/entities/counter/body-rule?op=set", { "content-type": "text/plain" }],
      ["entity signal, JSON", "/entities/counter/body-rule?op=set", { "content-type": "application/json" }],
    ];
    for (const [what, path, headers] of cases) {
      const r = await call("POST", path, { body: malformed, headers });
      expect({ what, status: r.status, message: r.body?.Message }).toEqual({
        what,
        status: 400,
        message: expect.stringMatching(/^request body is not valid JSON/),
      });
    }
    await new Promise((r) => setTimeout(r, 500));
    expect((await call("GET", "/instances/body-rule-start")).status).toBe(404);
    expect((await call("GET", "/entities/counter/body-rule")).status).toBe(404);
    expect((await call("GET", "/instances/body-rule")).body.runtimeStatus).toBe("Running");
    // An empty body is no input, on every route.
    expect((await call("POST", "/entities/counter/body-rule?op=add", { body: "" })).status).toBe(202);
    expect(
      (
        await call("POST", "/instances/body-rule/raiseEvent/go", {
          body: "",
          headers: { "content-type": "application/json" },
        })
      ).status,
    ).toBe(202);
    await waitStatus("body-rule", "Completed");
    expect((await call("GET", "/instances/body-rule")).body.output).toBeNull();
  });

  it("a continuation token that is not one the API returned is the caller's mistake: 400", async () => {
    for (const path of ["/instances/", "/entities/", "/entities/counter"]) {
      for (const token of ["garbage", "%%%", "bm90IGpzb24"]) {
        const r = await call("GET", path, { headers: { "x-ms-continuation-token": token } });
        expect({ path, token, status: r.status, message: r.body?.Message }).toEqual({
          path,
          token,
          status: 400,
          message: expect.stringMatching(/continuation token .* is not one that a listing returned/),
        });
      }
    }
  });

  it("instance ids: DTF's and Durable Functions' rules; only white space is refused like every other invalid id", async () => {
    const refused: [string, string][] = [
      ["a space", "%20"],
      ["spaces", "%20%20%20"],
      ["an ideographic space", "%E3%80%80"],
      ["a #", "a%23b"],
      ["a control character", "a%01b"],
      ["a leading @", "%40x"],
    ];
    for (const [what, id] of refused) {
      for (const [method, path] of [
        ["POST", `/orchestrators/Hello/${id}`],
        ["GET", `/instances/${id}`],
        ["POST", `/instances/${id}/terminate`],
      ] as const) {
        const r = await call(method, path, { body: method === "POST" ? '"x"' : undefined });
        expect({ what, path, status: r.status, message: r.body?.Message }).toEqual({
          what,
          path,
          status: 400,
          message: expect.stringMatching(
            /^instance id .* is not valid: .*; an instance id has 1 to 256 characters/,
          ),
        });
      }
    }
    // White space around other characters is kept, as DTF and Durable Functions keep it.
    const padded = await call("POST", "/orchestrators/Hello/%20padded%20?timeout=20&pollingInterval=1", {
      body: '"pad"',
    });
    expect(padded).toMatchObject({ status: 200, body: "Hello pad!" });
    expect((await call("GET", "/instances/%20padded%20")).body.instanceId).toBe(" padded ");
    expect((await call("GET", "/instances/padded")).status).toBe(404);
  });

  it('every error answer is {"Message": ...}, except rewind\'s 404/412 (a bare string, as the extension and durable-functions 3.x have it)', async () => {
    const errors: [
      string,
      string,
      { body?: string; headers?: Record<string, string>; s?: RunningServer }?,
    ][] = [
      ["GET", "/instances/", { s: server }], // 401
      ["GET", "/no/such/route"], // 404
      ["GET", "/instances/nobody-at-all"], // 404
      ["POST", "/instances/nobody-at-all/terminate"], // 404
      [
        "POST",
        "/instances/nobody-at-all/raiseEvent/go",
        { body: "1", headers: { "content-type": "application/json" } },
      ], // 404
      ["POST", "/instances/body-rule/terminate"], // 410 (completed in the first test of this group)
      ["POST", "/orchestrators/NoSuch", { body: "1" }], // 400
      ["POST", "/orchestrators/Hello", { body: "{" }], // 400
      ["POST", "/orchestrators/Hello", { body: JSON.stringify("x".repeat(2000)) }], // 413
      ["GET", "/instances/?top=0"], // 400
      ["GET", "/instances/", { headers: { "x-ms-continuation-token": "garbage" } }], // 400
      ["POST", "/entities/counter/x"], // 400 (no op)
      ["GET", "/entities/counter/nobody"], // 404
      ["DELETE", "/instances/"], // 400
      ["POST", "/instances/nobody-at-all/restart"], // 400
      ["GET", "/instances/?taskHub=OtherHub"], // 400
    ];
    for (const [method, path, init] of errors) {
      const r = await call(method, path, init);
      expect(r.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect({ method, path, body: r.body }).toEqual({ method, path, body: { Message: expect.any(String) } });
      expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    }
    // The documented exception: rewind's refusals, which durable-functions 3.x turns into its error message.
    expect(await call("POST", "/instances/nobody-at-all/rewind")).toMatchObject({
      status: 404,
      body: expect.stringMatching(/^No orchestration with instance ID/),
    });
    expect(await call("POST", "/instances/body-rule/rewind")).toMatchObject({
      status: 412,
      body: expect.stringMatching(/only orchestrations in the "Failed" state can be rewound/),
    });
  });
});
