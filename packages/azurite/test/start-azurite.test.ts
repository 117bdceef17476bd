// startAzurite: independent instances on OS-chosen ports, stop() frees them, on-disk data survives a
// restart, and failures say why.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TableClient } from "@azure/data-tables";
import { BlobServiceClient } from "@azure/storage-blob";
import { QueueServiceClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type AzuriteInstance } from "../src/index.js";

const uniqueName = (): string => `t${randomBytes(6).toString("hex")}`;

/** The plain Azure SDK clients on one Azurite (this package does not depend on the provider). */
function createStorageClients(o: { connectionString: string }) {
  const queueService = QueueServiceClient.fromConnectionString(o.connectionString);
  const blobService = BlobServiceClient.fromConnectionString(o.connectionString);
  return {
    queueService,
    queue: (name: string) => queueService.getQueueClient(name),
    table: (name: string) =>
      TableClient.fromConnectionString(o.connectionString, name, { allowInsecureConnection: true }),
    container: (name: string) => blobService.getContainerClient(name),
  };
}

/** The endpoints of a full connection string. */
function parseConnectionString(cs: string): {
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
} {
  const get = (key: string): string => new RegExp(`${key}=([^;]+)`).exec(cs)![1]!;
  return {
    blobEndpoint: get("BlobEndpoint"),
    queueEndpoint: get("QueueEndpoint"),
    tableEndpoint: get("TableEndpoint"),
  };
}

/** Another instance, running through the whole file (as the provider's tests share one). */
let sharedAzurite: AzuriteInstance;
beforeAll(async () => {
  sharedAzurite = await startAzurite();
});
afterAll(async () => {
  await sharedAzurite?.stop();
});

function accepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => (s.destroy(), done(true)));
    s.once("error", () => (s.destroy(), done(false)));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("startAzurite", () => {
  it("starts independent instances on different free ports, and stop() frees them", async () => {
    const shared = parseConnectionString(sharedAzurite.connectionString);
    const second = await startAzurite();
    try {
      expect(second.connectionString).toBe(
        `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${second.accountKey};` +
          `BlobEndpoint=${second.blobEndpoint};QueueEndpoint=${second.queueEndpoint};TableEndpoint=${second.tableEndpoint};`,
      );
      expect(second.queueEndpoint).toBe(`http://127.0.0.1:${second.ports.queue}/devstoreaccount1`);
      const ports = [second.ports.blob, second.ports.queue, second.ports.table];
      expect(new Set(ports).size).toBe(3);
      for (const endpoint of [shared.blobEndpoint, shared.queueEndpoint, shared.tableEndpoint]) {
        expect(ports).not.toContain(Number(new URL(endpoint).port));
      }
      for (const p of ports) expect(await accepts(p)).toBe(true);

      // Data in one instance is not in the other.
      const name = uniqueName();
      const mine = createStorageClients({ connectionString: second.connectionString });
      const theirs = createStorageClients({ connectionString: sharedAzurite.connectionString });
      await mine.queue(name).create();
      await mine.table(name).createTable();
      await mine.container(name).create();
      expect(await mine.queue(name).exists()).toBe(true);
      expect(await theirs.queue(name).exists()).toBe(false);
      expect(await mine.container(name).exists()).toBe(true);
      expect(await theirs.container(name).exists()).toBe(false);
    } finally {
      await second.stop();
    }
    expect(alive(second.pid!)).toBe(false);
    for (const p of [second.ports.blob, second.ports.queue, second.ports.table])
      expect(await accepts(p)).toBe(false);
    await second.stop(); // idempotent
    // The shared instance is untouched.
    expect(
      await createStorageClients({
        connectionString: sharedAzurite.connectionString,
      }).queueService.getProperties(),
    ).toBeDefined();
  });

  it("keeps data on disk in a location across a restart", async () => {
    const location = await mkdtemp(join(tmpdir(), "taskhub-azurite-test-"));
    const name = uniqueName();
    try {
      const first = await startAzurite({ inMemory: false, location });
      expect(first.location).toBe(location);
      try {
        const c = createStorageClients({ connectionString: first.connectionString });
        await c.queue(name).create();
        await c.queue(name).sendMessage("kept");
      } finally {
        await first.stop();
      }
      const again = await startAzurite({ location });
      try {
        const c = createStorageClients({ connectionString: again.connectionString });
        expect((await c.queue(name).peekMessages()).peekedMessageItems[0]?.messageText).toBe("kept");
      } finally {
        await again.stop();
      }
    } finally {
      await rm(location, { recursive: true, force: true });
    }
  });

  it("fails with Azurite's output when a fixed port is taken", async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    const port = (taken.address() as { port: number }).port;
    try {
      const err = await startAzurite({ queuePort: port }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: "Storage" });
      expect((err as Error).message).toMatch(/Azurite exited \(code 1\) before it was ready/);
      expect((err as Error).message).toContain("EADDRINUSE");
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });

  it("rejects contradictory or invalid options before starting anything", async () => {
    await expect(startAzurite({ inMemory: true, location: tmpdir() })).rejects.toMatchObject({
      code: "InvalidArgument",
    });
    await expect(startAzurite({ blobPort: 70_000 })).rejects.toMatchObject({ code: "InvalidArgument" });
    await expect(startAzurite({ cert: "cert.pem" })).rejects.toThrow(/both cert and key/);
    await expect(startAzurite({ oauth: "basic" })).rejects.toThrow(/only over HTTPS/);
  });
});
