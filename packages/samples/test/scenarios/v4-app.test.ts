// The unchanged v4-model Durable Functions app (apps/v4: package.json main, host.json, local.settings.json,
// CommonJS files requiring `durable-functions` and `@azure/functions` as the documentation writes them) served
// by a real `taskhub worker --app` process on a real Azurite, every pattern driven over HTTP as the
// documentation's curl lines drive it: the starter's 202 and its statusQueryGetUri until Completed, events
// raised through the app's own HTTP function and through sendEventPostUri, the timeout branch, entity signals
// and reads, and the monitor.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { spawnWorker } from "../../src/worker-process.js";

const app = fileURLToPath(new URL("../../apps/v4", import.meta.url));
const KEY = "v4-app-key-0123456789";
/** Bounds every wait (a guard against a hang, not a timing assertion). */
const WAIT_ROUNDS = 600;

let azurite: AzuriteInstance;
let host: { url: string; output: () => string; stop: () => Promise<number | null> };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  azurite = await startAzurite();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // What the app's local.settings.json says is UseDevelopmentStorage=true; the environment wins, as in Functions.
    AzureWebJobsStorage: azurite.connectionString,
    TASKHUB_HTTP_PORT: "0",
    TASKHUB_HTTP_KEY: KEY,
    // Set (to nothing), so local.settings.json's TASKHUB_HTTP_AUTH=disabled does not apply: keys are checked.
    TASKHUB_HTTP_AUTH: "",
  };
  // The hub name comes from the app's host.json.
  delete env.AZURE_STORAGE_CONNECTION_STRING;
  delete env.TASKHUB_HUB_NAME;
  delete env.TASKHUB_CONFIG;
  let out = "";
  const worker = spawnWorker(["--app", app], { env, onOutput: (text) => (out += text) });
  const url = await worker.ready.then(
    (started) => started.url,
    () => undefined,
  );
  if (!url) throw new Error(`the host did not start:\n${out}`);
  host = { url, output: () => out, stop: worker.stop };
}, 180_000);

afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
});

interface CheckStatus {
  id: string;
  statusQueryGetUri: string;
  sendEventPostUri: string;
  terminatePostUri: string;
  purgeHistoryDeleteUri: string;
}

