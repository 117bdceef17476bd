// Runs real orchestrations, then reads Azurite with the plain @azure/* clients: names, history rows
// (RowKeys, EventType names, columns and Edm types), the sentinel, the Instances row, a queue message body,
// and large payloads in blobs (docs/storage-layout.md).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TableClient, TableServiceClient } from "@azure/data-tables";
import { QueueServiceClient } from "@azure/storage-queue";
import { BlobServiceClient } from "@azure/storage-blob";
import { TaskHubClient, TaskHubWorker } from "@taskhub/core";
import { partitionIndex, type AzureStorageOrchestrationService } from "../../src/index.js";
import { connectionString, newService } from "../helpers.js";

let service: AzureStorageOrchestrationService;
let worker: TaskHubWorker;
let client: TaskHubClient;

beforeAll(async () => {
  service = newService({ taskHubName: `Layout${Date.now().toString(36)}` });
  worker = new TaskHubWorker(service);
  worker.addActivity("SayHello", (_ctx, name: string) => `Hello ${name}!`);
  worker.addActivity("Echo", (_ctx, v: unknown) => v);
  worker.addOrchestrator("Hello", function* (ctx, name: string) {
    const greeting: string = yield ctx.callActivity("SayHello", name);
    return greeting;
  });
  worker.addOrchestrator("EchoBig", function* (ctx, v: unknown) {
    const r: unknown = yield ctx.callActivity("Echo", v);
    return r;
  });
  worker.addOrchestrator("FanOut", function* (ctx, n: number) {
    const r: unknown[] = yield ctx.whenAll(Array.from({ length: n }, (_, i) => ctx.callActivity("Echo", i)));
    return r.length;
  });
  worker.addOrchestrator("Parent", function* (ctx, name: string) {
    const r: string = yield ctx.callSubOrchestrator("Hello", name, { instanceId: `${ctx.instanceId}:child` });
    return r;
  });
  worker.addOrchestrator("WaitForever", function* (ctx) {
    yield ctx.waitForExternalEvent("never");
  });
  await worker.start();
  client = new TaskHubClient(service);
});

afterAll(async () => {
  await worker.stop();
  await service.deleteTaskHub();
});

const http = { allowInsecureConnection: true };
function table(name: string): TableClient {
  return TableClient.fromConnectionString(connectionString(), name, http);
}

function typed(row: Record<string, unknown>, column: string): { value: unknown; type: string } {
  return row[column] as { value: unknown; type: string };
}

