/**
 * The `<hub>Instances` table (columns in docs/storage-layout.md#instances-table): one row per instance id
 * (PartitionKey = sanitized id, RowKey = ""), written by the client at create time (Pending, same ExecutionId
 * and Generation as the start message) and by every checkpoint (Merge after the history). Large Input/Output
 * values are blob URLs. A record's columns are in instance-row.ts; what listings, counts and purges ask the
 * table for (its filter, the rows' own conditions, the columns read) is in instances-filter.ts.
 *
 * DT.AS writes the checkpoint's row with InsertOrMerge and no ETag. taskhub writes it under If-Match of the row
 * version this process last read or wrote (`versions`), so that a write landing late (an attempt the client gave
 * up on and retried, which storage applied seconds afterwards; a worker that lost the instance's partition
 * mid-step) fails with 412 instead of merging an older step over a newer one. The checkpoint decides what a
 * 412 means (`OrchestrationCheckpoint`). Knowing the version costs no request in steady state: the start's
 * dedupe read and every write return it. A read answered after a write of the same row that was answered while
 * the read was in flight (a client's read in the worker's process, served before a checkpoint's write) leaves the
 * version alone: storage may have served it before the write, and its older version would cost the next
 * checkpoint a 412, a sentinel read, a row read and a second write.
 */
import type { TableClient } from "@azure/data-tables";
import {
  countInstance,
  emptyInstanceCounts,
  matchesInstanceFilter,
  maxPageSizeOf,
  type InstanceCounts,
  type InstanceFilter,
  type InstanceQuery,
  type OperationOptions,
  type InstanceRecord,
  type Page,
} from "@taskhub/core";
import { afterPartitionKeyToken, parseInstanceListingToken } from "./continuation-token.js";
import { isNotFound, isWriteConflict } from "../storage/errors.js";
import { escapePartitionKey } from "./key-sanitation.js";
import { columnText, recordColumns, rowToRecord, toInstanceRow, type InstanceRow } from "./instance-row.js";
import { columnsFor, HEADER_COLUMNS, instanceFilter, splitInstanceFilter } from "./instances-filter.js";

/** How many row versions `InstancesTable` remembers (oldest forgotten first; a forgotten one costs one read). */
export const MAX_ROW_VERSIONS_REMEMBERED = 10_000;

/**
 * Rows one page of a `customStatusContains` listing reads at most: a page of a filter that few instances match
 * comes back within a bounded time (with a continuation token) instead of after the whole table.
 */
export const MAX_ROWS_SCANNED_PER_PAGE = 2000;

/** What a checkpoint's conditional write did: written, or refused because the row changed since (409/412). */
export type CheckpointRowWrite = "written" | "changed";

export class InstancesTable {
  /** ETag of each row as this process last read or wrote it, oldest first, with when it learnt it (`learnt`). */
  private readonly versions = new Map<string, { etag: string; at: number }>();
  /** Counts the versions learnt: a read keeps what it learnt only if its row's version was not learnt since it began. */
  private learnt = 0;

  constructor(
    readonly table: TableClient,
    readonly taskHubName: string,
    /** Rows one page of a listing that the table cannot filter wholly reads at most (default 2,000). */
    readonly maxRowsScannedPerPage = MAX_ROWS_SCANNED_PER_PAGE,
  ) {}

  async get(instanceId: string, options: OperationOptions = {}): Promise<InstanceRow | undefined> {
    const began = this.learnt;
    try {
      const row = toInstanceRow(
        await this.table.getEntity<Record<string, unknown>>(escapePartitionKey(instanceId), "", {
          disableTypeConversion: true,
          abortSignal: options.abortSignal,
        }),
      );
      if (!this.learntSince(instanceId, began)) this.remember(instanceId, row.etag);
      return row;
    } catch (err) {
      if (isNotFound(err)) {
        if (!this.learntSince(instanceId, began)) this.versions.delete(instanceId);
        return undefined;
      }
      throw err;
    }
  }

  /** Whether the row's version was learnt (written, or read by a read answered first) after `began`. */
  private learntSince(instanceId: string, began: number): boolean {
    return (this.versions.get(instanceId)?.at ?? Number.NEGATIVE_INFINITY) > began;
  }

