/**
 * The instance list's query (filters, sort, page size) and its URL form: a filter is a URL, so the same list can
 * be bookmarked, shared and reloaded. `parseListQuery` reads the query string of the dashboard's `#/instances?...`
 * route (unknown statuses, bad dates and bad sorts are dropped, never thrown), `formatListQuery` writes it back in
 * a canonical order without defaults, and `managementApiQuery` makes the management API's query (`GET /instances`
 * and `GET /instanceCounts` take the same filters).
 */
import { INSTANCE_FILTER_TEXT_PARAMS } from "@taskhub/core/management";
import { isRuntimeStatus, RUNTIME_STATUSES, type RuntimeStatus } from "./runtime-status.js";

export const SORT_COLUMNS = [
  "instanceId",
  "name",
  "runtimeStatus",
  "createdTime",
  "lastUpdatedTime",
] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];
export type SortDirection = "asc" | "desc";

export interface InstanceFilter {
  runtimeStatus: RuntimeStatus[];
  name: string;
  instanceIdPrefix: string;
  /** ISO-8601 instants, or "" for no bound. */
  createdTimeFrom: string;
  createdTimeTo: string;
  lastUpdatedTimeFrom: string;
  lastUpdatedTimeTo: string;
  customStatusContains: string;
}

export interface ListQuery extends InstanceFilter {
  sort: SortColumn;
  direction: SortDirection;
  pageSize: number;
}

export const DEFAULT_PAGE_SIZE = 50;
export const PAGE_SIZES = [20, 50, 100, 200] as const;

export function emptyListQuery(): ListQuery {
  return {
    runtimeStatus: [],
    name: "",
    instanceIdPrefix: "",
    createdTimeFrom: "",
    createdTimeTo: "",
    lastUpdatedTimeFrom: "",
    lastUpdatedTimeTo: "",
    customStatusContains: "",
    sort: "createdTime",
    direction: "desc",
    pageSize: DEFAULT_PAGE_SIZE,
  };
}

function isoOrEmpty(v: string | null): string {
  if (!v) return "";
  const t = Date.parse(v);
  return Number.isNaN(t) ? "" : new Date(t).toISOString();
}

export function parseListQuery(search: string | URLSearchParams): ListQuery {
  const p = typeof search === "string" ? new URLSearchParams(search.replace(/^\?/, "")) : search;
  const q = emptyListQuery();
  const statuses = p
    .getAll("runtimeStatus")
    .flatMap((v) => v.split(","))
    .map((s) => s.trim())
    .filter((s): s is RuntimeStatus => isRuntimeStatus(s));
  // Canonical order (the order of RUNTIME_STATUSES), each once.
  q.runtimeStatus = RUNTIME_STATUSES.filter((s) => statuses.includes(s));
  q.name = p.get("name") ?? "";
  q.instanceIdPrefix = p.get("instanceIdPrefix") ?? "";
  q.createdTimeFrom = isoOrEmpty(p.get("createdTimeFrom"));
  q.createdTimeTo = isoOrEmpty(p.get("createdTimeTo"));
  q.lastUpdatedTimeFrom = isoOrEmpty(p.get("lastUpdatedTimeFrom"));
  q.lastUpdatedTimeTo = isoOrEmpty(p.get("lastUpdatedTimeTo"));
  q.customStatusContains = p.get("customStatusContains") ?? "";
  const sort = p.get("sort");
  if (sort) {
    const [column, direction] = sort.split(":");
    if ((SORT_COLUMNS as readonly string[]).includes(column ?? "")) q.sort = column as SortColumn;
    if (direction === "asc" || direction === "desc") q.direction = direction;
  }
  const size = Number(p.get("pageSize"));
  if ((PAGE_SIZES as readonly number[]).includes(size)) q.pageSize = size;
  return q;
}

/** The filters other than the statuses, in their order in both queries (the page's URL, the management API's). */
export const TEXT_FILTERS = INSTANCE_FILTER_TEXT_PARAMS satisfies readonly (keyof InstanceFilter)[];

/** Each text filter that is set, as it is. */
function setTextFilters(p: URLSearchParams, f: InstanceFilter): void {
  for (const k of TEXT_FILTERS) if (f[k]) p.set(k, f[k]);
}

/** The query string (without "?") of a list query: only what differs from the defaults, in a fixed order. */
export function formatListQuery(q: ListQuery): string {
  const d = emptyListQuery();
  const p = new URLSearchParams();
  if (q.runtimeStatus.length > 0)
    p.set("runtimeStatus", RUNTIME_STATUSES.filter((s) => q.runtimeStatus.includes(s)).join(","));
  setTextFilters(p, q);
  if (q.sort !== d.sort || q.direction !== d.direction) p.set("sort", `${q.sort}:${q.direction}`);
  if (q.pageSize !== d.pageSize) p.set("pageSize", String(q.pageSize));
  return p.toString();
}

/** The management API's query for `GET /instances` (with `top`) and `GET /instanceCounts` (without). */
export function managementApiQuery(f: InstanceFilter, top?: number): URLSearchParams {
  const p = new URLSearchParams();
  if (f.runtimeStatus.length > 0) p.set("runtimeStatus", f.runtimeStatus.join(","));
  setTextFilters(p, f);
  if (top !== undefined) p.set("top", String(top));
  return p;
}

/** An ISO instant as the value of an `<input type="datetime-local">` (local time, minutes), or "". */
export function toLocalInput(iso: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The value of an `<input type="datetime-local">` (local time) as an ISO instant, or "" when empty or invalid. */
export function fromLocalInput(value: string): string {
  if (!value) return "";
  const d = new Date(value); // a date-time without an offset is local time
  return Number.isNaN(d.getTime()) ? "" : d.toISOString();
}

/** Sorts the rows loaded so far (the management API returns them in its own order). */
export function sortRows<T extends Record<SortColumn, string>>(
  rows: readonly T[],
  column: SortColumn,
  direction: SortDirection,
): T[] {
  const sign = direction === "asc" ? 1 : -1;
  return [...rows].sort(
    (a, b) => sign * a[column].localeCompare(b[column]) || a.instanceId.localeCompare(b.instanceId),
  );
}
