/**
 * The task hub as the dashboard shows it: each partition (control queue) with its owner and lease, its queue
 * depth and the age of its oldest message; the work-item queue; the workers seen in the leases. Read only, from
 * the DT.AS layout, so a hub written by DTF reads the same: the partition count from `taskhub.json` in the
 * leases container (else the Partitions table's rows, else the configured count), blob leases
 * (`<hub>-leases/ownership/<queue>` and `intent/<queue>`, content `{"Owner", "Epoch", ...}`) and table leases
 * (`<hub>Partitions` rows: CurrentOwner, NextOwner, ExpiresAt, IsDraining).
 *
 * - A blob lease's owner is reported while the blob is leased (the content keeps the last owner after that);
 *   Azure does not say when a blob lease expires or was last renewed, so those stay unset for blob leases.
 * - A table lease is leased while its ExpiresAt is in the future; its row's Timestamp is its last renewal.
 * - Queue depth is the queue's approximate message count; the oldest message's age comes from peeking the
 *   queue's first visible message (messages being processed are invisible, so it is a lower bound).
 * - Where both lease kinds exist for a partition (a hub that changed its partition manager), the live one wins,
 *   else the table row.
 */
import type { AzureStorageOrchestrationService } from "@taskhub/azure-storage";
import { controlQueueName, isNotFound } from "@taskhub/azure-storage";

export interface PartitionView {
  /** The control queue's name, e.g. `myhub-control-00`. */
  partition: string;
  /** The worker that holds the lease now; null when nobody does. */
  owner: string | null;
  /** `leased`, `available`, `expired`, `broken`, `breaking` (blob leases) or `leased`, `expired`, `available` (table leases). */
  leaseState: string;
  /** Table leases only. */
  leaseExpiresAt?: string;
  /** The worker that wants it next (blob: the intent lease's owner; table: NextOwner). */
  nextOwner?: string | null;
  /** Table leases: the owner is draining it to hand it over. */
  draining?: boolean;
  manager: "blob" | "table" | "none";
  queueDepth: number;
  oldestMessageAgeMs?: number;
}

export interface WorkerView {
  worker: string;
  /** Partitions it owns now. */
  partitions: string[];
  /** The latest renewal of its table leases (unknown for blob leases). */
  lastRenewedAt?: string;
}

export interface QueueView {
  queueName: string;
  queueDepth: number;
  oldestMessageAgeMs?: number;
}

export interface HubView {
  taskHub: string;
  partitionCount: number;
  partitions: PartitionView[];
  workItemQueue: QueueView;
  workers: WorkerView[];
}

interface LeaseRow {
  owner: string | null;
  leaseState: string;
  leaseExpiresAt?: string;
  nextOwner?: string | null;
  draining?: boolean;
  renewedAt?: string;
  manager: "blob" | "table";
}

