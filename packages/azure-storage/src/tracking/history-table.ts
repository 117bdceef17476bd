/**
 * The `<hub>History` table (docs/storage-layout.md#history-table): read an instance's current execution, and
 * append a checkpoint guarded by the `sentinel` row's ETag (Add on first write, Merge with If-Match after; at
 * most 99 event rows + the sentinel per batch). A 409/412 on the sentinel means another worker wrote the instance:
 * `WorkItemLockLost`, and nothing more of this checkpoint is written.
 */
import type { TableClient, TableEntity, TransactionAction } from "@azure/data-tables";
import { TaskHubError, type HistoryEvent, type OperationOptions } from "@taskhub/core";
import {
  utf16ByteLength,
  historyPropertyBlobName,
  MAX_TABLE_PROPERTY_BYTES,
  type LargePayloadStore,
} from "../payloads/large-payloads.js";
import { escapePartitionKey, odataString, partitionFilter } from "./key-sanitation.js";
import { ignoreNotFound, isNotFound, isWriteConflict, statusOf } from "../storage/errors.js";
import { submitTableBatch } from "../storage/table-batch.js";
import {
  eventToRow,
  historyRowKey,
  rawValue,
  rowToEvent,
  SENTINEL_ROW_KEY,
  VARIABLE_SIZE_COLUMNS,
} from "./history-row.js";

export interface LoadedHistory {
  events: HistoryEvent[];
  /** The sentinel's ETag: the concurrency token of the next checkpoint (undefined: no history yet). */
  etag: string | undefined;
  executionId: string | undefined;
  /** Queue message ids recent checkpoints consumed, with when (ms): their redeliveries are dropped. */
  consumed: Map<string, number>;
}

export interface AppendOptions {
  instanceId: string;
  executionId: string;
  /** Events to write, at row indexes `startIndex`, `startIndex + 1`, ... */
  events: readonly HistoryEvent[];
  startIndex: number;
  etag: string | undefined;
  /** Rows of this execution at indexes >= this are deleted afterwards (history shrank, e.g. rewind). */
  truncateFrom?: number;
  now: Date;
  /** Written to the sentinel with the checkpoint's last batch (see `ConsumedMessages`). */
  consumed?: Map<string, number>;
}

/**
 * taskhub's own sentinel column: a JSON array of `[queue message id, ms]` of the messages recent checkpoints
 * consumed. It is written in the same batch as the checkpoint's last history rows, so a message whose
 * checkpoint committed but whose delete never happened (the worker died in between) is recognised when it
 * is delivered again and not applied twice (an external event would be). DTF ignores the column.
 */
export const CONSUMED_MESSAGES_COLUMN = "ConsumedMessages";

function parseConsumed(value: unknown): Map<string, number> {
  const m = new Map<string, number>();
  if (typeof value !== "string" || value === "") return m;
  try {
    for (const [id, t] of JSON.parse(value) as [string, number][])
      if (typeof id === "string" && typeof t === "number") m.set(id, t);
  } catch {
    /* a malformed column only loses the protection, never the history */
  }
  return m;
}

export interface AppendResult {
  /** The sentinel's ETag after the checkpoint. */
  etag: string;
  /** Per appended event, the columns that went to blobs and their blob names (undefined: none). */
  blobNames: (Record<string, string> | undefined)[];
}

export interface HistoryRowQuery {
  /** Only the rows of this execution. */
  executionId?: string;
  /** Only rows of these event types. */
  eventTypes?: readonly string[];
  /** Only event rows whose index is greater than this (the sentinel excluded). */
  afterIndex?: number;
  /** Read only these columns (RowKey and ExecutionId always) and download no blob. */
  select?: readonly string[];
  /** At most this many event rows. */
  top?: number;
}

export interface HistoryRows {
  /** Event rows in RowKey (= index) order, as stored. */
  rows: Record<string, unknown>[];
  /** The sentinel row, when the query reached it. */
  sentinel: Record<string, unknown> | undefined;
  /** Whether rows beyond `top` exist. */
  more: boolean;
}

const MAX_ROWS_PER_BATCH = 99;
const MAX_BATCH_BYTES = 3 * 1024 * 1024;

export class HistoryTable {
  constructor(
    readonly table: TableClient,
    private readonly payloads: LargePayloadStore,
  ) {}

