import { describe, expect, inject, it } from "vitest";
import { TaskHubClient } from "@taskhub/core";
import {
  AzureStorageOrchestrationService,
  createStorageClients,
  isNotFound,
  parseConnectionString,
  RequestCounter,
  toStorageError,
} from "../../src/index.js";
import { uniqueHubName } from "../service/helpers.js";

describe("connection strings", () => {
  it("understands UseDevelopmentStorage=true", () => {
    const p = parseConnectionString("UseDevelopmentStorage=true");
    expect(p).toMatchObject({
      accountName: "devstoreaccount1",
      blobEndpoint: "http://127.0.0.1:10000/devstoreaccount1",
      queueEndpoint: "http://127.0.0.1:10001/devstoreaccount1",
      tableEndpoint: "http://127.0.0.1:10002/devstoreaccount1",
    });
  });

  it("understands Azurite's full form and Azure's account form", () => {
    const p = parseConnectionString(inject("azuriteConnectionString"));
    expect(p.accountName).toBe("devstoreaccount1");
    expect(p.queueEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
    const a = parseConnectionString("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net");
    expect(a).toMatchObject({ accountName: "acct", queueEndpoint: "https://acct.queue.core.windows.net", tableEndpoint: "https://acct.table.core.windows.net" });
  });

  it("rejects a connection string without an account, without echoing it", () => {
    expect(() => parseConnectionString("AccountKey=secretsecret")).toThrow(/no AccountName/);
    try {
      parseConnectionString("AccountKey=secretsecret");
    } catch (err) {
      expect((err as Error).message).not.toContain("secretsecret");
    }
  });
});

describe("storage clients on Azurite", () => {
  it("round-trip a raw JSON message, an entity and a blob, and count exactly the requests made", async () => {
    const counter = new RequestCounter();
    const c = createStorageClients({ connectionString: inject("azuriteConnectionString") }, { counter });
    const name = uniqueHubName("c");
    const q = c.queue(name);
    await q.create();
    await q.sendMessage('{"a":1}');
    const got = await q.receiveMessages();
    expect(got.receivedMessageItems[0]?.messageText).toBe('{"a":1}');
    await q.deleteMessage(got.receivedMessageItems[0]!.messageId, got.receivedMessageItems[0]!.popReceipt);
    const t = c.table(name);
    await t.createTable();
    await t.createEntity({ partitionKey: "p", rowKey: "r", V: 1 });
    expect((await t.getEntity("p", "r")).V).toBe(1);
    const container = c.container(name);
    await container.create();
    await container.getBlockBlobClient("b").upload("hi", 2);
    expect((await container.getBlockBlobClient("b").downloadToBuffer()).toString()).toBe("hi");
    const s = counter.snapshot();
    expect(s.byOperation).toEqual({
      "queue.CreateQueue": 1,
      "queue.PutMessage": 1,
      "queue.GetMessages": 1,
      "queue.DeleteMessage": 1,
      "table.CreateTable": 1,
      "table.InsertEntity": 1,
      "table.QueryEntities": 1,
      "blob.CreateContainer": 1,
      "blob.PutBlob": 1,
      "blob.GetBlob": 1,
      "blob.GetBlobProperties": 1, // downloadToBuffer asks for the size first
    });
    expect(s.total).toBe(11);
    expect(s.byService).toEqual({ queue: 4, table: 3, blob: 4 });
    counter.reset();
    expect(counter.snapshot().total).toBe(0);
    await q.delete();
    await t.deleteTable();
    await container.delete();
  });

  it("maps a 404 to isNotFound and a Storage error", async () => {
    const c = createStorageClients({ connectionString: inject("azuriteConnectionString") });
    let err: unknown;
    try {
      await c.table(uniqueHubName("missing")).getEntity("p", "r");
    } catch (e) {
      err = e;
    }
    expect(isNotFound(err)).toBe(true);
    const mapped = toStorageError(err, "getEntity");
    expect(mapped.code).toBe("Storage");
    expect(mapped.statusCode).toBe(404);
    expect(mapped.message).toMatch(/getEntity failed with HTTP 404/);
  });

  it("surfaces an authorization failure from a client call as a Storage error", async () => {
    const bad = inject("azuriteConnectionString").replace(/AccountKey=[^;]+/, "AccountKey=" + Buffer.from("wrong key").toString("base64"));
    const service = new AzureStorageOrchestrationService({ taskHubName: uniqueHubName(), storage: { connectionString: bad } });
    const client = new TaskHubClient(service);
    const err = await client.getOrchestrationState("x").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "Storage", statusCode: 403 });
    expect((err as Error).message).not.toContain("AccountKey");
  });
});
