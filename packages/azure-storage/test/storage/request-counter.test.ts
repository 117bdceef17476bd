// The request counter on real Azurite: exactly the requests made, by service and operation; every retry
// attempt counts; reset and diff. Plus how requests are named, from their method, URL and headers.
import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  classifyStorageRequest,
  createStorageClients,
  isTransient,
  RequestCounter,
  toStorageError,
  type StorageService,
} from "../../src/index.js";

const uniqueName = (): string => `t${randomBytes(6).toString("hex")}`;
const azurite = (): string => inject("azuriteConnectionString");

describe("RequestCounter on Azurite", () => {
  it("counts exactly the requests made, per service and operation, and reset() clears the counts", async () => {
    const counter = new RequestCounter();
    const c = createStorageClients({ connectionString: azurite() }, { counter });
    const name = uniqueName();

    const q = c.queue(name);
    await q.create();
    await q.sendMessage('{"a":1}');
    await q.sendMessage('{"a":2}');
    await q.peekMessages();
    const got = (await q.receiveMessages()).receivedMessageItems[0]!;
    const updated = await q.updateMessage(got.messageId, got.popReceipt, '{"a":3}', 0);
    await q.deleteMessage(got.messageId, updated.popReceipt!);
    await q.getProperties();
    await q.clearMessages();

    const t = c.table(name);
    await t.createTable();
    await t.createEntity({ partitionKey: "p", rowKey: "1", V: 1 });
    await t.upsertEntity({ partitionKey: "p", rowKey: "1", V: 2 }, "Replace");
    await t.updateEntity({ partitionKey: "p", rowKey: "1", W: 3 }, "Merge");
    await t.getEntity("p", "1");
    await t.listEntities().byPage().next();
    await t.submitTransaction([
      ["create", { partitionKey: "p", rowKey: "2" }],
      ["upsert", { partitionKey: "p", rowKey: "3" }, "Merge"],
      ["delete", { partitionKey: "p", rowKey: "1" }],
    ]);
    await t.deleteEntity("p", "2");

    const container = c.container(name);
    await container.create();
    const blob = container.getBlockBlobClient("a/b.json");
    await blob.upload("{}", 2);
    await blob.getProperties();
    await (await blob.download()).readableStreamBody?.resume();
    await container.listBlobsFlat().byPage().next();
    const containerLease = container.getBlobLeaseClient();
    await containerLease.acquireLease(15);
    await containerLease.renewLease();
    await containerLease.changeLease("aaaaaaaa-0000-0000-0000-000000000000");
    await containerLease.releaseLease();
    const blobLease = blob.getBlobLeaseClient();
    await blobLease.acquireLease(-1);
    await blobLease.breakLease(0);
    await blob.delete();

    const s = counter.snapshot();
    expect(s.byOperation).toEqual({
      "queue.CreateQueue": 1,
      "queue.PutMessage": 2,
      "queue.PeekMessages": 1,
      "queue.GetMessages": 1,
      "queue.UpdateMessage": 1,
      "queue.DeleteMessage": 1,
      "queue.GetQueueProperties": 1,
      "queue.ClearMessages": 1,
      "table.CreateTable": 1,
      "table.InsertEntity": 1,
      "table.UpdateEntity": 1,
      "table.MergeEntity": 1,
      "table.QueryEntities": 2,
      "table.Batch": 1,
      "table.DeleteEntity": 1,
      "blob.CreateContainer": 1,
      "blob.PutBlob": 1,
      "blob.GetBlobProperties": 1,
      "blob.GetBlob": 1,
      "blob.ListBlobs": 1,
      "blob.AcquireLease": 2,
      "blob.RenewLease": 1,
      "blob.ChangeLease": 1,
      "blob.ReleaseLease": 1,
      "blob.BreakLease": 1,
      "blob.DeleteBlob": 1,
    });
    expect(s.byService).toEqual({ queue: 9, table: 8, blob: 12 });
    expect(s.total).toBe(29);

    // A snapshot is a copy; reset() starts from zero.
    await q.delete();
    expect(counter.snapshot().byOperation["queue.DeleteQueue"]).toBe(1);
    expect(s.byOperation["queue.DeleteQueue"]).toBeUndefined();
    counter.reset();
    expect(counter.snapshot()).toEqual({ total: 0, byService: {}, byOperation: {} });
    await t.deleteTable();
    await container.delete();
    expect(counter.snapshot()).toEqual({
      total: 2,
      byService: { table: 1, blob: 1 },
      byOperation: { "table.DeleteTable": 1, "blob.DeleteContainer": 1 },
    });
  });

  it("diff() gives the requests between two snapshots", async () => {
    const counter = new RequestCounter();
    const c = createStorageClients({ connectionString: azurite() }, { counter });
    const q = c.queue(uniqueName());
    await q.create();
    const before = counter.snapshot();
    await q.sendMessage("x");
    await q.sendMessage("y");
    await q.receiveMessages({ numberOfMessages: 2 });
    const expected = {
      total: 3,
      byService: { queue: 3 },
      byOperation: { "queue.PutMessage": 2, "queue.GetMessages": 1 },
    };
    expect(counter.diff(before)).toEqual(expected);
    expect(RequestCounter.diff(before, counter.snapshot())).toEqual(expected);
    expect(counter.diff(counter.snapshot())).toEqual({ total: 0, byService: {}, byOperation: {} });
    await q.delete();
  });

  it("counts clients made from one createStorageClients call once each, also when several are cached", async () => {
    const counter = new RequestCounter();
    const c = createStorageClients({ connectionString: azurite() }, { counter });
    const a = uniqueName();
    const b = uniqueName();
    await c.queue(a).create();
    await c.queue(b).create();
    await c.queueService.getQueueClient(a).sendMessage("m");
    await c.container(a).create();
    await c.blobService.getContainerClient(a).delete();
    await c.tableService.createTable(a);
    await c.tableService.deleteTable(a);
    expect(counter.snapshot().byOperation).toEqual({
      "queue.CreateQueue": 2,
      "queue.PutMessage": 1,
      "blob.CreateContainer": 1,
      "blob.DeleteContainer": 1,
      "table.CreateTable": 1,
      "table.DeleteTable": 1,
    });
    await Promise.all([c.queue(a).delete(), c.queue(b).delete()]);
  });
});

