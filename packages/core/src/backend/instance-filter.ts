/**
 * What an `InstanceFilter` means, the same on every backend: `matchesInstanceFilter` is its definition (the
 * in-memory backend applies it as it is; Azure Storage gives the table what the table can filter and applies
 * `customStatusMatches` to the rows), `validateInstanceFilter` refuses a filter that cannot mean anything.
 */
import { InvalidArgumentError } from "../errors/errors.js";
import { OrchestrationStatus, type OrchestrationRuntimeStatus } from "../history/events.js";
import type { InstanceRecord } from "../state/orchestration-state.js";
import type { InstanceCounts, InstanceFilter } from "./service.js";

/** Every runtime status, in DTF's order. */
export const RUNTIME_STATUSES = Object.keys(OrchestrationStatus) as OrchestrationRuntimeStatus[];

/** The runtime status named `text`, in any case; undefined when there is none of that name. */
export function parseRuntimeStatus(text: string): OrchestrationRuntimeStatus | undefined {
  const lower = text.trim().toLowerCase();
  return RUNTIME_STATUSES.find((s) => s.toLowerCase() === lower);
}

/** The custom status's JSON text contains `needle`, ignoring case; no custom status never matches. */
export function customStatusMatches(serializedCustomStatus: string | undefined, needle: string): boolean {
  if (serializedCustomStatus === undefined || serializedCustomStatus === "null") return false;
  return serializedCustomStatus.toLowerCase().includes(needle.toLowerCase());
}

function within(t: Date, from: Date | undefined, to: Date | undefined): boolean {
  return (!from || t.getTime() >= from.getTime()) && (!to || t.getTime() <= to.getTime());
}

/** True when the instance meets every condition of the filter (an empty filter takes everything). */
export function matchesInstanceFilter(r: InstanceRecord, f: InstanceFilter): boolean {
  return (
    within(r.createdAt, f.createdFrom, f.createdTo) &&
    within(r.lastUpdatedAt, f.lastUpdatedFrom, f.lastUpdatedTo) &&
    (!f.statuses?.length || f.statuses.includes(r.runtimeStatus)) &&
    (!f.names?.length || f.names.includes(r.name)) &&
    (!f.instanceIdPrefix || r.instanceId.startsWith(f.instanceIdPrefix)) &&
    (f.customStatusContains === undefined ||
      customStatusMatches(r.serializedCustomStatus, f.customStatusContains)) &&
    (!f.excludeEntities || !r.instanceId.startsWith("@"))
  );
}

function checkDate(d: unknown, name: string): void {
  if (d !== undefined && !(d instanceof Date && !Number.isNaN(d.getTime())))
    throw new InvalidArgumentError(`${name} must be a valid Date, got ${String(d)}`);
}

/**
 * Throws `InvalidArgument` for a filter that is malformed: a time that is not a valid Date, an unknown status, a
 * name or prefix that is not a string, an empty `customStatusContains`. A range that ends before it starts is
 * not malformed: it matches nothing, as in Durable Functions and DT.AS.
 */
export function validateInstanceFilter(f: InstanceFilter): void {
  checkDate(f.createdFrom, "createdFrom");
  checkDate(f.createdTo, "createdTo");
  checkDate(f.lastUpdatedFrom, "lastUpdatedFrom");
  checkDate(f.lastUpdatedTo, "lastUpdatedTo");
  if (f.statuses !== undefined) {
    if (!Array.isArray(f.statuses)) throw new InvalidArgumentError("statuses must be an array of statuses");
    const unknown = f.statuses.filter((s) => !RUNTIME_STATUSES.includes(s));
    if (unknown.length > 0)
      throw new InvalidArgumentError(
        `unknown runtime status ${unknown.map((s) => JSON.stringify(s)).join(", ")} (one of ${RUNTIME_STATUSES.join(", ")})`,
      );
  }
  if (f.names !== undefined) {
    if (!Array.isArray(f.names) || f.names.some((n) => typeof n !== "string" || n.length === 0))
      throw new InvalidArgumentError("names must be an array of non-empty orchestration names");
  }
  if (f.instanceIdPrefix !== undefined && typeof f.instanceIdPrefix !== "string")
    throw new InvalidArgumentError("instanceIdPrefix must be a string");
  if (
    f.customStatusContains !== undefined &&
    (typeof f.customStatusContains !== "string" || f.customStatusContains.length === 0)
  )
    throw new InvalidArgumentError("customStatusContains must be a non-empty string");
}

/** Counts with every status at 0. */
export function emptyInstanceCounts(): InstanceCounts {
  const byStatus = Object.fromEntries(RUNTIME_STATUSES.map((s) => [s, 0])) as Record<
    OrchestrationRuntimeStatus,
    number
  >;
  return { total: 0, byStatus };
}

/** Add one instance of `status` to `counts` (a status unknown to taskhub counts in `total` only). */
export function countInstance(counts: InstanceCounts, status: string): void {
  counts.total++;
  if (status in counts.byStatus) counts.byStatus[status as OrchestrationRuntimeStatus]++;
}