/** `curl -X POST <host>/api/<path> -d <json>`: the starter's 202 with its Location and management URLs. */
async function start(path: string, body?: unknown): Promise<CheckStatus> {
  const r = await fetch(`${host.url}/api/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  expect(r.status, text).toBe(202);
  const payload = JSON.parse(text) as CheckStatus;
  expect(r.headers.get("location")).toBe(payload.statusQueryGetUri);
  return payload;
}

/** `curl <statusQueryGetUri>` until the instance is no longer running: 202 meanwhile, then 200. */
async function poll(statusQueryGetUri: string): Promise<{ runtimeStatus: string; output: unknown }> {
  for (let i = 0; i < WAIT_ROUNDS; i++) {
    const r = await fetch(statusQueryGetUri);
    const status = (await r.json()) as { runtimeStatus: string; output: unknown };
    if (["Completed", "Failed", "Terminated"].includes(status.runtimeStatus)) {
      expect(r.status).toBe(status.runtimeStatus === "Completed" ? 200 : r.status);
      return status;
    }
    expect([200, 202]).toContain(r.status);
    await sleep(200);
  }
  throw new Error(`${statusQueryGetUri} never finished`);
}

/** `curl <host>/api/counters/<key>` until its value is `value`; returns the last answer. */
async function counterUntil(key: string, value: number): Promise<unknown> {
  let last: unknown;
  for (let i = 0; i < WAIT_ROUNDS; i++) {
    const r = await fetch(`${host.url}/api/counters/${key}`);
    last = r.status === 200 ? await r.json() : r.status;
    if ((last as { value?: number }).value === value) return last;
    await sleep(200);
  }
  throw new Error(`counter ${key} never reached ${value}; last answer ${JSON.stringify(last)}`);
}

// Generous: each test waits on orchestrations and timers in another process, on a machine that may be busy.
describe(
  "apps/v4, an unchanged v4-model Durable Functions app, on a taskhub worker process",
  { timeout: 300_000 },
  () => {
    it("the async HTTP API starter: 202 + Location, the management URLs with the host's hub and key, then 200 Completed (function chaining)", async () => {
      const started = await start("orchestrators/helloOrchestrator");
      expect(started.id).toMatch(/^[0-9a-f]{32}$/);
      const management = `${host.url}/runtime/webhooks/durabletask/instances/${started.id}`;
      expect(started.statusQueryGetUri).toBe(
        `${management}?taskHub=SamplesV4Hub&connection=Storage&code=${KEY}`,
      );
      expect(started.sendEventPostUri).toBe(
        `${management}/raiseEvent/{eventName}?taskHub=SamplesV4Hub&connection=Storage&code=${KEY}`,
      );
      // The management URLs need the key; the app's anonymous HTTP functions do not.
      expect((await fetch(management)).status).toBe(401);
      const status = await poll(started.statusQueryGetUri);
      expect(status).toMatchObject({
        runtimeStatus: "Completed",
        output: ["Hello, Tokyo", "Hello, Seattle", "Hello, Cairo"],
      });
    });

    it("fan-out/fan-in: one activity per work item in parallel, Task.all, the sum of their results", async () => {
      const started = await start("orchestrators/fanOutFanIn", 20);
      // 1² + 2² + ... + 20²
      expect(await poll(started.statusQueryGetUri)).toMatchObject({
        runtimeStatus: "Completed",
        output: { items: 20, sum: 2870, sent: "sent 2870" },
      });
    });

    it("human interaction: approved through the app's HTTP function, rejected through sendEventPostUri, escalated when the timer wins", async () => {
      const approved = await start("orchestrators/approvalWorkflow", { item: "laptop" });
      const raised = await fetch(`${host.url}/api/approvals/${approved.id}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "true",
      });
      expect(raised.status).toBe(202);
      expect(await poll(approved.statusQueryGetUri)).toMatchObject({
        runtimeStatus: "Completed",
        output: "laptop: approved",
      });

      const rejected = await start("orchestrators/approvalWorkflow", { item: "monitor" });
      const sent = await fetch(rejected.sendEventPostUri.replace("{eventName}", "ApprovalEvent"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "false",
      });
      expect(sent.status).toBe(202);
      expect(await poll(rejected.statusQueryGetUri)).toMatchObject({
        runtimeStatus: "Completed",
        output: "monitor: rejected",
      });

      const unanswered = await start("orchestrators/approvalWorkflow", { item: "chair", timeoutSeconds: 1 });
      expect(await poll(unanswered.statusQueryGetUri)).toMatchObject({
        runtimeStatus: "Completed",
        output: "chair: escalated, nobody answered in time",
      });
    });

    it("the counter entity: signalled over HTTP (202), read over HTTP; 404 before it exists; reset", async () => {
      const missing = await fetch(`${host.url}/api/counters/never-signalled`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ key: "never-signalled", exists: false });
      for (const amount of [5, 7]) {
        const r = await fetch(`${host.url}/api/counters/visits/add`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(amount),
        });
        expect(r.status).toBe(202);
      }
      expect(await counterUntil("visits", 12)).toEqual({ key: "visits", value: 12 });
      expect((await fetch(`${host.url}/api/counters/visits/reset`, { method: "POST" })).status).toBe(202);
      expect(await counterUntil("visits", 0)).toEqual({ key: "visits", value: 0 });
    });

    it("the monitor: checks with a durable timer between them until the job completes, or until it expires", async () => {
      const completes = await start("orchestrators/monitorJob", {
        jobId: "job-1",
        pollingIntervalSeconds: 1,
        expirySeconds: 3600,
        completesAfterChecks: 3,
      });
      expect(await poll(completes.statusQueryGetUri)).toMatchObject({
        runtimeStatus: "Completed",
        output: { jobId: "job-1", status: "Completed", checks: 3 },
      });
      const expires = await start("orchestrators/monitorJob", {
        jobId: "job-2",
        pollingIntervalSeconds: 1,
        expirySeconds: 2,
      });
      const status = await poll(expires.statusQueryGetUri);
      expect(status).toMatchObject({
        runtimeStatus: "Completed",
        output: { jobId: "job-2", status: "Expired" },
      });
      expect((status.output as { checks: number }).checks).toBeGreaterThanOrEqual(1);
    });

    it("at start: every HTTP function of the app is served, nothing is reported as not hosted, @azure/functions is not in test mode", () => {
      const lines = host
        .output()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const http = lines.filter((e) => e.event === "functions.httpFunction").map((e) => e.functionName);
      expect(http.sort()).toEqual(["httpStart", "raiseEventToOrchestration", "readCounter", "signalCounter"]);
      expect(
        lines.filter((e) => e.event === "app.bindingNotHosted" || e.event === "app.settingIgnored"),
      ).toEqual([]);
      expect(host.output()).not.toContain("test mode");
    });
  },
);
