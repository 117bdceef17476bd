/**
 * Large payloads in `<hub>-largemessages`: gzipped UTF-8 text in block blobs (thresholds and blob names in
 * docs/storage-layout.md#large-payloads).
 * Invariant: a blob is never overwritten (every write uses a fresh name and If-None-Match: *), and it is
 * deleted only by purge or hub deletion, after the rows that referenced it are gone.
 */
import { randomInt } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import type { ContainerClient } from "@azure/storage-blob";
import type { OperationOptions } from "@taskhub/core";
import { ignoreNotFound, isNotFound } from "../storage/errors.js";

/** Envelopes larger than this many UTF-8 bytes go to a blob (DTF `MaxStorageQueuePayloadSizeInBytes`). */
export const MAX_QUEUE_MESSAGE_BYTES = 45 * 1024;
/** Table properties larger than this many UTF-16 bytes go to a blob (DTF `MaxTablePropertySizeInBytes`). */
export const MAX_TABLE_PROPERTY_BYTES = 60 * 1024;

export function utf16ByteLength(text: string): number {
  return text.length * 2;
}

/** `<targetInstanceId>/message-<activityId, 32 hex>-<EventType>.json.gz` (raw instance id). */
export function messageBlobName(instanceId: string, activityId: string, eventType: string): string {
  return `${instanceId}/message-${activityId.replaceAll("-", "")}-${eventType}.json.gz`;
}

/**
 * `<sanitized PartitionKey>/history-<RowKey>-<EventType>-<random uint32, 8 upper hex>-<Prop>.json.gz`, DT.AS's
 * name for a large table property (the random part keeps two writers of one row from sharing a blob).
 */
export function historyPropertyBlobName(
  partitionKey: string,
  rowKey: string,
  eventType: string,
  property: string,
): string {
  const suffix = randomInt(0, 2 ** 32 - 1)
    .toString(16)
    .toUpperCase()
    .padStart(8, "0");
  return `${partitionKey}/history-${rowKey}-${eventType}-${suffix}-${property}.json.gz`;
}

/**
 * DT.AS's name for a large property of the Instances row itself (a Pending row's input that fits a queue
 * message but not a column, a termination reason of an instance that never started): the same rule applied
 * to a row whose RowKey is empty and which has no EventType, so the property name stands in for it,
 * `<sanitized PartitionKey>/history--Input-<random>-Input.json.gz`.
 */
export function instancePropertyBlobName(partitionKey: string, property: "Input" | "Output"): string {
  return historyPropertyBlobName(partitionKey, "", property, property);
}

export class LargePayloadStore {
  private ensured = false;

  constructor(readonly container: ContainerClient) {}

  /** Creates the container on first use (DTF creates it lazily too). */
  async ensureContainer(): Promise<void> {
    if (this.ensured) return;
    await this.container.createIfNotExists();
    this.ensured = true;
  }

  async upload(blobName: string, text: string, options: OperationOptions = {}): Promise<void> {
    await this.ensureContainer();
    const body = gzipSync(Buffer.from(text, "utf8"));
    await this.container
      .getBlockBlobClient(blobName)
      .uploadData(body, { conditions: { ifNoneMatch: "*" }, abortSignal: options.abortSignal });
  }

  /** One GET (downloadToBuffer would first ask for the size with a HEAD). */
  async download(blobName: string, options: OperationOptions = {}): Promise<string> {
    const res = await this.container
      .getBlockBlobClient(blobName)
      .download(undefined, undefined, { abortSignal: options.abortSignal });
    const chunks: Buffer[] = [];
    for await (const chunk of res.readableStreamBody as AsyncIterable<Buffer | string>)
      chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    return gunzipSync(Buffer.concat(chunks)).toString("utf8");
  }

  /** `<container URL>/<each path segment URI-escaped>` (DTF `GetBlobUrl`). */
  urlOf(blobName: string): string {
    // Without the query: a container reached with a SAS has it in its URL, and the SAS must not be written
    // into table rows and messages.
    const base = new URL(this.container.url);
    base.search = "";
    return `${base.toString().replace(/\/+$/, "")}/${blobName.split("/").map(encodeURIComponent).join("/")}`;
  }

  /** The blob name if `value` is a URL into this container, else undefined. */
  blobNameFromUrl(value: string): string | undefined {
    // By path, not by the whole URL: a worker that reached storage under another host name or port (a proxy,
    // `localhost` vs `127.0.0.1`, a private endpoint) wrote the same blob under a URL this client would not
    // produce, and must still be read.
    if (!/^https?:\/\//i.test(value)) return undefined;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return undefined; // looks like a URL but is not one: a plain value
    }
    const prefix = `${new URL(this.container.url).pathname.replace(/\/+$/, "")}/`;
    if (!url.pathname.startsWith(prefix)) return undefined;
    return url.pathname.slice(prefix.length).split("/").map(decodeURIComponent).join("/");
  }

  /** Delete every blob whose name starts with `prefix` (DTF's purge quirk: no trailing slash). */
  async deleteByPrefix(prefix: string, options: OperationOptions = {}): Promise<number> {
    const { abortSignal } = options;
    let n = 0;
    try {
      for await (const b of this.container.listBlobsFlat({ prefix, abortSignal })) {
        await this.container
          .deleteBlob(b.name, { deleteSnapshots: "include", abortSignal })
          .catch(ignoreNotFound);
        n++;
      }
    } catch (err) {
      if (isNotFound(err)) return n; // no container: nothing to delete
      throw err;
    }
    return n;
  }
}
