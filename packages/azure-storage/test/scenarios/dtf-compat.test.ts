// Data written the way DTF's .NET provider writes it — hand-built from the spec, not by our encoders —
// must be picked up, continued and completed by our worker.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TableClient } from "@azure/data-tables";
import { QueueClient } from "@azure/storage-queue";
import { TaskHubClient, TaskHubWorker } from "@taskhub/core";
import { partitionIndex, type AzureStorageOrchestrationService } from "../../src/index.js";
import { connectionString, newService } from "../helpers.js";

let service: AzureStorageOrchestrationService;
let worker: TaskHubWorker;
let client: TaskHubClient;

beforeAll(async () => {
  service = newService();
  await service.createIfNotExists();
  client = new TaskHubClient(service);
  worker = new TaskHubWorker(service);
  worker.addActivity("SayHello", (_ctx, name: string) => `Hello ${name}!`);
  worker.addOrchestrator("HelloDtf", function* (ctx, name: string) {
    const a: string = yield ctx.callActivity("SayHello", name);
    const b: string = yield ctx.callActivity("SayHello", `${name} again`);
    return [a, b];
  });
});

afterAll(async () => {
  await worker.stop();
  await service.deleteTaskHub();
});

function controlQueue(instanceId: string): QueueClient {
  return new QueueClient(connectionString(), service.names.controlQueues[partitionIndex(instanceId, 4)]!);
}

function table(name: string): TableClient {
  return TableClient.fromConnectionString(connectionString(), name, { allowInsecureConnection: true });
}

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");

