// Client reads against Azurite: they never create a table, queue or container (a hub written by DT.AS has no
// Poison table, and a misspelled hub must stay absent), and a continuation token that no listing returned is
// the caller's mistake (InvalidArgument), caught before any request.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TableServiceClient } from "@azure/data-tables";
import { QueueServiceClient } from "@azure/storage-queue";
import { BlobServiceClient } from "@azure/storage-blob";
import { TaskHubClient, TaskHubError, TaskHubWorker } from "@taskhub/core";
import type { AzureStorageOrchestrationService } from "../src/index.js";
import { connectionString, newService, uniqueHubName } from "./helpers.js";

/** Every table, queue and container of the hub named `hub`. */
async function storesOf(hub: string): Promise<string[]> {
  const lc = hub.toLowerCase();
  const out: string[] = [];
  for await (const t of TableServiceClient.fromConnectionString(connectionString(), {
    allowInsecureConnection: true,
  }).listTables())
    if (t.name?.toLowerCase().startsWith(lc)) out.push(`table ${t.name}`);
  for await (const q of QueueServiceClient.fromConnectionString(connectionString()).listQueues({
    prefix: lc,
  }))
    out.push(`queue ${q.name}`);
  for await (const c of BlobServiceClient.fromConnectionString(connectionString()).listContainers({
    prefix: lc,
  }))
    out.push(`container ${c.name}`);
  return out.sort();
}

/** Every client read (and a purge of nothing), through the service and through a TaskHubClient. */
async function readEverything(
  service: AzureStorageOrchestrationService,
  instanceId: string,
): Promise<unknown[]> {
  const client = new TaskHubClient(service);
  const results: unknown[] = [];
  results.push(await service.getOrchestrationState(instanceId));
  results.push(await service.getOrchestrationHistory(instanceId));
  results.push(await service.queryInstances({}));
  results.push(await service.listPoisonMessages());
  results.push(await client.getOrchestrationState(instanceId));
  results.push(await client.getOrchestrationHistory(instanceId).catch((e: TaskHubError) => e.code));
  for await (const s of client.listInstances()) results.push(s);
  results.push(await client.getEntity({ name: "counter", key: "a" }));
  for await (const e of client.listEntities()) results.push(e);
  results.push(await service.purgeInstance("nobody"));
  results.push(await service.purgeInstances({ createdFrom: new Date(0) }));
  return results;
}

describe("client reads create nothing", () => {
  let hub: string;
  let instanceId: string;

  beforeAll(async () => {
    // A hub as DT.AS leaves it: taskhub's worker ran an instance, then taskhub's own Poison table is removed.
    const writer = newService();
    hub = writer.names.hub;
    const worker = new TaskHubWorker(writer);
    worker.addActivity("SayHello", (_ctx, name: string) => `Hello ${name}!`);
    worker.addOrchestrator("Hello", function* (ctx, name: string) {
      return (yield ctx.callActivity("SayHello", name)) as string;
    });
    await worker.start();
    const client = new TaskHubClient(writer);
    instanceId = await client.scheduleNewOrchestration("Hello", "DT.AS");
    await client.waitForOrchestrationCompletion(instanceId, { timeoutMs: 30_000 });
    await worker.stop();
    await TableServiceClient.fromConnectionString(connectionString(), {
      allowInsecureConnection: true,
    }).deleteTable(writer.names.poisonTable);
  });

  afterAll(async () => {
    await newService({ taskHubName: hub }).deleteTaskHub();
  });

  it("on a hub with only DT.AS's tables, queues and containers: no Poison table appears", async () => {
    const before = await storesOf(hub);
    expect(before).toContain(`table ${hub}Instances`);
    expect(before).not.toContain(`table ${hub}Poison`);
    const reader = newService({ taskHubName: hub });
    const [state, history, page, poison] = await readEverything(reader, instanceId);
    expect(state).toMatchObject({
      instanceId,
      runtimeStatus: "Completed",
      serializedOutput: JSON.stringify("Hello DT.AS!"),
    });
    expect((history as { type: string }[]).map((e) => e.type)).toContain("ExecutionCompleted");
    expect((page as { items: unknown[] }).items).toHaveLength(1);
    expect(poison).toEqual([]);
    expect(await storesOf(hub)).toEqual(before);
  });

  it("on a hub that does not exist: everything reads as empty and the hub stays absent", async () => {
    const absent = newService({ taskHubName: uniqueHubName("absent") });
    const results = await readEverything(absent, "i1");
    expect(results).toEqual([
      undefined,
      [],
      { items: [], continuationToken: undefined },
      [],
      undefined,
      "InstanceNotFound",
      undefined,
      { deletedInstanceCount: 0 },
      { deletedInstanceCount: 0 },
    ]);
    expect(await storesOf(absent.names.hub)).toEqual([]);
  });
});

describe("continuation tokens", () => {
  let service: AzureStorageOrchestrationService;
  const base64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");

  beforeAll(async () => {
    service = newService();
    const client = new TaskHubClient(service);
    for (const id of ["page-1", "page-2", "page-3"])
      await client.scheduleNewOrchestration("Anything", undefined, { instanceId: id });
  });

  afterAll(async () => {
    await service.deleteTaskHub();
  });

  it("a token from a listing continues it", async () => {
    const first = await service.queryInstances({ pageSize: 2 });
    expect(first.items.map((r) => r.instanceId)).toEqual(["page-1", "page-2"]);
    expect(first.continuationToken).toBeDefined();
    const second = await service.queryInstances({ pageSize: 2 }, first.continuationToken);
    expect(second.items.map((r) => r.instanceId)).toEqual(["page-3"]);
    expect(second.continuationToken).toBeUndefined();
  });

  it("one that no listing returned is InvalidArgument, before any request", async () => {
    const garbage = [
      "garbage",
      "%%%",
      "bm90IGpzb24",
      base64("not json"),
      base64('"text"'),
      base64("[1]"),
      base64("{}"),
      base64('{"nextPartitionKey":5}'),
      base64('{"nextPartitionKey":"a","nextRowKey":7}'),
    ];
    for (const token of garbage) {
      const before = service.requestCounter.snapshot();
      const err = await service.queryInstances({}, token).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect({ token, err }).toEqual({ token, err: expect.any(TaskHubError) });
      expect({ token, code: (err as TaskHubError).code, message: (err as Error).message }).toEqual({
        token,
        code: "InvalidArgument",
        message: expect.stringMatching(/^continuation token ".*" is not one that a listing returned/),
      });
      expect(service.requestCounter.diff(before).total).toBe(0);
    }
    // Entities are listed through the same query.
    const entities = new TaskHubClient(service).listEntities().byPage({ continuationToken: "garbage" });
    await expect(entities.next()).rejects.toMatchObject({ code: "InvalidArgument" });
  });
});
