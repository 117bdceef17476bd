// The classic-model app folder (apps/classic: host.json, local.settings.json, one folder per function with
// function.json + index.js, `require("durable-functions")` as durable-functions 2.x writes it), run unchanged by a
// real `taskhub worker --app apps/classic` process on a real Azurite, and driven over HTTP as the documentation's
// curl lines drive it: the HTTP starter, the status URL it answers with, the app's own HTTP client functions
// (raise an event, signal and read an entity) and the management API's sendEventPostUri.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { spawnWorker, type WorkerProcess } from "../../src/worker-process.js";

const KEY = "classic-app-key-0123456789";
const HUB = "ClassicSamplesHub"; // the app's host.json
/** Each step of a test may wait up to 90 s (eventually): generous, for a busy machine. */
const slow = { timeout: 300_000 };
const appFolder = fileURLToPath(new URL("../../apps/classic", import.meta.url));

let azurite: AzuriteInstance;
let worker: WorkerProcess | undefined;
let out = ""; // the host's stdout: one JSON line per log record
let err = "";
let url: string;

/** Resolves with what `read` gives once `ok` holds; generous deadline, no timing assertion. */
async function eventually<T>(
  read: () => Promise<T> | T,
  ok: (v: T) => boolean,
  what: string,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  azurite = await startAzurite();
  // As a Functions app gets its storage: the AzureWebJobsStorage app setting (it overrides the
  // UseDevelopmentStorage=true of the app's local.settings.json). Nothing else names a connection or a hub.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AzureWebJobsStorage: azurite.connectionString,
    TASKHUB_HTTP_KEY: KEY,
    TASKHUB_HTTP_PORT: "0",
    TASKHUB_LOG_LEVEL: "info",
  };
  for (const name of [
    "AZURE_STORAGE_CONNECTION_STRING",
    "TASKHUB_CONFIG",
    "TASKHUB_HUB_NAME",
    "TASKHUB_CONNECTION_NAME",
    "TASKHUB_HTTP_AUTH",
    // pnpm's shims set NODE_PATH to its whole store: the app's modules must resolve from the app folder only.
    "NODE_PATH",
  ])
    delete env[name];
  worker = spawnWorker(["--app", appFolder], {
    env,
    onOutput: (text, stream) => (stream === "stdout" ? (out += text) : (err += text)),
  });
  // Started is the host's own signal (its host.started line with its URL) or its exit: not a time.
  const started = await worker.ready.then(
    (s) => s.url,
    (e: Error) => e.message,
  );
  if (!started.startsWith("http")) throw new Error(`the host did not start (${started}):\n${out}\n${err}`);
  url = started;
}, 120_000);

afterAll(async () => {
  if (worker && worker.child.exitCode === null) expect(await worker.stop()).toBe(0);
  await azurite?.stop();
}, 60_000);

interface Payload {
  id: string;
  statusQueryGetUri: string;
  sendEventPostUri: string;
  terminatePostUri: string;
  purgeHistoryDeleteUri: string;
}
interface Status {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  historyEvents?: Record<string, unknown>[];
}

