// Storage errors from real Azurite responses: 404, 409 and 412 per service, their Azure codes, and the
// project's Storage error with status and code and without secrets.
import { randomBytes } from "node:crypto";
import { RestError } from "@azure/core-rest-pipeline";
import { describe, expect, inject, it } from "vitest";
import {
  createStorageClients,
  errorCodeOf,
  ignoreNotFound,
  isConflict,
  isMessageGone,
  isNotFound,
  isPreconditionFailed,
  isTransient,
  isWriteConflict,
  redactSecrets,
  statusOf,
  StorageError,
  toStorageError,
} from "../../src/index.js";

const uniqueName = (): string => `t${randomBytes(6).toString("hex")}`;
const clients = (): ReturnType<typeof createStorageClients> =>
  createStorageClients({ connectionString: inject("azuriteConnectionString") });
const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => {
      throw new Error("expected the storage call to fail");
    },
    (e: unknown) => e,
  );

describe("storage errors from Azurite", () => {
  it.each([
    ["queue", "QueueNotFound", () => clients().queue(uniqueName()).getProperties()],
    ["queue message", "QueueNotFound", () => clients().queue(uniqueName()).sendMessage("x")],
    ["table", "TableNotFound", () => clients().table(uniqueName()).getEntity("p", "r")],
    ["blob", "ContainerNotFound", () => clients().container(uniqueName()).getBlockBlobClient("b").download()],
    [
      "blob properties (HEAD, no body)",
      "ContainerNotFound",
      () => clients().container(uniqueName()).getBlobClient("b").getProperties(),
    ],
  ])("a missing %s is a 404 (%s) and maps to a Storage error", async (_what, azureCode, call) => {
    const err = await failure(call());
    expect(isNotFound(err)).toBe(true);
    expect(isConflict(err) || isPreconditionFailed(err) || isTransient(err)).toBe(false);
    expect(statusOf(err)).toBe(404);
    expect(errorCodeOf(err)).toBe(azureCode);
    const mapped = toStorageError(err, "readThing");
    expect(mapped).toBeInstanceOf(StorageError);
    expect(mapped).toMatchObject({
      code: "Storage",
      statusCode: 404,
      azureErrorCode: azureCode,
      operation: "readThing",
      cause: err,
    });
    expect(mapped.message).toMatch(
      new RegExp(`^storage operation readThing failed with HTTP 404 \\(${azureCode}\\)`),
    );
    // The mapped error answers the same questions as the original.
    expect(isNotFound(mapped)).toBe(true);
    expect(errorCodeOf(mapped)).toBe(azureCode);
    expect(toStorageError(mapped, "other")).toBe(mapped);
  });

  it("a missing blob in an existing container is BlobNotFound", async () => {
    const c = clients();
    const container = c.container(uniqueName());
    await container.create();
    const err = await failure(container.getBlockBlobClient("none").download());
    expect(isNotFound(err)).toBe(true);
    expect(errorCodeOf(err)).toBe("BlobNotFound");
    expect(toStorageError(err, "download").message).toMatch(
      /HTTP 404 \(BlobNotFound\): The specified blob does not exist\.$/,
    );
    await container.delete();
  });

  it("conflicts (409) and failed preconditions (412) are told apart", async () => {
    const c = clients();
    const name = uniqueName();
    const t = c.table(name);
    await t.createTable();
    await t.createEntity({ partitionKey: "p", rowKey: "r" });
    const exists = await failure(t.createEntity({ partitionKey: "p", rowKey: "r" }));
    expect(isConflict(exists)).toBe(true);
    expect(errorCodeOf(exists)).toBe("EntityAlreadyExists");
    expect(toStorageError(exists, "insert").message).toBe(
      "storage operation insert failed with HTTP 409 (EntityAlreadyExists): The specified entity already exists.",
    );

    const stale = await failure(
      t.updateEntity({ partitionKey: "p", rowKey: "r", V: 1 }, "Merge", {
        etag: `W/"datetime'2000-01-01T00%3A00%3A00.0000000Z'"`,
      }),
    );
    expect(isPreconditionFailed(stale)).toBe(true);
    expect(errorCodeOf(stale)).toBe("UpdateConditionNotSatisfied");

    const container = c.container(name);
    await container.create();
    const containerExists = await failure(container.create());
    expect(isConflict(containerExists)).toBe(true);
    expect(errorCodeOf(containerExists)).toBe("ContainerAlreadyExists");
    const lease = container.getBlockBlobClient("b");
    await lease.upload("x", 1);
    await lease.getBlobLeaseClient().acquireLease(-1);
    const leased = await failure(lease.getBlobLeaseClient().acquireLease(-1));
    expect(isConflict(leased)).toBe(true);
    expect(errorCodeOf(leased)).toBe("LeaseAlreadyPresent");
    const wrongLease = await failure(
      lease.upload("y", 1, { conditions: { leaseId: "aaaaaaaa-0000-0000-0000-000000000000" } }),
    );
    expect(isPreconditionFailed(wrongLease)).toBe(true);
    expect(errorCodeOf(wrongLease)).toBe("LeaseIdMismatchWithBlobOperation");

    await t.deleteTable();
    await lease.getBlobLeaseClient().breakLease(0);
    await container.delete();
  });

  it("a conditional write that lost to another writer is a write conflict, whether 409 or 412", async () => {
    const c = clients();
    const name = uniqueName();
    const t = c.table(name);
    await t.createTable();
    await t.createEntity({ partitionKey: "p", rowKey: "r" });
    const exists = await failure(t.createEntity({ partitionKey: "p", rowKey: "r" }));
    const stale = await failure(
      t.updateEntity({ partitionKey: "p", rowKey: "r" }, "Replace", {
        etag: `W/"datetime'2000-01-01T00%3A00%3A00.0000000Z'"`,
      }),
    );
    const container = c.container(name);
    await container.create();
    const blob = container.getBlockBlobClient("b");
    await blob.upload("x", 1);
    const blobExists = await failure(blob.upload("y", 1, { conditions: { ifNoneMatch: "*" } }));
    await blob.getBlobLeaseClient().acquireLease(-1);
    const leased = await failure(blob.getBlobLeaseClient().acquireLease(-1));
    const wrongLease = await failure(
      blob.upload("y", 1, { conditions: { leaseId: "aaaaaaaa-0000-0000-0000-000000000000" } }),
    );
    expect([exists, stale, blobExists, leased, wrongLease].map(isWriteConflict)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(isWriteConflict(toStorageError(stale, "update"))).toBe(true);
    const missing = await failure(t.getEntity("p", "none"));
    expect(isWriteConflict(missing)).toBe(false);
    expect(isWriteConflict(new RestError("x", { code: "ECONNRESET" }))).toBe(false);

    await t.deleteTable();
    await blob.getBlobLeaseClient().breakLease(0);
    await container.delete();
  });

  it("a deleted queue message and a stale pop receipt are a message gone; other refusals are not", async () => {
    const queue = clients().queue(uniqueName());
    await queue.create();
    await queue.sendMessage("m");
    const [m] = (await queue.receiveMessages()).receivedMessageItems;
    const { messageId, popReceipt: first } = m!;
    const { popReceipt: second } = await queue.updateMessage(messageId, first, undefined, 0);
    const stale = await failure(queue.deleteMessage(messageId, first));
    const refused = await failure(queue.updateMessage(messageId, second!, undefined, 8 * 24 * 3600));
    await queue.deleteMessage(messageId, second!);
    const deleted = await failure(queue.deleteMessage(messageId, second!));
    expect([stale, deleted, refused].map(isMessageGone)).toEqual([true, true, false]);
    expect([statusOf(stale), statusOf(deleted), statusOf(refused)]).toEqual([400, 404, 400]);
    expect(isMessageGone(toStorageError(stale, "delete"))).toBe(true);
    await queue.delete();
  });

  it("ignoreNotFound answers undefined for a 404 and rethrows anything else", async () => {
    const c = clients();
    const t = c.table(uniqueName());
    await t.createTable();
    await expect(t.deleteEntity("p", "none").catch(ignoreNotFound)).resolves.toBeUndefined();
    await expect(c.queue(uniqueName()).deleteMessage("id", "receipt").catch(ignoreNotFound)).resolves.toBe(
      undefined,
    );
    await t.createEntity({ partitionKey: "p", rowKey: "r" });
    const exists = await failure(t.createEntity({ partitionKey: "p", rowKey: "r" }).catch(ignoreNotFound));
    expect(isConflict(exists)).toBe(true);
    const offline = new RestError("x", { code: "ECONNREFUSED" });
    expect(() => ignoreNotFound(offline)).toThrow(offline);
    await t.deleteTable();
  });
});

describe("isTransient", () => {
  const status = (s: number): RestError => new RestError("x", { statusCode: s });
  it.each([408, 429, 500, 502, 503, 504])("HTTP %i is transient", (s) =>
    expect(isTransient(status(s))).toBe(true),
  );
  it.each([400, 401, 403, 404, 409, 412, 501, 505])("HTTP %i is not", (s) =>
    expect(isTransient(status(s))).toBe(false),
  );
  it.each(["ECONNRESET", "ETIMEDOUT", "ECONNREFUSED", "EPIPE", "REQUEST_SEND_ERROR"])(
    "network error %s is transient",
    (code) => {
      expect(isTransient(new RestError("x", { code }))).toBe(true);
      expect(isTransient(Object.assign(new Error("x"), { code }))).toBe(true);
      expect(isTransient(new Error("wrapped", { cause: Object.assign(new Error("x"), { code }) }))).toBe(
        true,
      );
    },
  );
  it("a timeout abort is transient, a caller's abort and other errors are not", () => {
    expect(isTransient(new DOMException("timed out", "TimeoutError"))).toBe(true);
    expect(isTransient(new DOMException("aborted", "AbortError"))).toBe(false);
    expect(isTransient(new Error("boom"))).toBe(false);
    expect(isTransient(undefined)).toBe(false);
    expect(isTransient(toStorageError(status(503), "x"))).toBe(true);
  });
});

describe("secrets stay out of messages", () => {
  it("redacts keys, SAS signatures and authorization headers from the quoted service message", () => {
    const err = new RestError(
      "failed for https://a.blob.core.windows.net/c?sv=2024&sig=SECRETSIG%3D&se=1 with AccountKey=SECRETKEY==; Authorization: SharedKey a:SECRETHMAC",
      { statusCode: 500 },
    );
    const mapped = toStorageError(err, "put");
    for (const secret of ["SECRETSIG", "SECRETKEY", "SECRETHMAC"])
      expect(mapped.message).not.toContain(secret);
    expect(mapped.message).toContain("sig=<redacted>");
    expect(redactSecrets("Bearer eyJhbGciOi.x.y")).toBe("Bearer <redacted>");
  });
});

describe("the service's message", () => {
  it("is the <Message> of an XML error body the SDK left as the error's message (the tables SDK on a 403)", () => {
    const body =
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Error>\n  <Code>AuthenticationFailed</Code>\n' +
      "  <Message>Server failed to authenticate the request.\nRequestId:1</Message>\n</Error>";
    const mapped = toStorageError(new RestError(body, { statusCode: 403 }), "create table T");
    expect(mapped.message).toBe(
      "storage operation create table T failed with HTTP 403: Server failed to authenticate the request.",
    );
  });
});
