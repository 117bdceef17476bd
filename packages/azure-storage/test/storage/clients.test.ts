// Storage clients against the shared Azurite: a round trip per service, raw queue message text on the wire, SAS connection strings, and Storage errors that keep secrets out.
import { randomBytes } from "node:crypto";
import { createServer, connect, type AddressInfo, type Socket } from "node:net";
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
} from "@azure/storage-blob";
import { QueueSASPermissions } from "@azure/storage-queue";
import { TaskHubClient } from "@taskhub/core";
import { describe, expect, inject, it } from "vitest";
import {
  AzureStorageOrchestrationService,
  createStorageClients,
  DEVELOPMENT_ACCOUNT_KEY,
  parseConnectionString,
  toStorageError,
} from "../../src/index.js";

const uniqueName = (): string => `t${randomBytes(6).toString("hex")}`;
const azurite = (): string => inject("azuriteConnectionString");

describe("createStorageClients on Azurite", () => {
  it("creates and deletes a queue, table and container and round-trips a message, an entity and a blob", async () => {
    const c = createStorageClients({ connectionString: azurite() });
    expect(c.accountName).toBe("devstoreaccount1");
    const name = uniqueName();

    const q = c.queue(name);
    expect(c.queue(name)).toBe(q);
    await q.create();
    await q.sendMessage('{"a":1,"s":"<&>"}');
    const got = await q.receiveMessages();
    const msg = got.receivedMessageItems[0]!;
    expect(msg.messageText).toBe('{"a":1,"s":"<&>"}');
    await q.deleteMessage(msg.messageId, msg.popReceipt);
    expect((await q.peekMessages()).peekedMessageItems).toHaveLength(0);

    const t = c.table(name);
    expect(c.table(name)).toBe(t);
    await t.createTable();
    await t.createEntity({ partitionKey: "p", rowKey: "r", V: 1, S: "x" });
    expect(await t.getEntity("p", "r")).toMatchObject({ V: 1, S: "x" });

    const container = c.container(name);
    expect(c.container(name)).toBe(container);
    await container.create();
    await container.getBlockBlobClient("dir/b.json").upload("hi", 2);
    expect((await container.getBlockBlobClient("dir/b.json").downloadToBuffer()).toString()).toBe("hi");

    const queues: string[] = [];
    for await (const item of c.queueService.listQueues({ prefix: name })) queues.push(item.name);
    expect(queues).toEqual([name]);

    await q.delete();
    await t.deleteTable();
    await container.delete();
    expect(await q.exists()).toBe(false);
    expect(await container.exists()).toBe(false);
    const tables: string[] = [];
    for await (const item of c.tableService.listTables({
      queryOptions: { filter: `TableName eq '${name}'` },
    }))
      tables.push(item.name!);
    expect(tables).toEqual([]);
  });

  it("puts queue message text on the wire as is, not base64", async () => {
    const c = createStorageClients({ connectionString: azurite() });
    const q = c.queue(uniqueName());
    await q.create();
    const text = '{"instanceId":"abc","n":1}';
    await q.sendMessage(text);
    // Read the message with a plain HTTP request, outside the SDK.
    const sas = new URL(
      await q.generateSasUrl({
        permissions: QueueSASPermissions.parse("r"),
        expiresOn: new Date(Date.now() + 60_000),
      }),
    );
    sas.pathname += "/messages";
    sas.searchParams.set("peekonly", "true");
    const res = await fetch(sas);
    const xml = await res.text();
    expect(res.status, xml).toBe(200);
    const wire = /<MessageText>(.*)<\/MessageText>/.exec(xml)?.[1]?.replaceAll("&quot;", '"');
    expect(wire).toBe(text);
    expect(xml).not.toContain(Buffer.from(text).toString("base64"));
    await q.delete();
  });

  it("works with an account SAS connection string", async () => {
    const p = parseConnectionString(azurite());
    const sas = generateAccountSASQueryParameters(
      {
        expiresOn: new Date(Date.now() + 10 * 60_000),
        permissions: AccountSASPermissions.parse("rwdlacup"),
        resourceTypes: AccountSASResourceTypes.parse("sco").toString(),
        services: AccountSASServices.parse("bqt").toString(),
      },
      new StorageSharedKeyCredential(p.accountName, p.accountKey!),
    ).toString();
    const cs = `BlobEndpoint=${p.blobEndpoint};QueueEndpoint=${p.queueEndpoint};TableEndpoint=${p.tableEndpoint};SharedAccessSignature=${sas}`;
    const c = createStorageClients({ connectionString: cs });
    expect(c.accountName).toBe("devstoreaccount1");
    const name = uniqueName();
    await c.queue(name).create();
    await c.queue(name).sendMessage("m");
    expect((await c.queue(name).peekMessages()).peekedMessageItems[0]?.messageText).toBe("m");
    await c.table(name).createTable();
    await c.table(name).createEntity({ partitionKey: "p", rowKey: "r", V: 2 });
    expect((await c.table(name).getEntity("p", "r")).V).toBe(2);
    await c.container(name).create();
    await c.container(name).getBlockBlobClient("b").upload("x", 1);
    expect((await c.container(name).getBlockBlobClient("b").downloadToBuffer()).toString()).toBe("x");
    await Promise.all([c.queue(name).delete(), c.table(name).deleteTable(), c.container(name).delete()]);
  });

  it("reports a wrong key as a Storage error with status 403 and no secret in the message", async () => {
    const wrongKey = Buffer.from("not the key").toString("base64");
    const bad = azurite().replace(/AccountKey=[^;]+/, `AccountKey=${wrongKey}`);
    const c = createStorageClients({ connectionString: bad });
    for (const call of [
      () => c.queue(uniqueName()).create(),
      () => c.table(uniqueName()).createTable(),
      () => c.container(uniqueName()).create(),
    ]) {
      const err = toStorageError(
        await call().then(
          () => undefined,
          (e: unknown) => e,
        ),
        "create",
      );
      expect(err).toMatchObject({ code: "Storage", statusCode: 403 });
      expect(err.message).toMatch(/^storage operation create failed with HTTP 403 \(\w+\)/);
      expect(err.message).not.toContain(wrongKey);
      expect(err.message).not.toContain(DEVELOPMENT_ACCOUNT_KEY);
    }
  });

  it("surfaces an authorization failure from a client call of the orchestration service as a Storage error", async () => {
    const bad = azurite().replace(
      /AccountKey=[^;]+/,
      "AccountKey=" + Buffer.from("wrong key").toString("base64"),
    );
    const service = new AzureStorageOrchestrationService({
      taskHubName: uniqueName(),
      storage: { connectionString: bad },
    });
    const client = new TaskHubClient(service);
    const err = await client.getOrchestrationState("x").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "Storage", statusCode: 403 });
    expect((err as Error).message).not.toContain("AccountKey");
  });

  it("retries a table request sent on a keep-alive connection the server had closed (EPIPE), as blob and queue requests are", async () => {
    // A TCP proxy in front of Azurite's table service lets the test close the server side of an idle keep-alive
    // connection at the worst moment: the client has picked that connection for its next request but has not
    // yet seen the close (FIN, then RST), as happens when the client's event loop is busy. Its write then fails
    // with EPIPE, which the table SDK's own retry policy does not retry.
    const tableEndpoint = new URL(/TableEndpoint=([^;]+)/.exec(azurite())![1]!);
    const accepted = new Set<Socket>();
    let connections = 0;
    const proxy = createServer((downstream) => {
      connections++;
      accepted.add(downstream);
      const upstream = connect(Number(tableEndpoint.port), tableEndpoint.hostname);
      downstream.pipe(upstream).pipe(downstream);
      for (const s of [downstream, upstream]) s.on("error", () => undefined);
      downstream.on("close", () => {
        accepted.delete(downstream);
        upstream.destroy();
      });
      upstream.on("close", () => downstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const port = (proxy.address() as AddressInfo).port;
      const c = createStorageClients({
        connectionString: azurite().replace(
          /TableEndpoint=[^;]+/,
          `TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1`,
        ),
      });
      const table = c.table(uniqueName());
      await table.createTable();
      expect(accepted.size).toBe(1);
      let armed = true;
      const failedAttempts: unknown[] = [];
      table.pipeline.addPolicy(
        {
          name: "testClosesIdleConnection",
          async sendRequest(request, next) {
            if (armed) {
              armed = false;
              // Each close completes (FIN sent, then RST) before the request goes out, within one turn of the
              // event loop, so the client has not processed either.
              await Promise.all(
                [...accepted].map(
                  (s) => new Promise<void>((resolve) => s.end(() => resolve(void s.resetAndDestroy()))),
                ),
              );
            }
            return next(request).catch((err: unknown) => {
              failedAttempts.push((err as { code?: unknown }).code);
              throw err;
            });
          },
        },
        { afterPhase: "Sign" },
      );
      await table.createEntity({ partitionKey: "p", rowKey: "r", value: 1 });
      expect(failedAttempts).toEqual(["EPIPE"]);
      expect(connections).toBe(2);
      expect((await table.getEntity<{ value: number }>("p", "r")).value).toBe(1);
      await table.deleteTable();
    } finally {
      proxy.close();
    }
  });

  it("leaves the policies a storage client never needs out of every pipeline, and keeps its own", () => {
    const clients = createStorageClients({ connectionString: azurite() });
    const corePolicies = (client: unknown): string[] =>
      (
        client as { pipeline: { _corePipeline: { getOrderedPolicies(): { name: string }[] } } }
      ).pipeline._corePipeline
        .getOrderedPolicies()
        .map((p) => p.name);
    const pipelines = {
      queue: corePolicies(clients.queue(uniqueName())),
      blob: corePolicies(clients.container(uniqueName())),
      table: clients
        .table(uniqueName())
        .pipeline.getOrderedPolicies()
        .map((p) => p.name),
      tableService: clients.tableService.pipeline.getOrderedPolicies().map((p) => p.name),
    };
    for (const [service, names] of Object.entries(pipelines)) {
      for (const unneeded of ["tracingPolicy", "redirectPolicy", "formDataPolicy", "multipartPolicy"])
        expect(names, `${service}: ${unneeded}`).not.toContain(unneeded);
      expect(names, service).toContain("taskhubRequestCounter");
      expect(names, service).toContain("taskhubTryTimeout");
    }
  });

  it("rejects bad retry options", () => {
    expect(() => createStorageClients({ connectionString: azurite() }, { retry: { maxTries: 0 } })).toThrow(
      /maxTries/,
    );
    expect(() =>
      createStorageClients({ connectionString: azurite() }, { retry: { tryTimeoutMs: -1 } }),
    ).toThrow(/tryTimeoutMs/);
  });
});