  private remember(instanceId: string, etag: string | undefined): void {
    this.versions.delete(instanceId); // re-insert: the map is evicted oldest first
    if (etag === undefined) return;
    this.versions.set(instanceId, { etag, at: ++this.learnt });
    while (this.versions.size > MAX_ROW_VERSIONS_REMEMBERED)
      this.versions.delete(this.versions.keys().next().value!);
  }

  /**
   * A checkpoint's write: Merge under If-Match of the version this process last saw (read first when it has
   * forgotten it), or Insert for the step that started the execution when no version is known (a
   * sub-orchestration's or entity's first step: no row yet). "changed" when the row changed since (the
   * caller decides whether its step is still the newest). A row deleted meanwhile (purged while running) is
   * written again, as InsertOrMerge would.
   */
  async writeCheckpoint(
    r: InstanceRecord,
    io: { input?: string; output?: string },
    startsExecution: boolean,
  ): Promise<CheckpointRowWrite> {
    const entity = {
      partitionKey: escapePartitionKey(r.instanceId),
      rowKey: "",
      ...recordColumns(r, this.taskHubName, io),
    };
    let etag = this.versions.get(r.instanceId)?.etag;
    if (etag === undefined && !startsExecution) etag = (await this.get(r.instanceId))?.etag;
    try {
      const written =
        etag === undefined
          ? await this.table.createEntity(entity)
          : await this.table.updateEntity(entity, "Merge", { etag });
      this.remember(r.instanceId, written.etag);
      return "written";
    } catch (err) {
      if (isWriteConflict(err)) {
        this.versions.delete(r.instanceId);
        return "changed";
      }
      if (!isNotFound(err)) throw err;
      this.remember(r.instanceId, (await this.table.upsertEntity(entity, "Merge")).etag);
      return "written";
    }
  }

  /** Forget a row's version (its instance finished: it is unlikely to be written by this process again). */
  forget(instanceId: string): void {
    this.versions.delete(instanceId);
  }

  /**
   * The client's Pending row: Insert when none existed, else Replace with If-Match of the row read before
   * sending (so old Output/CompletedTime/CustomStatus disappear). 409/412 are ignored, as DTF does.
   */
  async writePending(
    r: InstanceRecord,
    previousEtag: string | undefined,
    io: { input?: string; inputBlobName?: string },
    options: OperationOptions = {},
  ): Promise<void> {
    const { abortSignal } = options;
    const entity = {
      partitionKey: escapePartitionKey(r.instanceId),
      rowKey: "",
      ...recordColumns(r, this.taskHubName, io),
    };
    if (io.inputBlobName) Object.assign(entity, { InputBlobName: io.inputBlobName });
    try {
      const written =
        previousEtag === undefined
          ? await this.table.createEntity(entity, { abortSignal })
          : await this.table.updateEntity(entity, "Replace", { etag: previousEtag, abortSignal });
      this.remember(r.instanceId, written.etag);
    } catch (err) {
      if (!isWriteConflict(err)) throw err;
      this.versions.delete(r.instanceId);
    }
  }

  /** InsertOrMerge, no ETag (DTF's checkpoint write; taskhub uses it to repair a row from history). */
  async upsert(r: InstanceRecord, io: { input?: string; output?: string }): Promise<void> {
    const entity = {
      partitionKey: escapePartitionKey(r.instanceId),
      rowKey: "",
      ...recordColumns(r, this.taskHubName, io),
    };
    this.remember(r.instanceId, (await this.table.upsertEntity(entity, "Merge")).etag);
  }

  /** Merge a few columns (terminate-before-start, rewind → Pending). */
  async merge(
    instanceId: string,
    columns: Record<string, unknown>,
    options: OperationOptions = {},
  ): Promise<void> {
    const written = await this.table.updateEntity(
      { partitionKey: escapePartitionKey(instanceId), rowKey: "", ...columns },
      "Merge",
      { etag: "*", abortSignal: options.abortSignal },
    );
    this.remember(instanceId, written.etag);
  }

