/**
 * What an instance listing, count or purge asks the `<hub>Instances` table for (docs/storage-layout.md#queries):
 * the OData filter, as DT.AS builds it with taskhub's conditions added (`instanceFilter`); which conditions the
 * table cannot take and the rows are matched on instead (`splitInstanceFilter`); and the columns a read without
 * payloads selects.
 */
import type { InstanceFilter, PurgeFilter } from "@taskhub/core";
import { escapePartitionKey, odataString } from "./key-sanitation.js";

/** The columns of a listing without payloads: every column but `Input`, `Output` and `CustomStatus`. */
export const HEADER_COLUMNS = [
  "PartitionKey",
  "RowKey",
  "Name",
  "Version",
  "ExecutionId",
  "RuntimeStatus",
  "CreatedTime",
  "LastUpdatedTime",
  "CompletedTime",
  "ScheduledStartTime",
  "Generation",
  "Tags",
  "TaskHubName",
] as const;

/** The columns a row needs for `matchesInstanceFilter` to judge the conditions of `f` left for the rows. */
export function columnsFor(f: InstanceFilter): string[] {
  const cols: string[] = [];
  if (f.names) cols.push("Name");
  if (f.statuses) cols.push("RuntimeStatus");
  if (f.lastUpdatedFrom || f.lastUpdatedTo) cols.push("LastUpdatedTime", "CreatedTime");
  if (f.customStatusContains !== undefined) cols.push("CustomStatus");
  return cols;
}

/** The table service takes at most 15 comparisons in one filter. */
export const MAX_FILTER_COMPARISONS = 15;

/** How many comparisons `instanceFilter(f)` makes (with `resumes`: and one for where it resumes). */
function comparisons(f: InstanceFilter, resumes: boolean): number {
  const count = (d: Date | undefined): number => (d ? 1 : 0);
  return (
    1 +
    count(f.createdFrom) +
    count(f.createdTo) +
    count(f.lastUpdatedFrom) +
    count(f.lastUpdatedTo) +
    (f.statuses?.length ?? 0) +
    (f.names?.length ?? 0) +
    (f.instanceIdPrefix ? 2 : 0) +
    (f.excludeEntities ? 2 : 0) +
    (resumes ? 1 : 0)
  );
}

/**
 * The conditions the Instances table's query takes, and those left for the rows (`undefined` when none): the
 * table has no substring operator (`customStatusContains`), and takes at most 15 comparisons, so names, then
 * statuses, then the last-updated range move to the rows while the filter would have more.
 */
export function splitInstanceFilter(
  f: InstanceFilter,
  resumes: boolean,
): { table: InstanceFilter; rows: InstanceFilter | undefined } {
  const table: InstanceFilter = { ...f, customStatusContains: undefined };
  const rows: InstanceFilter = {};
  if (f.customStatusContains !== undefined) rows.customStatusContains = f.customStatusContains;
  const moves: ((t: InstanceFilter, r: InstanceFilter) => void)[] = [
    (t, r) => {
      r.names = t.names;
      t.names = undefined;
    },
    (t, r) => {
      r.statuses = t.statuses;
      t.statuses = undefined;
    },
    (t, r) => {
      r.lastUpdatedFrom = t.lastUpdatedFrom;
      r.lastUpdatedTo = t.lastUpdatedTo;
      t.lastUpdatedFrom = t.lastUpdatedTo = undefined;
    },
  ];
  for (const move of moves) if (comparisons(table, resumes) > MAX_FILTER_COMPARISONS) move(table, rows);
  return { table, rows: Object.values(rows).some((v) => v !== undefined) ? rows : undefined };
}

const odataDate = (d: Date): string => `datetime'${d.toISOString()}'`;
const anyOf = (column: string, values: readonly string[]): string =>
  values.map((v) => `${column} eq ${odataString(v)}`).join(" or ");

/**
 * OData filter for instance listings, counts and purges, as DT.AS builds it (docs/storage-layout.md#queries),
 * with taskhub's conditions (names, last-updated range) and `afterPartitionKey`, where a listing resumes.
 * `customStatusContains` is not in it: the table has no substring operator (`splitInstanceFilter` decides
 * what is given to it).
 */
export function instanceFilter(q: InstanceFilter & PurgeFilter, afterPartitionKey?: string): string {
  const parts: string[] = ["RowKey eq ''"];
  if (q.createdFrom) parts.push(`CreatedTime ge ${odataDate(q.createdFrom)}`);
  if (q.createdTo) parts.push(`CreatedTime le ${odataDate(q.createdTo)}`);
  if (q.lastUpdatedFrom) parts.push(`LastUpdatedTime ge ${odataDate(q.lastUpdatedFrom)}`);
  if (q.lastUpdatedTo) parts.push(`LastUpdatedTime le ${odataDate(q.lastUpdatedTo)}`);
  if (q.statuses && q.statuses.length > 0) parts.push(anyOf("RuntimeStatus", q.statuses));
  if (q.names && q.names.length > 0) parts.push(anyOf("Name", q.names));
  if (q.instanceIdPrefix) {
    const p = escapePartitionKey(q.instanceIdPrefix);
    const last = p.charCodeAt(p.length - 1);
    const upper = p.slice(0, -1) + String.fromCharCode(last + 1);
    parts.push(`PartitionKey ge ${odataString(p)} and PartitionKey lt ${odataString(upper)}`);
  }
  if (q.excludeEntities) parts.push(`PartitionKey lt '@' or PartitionKey ge 'A'`);
  if (afterPartitionKey !== undefined) parts.push(`PartitionKey gt ${odataString(afterPartitionKey)}`);
  return parts.map((p) => `(${p})`).join(" and ");
}
