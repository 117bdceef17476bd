// The classic (durable-functions 2.x) sample app on a real Azurite started by the test: the HTTP starter's
// check-status response polled through the host's management API, the human-interaction sample answered
// through its raise-event HTTP client, the entity through its HTTP client.
import { afterAll, beforeAll, expect, it } from "vitest";
import { AzureStorageOrchestrationService } from "@taskhub/azure-storage";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { createManagementApi, serve, type RunningServer } from "@taskhub/host";
import { classicApp, sent } from "../fixtures/classic-app.js";
import { startClassic, type ClassicRunning } from "../classic/classic-harness.js";

let azurite: AzuriteInstance;
let service: AzureStorageOrchestrationService;
let server: RunningServer;
let r: ClassicRunning;
let origin = "";

beforeAll(async () => {
  azurite = await startAzurite();
  service = new AzureStorageOrchestrationService({
    taskHubName: "ClassicHub",
    storage: { connectionString: azurite.connectionString },
    partitionManagement: "all",
    partitionCount: 2,
    minPollingIntervalMs: 10,
    maxPollingIntervalMs: 200,
  });
  await service.createIfNotExists();
  r = await startClassic(classicApp, { service });
  const api = createManagementApi({ client: r.client.client, taskHubName: "ClassicHub", auth: "disabled" });
  server = await serve(api, { port: 0, host: "127.0.0.1" });
  origin = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await r?.stop();
  await server?.close();
  await service?.deleteTaskHub().catch(() => undefined);
  await azurite?.stop();
});

async function startOverHttp(functionName: string, body?: unknown): Promise<Record<string, any>> {
  const response = (await r.http("HttpStart", {
    url: `${origin}/api/orchestrators/${functionName}`,
    params: { functionName },
    body,
  })) as Record<string, any>;
  expect(response.status).toBe(202);
  return response;
}

/** Poll Location as a client of the async HTTP API does, until the instance is no longer running. */
async function poll(location: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 600; i++) {
    const res = await fetch(location);
    const status = (await res.json()) as Record<string, unknown>;
    if (res.status !== 202) return status;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`still running: ${location}`);
}

it("chaining and fan-out/fan-in, started over HTTP and polled through the check-status Location", async () => {
  const [chain, fan] = await Promise.all([
    startOverHttp("E1_HelloSequence"),
    startOverHttp("FanOutFanIn", 3),
  ]);
  expect(chain.headers.Location).toMatch(new RegExp(`^${origin}/runtime/webhooks/durabletask/instances/`));
  expect(await poll(chain.headers.Location)).toMatchObject({
    runtimeStatus: "Completed",
    output: ["Hello Tokyo!", "Hello Seattle!", "Hello London!"],
  });
  expect(await poll(fan.headers.Location)).toMatchObject({ runtimeStatus: "Completed", output: "total 14" });
});

it("human interaction: the code raised through the HTTP client authorizes", async () => {
  const started = await startOverHttp("E4_SmsPhoneVerification", "+4930");
  const id = started.body.id as string;
  for (let i = 0; i < 1000 && !sent.includes("sms +4930: your code is 4321"); i++)
    await new Promise((res) => setTimeout(res, 20));
  expect(
    await r.http("RaiseEvent", { params: { instanceId: id, eventName: "SmsChallengeResponse" }, body: 4321 }),
  ).toEqual({
    status: 202,
  });
  expect(await poll(started.headers.Location)).toMatchObject({ runtimeStatus: "Completed", output: true });
});

it("an entity signalled and read through its HTTP client", async () => {
  await r.http("CounterHttp", { method: "POST", params: { key: "az" }, body: 3 });
  await r.http("CounterHttp", { method: "POST", params: { key: "az" }, body: 4 });
  let read: { status?: number; body?: unknown } = {};
  for (let i = 0; i < 600 && read.body !== 7; i++) {
    read = await r.http("CounterHttp", { method: "GET", params: { key: "az" } });
    await new Promise((res) => setTimeout(res, 50));
  }
  expect(read).toEqual({ status: 200, body: 7 });
});
