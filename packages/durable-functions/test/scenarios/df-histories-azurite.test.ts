// Instances Durable Functions left in flight, finished by a taskhub worker on a real Azurite: the history rows,
// the Instances row and the pending control-queue message are written by hand as Durable Functions (through
// DurableTask.AzureStorage) writes them, then a worker running the facade's app picks the instance up.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { TaskHubWorker } from "@taskhub/core";
import {
  AzureStorageOrchestrationService,
  createStorageClients,
  partitionIndex,
  type StorageClients,
} from "@taskhub/azure-storage";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import * as df from "../../src/index.js";

const PARTITIONS = 2;
let azurite: AzuriteInstance;
let service: AzureStorageOrchestrationService;
let storage: StorageClients;
let worker: TaskHubWorker;
let client: df.DurableClient;
let api: Server;
let origin = "";

beforeAll(async () => {
  azurite = await startAzurite();
  service = new AzureStorageOrchestrationService({
    taskHubName: "DfInFlight",
    storage: { connectionString: azurite.connectionString },
    partitionManagement: "all",
    partitionCount: PARTITIONS,
    minPollingIntervalMs: 10,
    maxPollingIntervalMs: 200,
  });
  await service.createIfNotExists();
  storage = createStorageClients({ connectionString: azurite.connectionString });
  // The endpoint a DF callHttp was polling: answers the poll with the job's result.
  api = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/jobs/7/status") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end('{"done":true}');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;

  const app = df.createApp();
  app.orchestration("CallCounter", function* (context) {
    return yield context.df.callEntity(new df.EntityId("Counter", "k"), "add", 2);
  });
  app.orchestration("CallApi", function* (context) {
    const res = (yield context.df.callHttp({
      method: "POST",
      url: `${origin}/jobs`,
    })) as df.DurableHttpResponse;
    return { status: res.statusCode, content: res.content };
  });
  worker = new TaskHubWorker(service);
  app.register(worker, { taskHubName: "DfInFlight" });
  client = app.getClient();
});

afterAll(async () => {
  await worker?.stop({ drainTimeoutMs: 2000 });
  await new Promise((resolve) => api?.close(resolve));
  await service?.deleteTaskHub().catch(() => undefined);
  await azurite?.stop();
});

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const dt = (value: string) => ({ value, type: "DateTime" as const });
const int = (value: number) => ({ value, type: "Int32" as const });

/** The rows DT.AS writes for one instance: history (with its sentinel) and the Running Instances row. */
async function writeInstance(
  id: string,
  exec: string,
  name: string,
  t0: string,
  events: Record<string, unknown>[],
): Promise<void> {
  const rows = events.map((e, i) => ({
    partitionKey: id,
    rowKey: i.toString(16).toUpperCase().padStart(16, "0"),
    IsPlayed: false,
    ExecutionId: exec,
    ...e,
  }));
  await storage.table(service.names.historyTable).submitTransaction([
    ...rows.map((r) => ["create", r] as ["create", typeof r]),
    [
      "create",
      {
        partitionKey: id,
        rowKey: "sentinel",
        ExecutionId: exec,
        IsCheckpointComplete: true,
        CheckpointCompletedTimestamp: dt(t0),
      },
    ],
  ]);
  await storage.table(service.names.instancesTable).createEntity({
    partitionKey: id,
    rowKey: "",
    Name: name,
    Version: "",
    ExecutionId: exec,
    RuntimeStatus: "Running",
    CreatedTime: dt(t0),
    LastUpdatedTime: dt(t0),
    Input: "null",
    CustomStatus: "null",
    Generation: int(0),
    Tags: "null",
    TaskHubName: service.names.hub,
  });
}

/** A DT.AS control-queue message (MessageData, base64) carrying `event` for the instance. */
async function sendMessage(
  id: string,
  exec: string,
  event: string,
  sender: { InstanceId: string; ExecutionId: string },
): Promise<void> {
  const body =
    `{"$type":"DurableTask.AzureStorage.MessageData","ActivityId":"5406d369-4369-4673-afae-6671a2fa1e57",` +
    `"TaskMessage":{"$type":"DurableTask.Core.TaskMessage","Event":${event},"SequenceNumber":0,` +
    `"OrchestrationInstance":{"$type":"DurableTask.Core.OrchestrationInstance","InstanceId":"${id}","ExecutionId":"${exec}"},` +
    `"OrchestrationExecutionContext":null},"CompressedBlobName":null,"SequenceNumber":3,"Episode":1,` +
    `"Sender":${JSON.stringify(sender)},"SerializableTraceContext":null}`;
  const queue = storage.queue(service.names.controlQueues[partitionIndex(id, PARTITIONS)]!);
  await queue.sendMessage(b64(body), { messageTimeToLive: -1 });
}