describe("Azure Storage layout", () => {
  it("creates the queues, tables and containers DTF creates", async () => {
    const hub = service.names.hub;
    const lc = hub.toLowerCase();
    const queues: string[] = [];
    for await (const q of QueueServiceClient.fromConnectionString(connectionString()).listQueues({
      prefix: lc,
    }))
      queues.push(q.name);
    expect(queues.sort()).toEqual([
      `${lc}-control-00`,
      `${lc}-control-01`,
      `${lc}-control-02`,
      `${lc}-control-03`,
      `${lc}-workitems`,
    ]);
    const tables: string[] = [];
    for await (const t of TableServiceClient.fromConnectionString(connectionString(), http).listTables())
      if (t.name?.startsWith(hub)) tables.push(t.name);
    expect(tables).toEqual(expect.arrayContaining([`${hub}History`, `${hub}Instances`]));
    const blobs = BlobServiceClient.fromConnectionString(connectionString());
    expect(await blobs.getContainerClient(`${lc}-applease`).exists()).toBe(true);
    const info = await blobs
      .getContainerClient(`${lc}-applease`)
      .getBlockBlobClient(`${lc}-appleaseinfo`)
      .downloadToBuffer();
    expect(info.toString()).toBe("{}");
  });

  it("writes history rows with DTF's keys, columns and Edm types", async () => {
    const id = await client.scheduleNewOrchestration("Hello", "Tokyo", { instanceId: "layout^hello\u00e9" });
    expect((await client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 })).output).toBe(
      "Hello Tokyo!",
    );
    const rows: Record<string, unknown>[] = [];
    for await (const r of table(service.names.historyTable).listEntities<Record<string, unknown>>({
      queryOptions: { filter: `PartitionKey eq 'layout^^hello\u00e9'` },
      disableTypeConversion: true,
    }))
      rows.push(r);
    expect(rows.map((r) => r.rowKey)).toEqual([
      "0000000000000000",
      "0000000000000001",
      "0000000000000002",
      "0000000000000003",
      "0000000000000004",
      "0000000000000005",
      "0000000000000006",
      "0000000000000007",
      "sentinel",
    ]);
    const types = rows.slice(0, 8).map((r) => typed(r, "EventType").value);
    expect(types).toEqual([
      "OrchestratorStarted",
      "ExecutionStarted",
      "TaskScheduled",
      "OrchestratorCompleted",
      "OrchestratorStarted",
      "TaskCompleted",
      "ExecutionCompleted",
      "OrchestratorCompleted",
    ]);
    const [, started, scheduled, , , completed, done] = rows as Record<string, unknown>[];
    const executionId = typed(started!, "ExecutionId").value;
    for (const r of rows) expect(typed(r, "ExecutionId")).toEqual({ value: executionId, type: "String" });
    expect(typed(started!, "EventId")).toEqual({ value: "-1", type: "Int32" });
    expect(typed(started!, "IsPlayed").type).toBe("Boolean");
    expect(typed(started!, "_Timestamp").type).toBe("DateTime");
    expect(typed(started!, "Name").value).toBe("Hello");
    expect(typed(started!, "Input").value).toBe('"Tokyo"');
    expect(typed(started!, "Generation")).toEqual({ value: "0", type: "Int32" });
    expect(JSON.parse(typed(started!, "OrchestrationInstance").value as string)).toEqual({
      InstanceId: "layout^hello\u00e9",
      ExecutionId: executionId,
    });
    expect(typed(scheduled!, "EventId")).toEqual({ value: "0", type: "Int32" });
    expect(typed(scheduled!, "Name").value).toBe("SayHello");
    expect(typed(completed!, "TaskScheduledId")).toEqual({ value: "0", type: "Int32" });
    expect(typed(completed!, "Result").value).toBe('"Hello Tokyo!"');
    expect(typed(done!, "OrchestrationStatus").value).toBe("Completed");
    expect(typed(done!, "EventId")).toEqual({ value: "1", type: "Int32" });
    const sentinel = rows[8]!;
    expect(typed(sentinel, "IsCheckpointComplete")).toEqual({ value: "true", type: "Boolean" });
    expect(typed(sentinel, "CheckpointCompletedTimestamp").type).toBe("DateTime");

    const inst = await table(service.names.instancesTable).getEntity<Record<string, unknown>>(
      "layout^^hello\u00e9",
      "",
      { disableTypeConversion: true },
    );
    expect(typed(inst, "RuntimeStatus").value).toBe("Completed");
    expect(typed(inst, "Name").value).toBe("Hello");
    expect(typed(inst, "ExecutionId").value).toBe(executionId);
    expect(typed(inst, "Output").value).toBe('"Hello Tokyo!"');
    expect(typed(inst, "Input").value).toBe('"Tokyo"');
    expect(typed(inst, "CustomStatus").value).toBe("null");
    expect(typed(inst, "CreatedTime").type).toBe("DateTime");
    expect(typed(inst, "CompletedTime").type).toBe("DateTime");
    expect(typed(inst, "Generation")).toEqual({ value: "0", type: "Int32" });
    expect(typed(inst, "TaskHubName").value).toBe(service.names.hub);
  });

  it('writes the columns DT.AS 2.11 writes: Version "" of a task, "null" for absent objects, false for absent bools', async () => {
    // Column sets of DurableTask.AzureStorage 2.11.3's rows for the same orchestration, as the interop suite
    // (e2e/interop) read them from Azurite (docs/dtf-compatibility.md).
    const id = await client.scheduleNewOrchestration("Hello", "Kyoto", { instanceId: "layout-columns" });
    await client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 });
    const rows: Record<string, unknown>[] = [];
    for await (const r of table(service.names.historyTable).listEntities<Record<string, unknown>>({
      queryOptions: { filter: `PartitionKey eq 'layout-columns'` },
      disableTypeConversion: true,
    }))
      rows.push(r);
    const byType = (t: string): Record<string, unknown> =>
      rows.find((r) => typed(r, "EventType")?.value === t)!;
    const columns = (r: Record<string, unknown>): string[] =>
      Object.keys(r)
        .filter(
          (k) => !["partitionKey", "rowKey", "etag", "timestamp", "odata.etag", "Timestamp"].includes(k),
        )
        .sort();
    const common = ["EventId", "EventType", "ExecutionId", "IsPlayed", "_Timestamp"];
    expect(columns(byType("ExecutionStarted"))).toEqual(
      [
        ...common,
        "GenerateNewTrace",
        "Generation",
        "Input",
        "Name",
        "OrchestrationInstance",
        "ParentInstance",
        "ParentTraceContext",
        "Tags",
        "Version",
      ].sort(),
    );
    expect(columns(byType("TaskScheduled"))).toEqual(
      [...common, "Name", "ParentTraceContext", "Tags", "Version"].sort(),
    );
    expect(columns(byType("TaskCompleted"))).toEqual([...common, "Result", "TaskScheduledId"].sort());
    expect(columns(byType("ExecutionCompleted"))).toEqual(
      [...common, "FailureDetails", "OrchestrationStatus", "Result"].sort(),
    );
    expect(typed(byType("TaskScheduled"), "Version")).toEqual({ value: "", type: "String" });
    for (const [t, c] of [
      ["TaskScheduled", "Tags"],
      ["TaskScheduled", "ParentTraceContext"],
      ["ExecutionStarted", "ParentInstance"],
      ["ExecutionCompleted", "FailureDetails"],
    ] as const)
      expect(typed(byType(t), c).value, `${t}.${c}`).toBe("null");
    expect(typed(byType("ExecutionStarted"), "GenerateNewTrace")).toEqual({
      value: "false",
      type: "Boolean",
    });
  });

  it("writes queue messages as DTF envelopes, $type first", async () => {
    const id = await client.scheduleNewOrchestration("WaitForever", undefined, { instanceId: "layout-msg" });
    await client.waitForOrchestrationStart(id, { timeoutMs: 30_000 });
    await worker.stop();
    try {
      await client.raiseEvent(id, "Ping", { n: 1 });
      const queues = service.names.controlQueues.map((n) =>
        QueueServiceClient.fromConnectionString(connectionString()).getQueueClient(n),
      );
      const peeked = (await Promise.all(queues.map((c) => c.peekMessages({ numberOfMessages: 32 })))).flatMap(
        (r) => r.peekedMessageItems,
      );
      const body = peeked.map((m) => m.messageText).find((t) => t.includes("Ping"));
      expect(body).toBeDefined();
      expect(body!.startsWith('{"$type":"DurableTask.AzureStorage.MessageData"')).toBe(true);
      const o = JSON.parse(body!);
      expect(Object.keys(o)[0]).toBe("$type");
      expect(o.ActivityId).toMatch(/^[0-9a-f-]{36}$/);
      expect(Object.keys(o.TaskMessage)[0]).toBe("$type");
      expect(o.TaskMessage.$type).toBe("DurableTask.Core.TaskMessage");
      expect(Object.keys(o.TaskMessage.Event)[0]).toBe("$type");
      expect(o.TaskMessage.Event.$type).toBe("DurableTask.Core.History.EventRaisedEvent");
      expect(o.TaskMessage.Event.EventType).toBe(15);
      expect(o.TaskMessage.Event.Name).toBe("Ping");
      expect(o.TaskMessage.Event.Input).toBe('{"n":1}');
      expect(o.TaskMessage.Event.Timestamp).toMatch(/Z$/);
      expect(o.TaskMessage.OrchestrationInstance).toEqual({
        $type: "DurableTask.Core.OrchestrationInstance",
        InstanceId: "layout-msg",
        ExecutionId: null,
      });
      expect(typeof o.SequenceNumber).toBe("number");
    } finally {
      await worker.start();
    }
  });

  it("writes the Pending row with DT.AS's columns: the start message's ExecutionId, Generation and Timestamp", async () => {
    await worker.stop();
    try {
      const id = await client.scheduleNewOrchestration("Hello", "Nara", { instanceId: "layout-pending" });
      const queue = QueueServiceClient.fromConnectionString(connectionString()).getQueueClient(
        service.names.controlQueues[partitionIndex(id, 4)]!,
      );
      const start = (await queue.peekMessages({ numberOfMessages: 32 })).peekedMessageItems
        .map((m) => JSON.parse(m.messageText) as { TaskMessage: { Event: Record<string, unknown> } })
        .find(
          (m) =>
            m.TaskMessage.Event.EventType === 0 &&
            (m.TaskMessage.Event.OrchestrationInstance as { InstanceId: string }).InstanceId === id,
        )!;
      const event = start.TaskMessage.Event;
      const row = await table(service.names.instancesTable).getEntity<Record<string, unknown>>(id, "", {
        disableTypeConversion: true,
      });
      expect(typed(row, "RuntimeStatus").value).toBe("Pending");
      expect(typed(row, "Name").value).toBe("Hello");
      expect(typed(row, "Version").value).toBe("");
      expect(typed(row, "Input").value).toBe('"Nara"');
      expect(typed(row, "ExecutionId").value).toBe(
        (event.OrchestrationInstance as { ExecutionId: string }).ExecutionId,
      );
      expect(typed(row, "Generation")).toEqual({ value: String(event.Generation), type: "Int32" });
      expect(typed(row, "CreatedTime").type).toBe("DateTime");
      expect(new Date(typed(row, "CreatedTime").value as string).getTime()).toBe(
        new Date(event.Timestamp as string).getTime(),
      );
      expect(typed(row, "LastUpdatedTime").type).toBe("DateTime");
      expect(typed(row, "Tags").value).toBe("null");
      expect(typed(row, "TaskHubName").value).toBe(service.names.hub);
      expect(typed(row, "ParentInstanceId").value).toBe("");
    } finally {
      await worker.start();
    }
  });

  it('writes ParentInstanceId on the Instances row as DT.AS 2.11 does: the parent\'s id for a sub-orchestration, "" otherwise', async () => {
    const id = await client.scheduleNewOrchestration("Parent", "Kyoto", { instanceId: "layout-parent" });
    expect((await client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 })).output).toBe(
      "Hello Kyoto!",
    );
    const instances = table(service.names.instancesTable);
    const child = await instances.getEntity<Record<string, unknown>>("layout-parent:child", "", {
      disableTypeConversion: true,
    });
    expect(typed(child, "ParentInstanceId").value).toBe("layout-parent");
    const parent = await instances.getEntity<Record<string, unknown>>("layout-parent", "", {
      disableTypeConversion: true,
    });
    expect(typed(parent, "ParentInstanceId").value).toBe("");
    expect((await client.getOrchestrationState("layout-parent:child"))?.parentInstanceId).toBe(
      "layout-parent",
    );
  });

  it("offloads large inputs and outputs to blobs under DTF's names and reads them back", async () => {
    for (const size of [100 * 1024, 2 * 1024 * 1024]) {
      const big = "x".repeat(size);
      const id = await client.scheduleNewOrchestration("EchoBig", big, { instanceId: `layout-big-${size}` });
      const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 60_000 });
      expect(s.runtimeStatus).toBe("Completed");
      expect(s.output).toBe(big);
      expect(s.input).toBe(big);
      const container = BlobServiceClient.fromConnectionString(connectionString()).getContainerClient(
        service.names.largeMessagesContainer,
      );
      const names: string[] = [];
      for await (const b of container.listBlobsFlat({ prefix: `layout-big-${size}/` })) names.push(b.name);
      expect(
        names.some((n) => /^layout-big-\d+\/message-[0-9a-f]{32}-ExecutionStarted\.json\.gz$/.test(n)),
      ).toBe(true);
      expect(
        names.some((n) =>
          /^layout-big-\d+\/history-[0-9A-F]{16}-TaskCompleted-[0-9A-F]{8}-Result\.json\.gz$/.test(n),
        ),
      ).toBe(true);
      const inst = await table(service.names.instancesTable).getEntity<Record<string, unknown>>(
        `layout-big-${size}`,
        "",
      );
      expect(String(inst.Output)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\//);
    }
  });

  it("writes a checkpoint of more than 99 rows in several batches under one sentinel", async () => {
    const id = await client.scheduleNewOrchestration("FanOut", 150, { instanceId: "layout-wide" });
    expect((await client.waitForOrchestrationCompletion(id, { timeoutMs: 60_000 })).output).toBe(150);
    const keys: string[] = [];
    for await (const r of table(service.names.historyTable).listEntities({
      queryOptions: { filter: "PartitionKey eq 'layout-wide'", select: ["RowKey"] },
    }))
      keys.push(String(r.rowKey));
    // First checkpoint: OrchestratorStarted, ExecutionStarted, 150 TaskScheduled, OrchestratorCompleted (153 rows).
    expect(keys).toContain("0000000000000098");
    expect(keys).toContain("00000000000000A0");
    expect(keys[keys.length - 1]).toBe("sentinel");
    const h = await client.getOrchestrationHistory(id);
    expect(h.filter((e) => e.type === "TaskScheduled")).toHaveLength(150);
    expect(h.filter((e) => e.type === "TaskCompleted")).toHaveLength(150);
    expect(keys).toHaveLength(h.length + 1);
  });
});

