// The six application patterns in the durable-functions style (src/df), end to end: a taskhub host on a real
// Azurite started here, the samples' HTTP starters served by the host under /api, and every step driven by
// real HTTP requests (starters, status polling, raiseEvent, entity signals), with the management URLs the
// starters return (which carry the host key).
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { createHost, type Host } from "@taskhub/host";
import * as df from "@taskhub/durable-functions";
import { dtfTimeMs, type HistoryEvent } from "@taskhub/core";
import { httpHandler, outbox } from "../../src/df/app.js";
import { spawnWorker } from "../../src/worker-process.js";

const KEY = "samples-key-0123456789";
let azurite: AzuriteInstance;
let host: Host;

beforeAll(async () => {
  azurite = await startAzurite();
  host = await createHost({
    config: {
      hubName: "DfSamplesHub",
      storage: { connectionString: azurite.connectionString },
      http: { port: 0, key: KEY },
      maxQueuePollingIntervalMs: 200,
      logLevel: "warn",
    },
    env: {},
    register: (worker) => df.registerApp(worker, { key: KEY }),
    httpHandler,
    drainTimeoutMs: 2000,
  });
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
});

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
  customStatus: unknown;
  output: unknown;
}

async function post(path: string, body?: unknown): Promise<Response> {
  return fetch(`${host.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** POST to a starter; it must answer 202 with the management payload and Location = the status URL. */
async function start(path: string, body?: unknown): Promise<Payload> {
  const res = await post(path, body);
  expect(res.status, await res.clone().text()).toBe(202);
  const payload = (await res.json()) as Payload;
  expect(res.headers.get("location")).toBe(payload.statusQueryGetUri);
  expect(payload.statusQueryGetUri).toBe(
    `${host.url}/runtime/webhooks/durabletask/instances/${payload.id}?taskHub=DfSamplesHub&connection=Storage&code=${KEY}`,
  );
  return payload;
}

/** Polls the status URL as a client of the async HTTP API does: 202 while running, then the final answer. */
async function poll(
  payload: Payload,
  timeoutMs = 30_000,
): Promise<{ code: number; status: Status; running: Status[] }> {
  const running: Status[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(payload.statusQueryGetUri);
    const status = (await res.json()) as Status;
    if (res.status !== 202) return { code: res.status, status, running };
    running.push(status);
    if (Date.now() > deadline)
      throw new Error(`${payload.id} still ${status.runtimeStatus} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function history(instanceId: string): Promise<HistoryEvent[]> {
  return df.getClient().client.getOrchestrationHistory(instanceId);
}

function scheduled(h: HistoryEvent[]): string[] {
  return h.flatMap((e) => (e.type === "TaskScheduled" ? [e.name] : []));
}

async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe("1. function chaining", () => {
  it("runs F1 → F2 → F3 → F4, each output the next input", async () => {
    const res = await post("/api/orchestrators/Chaining/wait", 5);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: ((5 + 1) * 2 - 3) * 10 });
  });

  it("compensates the steps that ran, newest first, when F3 fails", async () => {
    const p = await start("/api/orchestrators/Chaining", 600);
    const { code, status } = await poll(p);
    expect(code).toBe(200);
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toEqual({
      error: expect.stringContaining("F3 refuses 1202: over the limit of 1000"),
      compensated: ["undid F2", "undid F1"],
    });
    expect(scheduled(await history(p.id))).toEqual(["F1", "F2", "F3", "Undo", "Undo"]);
    expect(outbox.filter((m) => m.kind === "compensation").map((m) => m.message)).toEqual([
      "undid F2 (its output was 1202)",
      "undid F1 (its output was 601)",
    ]);
  });
});