  async delete(instanceId: string, options: OperationOptions = {}): Promise<boolean> {
    try {
      this.versions.delete(instanceId);
      await this.table.deleteEntity(escapePartitionKey(instanceId), "", {
        etag: "*",
        abortSignal: options.abortSignal,
      });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /**
   * One page of at most `maxPageSize` rows matching the query (the table service's `$top`); the token is
   * opaque to callers (`InvalidArgument` if no listing returned it). The table filters what it can
   * (`splitInstanceFilter`); when conditions are left for the rows (`customStatusContains`, or conditions
   * past the table's 15 comparisons), rows are read 1,000 at a time (at most `maxRowsScannedPerPage` per page)
   * and filtered here as they arrive: a page then ends when it is full (inside a table page: the token names
   * its last row), when the rows end, or after that many rows, possibly with fewer items, even none.
   */
  async query(
    q: InstanceQuery,
    continuationToken?: string,
    options: OperationOptions = {},
  ): Promise<Page<InstanceRow>> {
    const pageSize = maxPageSizeOf(q);
    const position = continuationToken ? parseInstanceListingToken(continuationToken) : undefined;
    const after = position && "afterPartitionKey" in position ? position.afterPartitionKey : undefined;
    let tableToken = position && "tableToken" in position ? position.tableToken : undefined;
    const { table, rows: local } = splitInstanceFilter(q, after !== undefined);
    const filter = instanceFilter(table, after);
    const select: string[] | undefined =
      q.fetchPayloads === false ? [...HEADER_COLUMNS, ...(local ? columnsFor(local) : [])] : undefined;
    if (!local) {
      const page = await this.readPage(filter, select, pageSize, tableToken, options);
      return { items: page.rows.map(toInstanceRow), continuationToken: page.continuationToken };
    }
    const batch = Math.min(1000, this.maxRowsScannedPerPage);
    const items: InstanceRow[] = [];
    let scanned = 0;
    for (;;) {
      const page = await this.readPage(filter, select, batch, tableToken, options);
      for (let i = 0; i < page.rows.length; i++) {
        const row = page.rows[i]!;
        if (!matchesInstanceFilter(rowToRecord(row), local)) continue;
        items.push(toInstanceRow(row));
        if (items.length < pageSize) continue;
        // Full inside the table's page: the next page starts after this row; else where the table's would.
        const inside = i < page.rows.length - 1;
        return {
          items,
          continuationToken: inside
            ? afterPartitionKeyToken(String(row.partitionKey))
            : page.continuationToken,
        };
      }
      scanned += page.rows.length;
      tableToken = page.continuationToken;
      if (!tableToken || scanned >= this.maxRowsScannedPerPage)
        return { items, continuationToken: tableToken };
    }
  }

  /**
   * How many rows match the filter, per runtime status. Reads only `RuntimeStatus`, and the columns of the
   * conditions left for the rows (`CustomStatus` for `customStatusContains`), 1,000 rows a request.
   */
  async countByStatus(f: InstanceFilter, options: OperationOptions = {}): Promise<InstanceCounts> {
    const { table, rows: local } = splitInstanceFilter(f, false);
    const filter = instanceFilter(table);
    const select = ["RuntimeStatus", ...(local ? columnsFor(local) : [])];
    const counts = emptyInstanceCounts();
    let token: string | undefined;
    do {
      const page = await this.readPage(filter, select, 1000, token, options);
      for (const row of page.rows)
        if (!local || matchesInstanceFilter(rowToRecord(row), local))
          countInstance(counts, columnText(row.RuntimeStatus) ?? "Pending");
      token = page.continuationToken;
    } while (token);
    return counts;
  }

  /** One request: at most `top` rows from `tableToken` on. */
  private async readPage(
    filter: string,
    select: string[] | undefined,
    top: number,
    tableToken: string | undefined,
    options: OperationOptions,
  ): Promise<{ rows: Record<string, unknown>[]; continuationToken: string | undefined }> {
    const pages = this.table
      .listEntities<Record<string, unknown>>({
        queryOptions: { filter, ...(select ? { select } : {}) },
        disableTypeConversion: true,
        abortSignal: options.abortSignal,
      })
      .byPage({ maxPageSize: top, continuationToken: tableToken });
    const { value: page } = await pages.next();
    const rows = (page ?? []) as Record<string, unknown>[] & { continuationToken?: string };
    return { rows, continuationToken: rows.continuationToken || undefined };
  }
}