describe("DTF-written data", () => {
  it("starts an instance from a DTF v1 (base64) start message and Pending row", async () => {
    const id = "dtf-start-1";
    const exec = "0f5c3f7e9a7b4d6e8c1a2b3c4d5e6f70";
    const body =
      `{"$type":"DurableTask.AzureStorage.MessageData","ActivityId":"5406d369-4369-4673-afae-6671a2fa1e57",` +
      `"TaskMessage":{"$type":"DurableTask.Core.TaskMessage","Event":{"$type":"DurableTask.Core.History.ExecutionStartedEvent",` +
      `"OrchestrationInstance":{"$type":"DurableTask.Core.OrchestrationInstance","InstanceId":"${id}","ExecutionId":"${exec}"},` +
      `"EventType":0,"ParentInstance":null,"Name":"HelloDtf","Version":"","Input":"\\"Osaka\\"","Tags":null,"Correlation":null,` +
      `"ParentTraceContext":null,"ScheduledStartTime":null,"Generation":0,"EventId":-1,"IsPlayed":false,"Timestamp":"2026-01-05T10:00:00.1234567Z"},` +
      `"SequenceNumber":0,"OrchestrationInstance":{"$type":"DurableTask.Core.OrchestrationInstance","InstanceId":"${id}","ExecutionId":"${exec}"},` +
      `"OrchestrationExecutionContext":null},"CompressedBlobName":null,"SequenceNumber":1,"Sender":{"InstanceId":"","ExecutionId":""},` +
      `"SerializableTraceContext":null}`;
    await controlQueue(id).sendMessage(b64(body), { messageTimeToLive: -1 });
    await table(service.names.instancesTable).createEntity({
      partitionKey: id,
      rowKey: "",
      Name: "HelloDtf",
      Version: "",
      ExecutionId: exec,
      RuntimeStatus: "Pending",
      CreatedTime: { value: "2026-01-05T10:00:00.1234567Z", type: "DateTime" },
      LastUpdatedTime: { value: "2026-01-05T10:00:00.1234567Z", type: "DateTime" },
      Input: '"Osaka"',
      CustomStatus: "null",
      Generation: { value: 0, type: "Int32" },
      Tags: "null",
      TaskHubName: service.names.hub,
    });
    await worker.start();
    const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 });
    expect(s.runtimeStatus).toBe("Completed");
    expect(s.output).toEqual(["Hello Osaka!", "Hello Osaka again!"]);
    expect(s.executionId).toBe(exec);
  });

  it('continues an instance whose history rows DTF wrote (v2 "null" columns) from a base64 result message', async () => {
    await worker.stop();
    const id = "dtf-mid-1";
    const exec = "aae324dcc8f943e490b37ec5e5bbf9da";
    const t0 = "2026-01-05T10:00:00.1234567Z";
    const common = (rowKey: string, eventType: string, eventId: number) => ({
      partitionKey: id,
      rowKey,
      EventType: eventType,
      EventId: { value: eventId, type: "Int32" as const },
      IsPlayed: false,
      _Timestamp: { value: t0, type: "DateTime" as const },
      ExecutionId: exec,
    });
    const history = table(service.names.historyTable);
    await history.submitTransaction([
      ["create", common("0000000000000000", "OrchestratorStarted", -1)],
      [
        "create",
        {
          ...common("0000000000000001", "ExecutionStarted", -1),
          OrchestrationInstance: JSON.stringify({ InstanceId: id, ExecutionId: exec }),
          ParentInstance: "null",
          Name: "HelloDtf",
          Version: "",
          Input: '"Kyoto"',
          Tags: "null",
          ParentTraceContext: "null",
          Generation: { value: 0, type: "Int32" },
          GenerateNewTrace: false,
        },
      ],
      [
        "create",
        {
          ...common("0000000000000002", "TaskScheduled", 0),
          Name: "SayHello",
          Version: "",
          ParentTraceContext: "null",
          Tags: "null",
        },
      ],
      ["create", common("0000000000000003", "OrchestratorCompleted", -1)],
      [
        "create",
        {
          partitionKey: id,
          rowKey: "sentinel",
          ExecutionId: exec,
          IsCheckpointComplete: true,
          CheckpointCompletedTimestamp: { value: t0, type: "DateTime" },
        },
      ],
    ]);
    await table(service.names.instancesTable).createEntity({
      partitionKey: id,
      rowKey: "",
      Name: "HelloDtf",
      Version: "",
      ExecutionId: exec,
      RuntimeStatus: "Running",
      CreatedTime: { value: t0, type: "DateTime" },
      LastUpdatedTime: { value: t0, type: "DateTime" },
      Input: '"Kyoto"',
      CustomStatus: "null",
      Generation: { value: 0, type: "Int32" },
      Tags: "null",
      TaskHubName: service.names.hub,
    });
    const result =
      `{"$type":"DurableTask.AzureStorage.MessageData","ActivityId":"b1e0c3d2-1111-4222-8333-944455556666",` +
      `"TaskMessage":{"$type":"DurableTask.Core.TaskMessage","Event":{"$type":"DurableTask.Core.History.TaskCompletedEvent",` +
      `"EventType":5,"TaskScheduledId":0,"Result":"\\"Hello Kyoto!\\"","EventId":-1,"IsPlayed":false,"Timestamp":"2026-01-05T10:00:01.7654321Z"},` +
      `"SequenceNumber":0,"OrchestrationInstance":{"$type":"DurableTask.Core.OrchestrationInstance","InstanceId":"${id}","ExecutionId":"${exec}"},` +
      `"OrchestrationExecutionContext":null},"CompressedBlobName":null,"SequenceNumber":7,"Episode":1,` +
      `"Sender":{"InstanceId":"${id}","ExecutionId":"${exec}"},"SerializableTraceContext":null}`;
    await controlQueue(id).sendMessage(b64(result), { messageTimeToLive: -1 });
    await worker.start();
    const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 });
    expect(s.runtimeStatus).toBe("Completed");
    expect(s.output).toEqual(["Hello Kyoto!", "Hello Kyoto again!"]);
    const h = await client.getOrchestrationHistory(id);
    expect(h[0]).toMatchObject({ type: "OrchestratorStarted", timestamp: t0 });
    expect(h[1]).toMatchObject({ type: "ExecutionStarted", name: "HelloDtf", input: '"Kyoto"' });
    expect((h[1] as { parentInstance?: unknown }).parentInstance).toBeUndefined();
    expect(h.find((e) => e.type === "TaskCompleted")).toMatchObject({
      taskScheduledId: 0,
      timestamp: "2026-01-05T10:00:01.7654321Z",
    });
    expect(h.map((e) => e.type).slice(4)).toEqual([
      "OrchestratorStarted",
      "TaskCompleted",
      "TaskScheduled",
      "OrchestratorCompleted",
      "OrchestratorStarted",
      "TaskCompleted",
      "ExecutionCompleted",
      "OrchestratorCompleted",
    ]);
  });
});