describe("2. fan-out/fan-in", () => {
  it("processes every item of the batch in parallel and hands the sum to F3", async () => {
    const p = await start("/api/orchestrators/FanOutFanIn", 20);
    const { code, status } = await poll(p);
    expect(code).toBe(200);
    const total = (20 * 21 * 41) / 6;
    expect(status.output).toEqual({ items: 20, total, stored: `stored ${total}` });
    const h = await history(p.id);
    expect(scheduled(h)).toEqual(["GetBatch", ...Array(20).fill("ProcessItem"), "StoreTotal"]);
    // Fan-out: all 20 were scheduled in one step, before any of them completed.
    const firstItemDone = h.findIndex((e) => e.type === "TaskCompleted" && e.taskScheduledId > 0);
    const lastItemScheduled = h.findLastIndex((e) => e.type === "TaskScheduled" && e.name === "ProcessItem");
    expect(lastItemScheduled).toBeLessThan(firstItemDone);
    expect(outbox).toContainEqual({ kind: "total", message: `stored the total ${total}` });
  });
});

describe("3. async HTTP APIs", () => {
  it("the starter answers 202 with Location and the management URLs; the status URL gives 202 while running, then 200 with the output", async () => {
    process.env.REPORT_WORK_SECONDS = "1.5";
    let p: Payload;
    try {
      p = await start("/api/reports/north");
    } finally {
      delete process.env.REPORT_WORK_SECONDS;
    }
    expect(p.sendEventPostUri).toBe(
      `${host.url}/runtime/webhooks/durabletask/instances/${p.id}/raiseEvent/{eventName}?taskHub=DfSamplesHub&connection=Storage&code=${KEY}`,
    );
    expect(p.terminatePostUri).toContain(`/instances/${p.id}/terminate?reason={text}`);
    expect(p.purgeHistoryDeleteUri).toContain(`/instances/${p.id}?`);
    const { code, status, running } = await poll(p);
    expect(running.length).toBeGreaterThan(0);
    expect(running.every((s) => s.runtimeStatus === "Running" || s.runtimeStatus === "Pending")).toBe(true);
    expect(running.at(-1)!.customStatus).toBe("building");
    expect(code).toBe(200);
    expect(status).toMatchObject({
      name: "AsyncReport",
      runtimeStatus: "Completed",
      customStatus: "built",
      output: { region: "north", rows: 500, workSeconds: 1.5 },
    });
  });

  it("the generic starter refuses an unknown orchestrator and a malformed body with 400; unknown /api paths fall through to 404", async () => {
    const unknown = await post("/api/orchestrators/NoSuchThing", 1);
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/NoSuchThing/);
    const bad = await fetch(`${host.url}/api/orchestrators/Chaining`, { method: "POST", body: "{not json" });
    expect(bad.status).toBe(400);
    expect((await fetch(`${host.url}/api/nothing/here`)).status).toBe(404);
  });
});

describe("4. monitor", () => {
  it("polls the job with durable timers until it completes and alerts; a job that never completes expires", async () => {
    const [done, expired] = await Promise.all([
      start("/api/monitors/job-a", {
        pollingIntervalSeconds: 1,
        expirySeconds: 60,
        jobCompletesAfterChecks: 3,
      }),
      start("/api/monitors/job-b", { pollingIntervalSeconds: 1, expirySeconds: 3 }),
    ]);
    const [a, b] = await Promise.all([poll(done), poll(expired)]);
    expect(a.code).toBe(200);
    expect(a.status.output).toEqual({ jobId: "job-a", status: "Completed", checks: 3 });
    expect(a.status.customStatus).toEqual({ checks: 3, jobStatus: "Completed" });
    expect(scheduled(await history(done.id))).toEqual([
      "GetJobStatus",
      "GetJobStatus",
      "GetJobStatus",
      "SendAlert",
    ]);
    expect((await history(done.id)).filter((e) => e.type === "TimerCreated")).toHaveLength(2);
    expect(outbox).toContainEqual({ kind: "alert", message: "job job-a completed after 3 checks" });

    expect(b.code).toBe(200);
    const out = b.status.output as { jobId: string; status: string; checks: number };
    expect(out).toMatchObject({ jobId: "job-b", status: "Expired" });
    expect(out.checks).toBeGreaterThanOrEqual(2);
    const hb = await history(expired.id);
    expect(scheduled(hb)).toEqual(Array(out.checks).fill("GetJobStatus"));
    // The expiry is 3 s after the first episode. Each timer waits one polling interval from the time of the
    // episode that created it, clipped to the expiry; the monitor expired in an episode at or after the
    // expiry. (Whether a clipped timer exists depends on when the episodes ran: test/df/monitor.test.ts
    // covers both cases with chosen times.)
    const episodes: number[] = [];
    for (const e of hb) {
      if (e.type === "OrchestratorStarted") episodes.push(dtfTimeMs(e.timestamp));
      if (e.type === "TimerCreated")
        expect(dtfTimeMs(e.fireAt)).toBe(Math.min(episodes.at(-1)! + 1000, episodes[0]! + 3000));
    }
    expect(hb.filter((e) => e.type === "TimerCreated")).toHaveLength(out.checks);
    expect(episodes.at(-1)! - episodes[0]!).toBeGreaterThanOrEqual(3000);
    expect(outbox.some((m) => m.message.includes("job-b"))).toBe(false);
  });
});