/** `curl -X POST <url>/api/<path> -H "x-functions-key: <key>" -H "Content-Type: application/json" -d <body>` */
function post(path: string, body?: unknown, key: string | null = KEY): Promise<Response> {
  return fetch(`${url}/api/${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(key ? { "x-functions-key": key } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** POST to HttpStart: 202 with the management payload, Location = its status URL. */
async function start(orchestrator: string, input?: unknown): Promise<Payload> {
  const res = await post(`orchestrators/${orchestrator}`, input);
  expect(res.status, await res.clone().text()).toBe(202);
  const payload = (await res.json()) as Payload;
  expect(res.headers.get("location")).toBe(payload.statusQueryGetUri);
  return payload;
}

/** Follows the status URL as a client of the async HTTP API does: 202 while it runs, then the final answer. */
async function poll(p: Payload): Promise<{ code: number; status: Status; running: Status[] }> {
  const running: Status[] = [];
  const last = await eventually(
    async () => {
      const res = await fetch(`${p.statusQueryGetUri}&showHistory=true`);
      const status = (await res.json()) as Status;
      if (res.status === 202) running.push(status);
      return { code: res.status, status };
    },
    (r) => r.code !== 202,
    `instance ${p.id}`,
  );
  return { ...last, running };
}

/** The condensed history of the status URL (showHistory=true): its entries of one type. */
function events(status: Status, type: string): Record<string, unknown>[] {
  return (status.historyEvents ?? []).filter((e) => e.EventType === type);
}

describe("the app folder, as it is", slow, () => {
  it("is served from its host.json (task hub, every setting understood) and its function.json files", () => {
    // Every line up to host.started is complete (the output may end in a line being written).
    const lines = out
      .slice(0, out.indexOf("\n", out.indexOf('"event":"host.started"')))
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.event === "host.started")).toMatchObject({ taskHub: HUB });
    expect(
      lines.filter((l) => l.event === "app.settingIgnored" || l.event === "app.bindingNotHosted"),
    ).toEqual([]);
  });

  it("HttpStart (authLevel function) wants the host's key", async () => {
    expect((await post("orchestrators/HelloSequence", undefined, null)).status).toBe(401);
    const res = await fetch(`${url}/api/orchestrators/HelloSequence?code=${KEY}`, { method: "POST" });
    expect(res.status).toBe(202);
    await poll((await res.json()) as Payload);
  });
});

describe("function chaining", slow, () => {
  it("HelloSequence calls SayHello for Tokyo, Seattle and London in turn", async () => {
    const p = await start("HelloSequence");
    const { code, status } = await poll(p);
    expect(code).toBe(200);
    expect(status).toMatchObject({
      name: "HelloSequence",
      instanceId: p.id,
      runtimeStatus: "Completed",
      input: null, // an empty POST has no body: startNew got no input
      output: ["Hello Tokyo!", "Hello Seattle!", "Hello London!"],
    });
    // Each call was scheduled after the previous one completed.
    const calls = events(status, "TaskCompleted");
    expect(calls.map((e) => e.FunctionName)).toEqual(["SayHello", "SayHello", "SayHello"]);
    for (let i = 1; i < calls.length; i++)
      expect(Date.parse(String(calls[i]!.ScheduledTime))).toBeGreaterThanOrEqual(
        Date.parse(String(calls[i - 1]!.Timestamp)),
      );
    expect(out).toContain(`Started orchestration with ID = '${p.id}'.`);
  });
});

describe("fan-out/fan-in", slow, () => {
  it("FanOutFanIn squares every item of the batch in parallel and sums the results", async () => {
    const p = await start("FanOutFanIn", 20);
    const { code, status } = await poll(p);
    expect(code).toBe(200);
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toEqual({ items: 20, total: (20 * 21 * 41) / 6 });
    const items = events(status, "TaskCompleted").filter((e) => e.FunctionName === "ProcessWorkItem");
    expect(items).toHaveLength(20);
    // Fanned out: every item was scheduled before the first one completed.
    const lastScheduled = Math.max(...items.map((e) => Date.parse(String(e.ScheduledTime))));
    const firstCompleted = Math.min(...items.map((e) => Date.parse(String(e.Timestamp))));
    expect(lastScheduled).toBeLessThanOrEqual(firstCompleted);
  });
});

describe("async HTTP API and monitor", slow, () => {
  it("HttpStart's answer: 202, Location, Retry-After and the management URLs carrying the task hub and the key", async () => {
    const res = await post("orchestrators/HelloSequence");
    expect(res.status).toBe(202);
    expect(res.headers.get("retry-after")).toBe("10");
    const p = (await res.json()) as Payload;
    const q = `taskHub=${HUB}&connection=Storage&code=${KEY}`;
    expect(p.statusQueryGetUri).toBe(`${url}/runtime/webhooks/durabletask/instances/${p.id}?${q}`);
    expect(p.sendEventPostUri).toBe(
      `${url}/runtime/webhooks/durabletask/instances/${p.id}/raiseEvent/{eventName}?${q}`,
    );
    expect(p.terminatePostUri).toBe(
      `${url}/runtime/webhooks/durabletask/instances/${p.id}/terminate?reason={text}&${q}`,
    );
    expect(p.purgeHistoryDeleteUri).toBe(`${url}/runtime/webhooks/durabletask/instances/${p.id}?${q}`);
    await poll(p);
  });

  it("JobMonitor checks the job on durable timers until it completes: 202 with its custom status while it runs, then 200", async () => {
    const p = await start("JobMonitor", {
      jobId: "build-42",
      completesOnCheck: 3,
      pollingIntervalSeconds: 2,
      expirySeconds: 600,
    });
    const { code, status, running } = await poll(p);
    expect(running.length).toBeGreaterThan(0);
    expect(running.every((s) => ["Pending", "Running"].includes(s.runtimeStatus))).toBe(true);
    expect(code).toBe(200);
    expect(status).toMatchObject({
      name: "JobMonitor",
      runtimeStatus: "Completed",
      customStatus: { checks: 3, jobStatus: "Completed" },
      output: {
        jobId: "build-42",
        status: "Completed",
        checks: 3,
        alert: "Job build-42 completed (seen on check 3).",
      },
    });
    expect(events(status, "TaskCompleted").map((e) => e.FunctionName)).toEqual([
      "GetJobStatus",
      "GetJobStatus",
      "GetJobStatus",
      "SendAlert",
    ]);
    expect(events(status, "TimerFired")).toHaveLength(2);
  });

  it("JobMonitor expires when the job never completes", async () => {
    const p = await start("JobMonitor", { jobId: "stuck-7", pollingIntervalSeconds: 1, expirySeconds: 3 });
    const { code, status } = await poll(p);
    expect(code).toBe(200);
    const output = status.output as { jobId: string; status: string; checks: number };
    expect(output).toMatchObject({ jobId: "stuck-7", status: "Expired" });
    expect(output.checks).toBeGreaterThanOrEqual(1);
    expect(status.customStatus).toEqual({ checks: output.checks, jobStatus: "Running" });
    const checks = events(status, "TaskCompleted").map((e) => e.FunctionName);
    expect(checks).toEqual(Array(output.checks).fill("GetJobStatus"));
    expect(events(status, "TimerFired")).toHaveLength(events(status, "TimerCreated").length);
    // It gave up no earlier than its expiry time, 3 s after it started.
    const started = Date.parse(String(events(status, "ExecutionStarted")[0]!.Timestamp));
    const ended = Date.parse(String(events(status, "ExecutionCompleted")[0]!.Timestamp));
    expect(ended - started).toBeGreaterThanOrEqual(3000);
  });
});

describe("human interaction", slow, () => {
  it("ApprovalWorkflow: answered through the app's RaiseApprovalEvent function, through sendEventPostUri, or escalated when its timer wins", async () => {
    const [byFunction, byManagementApi, unanswered] = await Promise.all([
      start("ApprovalWorkflow", { item: "laptop" }),
      start("ApprovalWorkflow", { item: "monitor" }),
      start("ApprovalWorkflow", { item: "chair", timeoutSeconds: 2 }),
    ]);
    // Wait until the approvals were requested (the instances then wait for the event or the timer).
    for (const p of [byFunction, byManagementApi])
      await eventually(
        async () => (await (await fetch(`${p.statusQueryGetUri}&showHistory=true`)).json()) as Status,
        (s) => events(s, "TaskCompleted").some((e) => e.FunctionName === "RequestApproval"),
        `approval requested by ${p.id}`,
      );

    // curl -X POST <url>/api/approvals/<id> -d '{"approved":true,"by":"ann"}'
    const raised = await post(`approvals/${byFunction.id}`, { approved: true, by: "ann" });
    expect(raised.status).toBe(202);
    expect(await raised.json()).toEqual({ instanceId: byFunction.id, raised: "ApprovalEvent" });
    // curl -X POST <sendEventPostUri with {eventName} = ApprovalEvent> -d '{"approved":false,"by":"bob"}'
    const sent = await fetch(byManagementApi.sendEventPostUri.replace("{eventName}", "ApprovalEvent"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ approved: false, by: "bob" }),
    });
    expect(sent.status).toBe(202);

    const [a, b, c] = await Promise.all([poll(byFunction), poll(byManagementApi), poll(unanswered)]);
    expect([a.code, b.code, c.code]).toEqual([200, 200, 200]);
    expect(a.status.output).toEqual({ item: "laptop", status: "Approved", by: "ann" });
    expect(b.status.output).toEqual({ item: "monitor", status: "Rejected", by: "bob" });
    expect(c.status.output).toEqual({ item: "chair", status: "Escalated" });

    // The answered ones waited on the default 72-hour timer, which never fired; the unanswered one's fired.
    for (const s of [a.status, b.status]) {
      const started = Date.parse(String(events(s, "ExecutionStarted")[0]!.Timestamp));
      const [timer] = events(s, "TimerCreated");
      expect(Date.parse(String(timer!.FireAt)) - started).toBeGreaterThanOrEqual(72 * 3600_000 - 60_000);
      expect(events(s, "TimerFired")).toEqual([]);
      expect(events(s, "EventRaised").map((e) => e.Name)).toEqual(["ApprovalEvent"]);
    }
    expect(events(c.status, "TimerFired")).toHaveLength(1);
    expect(events(c.status, "TaskCompleted").map((e) => e.FunctionName)).toEqual([
      "RequestApproval",
      "Escalate",
    ]);
    expect(out).toContain("Nobody answered for 'chair': escalated to the manager.");
  });

  it("RaiseApprovalEvent answers 404 for an instance that does not exist", async () => {
    const res = await post("approvals/no-such-instance", { approved: true, by: "eve" });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toContain("no-such-instance");
  });
});

describe("durable entity", slow, () => {
  const read = async (key: string): Promise<{ code: number; body: unknown }> => {
    const res = await fetch(`${url}/api/counters/${key}?code=${KEY}`);
    return { code: res.status, body: await res.json() };
  };

  it("Counter: signalled over HTTP by SignalCounter (add, reset), read by ReadCounter", async () => {
    expect((await read("visits")).code).toBe(404);
    for (const amount of [5, 7]) expect((await post("counters/visits/add", amount)).status).toBe(202);
    await eventually(
      () => read("visits"),
      (r) => r.code === 200 && r.body === 12,
      "visits = 12",
    );
    expect((await post("counters/visits/reset")).status).toBe(202);
    await eventually(
      () => read("visits"),
      (r) => r.code === 200 && r.body === 0,
      "visits = 0",
    );
    // Another key is another entity.
    expect((await post("counters/downloads/add", 3)).status).toBe(202);
    await eventually(
      () => read("downloads"),
      (r) => r.code === 200 && r.body === 3,
      "downloads = 3",
    );
    expect(await read("visits")).toEqual({ code: 200, body: 0 });
  });
});
