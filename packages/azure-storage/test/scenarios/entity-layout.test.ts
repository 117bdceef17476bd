// The rows an entity leaves in the Instances and History tables and the messages it is sent, read with
// the plain @azure/* clients and held against DT.AS's entity layout (docs/storage-layout.md).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TableClient } from "@azure/data-tables";
import { QueueServiceClient } from "@azure/storage-queue";
import { TaskHubClient, TaskHubWorker, type EntityContext } from "@taskhub/core";
import type { AzureStorageOrchestrationService } from "../../src/index.js";
import { partitionIndex } from "../../src/partitioning/fnv1a.js";
import { connectionString, newService } from "../helpers.js";

let service: AzureStorageOrchestrationService;
let worker: TaskHubWorker;
let client: TaskHubClient;
const http = { allowInsecureConnection: true };

beforeAll(async () => {
  service = newService();
  worker = new TaskHubWorker(service);
  worker.addEntity("Counter", (ctx: EntityContext<number>) => {
    const v = ctx.getState(() => 0) ?? 0;
    if (ctx.operationName === "add") ctx.setState(v + (ctx.getInput<number>() ?? 1));
    return v;
  });
  worker.addOrchestrator("Call", function* (ctx) {
    const v: number = yield ctx.entities.callEntity({ name: "counter", key: "calls" }, "add", 2);
    return v;
  });
  client = new TaskHubClient(service);
});

afterAll(async () => {
  await worker.stop();
  await service.deleteTaskHub();
});

async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("entity storage layout", () => {
  it("a client signal is a DTF EventRaised 'op' message with the request JSON, to the entity's control queue", async () => {
    await client.signalEntity({ name: "Counter", key: "Layout" }, "add", 5);
    const partition = partitionIndex("@counter@Layout", service.names.controlQueues.length);
    const queue = QueueServiceClient.fromConnectionString(connectionString()).getQueueClient(
      service.names.controlQueues[partition]!,
    );
    const peeked = await queue.peekMessages({ numberOfMessages: 1 });
    const body = JSON.parse(peeked.peekedMessageItems[0]!.messageText);
    expect(body.TaskMessage.OrchestrationInstance).toMatchObject({ InstanceId: "@counter@Layout" });
    expect(body.TaskMessage.OrchestrationInstance.ExecutionId ?? null).toBeNull();
    expect(body.TaskMessage.Event.EventType).toBe(15);
    expect(body.TaskMessage.Event.Name).toBe("op");
    const request = JSON.parse(body.TaskMessage.Event.Input);
    expect(Object.keys(request)).toEqual([
      "op",
      "signal",
      "input",
      "id",
      "Timestamp",
      "Predecessor",
      "IsLockRequest",
      "createTrace",
    ]);
    expect(request).toMatchObject({ op: "add", signal: true, input: "5", IsLockRequest: false });
    expect(request.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it("after a batch: a Running Instances row with the scheduler state as Input, entity status as CustomStatus; three history rows", async () => {
    await worker.start();
    const meta = await waitFor(async () =>
      (await client.getEntity<number>({ name: "counter", key: "Layout" }))?.state === 5 ? true : undefined,
    );
    expect(meta).toBe(true);
    const instances = TableClient.fromConnectionString(
      connectionString(),
      service.names.instancesTable,
      http,
    );
    const row = await instances.getEntity<Record<string, unknown>>("@counter@Layout", "");
    expect(row.RuntimeStatus).toBe("Running");
    expect(row.Name).toBe("@counter@Layout");
    expect(row.Version).toBe("");
    const state = JSON.parse(row.Input as string);
    expect(state).toMatchObject({ exists: true, state: "5", sorter: {} });
    expect(row.CustomStatus).toBe('{"entityExists":true}');
    expect(row.ExecutionId).toMatch(/^[0-9a-f]{32}$/);
    // DT.AS 2.11 writes it on an entity's row too: "" (an entity has no parent).
    expect(row.ParentInstanceId).toBe("");

    const history = TableClient.fromConnectionString(connectionString(), service.names.historyTable, http);
    const rows: Record<string, unknown>[] = [];
    for await (const r of history.listEntities<Record<string, unknown>>({
      queryOptions: { filter: `PartitionKey eq '@counter@Layout'` },
    }))
      rows.push(r);
    const current = rows.filter((r) => r.ExecutionId === row.ExecutionId && r.rowKey !== "sentinel");
    expect(current.map((r) => [r.rowKey, r.EventType])).toEqual([
      ["0000000000000000", "OrchestratorStarted"],
      ["0000000000000001", "ExecutionStarted"],
      ["0000000000000002", "OrchestratorCompleted"],
    ]);
    expect(current[1]!.Name).toBe("@counter@Layout");
    expect(JSON.parse(current[1]!.Input as string).state).toBe("5");
    expect(rows.some((r) => r.rowKey === "sentinel")).toBe(true);
  });

  it("a call from an orchestration: EventSent 'op' to the entity and the response EventRaised named by the request id", async () => {
    const id = await client.scheduleNewOrchestration("Call");
    const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 20_000 });
    expect(s.output).toBe(0);
    const events = await client.getOrchestrationHistory(id);
    const sent = events.find((e) => e.type === "EventSent") as Extract<
      (typeof events)[number],
      { type: "EventSent" }
    >;
    expect(sent.instanceId).toBe("@counter@calls");
    expect(sent.name).toBe("op");
    const request = JSON.parse(sent.input!);
    expect(request).toMatchObject({
      op: "add",
      input: "2",
      parent: id,
      parentExecution: s.executionId,
      IsLockRequest: false,
    });
    expect(request.Timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$/);
    const raised = events.find((e) => e.type === "EventRaised") as Extract<
      (typeof events)[number],
      { type: "EventRaised" }
    >;
    expect(raised.name).toBe(request.id);
    expect(JSON.parse(raised.input!)).toEqual({ result: "0" });
  });
});
