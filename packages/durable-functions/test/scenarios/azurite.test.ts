// A durable-functions v3 app (test/fixtures/v3-app.ts, ported by changing only the import) on a real Azurite
// started by the test: every orchestration through getClient(), and the HTTP starter served next to the
// host's management API, polled through the Location it returns.
import { afterAll, beforeAll, expect, it } from "vitest";
import { TaskHubWorker } from "@taskhub/core";
import { AzureStorageOrchestrationService } from "@taskhub/azure-storage";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { createManagementApi, serve, type RunningServer } from "@taskhub/host";
import * as df from "../../src/index.js";
import { register } from "../fixtures/v3-app.js";

let azurite: AzuriteInstance;
let service: AzureStorageOrchestrationService;
let worker: TaskHubWorker;
let server: RunningServer;
let client: df.DurableClient;

beforeAll(async () => {
  azurite = await startAzurite();
  service = new AzureStorageOrchestrationService({
    taskHubName: "DfHub",
    storage: { connectionString: azurite.connectionString },
    partitionManagement: "all",
    partitionCount: 2,
    minPollingIntervalMs: 10,
    maxPollingIntervalMs: 200,
  });
  await service.createIfNotExists();
  worker = new TaskHubWorker(service);
  register(worker);
  await worker.start();
  client = df.getClient();
  const api = createManagementApi({ client: client.client, taskHubName: "DfHub", auth: "disabled" });
  const functions = df.createHttpHandler();
  server = await serve(async (request) => (await functions(request)) ?? api(request), {
    port: 0,
    host: "127.0.0.1",
  });
});

afterAll(async () => {
  await worker?.stop({ drainTimeoutMs: 2000 });
  await server?.close();
  await service?.deleteTaskHub().catch(() => undefined);
  await azurite?.stop();
});

async function run(name: string, input?: unknown): Promise<df.DurableOrchestrationStatus> {
  const id = await client.startNew(name, { input });
  await client.client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 });
  return client.getStatus(id);
}

it("chaining, compensation, fan-out/fan-in and an entity run unchanged", async () => {
  const [hello, ok, declined, fan, count] = await Promise.all([
    run("HelloSequence"),
    run("Checkout", 20),
    run("Checkout", 500),
    run("FanOutFanIn", 4),
    run("CounterOrchestration", "k1"),
  ]);
  expect(hello.output).toEqual(["Hello Tokyo!", "Hello Seattle!", "Hello London!"]);
  expect(ok.output).toBe("charged 20");
  expect(declined.output).toEqual({ failed: "Error: card declined for 500", refund: "refunded 500" });
  expect(fan.output).toBe(1 + 4 + 9 + 16);
  expect(count.output).toBe(15);
  expect(await client.readEntityState(new df.EntityId("Counter", "k1"))).toEqual({
    entityExists: true,
    entityState: 15,
  });
});

it("human interaction: an approval raised by the client wins the race against the 72-hour timer", async () => {
  const id = await client.startNew("ApprovalWorkflow");
  await client.client.waitForOrchestrationStart(id, { timeoutMs: 10_000 });
  await client.raiseEvent(id, "ApprovalEvent", "ann");
  await client.client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 });
  const s = await client.getStatus(id, { showHistory: true });
  expect(s.output).toBe("approved by ann");
  expect(s.history?.some((e) => (e as { EventType: string }).EventType === "TimerCreated")).toBe(true);
});

it("the HTTP starter answers 202 with management URLs on the request's origin; the status URL turns 200", async () => {
  const res = await fetch(`${server.url}/api/orchestrators/FanOutFanIn`, { method: "POST", body: "3" });
  expect(res.status).toBe(202);
  const payload = (await res.json()) as { id: string; statusQueryGetUri: string };
  expect(res.headers.get("location")).toBe(payload.statusQueryGetUri);
  expect(
    payload.statusQueryGetUri.startsWith(
      `${server.url}/runtime/webhooks/durabletask/instances/${payload.id}?taskHub=`,
    ),
  ).toBe(true);
  let status = 202;
  let body: { runtimeStatus?: string; output?: unknown } = {};
  for (let i = 0; i < 150 && status === 202; i++) {
    const poll = await fetch(payload.statusQueryGetUri);
    status = poll.status;
    body = (await poll.json()) as typeof body;
    if (status === 202) await new Promise((r) => setTimeout(r, 100));
  }
  expect(status).toBe(200);
  expect(body).toMatchObject({ runtimeStatus: "Completed", output: 1 + 4 + 9 });
});