describe("5. human interaction", () => {
  it("approved over HTTP (raiseEvent route), from code, or through the /api route; escalated when nobody answers in time", async () => {
    const [http, code, api] = await Promise.all([
      start("/api/approvals", { item: "laptop" }),
      start("/api/approvals", { item: "monitor" }),
      start("/api/approvals", { item: "desk" }),
    ]);
    process.env.APPROVAL_TIMEOUT_SECONDS = "2";
    let late: Payload;
    try {
      late = await start("/api/approvals", { item: "chair" });
    } finally {
      delete process.env.APPROVAL_TIMEOUT_SECONDS;
    }
    // The approval requests went out (the instances wait for the event now).
    await eventually(
      async () => outbox.filter((m) => m.kind === "approvalRequested").length,
      (n) => n >= 4,
      "approval requests",
    );

    // Over HTTP: the management API's raiseEvent route, from the sendEventPostUri of the 202 answer.
    const raised = await fetch(http.sendEventPostUri.replace("{eventName}", "ApprovalEvent"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ approved: true, by: "ann" }),
    });
    expect(raised.status).toBe(202);
    // From code: the durable client.
    await df.getClient().raiseEvent(code.id, "ApprovalEvent", { approved: false, by: "bob" });
    // The sample's own route, which raises the event with the client.
    expect((await post(`/api/approvals/${api.id}/approve`, { by: "carol" })).status).toBe(202);

    const [h, c, a, l] = await Promise.all([poll(http), poll(code), poll(api), poll(late)]);
    expect(h.status.output).toEqual({ status: "Approved", by: "ann" });
    expect(c.status.output).toEqual({ status: "Rejected", by: "bob" });
    expect(a.status.output).toEqual({ status: "Approved", by: "carol" });
    expect(l.status.output).toEqual({ status: "Escalated", after: "2 s" });
    expect([h.code, c.code, a.code, l.code]).toEqual([200, 200, 200, 200]);

    // The approved one waited on a 72-hour timer (the default setting), cancelled by the event.
    const hh = await history(http.id);
    const timer = hh.find((e) => e.type === "TimerCreated") as Extract<
      HistoryEvent,
      { type: "TimerCreated" }
    >;
    const begun = Date.parse(hh.find((e) => e.type === "OrchestratorStarted")!.timestamp);
    expect(Date.parse(timer.fireAt) - begun).toBeGreaterThanOrEqual(72 * 3600_000 - 60_000);
    expect(hh.some((e) => e.type === "TimerFired")).toBe(false);
    expect(scheduled(hh)).toEqual(["RequestApproval", "ProcessApproval"]);
    expect(scheduled(await history(late.id))).toEqual(["RequestApproval", "Escalate"]);
    expect(outbox).toContainEqual({
      kind: "escalated",
      message: "nobody answered for 'chair': escalated to the manager",
    });
    expect(
      outbox
        .filter((m) => m.kind === "approvalProcessed")
        .map((m) => m.message)
        .sort(),
    ).toEqual(["'desk' approved by carol", "'laptop' approved by ann", "'monitor' rejected by bob"]);
  });
});

