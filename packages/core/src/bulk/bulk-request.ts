/**
 * What a bulk operation is asked to do: a verb, the `InstanceFilter` choosing its targets, and the verb's
 * arguments. `validateBulkRequest` refuses a request that cannot run, before anything starts; the request
 * travels as the bulk orchestration's input (JSON), so its filter's times travel as ISO strings
 * (`toBulkInput` / `filterFromBulkInput`).
 */
import { InvalidArgumentError } from "../errors/errors.js";
import { isTerminalStatus, TERMINAL_STATUSES } from "../history/events.js";
import type { InstanceFilter } from "../backend/service.js";
import { validateInstanceFilter } from "../backend/instance-filter.js";

/** The reserved name of the built-in bulk orchestration every worker registers. */
export const BULK_ORCHESTRATION = "taskhub:bulk";
/** The built-in activity reading one page of targets. */
export const BULK_PAGE_ACTIVITY = "taskhub:bulk:page";
/** The built-in activity acting on one target. */
export const BULK_ACT_ACTIVITY = "taskhub:bulk:act";

export const BULK_VERBS = [
  "terminate",
  "suspend",
  "resume",
  "raise-event",
  "rewind",
  "restart",
  "purge",
] as const;
export type BulkVerb = (typeof BULK_VERBS)[number];

/** At most this many per-target errors are kept in the progress (the count of failures is always exact). */
export const MAX_REPORTED_ERRORS = 20;
/** Pages read per generation before the bulk orchestration continues as new (keeps its history short). */
export const PAGES_PER_GENERATION = 10;

export interface BulkOperationRequest {
  verb: BulkVerb;
  /** The targets: every orchestration instance matching it (never a bulk operation itself). */
  filter: InstanceFilter;
  /** An empty filter takes every instance of the hub: refused unless `all` is true. */
  all?: boolean;
  /** raise-event: the event's name (required) and data. */
  eventName?: string;
  eventData?: unknown;
  /** terminate: the termination output; suspend, resume, rewind: the reason recorded. */
  reason?: string;
  /** Page through the targets and count them, acting on none. */
  dryRun?: boolean;
  /** Targets read per page, acted on together (1 to 1000, default 100). */
  pageSize?: number;
  /** A durable pause between pages (default 0): spreads a large operation's load over time. */
  pageDelayMs?: number;
}

/** The bulk orchestration's input: the request with the filter's times as ISO strings. */
export interface BulkInput extends Omit<BulkOperationRequest, "filter"> {
  filter: Record<string, unknown>;
}

const FILTER_KEYS = [
  "createdFrom",
  "createdTo",
  "lastUpdatedFrom",
  "lastUpdatedTo",
  "statuses",
  "names",
  "instanceIdPrefix",
  "customStatusContains",
] as const;
const DATE_KEYS = new Set(["createdFrom", "createdTo", "lastUpdatedFrom", "lastUpdatedTo"]);

/** The filter's conditions only (no paging or other keys), times as Dates. */
export function filterFromBulkInput(raw: Record<string, unknown>): InstanceFilter {
  const f: Record<string, unknown> = {};
  for (const k of FILTER_KEYS) {
    const v = raw[k];
    if (v === undefined || v === null) continue;
    f[k] = DATE_KEYS.has(k) && typeof v === "string" ? new Date(v) : v;
  }
  return f as InstanceFilter;
}

/** True when the filter sets no condition (it would take every instance). */
export function isEmptyFilter(f: InstanceFilter): boolean {
  return FILTER_KEYS.every((k) => {
    const v = f[k];
    return v === undefined || (Array.isArray(v) && v.length === 0);
  });
}

/**
 * Throws `InvalidArgument` for a request that cannot run: an unknown verb, raise-event without an event name,
 * a malformed filter, an empty filter without `all`, purge of statuses that are not finished, a page size
 * outside 1..1000, a negative page delay.
 */
export function validateBulkRequest(r: BulkOperationRequest): void {
  if (typeof r !== "object" || r === null) throw new InvalidArgumentError("a bulk request must be an object");
  if (!BULK_VERBS.includes(r.verb))
    throw new InvalidArgumentError(
      `unknown bulk verb ${JSON.stringify(r.verb)} (one of ${BULK_VERBS.join(", ")})`,
    );
  if (typeof r.filter !== "object" || r.filter === null)
    throw new InvalidArgumentError("a bulk request needs a filter (an object)");
  validateInstanceFilter(r.filter);
  if (isEmptyFilter(r.filter) && r.all !== true)
    throw new InvalidArgumentError(
      "the filter is empty: it would take every instance of the task hub; give a condition, or all: true (--all)",
    );
  if (r.verb === "raise-event" && (typeof r.eventName !== "string" || r.eventName.length === 0))
    throw new InvalidArgumentError("raise-event needs an event name");
  if (r.verb !== "raise-event" && (r.eventName !== undefined || r.eventData !== undefined))
    throw new InvalidArgumentError(`an event name or data is for raise-event, not ${r.verb}`);
  if (r.reason !== undefined && typeof r.reason !== "string")
    throw new InvalidArgumentError("reason must be a string");
  if (r.verb === "purge") {
    const notFinished = (r.filter.statuses ?? []).filter((s) => !isTerminalStatus(s));
    if (notFinished.length > 0)
      throw new InvalidArgumentError(
        `only finished instances can be purged; statuses takes ${TERMINAL_STATUSES.join(", ")}, got ${notFinished.join(", ")}`,
      );
  }
  if (r.pageSize !== undefined && !(Number.isInteger(r.pageSize) && r.pageSize >= 1 && r.pageSize <= 1000))
    throw new InvalidArgumentError(`pageSize must be an integer from 1 to 1000, got ${String(r.pageSize)}`);
  if (r.pageDelayMs !== undefined && !(Number.isFinite(r.pageDelayMs) && r.pageDelayMs >= 0))
    throw new InvalidArgumentError(`pageDelayMs must be 0 or more, got ${String(r.pageDelayMs)}`);
}

/** The request as the orchestration's JSON input. */
export function toBulkInput(r: BulkOperationRequest): BulkInput {
  const filter: Record<string, unknown> = {};
  for (const k of FILTER_KEYS) {
    const v = r.filter[k];
    if (v !== undefined) filter[k] = v instanceof Date ? v.toISOString() : v;
  }
  return { ...r, filter };
}