describe("task hub lifecycle", () => {
  it("creates idempotently and deletes every queue, table and container", async () => {
    const other = newService();
    await other.createIfNotExists();
    await other.createIfNotExists();
    const again = newService({ taskHubName: other.names.hub });
    await again.createIfNotExists();
    const lc = other.names.hub.toLowerCase();
    const queues = async (): Promise<string[]> => {
      const out: string[] = [];
      for await (const q of QueueServiceClient.fromConnectionString(connectionString()).listQueues({
        prefix: lc,
      }))
        out.push(q.name);
      return out;
    };
    const tables = async (): Promise<string[]> => {
      const out: string[] = [];
      for await (const t of TableServiceClient.fromConnectionString(connectionString(), http).listTables())
        if (t.name?.startsWith(other.names.hub)) out.push(t.name);
      return out;
    };
    const containers = async (): Promise<string[]> => {
      const out: string[] = [];
      for await (const c of BlobServiceClient.fromConnectionString(connectionString()).listContainers({
        prefix: lc,
      }))
        out.push(c.name);
      return out;
    };
    expect(await queues()).toHaveLength(5);
    expect((await tables()).length).toBeGreaterThanOrEqual(2);
    expect(await containers()).toContain(`${lc}-applease`);
    await other.deleteTaskHub();
    expect(await queues()).toEqual([]);
    expect(await tables()).toEqual([]);
    expect(await containers()).toEqual([]);
  });
});
