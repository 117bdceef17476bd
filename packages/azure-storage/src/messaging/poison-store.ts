/**
 * The poison store (taskhub's own; DTF retries such messages forever): a message that still cannot be
 * processed after `maxDequeueCount` deliveries is copied to the `<hub>Poison` table with its queue, id,
 * original body and the reason, then deleted from its queue. `list()` shows them; `replay()` puts one back
 * on its queue with a fresh dequeue count. Nothing is dropped silently. The service offers them as the seam's
 * `PoisonStoreCapability`, as the in-memory backend does.
 *
 * Row: PartitionKey = queue name, RowKey = queue message id; columns Body (String, or BodyGzip as Binary
 * when longer than 30,000 characters), Reason, DequeueCount (Int32), InsertedOn and QuarantinedAt
 * (DateTime), InstanceId and EventType when the body could be read.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import type { TableClient } from "@azure/data-tables";
import type { QueueServiceClient } from "@azure/storage-queue";
import type { QuarantinedMessage } from "@taskhub/core";
import { orEmptyIfMissing } from "../storage/errors.js";
import { rawValue } from "../tracking/history-row.js";

/** The seam's `QuarantinedMessage`: what the `<hub>Poison` table holds. */
export type PoisonMessage = QuarantinedMessage;

export class PoisonStore {
  private ensured = false;
  constructor(
    readonly table: TableClient,
    private readonly queues: QueueServiceClient,
  ) {}

  async ensure(): Promise<void> {
    if (this.ensured) return;
    await this.table.createTable();
    this.ensured = true;
  }

  async add(m: Omit<PoisonMessage, "quarantinedAt">, now: Date): Promise<void> {
    await this.ensure();
    const big = m.body.length > 30_000;
    await this.table.upsertEntity(
      {
        partitionKey: m.queueName,
        rowKey: m.messageId,
        ...(big ? { BodyGzip: new Uint8Array(gzipSync(Buffer.from(m.body, "utf8"))) } : { Body: m.body }),
        Reason: m.reason.slice(0, 30_000),
        DequeueCount: { value: m.dequeueCount, type: "Int32" },
        ...(m.insertedOn ? { InsertedOn: { value: m.insertedOn.toISOString(), type: "DateTime" } } : {}),
        QuarantinedAt: { value: now.toISOString(), type: "DateTime" },
        ...(m.instanceId !== undefined ? { InstanceId: m.instanceId } : {}),
        ...(m.eventType !== undefined ? { EventType: m.eventType } : {}),
      },
      "Replace",
    );
  }

  /** Every quarantined message; none when the table does not exist (reading never creates it). */
  async list(): Promise<PoisonMessage[]> {
    return orEmptyIfMissing(() => this.readAll(), []);
  }

  private async readAll(): Promise<PoisonMessage[]> {
    const out: PoisonMessage[] = [];
    for await (const r of this.table.listEntities<Record<string, unknown>>()) {
      const gz = r.BodyGzip as Uint8Array | undefined;
      const inserted = rawValue(r.InsertedOn);
      out.push({
        queueName: String(r.partitionKey),
        messageId: String(r.rowKey),
        body: gz ? gunzipSync(Buffer.from(gz)).toString("utf8") : String(r.Body ?? ""),
        reason: String(r.Reason ?? ""),
        dequeueCount: Number(r.DequeueCount ?? 0),
        insertedOn: inserted
          ? new Date(String(inserted instanceof Date ? inserted.toISOString() : inserted))
          : undefined,
        quarantinedAt: new Date(
          String(
            (r.QuarantinedAt as Date | string | undefined) instanceof Date
              ? (r.QuarantinedAt as Date).toISOString()
              : r.QuarantinedAt,
          ),
        ),
        instanceId: r.InstanceId === undefined ? undefined : String(r.InstanceId),
        eventType: r.EventType === undefined ? undefined : String(r.EventType),
      });
    }
    return out;
  }

  /** Re-enqueue a quarantined message on its original queue and remove it from the store. */
  async replay(queueName: string, messageId: string): Promise<boolean> {
    const all = await this.list();
    const m = all.find((p) => p.queueName === queueName && p.messageId === messageId);
    if (!m) return false;
    await this.queues.getQueueClient(queueName).sendMessage(m.body, { messageTimeToLive: -1 });
    await this.table.deleteEntity(queueName, messageId);
    return true;
  }
}
