/**
 * `POST {base}/bulk/{verb}`: start a bulk operation (docs/http-api.md, "Bulk operations"). The body is JSON:
 * the filter under the list route's parameter names, and the verb's arguments:
 *
 *   { "runtimeStatus": ["Running"], "name": ["Order"], "instanceIdPrefix": "order-", "createdTimeFrom": "...",
 *     "createdTimeTo": "...", "lastUpdatedTimeFrom": "...", "lastUpdatedTimeTo": "...",
 *     "customStatusContains": "...", "all": false, "eventName": "...", "eventData": ..., "reason": "...",
 *     "dryRun": false, "pageSize": 100, "pageDelayMs": 0 }
 *
 * 202 with the bulk instance's management URLs (its status route shows the progress); with `dryRun`, 200 with
 * the number of instances it would take (per status) and nothing started. A request that cannot run (unknown
 * verb or key, raise-event without an event name, an empty filter without `all`, a malformed value) is a 400
 * and starts nothing. Framework-independent: `handleBulkRequest` takes the verb and the parsed body and returns
 * the status, body and headers to send.
 */
import {
  BULK_VERBS,
  parseRuntimeStatus,
  RUNTIME_STATUSES,
  TaskHubError,
  validateBulkRequest,
  type BulkOperationRequest,
  type BulkVerb,
  type InstanceFilter,
  type TaskHubClient,
} from "@taskhub/core";
import {
  createHttpManagementPayload,
  INSTANCE_FILTER_TEXT_PARAMS,
  type ManagementUrlOptions,
} from "@taskhub/core/management";
import type { Hono } from "hono";
import { pathParam } from "./path-segment.js";

export interface BulkRouteResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const FILTER_KEYS = new Set<string>(["runtimeStatus", ...INSTANCE_FILTER_TEXT_PARAMS]);
const OTHER_KEYS = new Set(["all", "eventName", "eventData", "reason", "dryRun", "pageSize", "pageDelayMs"]);

class BadRequest extends Error {}

function strings(v: unknown, key: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  const list = typeof v === "string" ? v.split(",") : v;
  if (!Array.isArray(list) || list.some((s) => typeof s !== "string"))
    throw new BadRequest(`'${key}' must be a string or an array of strings`);
  const out = (list as string[]).map((s) => s.trim()).filter(Boolean);
  return out.length > 0 ? out : undefined;
}

function date(v: unknown, key: string): Date | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const d = typeof v === "string" ? new Date(v) : undefined;
  if (!d || Number.isNaN(d.getTime()))
    throw new BadRequest(`'${key}' is not a valid date: ${JSON.stringify(v)}`);
  return d;
}

/** The request a body asks for; `BadRequest` names what is wrong. */
export function bulkRequestFromBody(verb: string, body: unknown): BulkOperationRequest {
  if (!BULK_VERBS.includes(verb as BulkVerb))
    throw new BadRequest(`unknown bulk verb '${verb}' (one of ${BULK_VERBS.join(", ")})`);
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b !== "object" || Array.isArray(b))
    throw new BadRequest("the body must be a JSON object (the filter and the verb's arguments)");
  const unknown = Object.keys(b).filter((k) => !FILTER_KEYS.has(k) && !OTHER_KEYS.has(k));
  if (unknown.length > 0)
    throw new BadRequest(
      `unknown field ${unknown.map((k) => `'${k}'`).join(", ")} (fields: ${[...FILTER_KEYS, ...OTHER_KEYS].join(", ")})`,
    );
  const statuses = strings(b.runtimeStatus, "runtimeStatus")?.map((s) => {
    const status = parseRuntimeStatus(s);
    if (!status) throw new BadRequest(`unknown runtimeStatus '${s}' (one of ${RUNTIME_STATUSES.join(", ")})`);
    return status;
  });
  // Names are taken whole (a name may hold a comma): several names are an array.
  const names = typeof b.name === "string" ? [b.name] : strings(b.name, "name");
  const filter: InstanceFilter = {
    createdFrom: date(b.createdTimeFrom, "createdTimeFrom"),
    createdTo: date(b.createdTimeTo, "createdTimeTo"),
    lastUpdatedFrom: date(b.lastUpdatedTimeFrom, "lastUpdatedTimeFrom"),
    lastUpdatedTo: date(b.lastUpdatedTimeTo, "lastUpdatedTimeTo"),
    statuses,
    names,
    instanceIdPrefix: (b.instanceIdPrefix as string | undefined) || undefined,
    customStatusContains: (b.customStatusContains as string | undefined) || undefined,
  };
  for (const k of Object.keys(filter) as (keyof InstanceFilter)[])
    if (filter[k] === undefined) delete filter[k];
  for (const k of ["all", "dryRun"])
    if (b[k] !== undefined && typeof b[k] !== "boolean") throw new BadRequest(`'${k}' must be true or false`);
  for (const k of ["pageSize", "pageDelayMs"])
    if (b[k] !== undefined && typeof b[k] !== "number") throw new BadRequest(`'${k}' must be a number`);
  const request: BulkOperationRequest = {
    verb: verb as BulkVerb,
    filter,
    all: b.all as boolean | undefined,
    eventName: b.eventName as string | undefined,
    eventData: b.eventData,
    reason: b.reason as string | undefined,
    dryRun: b.dryRun as boolean | undefined,
    pageSize: b.pageSize as number | undefined,
    pageDelayMs: b.pageDelayMs as number | undefined,
  };
  for (const k of Object.keys(request) as (keyof BulkOperationRequest)[])
    if (request[k] === undefined) delete request[k];
  try {
    validateBulkRequest(request);
  } catch (err) {
    if (err instanceof TaskHubError && err.code === "InvalidArgument") throw new BadRequest(err.message);
    throw err;
  }
  return request;
}

/**
 * Answer `POST /bulk/{verb}` with the parsed JSON body: 400 `{ Message }` for a request that cannot run; with
 * `dryRun`, 200 `{ dryRun, verb, matched, byStatus }`; else 202 with the bulk instance's management URLs
 * (`Location`: its status URL).
 */
export async function handleBulkRequest(
  client: TaskHubClient,
  verb: string,
  body: unknown,
  urls: ManagementUrlOptions,
): Promise<BulkRouteResponse> {
  let request: BulkOperationRequest;
  try {
    request = bulkRequestFromBody(verb, body);
  } catch (err) {
    if (err instanceof BadRequest) return { status: 400, body: { Message: err.message } };
    throw err;
  }
  if (request.dryRun) {
    const counts = await client.countBulkTargets(request.filter);
    return {
      status: 200,
      body: { dryRun: true, verb: request.verb, matched: counts.total, byStatus: counts.byStatus },
    };
  }
  const id = await client.startBulkOperation(request);
  const payload = createHttpManagementPayload(id, urls);
  return {
    status: 202,
    body: payload,
    headers: { location: payload.statusQueryGetUri, "retry-after": "10" },
  };
}

/** Mounts `POST /bulk/{verb}` on the management API's router. */
export function addBulkRoutes(
  app: Hono,
  client: TaskHubClient,
  readJson: (request: Request) => Promise<unknown>,
  urls: (request: Request) => ManagementUrlOptions,
): void {
  app.post("/bulk/:verb", async (c) => {
    const r = await handleBulkRequest(
      client,
      pathParam(c, "verb", "bulk verb"),
      await readJson(c.req.raw),
      urls(c.req.raw),
    );
    return new Response(JSON.stringify(r.body), {
      status: r.status,
      headers: { "content-type": "application/json; charset=utf-8", ...r.headers },
    });
  });
}
