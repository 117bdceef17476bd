/**
 * The instance filter of the list and count routes, from the query string: Durable Functions' parameters
 * (`runtimeStatus`, `createdTimeFrom`, `createdTimeTo`, `instanceIdPrefix`) and taskhub's (`name`,
 * `lastUpdatedTimeFrom`, `lastUpdatedTimeTo`, `customStatusContains`). A malformed value is a 400 naming it.
 */
import { parseRuntimeStatus, RUNTIME_STATUSES, type InstanceFilter } from "@taskhub/core";
import { HttpError } from "./http-error.js";

export function dateParam(url: URL, name: string): Date | undefined {
  const v = url.searchParams.get(name);
  if (!v) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime()))
    throw new HttpError(400, `query parameter '${name}' is not a valid date: ${v}`);
  return d;
}

/** `runtimeStatus`, comma-separated and/or repeated, in any case. */
export function statusesParam(url: URL): InstanceFilter["statuses"] {
  const raw = url.searchParams
    .getAll("runtimeStatus")
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  if (raw.length === 0) return undefined;
  return raw.map((v) => {
    const s = parseRuntimeStatus(v);
    if (!s) throw new HttpError(400, `unknown runtimeStatus '${v}' (one of ${RUNTIME_STATUSES.join(", ")})`);
    return s;
  });
}

/** The filter the list and count routes share (empty parameters are left out). */
export function instanceFilterParams(url: URL): Omit<InstanceFilter, "excludeEntities"> {
  // Names are taken whole (a name may hold a comma): several names are several `name` parameters.
  const names = url.searchParams.getAll("name").filter(Boolean);
  return {
    createdFrom: dateParam(url, "createdTimeFrom"),
    createdTo: dateParam(url, "createdTimeTo"),
    lastUpdatedFrom: dateParam(url, "lastUpdatedTimeFrom"),
    lastUpdatedTo: dateParam(url, "lastUpdatedTimeTo"),
    statuses: statusesParam(url),
    names: names.length > 0 ? names : undefined,
    instanceIdPrefix: url.searchParams.get("instanceIdPrefix") || undefined,
    customStatusContains: url.searchParams.get("customStatusContains") || undefined,
  };
}