  /**
   * DT.AS's read (docs/storage-layout.md#reading-a-history): the sentinel's execution, its rows in order up to
   * the first row of another. `expectedExecutionId`: an execution other than the sentinel's reads as empty.
   */
  async read(
    instanceId: string,
    expectedExecutionId?: string,
    options: OperationOptions = {},
  ): Promise<LoadedHistory> {
    const { abortSignal } = options;
    const filter = partitionFilter(instanceId);
    const rows: Record<string, unknown>[] = [];
    for await (const r of this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter },
      disableTypeConversion: true,
      abortSignal,
    }))
      rows.push(r);
    rows.sort((a, b) => (String(a.rowKey) < String(b.rowKey) ? -1 : 1));
    const sentinel = rows.find((r) => r.rowKey === SENTINEL_ROW_KEY);
    const eventRows = rows.filter((r) => r.rowKey !== SENTINEL_ROW_KEY);
    const executionId = (rawValue(sentinel?.ExecutionId) ?? rawValue(eventRows[0]?.ExecutionId)) as
      string | undefined;
    const etag = sentinel?.etag as string | undefined;
    if (expectedExecutionId && executionId && expectedExecutionId !== executionId)
      return {
        events: [],
        etag,
        executionId,
        consumed: parseConsumed(rawValue(sentinel?.[CONSUMED_MESSAGES_COLUMN])),
      };
    const events: HistoryEvent[] = [];
    for (const row of eventRows) {
      if (rawValue(row.ExecutionId) !== executionId) break;
      await this.loadOffloaded(row, abortSignal);
      events.push(rowToEvent(row));
    }
    return {
      events,
      etag,
      executionId,
      consumed: parseConsumed(rawValue(sentinel?.[CONSUMED_MESSAGES_COLUMN])),
    };
  }

  /** Put each offloaded column's blob (`<Col>BlobName`) into its column `<Col>`, one download at a time. */
  private async loadOffloaded(row: Record<string, unknown>, abortSignal?: AbortSignal): Promise<void> {
    for (const [key, value] of Object.entries(row)) {
      if (!key.endsWith("BlobName")) continue;
      const blobName = rawValue(value) as string | undefined;
      if (!blobName) continue;
      row[key.slice(0, -"BlobName".length)] = await this.payloads.download(blobName, { abortSignal });
    }
  }

  /**
   * The instance's raw rows (as stored, `{ value, type }` for typed properties) in RowKey order, for readers that
   * show the layout itself (the dashboard): every execution's rows unless `query.executionId`, the sentinel
   * apart. With `select`, only those columns are read and no blob is downloaded; without it, offloaded columns
   * are downloaded (a few at a time) into their columns. `top`: at most that many rows, `more` saying whether
   * others follow. A hub without the table has no rows.
   */
  async listRows(
    instanceId: string,
    query: HistoryRowQuery = {},
    options: OperationOptions = {},
  ): Promise<HistoryRows> {
    const { abortSignal } = options;
    let filter = partitionFilter(instanceId);
    if (query.afterIndex !== undefined && query.afterIndex >= 0)
      filter += ` and RowKey gt '${historyRowKey(query.afterIndex)}' and RowKey lt '${SENTINEL_ROW_KEY}'`;
    if (query.executionId !== undefined) filter += ` and ExecutionId eq ${odataString(query.executionId)}`;
    if (query.eventTypes?.length)
      filter += ` and (${query.eventTypes.map((t) => `EventType eq ${odataString(t)}`).join(" or ")})`;
    const select = query.select ? [...new Set(["RowKey", "ExecutionId", ...query.select])] : undefined;
    const rows: Record<string, unknown>[] = [];
    let sentinel: Record<string, unknown> | undefined;
    let more = false;
    try {
      for await (const r of this.table.listEntities<Record<string, unknown>>({
        queryOptions: { filter, ...(select ? { select } : {}) },
        disableTypeConversion: true,
        abortSignal,
      })) {
        if (r.rowKey === SENTINEL_ROW_KEY) {
          sentinel = r;
          continue;
        }
        if (query.top !== undefined && rows.length >= query.top) {
          more = true;
          break;
        }
        rows.push(r);
      }
    } catch (err) {
      if (isNotFound(err)) return { rows: [], sentinel: undefined, more: false };
      throw err;
    }
    rows.sort((a, b) => (String(a.rowKey) < String(b.rowKey) ? -1 : 1));
    if (!select) {
      // Up to four rows' blobs at once: a page of large payloads need not be read one by one.
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < rows.length) await this.loadOffloaded(rows[next++]!, abortSignal);
      };
      await Promise.all([lane(), lane(), lane(), lane()]);
    }
    return { rows, sentinel, more };
  }

  /**
   * The instance's current execution as DT.AS reads it: the sentinel's `ExecutionId`, else the first row's
   * (undefined: no history). One or two point reads.
   */
  async currentExecutionId(instanceId: string, options: OperationOptions = {}): Promise<string | undefined> {
    const pk = escapePartitionKey(instanceId);
    for (const rowKey of [SENTINEL_ROW_KEY, historyRowKey(0)]) {
      try {
        const row = await this.table.getEntity<Record<string, unknown>>(pk, rowKey, {
          queryOptions: { select: ["ExecutionId"] },
          abortSignal: options.abortSignal,
        });
        const id = rawValue(row.ExecutionId);
        if (typeof id === "string" && id !== "") return id;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return undefined;
  }

  /**
   * Append a checkpoint; returns the sentinel's new ETag and, per event of `o.events`, the blobs its large
   * columns went to (column → blob name), which the Instances row points at instead of writing them again.
   * Throws `WorkItemLockLost` on 409/412.
   */
  async append(o: AppendOptions): Promise<AppendResult> {
    const pk = escapePartitionKey(o.instanceId);
    const rows: Record<string, unknown>[] = [];
    const blobNames: (Record<string, string> | undefined)[] = [];
    for (let i = 0; i < o.events.length; i++) {
      const rowKey = historyRowKey(o.startIndex + i);
      const e = o.events[i]!;
      const row = eventToRow(e, pk, rowKey, o.executionId);
      let offloaded: Record<string, string> | undefined;
      for (const column of Object.keys(row)) {
        const v = row[column];
        if (
          !VARIABLE_SIZE_COLUMNS.has(column) ||
          typeof v !== "string" ||
          utf16ByteLength(v) <= MAX_TABLE_PROPERTY_BYTES
        )
          continue;
        const blobName = historyPropertyBlobName(pk, rowKey, e.type, column);
        await this.payloads.upload(blobName, v);
        row[column] = "";
        row[`${column}BlobName`] = blobName;
        (offloaded ??= {})[column] = blobName;
      }
      rows.push(row as Record<string, unknown>);
      blobNames.push(offloaded);
    }
    let etag = o.etag;
    let i = 0;
    do {
      const batch: TransactionAction[] = [];
      let bytes = 0;
      while (i < rows.length && batch.length < MAX_ROWS_PER_BATCH) {
        const size =
          1024 +
          [...VARIABLE_SIZE_COLUMNS].reduce(
            (n, c) => n + (typeof rows[i]![c] === "string" ? utf16ByteLength(rows[i]![c] as string) : 0),
            0,
          );
        if (batch.length > 0 && bytes + size > MAX_BATCH_BYTES) break;
        bytes += size;
        batch.push(["upsert", rows[i] as TableEntity, "Replace"]);
        i++;
      }
      const final = i >= rows.length;
      const sentinel = {
        partitionKey: pk,
        rowKey: SENTINEL_ROW_KEY,
        ExecutionId: o.executionId,
        IsCheckpointComplete: final,
        ...(final
          ? { CheckpointCompletedTimestamp: { value: o.now.toISOString(), type: "DateTime" as const } }
          : {}),
        ...(final && o.consumed ? { [CONSUMED_MESSAGES_COLUMN]: JSON.stringify([...o.consumed]) } : {}),
      };
      batch.push(etag === undefined ? ["create", sentinel] : ["update", sentinel, "Merge", { etag }]);
      try {
        const res = await submitTableBatch(this.table, batch);
        // Sub-responses come in operation order; the sentinel is the last operation. (A Merge's
        // sub-response carries no row key, so getResponseForEntity cannot find it.)
        const sub = res.subResponses[batch.length - 1];
        etag = sub?.etag ?? (await this.table.getEntity(pk, SENTINEL_ROW_KEY)).etag;
      } catch (err) {
        if (isWriteConflict(err)) {
          // The client retries a batch whose answer was lost (a 500 or a dropped connection after the service
          // committed it); the retry then fails on the sentinel this very batch changed. That is our commit.
          const committed = final && o.consumed ? await this.sentinelEtagIfWritten(pk, sentinel) : undefined;
          if (committed === undefined)
            throw new TaskHubError(
              "WorkItemLockLost",
              `instance '${o.instanceId}' was checkpointed by another worker (HTTP ${statusOf(err)} on the history sentinel)`,
              { cause: err },
            );
          etag = committed;
        } else throw err;
      }
    } while (i < rows.length);
    if (o.truncateFrom !== undefined) await this.truncate(o.instanceId, o.executionId, o.truncateFrom);
    return { etag: etag!, blobNames };
  }

  /** Whether the sentinel is still at `etag`: no checkpoint was appended after the one that returned it. */
  async sentinelIsAt(instanceId: string, etag: string): Promise<boolean> {
    try {
      const row = await this.table.getEntity(escapePartitionKey(instanceId), SENTINEL_ROW_KEY, {
        queryOptions: { select: ["PartitionKey"] },
      });
      return row.etag === etag;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /**
   * The sentinel's ETag if it holds exactly what `written` (a checkpoint's final sentinel) wrote, else undefined.
   * The consumed-message column names this checkpoint's messages with its time to the millisecond, so no other
   * checkpoint writes the same value.
   */
  private async sentinelEtagIfWritten(
    pk: string,
    written: Record<string, unknown>,
  ): Promise<string | undefined> {
    const row = await this.table.getEntity<Record<string, unknown>>(pk, SENTINEL_ROW_KEY, {
      disableTypeConversion: true,
    });
    const same = (column: string): boolean => rawValue(row[column]) === written[column];
    return same("ExecutionId") &&
      same(CONSUMED_MESSAGES_COLUMN) &&
      String(rawValue(row.IsCheckpointComplete)) === "true"
      ? row.etag
      : undefined;
  }

  /**
   * The blob a column of the execution's (last) event of `eventType` was offloaded to, or undefined when
   * that column is inline. One query; DT.AS looks it up the same way when it repairs an Instances row.
   */
  async blobNameOf(
    instanceId: string,
    executionId: string,
    eventType: string,
    column: string,
  ): Promise<string | undefined> {
    const filter = `${partitionFilter(instanceId)} and ExecutionId eq ${odataString(executionId)} and EventType eq ${odataString(eventType)}`;
    let found: string | undefined;
    for await (const r of this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter, select: [`${column}BlobName`] },
    })) {
      const name = r[`${column}BlobName`];
      found = typeof name === "string" && name !== "" ? name : undefined;
    }
    return found;
  }

  private async truncate(instanceId: string, executionId: string, fromIndex: number): Promise<void> {
    const pk = escapePartitionKey(instanceId);
    const filter = `${partitionFilter(instanceId)} and RowKey ge '${historyRowKey(fromIndex)}' and RowKey lt '${SENTINEL_ROW_KEY}'`;
    for await (const r of this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter, select: ["ExecutionId"] },
    })) {
      if (r.ExecutionId === executionId)
        await this.table.deleteEntity(pk, String(r.rowKey)).catch(ignoreNotFound);
    }
  }

  /** Delete every row of the instance (all executions and the sentinel), in batches of 100. */
  async deleteAll(instanceId: string, options: OperationOptions = {}): Promise<number> {
    const { abortSignal } = options;
    const pk = escapePartitionKey(instanceId);
    const keys: string[] = [];
    for await (const r of this.table.listEntities({
      queryOptions: { filter: partitionFilter(instanceId), select: ["RowKey"] },
      abortSignal,
    }))
      keys.push(String(r.rowKey));
    for (let i = 0; i < keys.length; i += 100) {
      const batch: TransactionAction[] = keys
        .slice(i, i + 100)
        .map((rowKey) => ["delete", { partitionKey: pk, rowKey }]);
      try {
        await submitTableBatch(this.table, batch, { abortSignal });
      } catch (err) {
        // A row deleted meanwhile fails the whole batch: delete the others one by one.
        if (!isNotFound(err)) throw err;
        for (const [, e] of batch)
          await this.table.deleteEntity(pk, e.rowKey, { abortSignal }).catch(ignoreNotFound);
      }
    }
    return keys.length;
  }
}