describe("retries and attempt timeouts are counted per attempt", () => {
  let closedPort: number;
  let blackHole: Server;
  let blackHolePort: number;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    // Accepts connections and never answers.
    blackHole = createServer((s) => {
      sockets.add(s);
      s.on("error", () => {});
    });
    await new Promise<void>((r) => blackHole.listen(0, "127.0.0.1", r));
    blackHolePort = (blackHole.address() as { port: number }).port;
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => blackHole.close(r));
  });

  const connectionTo = (port: number): string =>
    azurite().replace(
      /(Blob|Queue|Table)Endpoint=http:\/\/127\.0\.0\.1:\d+/g,
      `$1Endpoint=http://127.0.0.1:${port}`,
    );

  const calls: [StorageService, string, (c: ReturnType<typeof createStorageClients>) => Promise<unknown>][] =
    [
      ["queue", "queue.GetQueueProperties", (c) => c.queue("q1").getProperties()],
      ["table", "table.QueryEntities", (c) => c.table("t1").getEntity("p", "r")],
      ["blob", "blob.GetBlobProperties", (c) => c.container("c1").getBlobClient("b").getProperties()],
    ];

  it.each(calls)(
    "%s: a refused connection is tried maxTries times, each attempt counted",
    async (_svc, op, call) => {
      const counter = new RequestCounter();
      const c = createStorageClients(
        { connectionString: connectionTo(closedPort) },
        { counter, retry: { maxTries: 3, retryDelayMs: 1, maxRetryDelayMs: 5 } },
      );
      const err = await call(c).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isTransient(err)).toBe(true);
      expect(toStorageError(err, "probe")).toMatchObject({
        code: "Storage",
        statusCode: undefined,
        azureErrorCode: "ECONNREFUSED",
      });
      expect(counter.snapshot().byOperation).toEqual({ [op]: 3 });
    },
  );

  it.each(calls)(
    "%s: an attempt without a response within tryTimeoutMs times out and is retried",
    async (_svc, op, call) => {
      const counter = new RequestCounter();
      const c = createStorageClients(
        { connectionString: connectionTo(blackHolePort) },
        { counter, retry: { maxTries: 2, tryTimeoutMs: 150, retryDelayMs: 1, maxRetryDelayMs: 5 } },
      );
      const started = Date.now();
      const err = await call(c).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(isTransient(err)).toBe(true);
      expect(toStorageError(err, "probe").azureErrorCode).toBe("ETIMEDOUT");
      expect(counter.snapshot().byOperation).toEqual({ [op]: 2 });
    },
  );

  it("a caller's abort is not turned into a timeout", async () => {
    const c = createStorageClients(
      { connectionString: connectionTo(blackHolePort) },
      { retry: { maxTries: 3, tryTimeoutMs: 5_000 } },
    );
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const err = await c
      .queue("q1")
      .getProperties({ abortSignal: abort.signal })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((err as Error).name).toBe("AbortError");
    expect(isTransient(err)).toBe(false);
  });
});

