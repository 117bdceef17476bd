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
 * - `leases` lists the leases as stored (each intent and ownership blob with its epoch, each Partitions row): the
 *   CLI's `partitions` verb prints them.
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

/** A blob lease as stored: the `intent/<queue>` or `ownership/<queue>` blob's content and its lease state. */
export interface BlobLeaseRecord {
  manager: "blob";
  partition: string;
  lease: "intent" | "ownership";
  /** The blob's Owner: the last owner, also after the lease ended. */
  owner: string | null;
  /** The blob's lease state as Azure reports it. */
  leaseState?: string;
  epoch: number;
}

/** A table lease as stored: the partition's `<hub>Partitions` row. */
export interface TableLeaseRecord {
  manager: "table";
  partition: string;
  /** CurrentOwner: the last owner, also after ExpiresAt. */
  owner: string | null;
  nextOwner: string | null;
  expiresAt: string | null;
  draining: boolean;
  /** The row's Timestamp: its last renewal. */
  renewedAt?: string;
}

export type LeaseRecord = BlobLeaseRecord | TableLeaseRecord;

export interface HubView {
  taskHub: string;
  partitionCount: number;
  partitions: PartitionView[];
  workItemQueue: QueueView;
  workers: WorkerView[];
  /** Each partition's intent and ownership blobs (in partition order), then every Partitions table row. */
  leases: LeaseRecord[];
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

const asString = (v: unknown): string | null => (typeof v === "string" ? v : null);

/** Every row of the Partitions table; none when it does not exist (no table-lease worker has run). */
async function tableLeaseRecords(service: AzureStorageOrchestrationService): Promise<TableLeaseRecord[]> {
  const rows: TableLeaseRecord[] = [];
  try {
    for await (const e of service.clients
      .table(service.names.partitionsTable)
      .listEntities<Record<string, unknown>>()) {
      rows.push({
        manager: "table",
        partition: String(e.rowKey),
        owner: asString(e.CurrentOwner),
        nextOwner: asString(e.NextOwner),
        expiresAt: e.ExpiresAt instanceof Date ? e.ExpiresAt.toISOString() : asString(e.ExpiresAt),
        draining: e.IsDraining === true,
        ...(typeof e.timestamp === "string" ? { renewedAt: new Date(e.timestamp).toISOString() } : {}),
      });
    }
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return rows;
}

function tableLease(r: TableLeaseRecord, now: Date): LeaseRow {
  const expires = r.expiresAt ? new Date(r.expiresAt) : undefined;
  const owner = r.owner || null;
  const live = owner !== null && expires !== undefined && expires > now;
  return {
    manager: "table",
    owner: live ? owner : null,
    leaseState: live ? "leased" : owner ? "expired" : "available",
    ...(expires && !Number.isNaN(expires.getTime()) ? { leaseExpiresAt: expires.toISOString() } : {}),
    nextOwner: r.nextOwner || null,
    draining: r.draining,
    ...(r.renewedAt ? { renewedAt: r.renewedAt } : {}),
  };
}

async function blobLeaseRecord(
  service: AzureStorageOrchestrationService,
  queue: string,
  lease: BlobLeaseRecord["lease"],
): Promise<BlobLeaseRecord | undefined> {
  const blob = await readJsonBlob(service, `${lease}/${queue}`);
  if (!blob) return undefined;
  return {
    manager: "blob",
    partition: queue,
    lease,
    owner: asString(blob.content.Owner),
    ...(blob.res.leaseState ? { leaseState: blob.res.leaseState } : {}),
    epoch: Number(blob.content.Epoch),
  };
}

function blobLease(
  ownership: BlobLeaseRecord | undefined,
  intent: BlobLeaseRecord | undefined,
): LeaseRow | undefined {
  if (!ownership) return undefined;
  const leaseState = ownership.leaseState ?? "available";
  return {
    manager: "blob",
    owner: leaseState === "leased" ? ownership.owner : null,
    leaseState,
    nextOwner: intent?.leaseState === "leased" ? intent.owner : null,
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
  const tableRecords = await tableLeaseRecords(service);
  const table = new Map(tableRecords.map((r) => [r.partition, tableLease(r, now)]));
  const partitionCount = await partitionCountOf(service, table.size);
  const queues = Array.from({ length: partitionCount }, (_, i) => controlQueueName(hub, i));
  const read = await Promise.all(
    queues.map(async (queue): Promise<{ view: PartitionView; blobs: BlobLeaseRecord[] }> => {
      const [intent, ownership, q] = await Promise.all([
        blobLeaseRecord(service, queue, "intent"),
        blobLeaseRecord(service, queue, "ownership"),
        queueView(service, queue, now),
      ]);
      const blob = blobLease(ownership, intent);
      const row = table.get(queue);
      const lease = blob?.owner ? blob : row?.owner ? row : (row ?? blob);
      const view: PartitionView = {
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
      return { view, blobs: [intent, ownership].filter((r) => r !== undefined) };
    }),
  );
  const partitions = read.map((r) => r.view);
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
    leases: [...read.flatMap((r) => r.blobs), ...tableRecords],
  };
}