describe("6. aggregator", () => {
  const read = async (path: string): Promise<{ code: number; body: { state?: unknown } }> => {
    const res = await fetch(`${host.url}${path}`);
    return { code: res.status, body: (await res.json()) as { state?: unknown } };
  };
  const until = (path: string, state: unknown): Promise<unknown> =>
    eventually(
      () => read(path),
      (r) => r.code === 200 && JSON.stringify(r.body.state) === JSON.stringify(state),
      `${path} = ${JSON.stringify(state)}`,
    );

  it("a function-style Counter, signalled by clients: add, get (from an orchestration), reset, delete", async () => {
    for (const n of [1, 2, 3, 4])
      expect((await post("/api/counters/Counter/visits/add", n)).status).toBe(202);
    await until("/api/counters/Counter/visits", 10);
    const got = await post("/api/orchestrators/ReadCounter/wait", { key: "visits" });
    expect(got.status).toBe(200);
    expect(await got.json()).toBe(10);
    await post("/api/counters/Counter/visits/reset");
    await until("/api/counters/Counter/visits", 0);
    // The management API's entity route signals it too.
    const signalled = await post(
      `/runtime/webhooks/durabletask/entities/Counter/visits?op=add&code=${KEY}`,
      7,
    );
    expect(signalled.status).toBe(202);
    await until("/api/counters/Counter/visits", 7);
    await post("/api/counters/Counter/visits/delete");
    await eventually(
      () => read("/api/counters/Counter/visits"),
      (r) => r.code === 404,
      "deleted counter",
    );
  });

  it("the class-style CounterClass behaves the same, state in its fields; unknown entities and operations are 404", async () => {
    await post("/api/counters/CounterClass/visits/add", 5);
    await post("/api/counters/CounterClass/visits/add", 6);
    await until("/api/counters/CounterClass/visits", { value: 11 });
    const got = await post("/api/orchestrators/ReadCounter/wait", { entity: "CounterClass", key: "visits" });
    expect(await got.json()).toBe(11);
    await post("/api/counters/CounterClass/visits/reset");
    await until("/api/counters/CounterClass/visits", { value: 0 });
    await post("/api/counters/CounterClass/visits/delete");
    await eventually(
      () => read("/api/counters/CounterClass/visits"),
      (r) => r.code === 404,
      "deleted class counter",
    );
    expect((await post("/api/counters/Nope/visits/add", 1)).status).toBe(404);
    expect((await post("/api/counters/Counter/visits/multiply", 2)).status).toBe(404);
  });
});

describe("taskhub worker --app", () => {
  it("runs the samples module as it is: register and httpHandler exports, the /api starters served by the CLI's host", async () => {
    const app = fileURLToPath(new URL("../../dist/df/app.js", import.meta.url));
    let out = "";
    const worker = spawnWorker(["--app", app], {
      env: {
        ...process.env,
        AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
        TASKHUB_HUB_NAME: "CliSamplesHub",
        TASKHUB_HTTP_PORT: "0",
        TASKHUB_HTTP_AUTH: "disabled",
        TASKHUB_LOG_LEVEL: "info",
      },
      onOutput: (text) => (out += text),
    });
    try {
      const url = await worker.ready.then(
        (started) => started.url,
        () => expect.fail(`host start:\n${out}`),
      );
      const res = await fetch(`${url}/api/orchestrators/Chaining/wait`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "7",
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ result: ((7 + 1) * 2 - 3) * 10 });
    } finally {
      void worker.stop();
    }
    expect(await worker.exited).toBe(0);
  }, 30_000);
});