describe("classifyStorageRequest", () => {
  const az = "http://127.0.0.1:10001/devstoreaccount1";
  const cases: [StorageService | undefined, string, string, Record<string, string>, string][] = [
    // service, method, url, headers, expected "service.Operation"
    ["queue", "PUT", `${az}/q`, {}, "queue.CreateQueue"],
    ["queue", "DELETE", `${az}/q`, {}, "queue.DeleteQueue"],
    ["queue", "GET", `${az}/q?comp=metadata`, {}, "queue.GetQueueProperties"],
    ["queue", "POST", `${az}/q/messages?messagettl=-1`, {}, "queue.PutMessage"],
    ["queue", "GET", `${az}/q/messages?numofmessages=32&visibilitytimeout=30`, {}, "queue.GetMessages"],
    ["queue", "GET", `${az}/q/messages?peekonly=true`, {}, "queue.PeekMessages"],
    ["queue", "DELETE", `${az}/q/messages/abc?popreceipt=x`, {}, "queue.DeleteMessage"],
    ["queue", "PUT", `${az}/q/messages/abc?popreceipt=x&visibilitytimeout=0`, {}, "queue.UpdateMessage"],
    ["queue", "DELETE", `${az}/q/messages`, {}, "queue.ClearMessages"],
    ["queue", "GET", `${az}?comp=list`, {}, "queue.ListQueues"],
    ["queue", "PUT", `${az}/messages`, {}, "queue.CreateQueue"], // a queue named "messages", path style
    ["queue", "POST", "https://acct.queue.core.windows.net/messages/messages", {}, "queue.PutMessage"],
    ["queue", "PUT", "https://acct.queue.core.windows.net/q", {}, "queue.CreateQueue"],
    ["table", "POST", "https://acct.table.core.windows.net/Tables", {}, "table.CreateTable"],
    ["table", "DELETE", "https://acct.table.core.windows.net/Tables('t1')", {}, "table.DeleteTable"],
    ["table", "GET", "https://acct.table.core.windows.net/Tables?$filter=x", {}, "table.QueryTables"],
    [
      "table",
      "GET",
      "https://acct.table.core.windows.net/t1()?$filter=PartitionKey%20eq%20'p'",
      {},
      "table.QueryEntities",
    ],
    [
      "table",
      "GET",
      "https://acct.table.core.windows.net/t1(PartitionKey='p',RowKey='r')",
      {},
      "table.QueryEntities",
    ],
    ["table", "POST", "https://acct.table.core.windows.net/t1", {}, "table.InsertEntity"],
    [
      "table",
      "PUT",
      "https://acct.table.core.windows.net/t1(PartitionKey='p',RowKey='r')",
      {},
      "table.UpdateEntity",
    ],
    [
      "table",
      "PATCH",
      "https://acct.table.core.windows.net/t1(PartitionKey='p',RowKey='r')",
      {},
      "table.MergeEntity",
    ],
    [
      "table",
      "MERGE",
      "https://acct.table.core.windows.net/t1(PartitionKey='p',RowKey='r')",
      {},
      "table.MergeEntity",
    ],
    [
      "table",
      "DELETE",
      "https://acct.table.core.windows.net/t1(PartitionKey='p',RowKey='r')",
      {},
      "table.DeleteEntity",
    ],
    ["table", "POST", "http://127.0.0.1:41234/devstoreaccount1/$batch", {}, "table.Batch"],
    ["blob", "PUT", "https://acct.blob.core.windows.net/c?restype=container", {}, "blob.CreateContainer"],
    ["blob", "DELETE", "https://acct.blob.core.windows.net/c?restype=container", {}, "blob.DeleteContainer"],
    [
      "blob",
      "GET",
      "https://acct.blob.core.windows.net/c?restype=container&comp=list&prefix=x",
      {},
      "blob.ListBlobs",
    ],
    ["blob", "PUT", "https://acct.blob.core.windows.net/c/a/b.json", {}, "blob.PutBlob"],
    ["blob", "GET", "https://acct.blob.core.windows.net/c/a/b.json", {}, "blob.GetBlob"],
    ["blob", "HEAD", "https://acct.blob.core.windows.net/c/a/b.json", {}, "blob.GetBlobProperties"],
    ["blob", "DELETE", "https://acct.blob.core.windows.net/c/a/b.json", {}, "blob.DeleteBlob"],
    [
      "blob",
      "PUT",
      "https://acct.blob.core.windows.net/c/b?comp=lease",
      { "x-ms-lease-action": "acquire" },
      "blob.AcquireLease",
    ],
    [
      "blob",
      "PUT",
      "https://acct.blob.core.windows.net/c/b?comp=lease",
      { "x-ms-lease-action": "renew" },
      "blob.RenewLease",
    ],
    [
      "blob",
      "PUT",
      "https://acct.blob.core.windows.net/c/b?comp=lease",
      { "x-ms-lease-action": "release" },
      "blob.ReleaseLease",
    ],
    [
      "blob",
      "PUT",
      "https://acct.blob.core.windows.net/c/b?comp=lease",
      { "x-ms-lease-action": "change" },
      "blob.ChangeLease",
    ],
    [
      "blob",
      "PUT",
      "https://acct.blob.core.windows.net/c?restype=container&comp=lease",
      { "x-ms-lease-action": "break" },
      "blob.BreakLease",
    ],
    ["blob", "PATCH", "https://acct.blob.core.windows.net/c/b", {}, "blob.Other"],
    // Without the service: host names, Azurite's default ports, then the path.
    [undefined, "POST", "https://acct.queue.core.windows.net/q/messages", {}, "queue.PutMessage"],
    [undefined, "POST", "http://127.0.0.1:10002/devstoreaccount1/$batch", {}, "table.Batch"],
    [undefined, "PUT", "http://127.0.0.1:10000/devstoreaccount1/c/b", {}, "blob.PutBlob"],
    [
      undefined,
      "PUT",
      "http://127.0.0.1:5555/devstoreaccount1/c/b?comp=lease",
      { "x-ms-lease-action": "renew" },
      "blob.RenewLease",
    ],
    [undefined, "GET", "http://127.0.0.1:5555/devstoreaccount1/q/messages", {}, "queue.GetMessages"],
    [undefined, "GET", "http://127.0.0.1:5555/devstoreaccount1/x", {}, "unknown.Other"],
  ];

  it.each(cases)("%s %s %s", (service, method, url, headers, expected) => {
    const h = new Map(Object.entries(headers));
    const r = classifyStorageRequest(
      { method, url, headers: { get: (n) => h.get(n.toLowerCase()) } },
      service,
    );
    expect(`${r.service}.${r.operation}`).toBe(expected);
  });
});