async function readJsonBlob(service: AzureStorageOrchestrationService, name: string) {
  const blob = service.clients.container(service.names.leasesContainer).getBlobClient(name);
  try {
    const res = await blob.download();
    const chunks: Buffer[] = [];
    for await (const c of res.readableStreamBody as AsyncIterable<Buffer>) chunks.push(c);
    return { content: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>, res };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function tableLeases(
  service: AzureStorageOrchestrationService,
  now: Date,
): Promise<Map<string, LeaseRow>> {
  const rows = new Map<string, LeaseRow>();
  try {
    for await (const e of service.clients
      .table(service.names.partitionsTable)
      .listEntities<Record<string, unknown>>()) {
      const expires =
        e.ExpiresAt instanceof Date ? e.ExpiresAt : e.ExpiresAt ? new Date(String(e.ExpiresAt)) : undefined;
      const owner = typeof e.CurrentOwner === "string" && e.CurrentOwner ? e.CurrentOwner : null;
      const live = owner !== null && expires !== undefined && expires > now;
      rows.set(String(e.rowKey), {
        manager: "table",
        owner: live ? owner : null,
        leaseState: live ? "leased" : owner ? "expired" : "available",
        ...(expires && !Number.isNaN(expires.getTime()) ? { leaseExpiresAt: expires.toISOString() } : {}),
        nextOwner: typeof e.NextOwner === "string" && e.NextOwner ? e.NextOwner : null,
        draining: e.IsDraining === true,
        ...(typeof e.timestamp === "string" ? { renewedAt: new Date(e.timestamp).toISOString() } : {}),
      });
    }
  } catch (err) {
    if (!isNotFound(err)) throw err; // no Partitions table: no table-lease worker has run
  }
  return rows;
}

async function blobLease(
  service: AzureStorageOrchestrationService,
  queue: string,
): Promise<LeaseRow | undefined> {
  const [ownership, intent] = await Promise.all([
    readJsonBlob(service, `ownership/${queue}`),
    readJsonBlob(service, `intent/${queue}`),
  ]);
  if (!ownership) return undefined;
  const leaseState = String(ownership.res.leaseState ?? "available");
  const stored = typeof ownership.content.Owner === "string" ? ownership.content.Owner : null;
  const intended = intent && intent.res.leaseState === "leased" ? intent.content.Owner : null;
  return {
    manager: "blob",
    owner: leaseState === "leased" ? stored : null,
    leaseState,
    nextOwner: typeof intended === "string" ? intended : null,
  };
}

async function queueView(
  service: AzureStorageOrchestrationService,
  queueName: string,
  now: Date,
): Promise<QueueView> {
  const queue = service.clients.queue(queueName);
  try {
    const [props, peeked] = await Promise.all([
      queue.getProperties(),
      queue.peekMessages({ numberOfMessages: 1 }),
    ]);
    const first = peeked.peekedMessageItems[0];
    return {
      queueName,
      queueDepth: props.approximateMessagesCount ?? 0,
      ...(first ? { oldestMessageAgeMs: Math.max(0, now.getTime() - first.insertedOn.getTime()) } : {}),
    };
  } catch (err) {
    if (isNotFound(err)) return { queueName, queueDepth: 0 };
    throw err;
  }
}

/** How many partitions the hub has: `taskhub.json`, else the Partitions table, else the configured count. */
async function partitionCountOf(
  service: AzureStorageOrchestrationService,
  tableRows: number,
): Promise<number> {
  const info = await readJsonBlob(service, "taskhub.json");
  const n = Number(info?.content.PartitionCount);
  if (Number.isInteger(n) && n >= 1 && n <= 16) return n;
  return tableRows > 0 ? tableRows : service.partitionCount;
}

export async function readHubView(
  service: AzureStorageOrchestrationService,
  now = new Date(),
): Promise<HubView> {
  const hub = service.names.hub;
  const table = await tableLeases(service, now);
  const partitionCount = await partitionCountOf(service, table.size);
  const queues = Array.from({ length: partitionCount }, (_, i) => controlQueueName(hub, i));
  const partitions = await Promise.all(
    queues.map(async (queue): Promise<PartitionView> => {
      const [blob, q] = await Promise.all([blobLease(service, queue), queueView(service, queue, now)]);
      const row = table.get(queue);
      const lease = blob?.owner ? blob : row?.owner ? row : (row ?? blob);
      return {
        partition: queue,
        owner: lease?.owner ?? null,
        leaseState: lease?.leaseState ?? "none",
        ...(lease?.leaseExpiresAt ? { leaseExpiresAt: lease.leaseExpiresAt } : {}),
        ...(lease?.nextOwner !== undefined ? { nextOwner: lease.nextOwner } : {}),
        ...(lease?.draining !== undefined ? { draining: lease.draining } : {}),
        manager: lease?.manager ?? "none",
        queueDepth: q.queueDepth,
        ...(q.oldestMessageAgeMs !== undefined ? { oldestMessageAgeMs: q.oldestMessageAgeMs } : {}),
      };
    }),
  );
  const workers = new Map<string, WorkerView>();
  const worker = (name: string): WorkerView => {
    let w = workers.get(name);
    if (!w) workers.set(name, (w = { worker: name, partitions: [] }));
    return w;
  };
  for (const p of partitions) {
    if (p.owner) worker(p.owner).partitions.push(p.partition);
    if (p.nextOwner) worker(p.nextOwner);
  }
  for (const [queue, row] of table) {
    if (!row.owner || !row.renewedAt || !queues.includes(queue)) continue;
    const w = worker(row.owner);
    if (!w.lastRenewedAt || row.renewedAt > w.lastRenewedAt) w.lastRenewedAt = row.renewedAt;
  }
  return {
    taskHub: hub,
    partitionCount,
    partitions,
    workItemQueue: await queueView(service, service.names.workItemQueue, now),
    workers: [...workers.values()].sort((a, b) => a.worker.localeCompare(b.worker)),
  };
}