const started = (id: string, exec: string, name: string, t: string) => [
  { EventType: "OrchestratorStarted", EventId: int(-1), _Timestamp: dt(t) },
  {
    EventType: "ExecutionStarted",
    EventId: int(-1),
    _Timestamp: dt(t),
    OrchestrationInstance: JSON.stringify({ InstanceId: id, ExecutionId: exec }),
    ParentInstance: "null",
    Name: name,
    Version: "",
    Tags: "null",
    ParentTraceContext: "null",
    Generation: int(0),
    GenerateNewTrace: false,
  },
];

it("an entity call DF sent completes with the response the entity sent to DF's request id", async () => {
  const id = "df-entity-call-1";
  const exec = "6d1e4a0b7c2f4e3a9b8c7d6e5f4a3b2c";
  const t0 = "2026-01-05T10:00:00.1234567Z";
  const requestId = "6f1b8a5e-2c1d-5b0e-9a51-3c1f0d7e2a11";
  // The extension's RequestMessage, as it writes it into the EventSent's Input.
  const request = JSON.stringify({
    op: "add",
    input: "2",
    id: requestId,
    parent: id,
    parentExecution: exec,
    timestamp: t0,
  });
  await writeInstance(id, exec, "CallCounter", t0, [
    ...started(id, exec, "CallCounter", t0),
    {
      EventType: "EventSent",
      EventId: int(0),
      _Timestamp: dt(t0),
      InstanceId: "@counter@k",
      Name: "op",
      Input: request,
    },
    { EventType: "OrchestratorCompleted", EventId: int(-1), _Timestamp: dt(t0) },
  ]);
  const response =
    `{"$type":"DurableTask.Core.History.EventRaisedEvent","EventType":15,"Name":"${requestId}",` +
    `"Input":${JSON.stringify(JSON.stringify({ result: "5" }))},"EventId":-1,"IsPlayed":false,` +
    `"Timestamp":"2026-01-05T10:00:01.0000000Z"}`;
  await sendMessage(id, exec, response, { InstanceId: "@counter@k", ExecutionId: "" });
  await worker.start();
  const s = await client.client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 });
  expect(s.runtimeStatus).toBe("Completed");
  expect(s.output).toBe(5);
  expect(s.executionId).toBe(exec);
});

it("a callHttp DF was polling goes on: its timer fires, the poll runs here, the final response is the result", async () => {
  const id = "df-http-poll-1";
  const exec = "1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6";
  const t0 = "2026-01-05T11:00:00.0000000Z";
  const t1 = "2026-01-05T11:00:01.0000000Z";
  const fireAt = "2026-01-05T11:00:02.0000000Z";
  // The activity input: `[DurableHttpRequest]` as the extension serialises it.
  const request = JSON.stringify([
    {
      method: "POST",
      uri: `${origin}/jobs`,
      headers: {},
      content: null,
      tokenSource: null,
      asynchronousPatternEnabled: true,
    },
  ]);
  // The extension's DurableHttpResponse as its HTTP activity returns it.
  const accepted = JSON.stringify({
    StatusCode: 202,
    Headers: { Location: [`${origin}/jobs/7/status`], "Retry-After": ["1"] },
    Content: "",
  });
  await writeInstance(id, exec, "CallApi", t1, [
    ...started(id, exec, "CallApi", t0),
    {
      EventType: "TaskScheduled",
      EventId: int(0),
      _Timestamp: dt(t0),
      Name: "BuiltIn::HttpActivity",
      Version: "",
      Input: request,
    },
    { EventType: "OrchestratorCompleted", EventId: int(-1), _Timestamp: dt(t0) },
    { EventType: "OrchestratorStarted", EventId: int(-1), _Timestamp: dt(t1) },
    {
      EventType: "TaskCompleted",
      EventId: int(-1),
      _Timestamp: dt(t1),
      TaskScheduledId: int(0),
      Result: accepted,
    },
    { EventType: "TimerCreated", EventId: int(1), _Timestamp: dt(t1), FireAt: dt(fireAt) },
    { EventType: "OrchestratorCompleted", EventId: int(-1), _Timestamp: dt(t1) },
  ]);
  const fired =
    `{"$type":"DurableTask.Core.History.TimerFiredEvent","EventType":11,"TimerId":1,"FireAt":"${fireAt}",` +
    `"EventId":-1,"IsPlayed":false,"Timestamp":"${fireAt}"}`;
  await sendMessage(id, exec, fired, { InstanceId: id, ExecutionId: exec });
  await worker.start();
  const s = await client.client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 });
  expect(s.runtimeStatus).toBe("Completed");
  expect(s.output).toEqual({ status: 200, content: '{"done":true}' });
  const history = await client.client.getOrchestrationHistory(id);
  const polls = history.filter((e) => e.type === "TaskScheduled");
  expect(polls).toHaveLength(2);
  expect(polls[1]).toMatchObject({ eventId: 2, name: "BuiltIn::HttpActivity" });
});
