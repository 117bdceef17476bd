/**
 * Durable Functions' HTTP management API (docs/http-api.md, routes 1–15, with taskhub's filters on the list and
 * its instance counts) as a web-standard handler:
 * `(Request) => Promise<Response>`, routed by Hono, usable from Node's http (see `node-server.ts`) or any server
 * that speaks web-standard requests.
 * Every malformed request gets a 400 with a clear message and changes nothing; unknown routes or methods
 * get 404. Every error answer is `{"Message": "..."}`, except rewind's 404 and 412, which are a bare JSON
 * string as the extension sends them (durable-functions 3.x's `DurableClient.rewind` makes that string its
 * error's message). Bodies are JSON on every route (`request-body.ts`). A key (`code` query or `x-functions-key` header, compared in constant time) is required unless
 * `auth: "disabled"` is chosen explicitly (local development, or the keyless loopback RPC listener that the
 * extension gives out-of-process clients: `basePath: LOCAL_RPC_PATH`). A `taskHub` query naming another hub
 * is refused: this handler serves one task hub.
 */
import {
  isTerminalStatus,
  TaskHubError,
  validateInstanceId,
  type OrchestrationState,
  type TaskHubClient,
} from "@taskhub/core";
import {
  createCheckStatusResponse,
  toStatusObject,
  waitForCompletionOrCreateCheckStatusResponse,
  WEBHOOK_PATH,
  type ManagementUrlOptions,
} from "@taskhub/core/management";
import { Hono, type Context } from "hono";
import { addEntityRoutes } from "./entity-routes.js";
import { addBulkRoutes } from "./bulk-routes.js";
import { pathParam, rawParam } from "./path-segment.js";
import { keyMatches, validateApiKey } from "./api-key.js";
import { pageAt } from "./continuation-token.js";
import { HttpError } from "./http-error.js";
import { dateParam, instanceFilterParams, statusesParam } from "./instance-filter-params.js";
import { readBody, readJsonBody } from "./request-body.js";

export interface ManagementApiOptions {
  client: TaskHubClient;
  taskHubName: string;
  connectionName?: string;
  /** `{ key }` to require it, or `"disabled"` for local development without a key. */
  auth: { key: string } | "disabled";
  /** Names of the registered orchestrators: starting any other name is a 400. */
  orchestratorNames?: () => Iterable<string>;
  /** Largest accepted request body (default 1 MiB); larger bodies get 413. */
  maxBodyBytes?: number;
  /**
   * Path the routes are served under: `WEBHOOK_PATH` (default), or `LOCAL_RPC_PATH` for a loopback listener
   * like the extension's local RPC endpoint (`rpcBaseUrl` of the client binding). Links in responses always
   * point at the webhook path, as the extension's do.
   */
  basePath?: string;
}

function json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

function message(status: number, text: string): Response {
  return json({ Message: text }, status);
}

/**
 * Rewind's 404 and 412: a bare JSON string, as the extension answers them, because durable-functions 3.x's
 * `DurableClient.rewind` passes the body to `new Error(...)` (an object would read "[object Object]").
 */
class RewindRefused extends HttpError {}

function boolParam(url: URL, name: string, dflt: boolean): boolean {
  const v = url.searchParams.get(name);
  if (v === null || v === "") return dflt;
  if (/^(true|false)$/i.test(v)) return v.toLowerCase() === "true";
  throw new HttpError(400, `query parameter '${name}' must be true or false`);
}

function secondsParam(url: URL, name: string): number | undefined {
  const v = url.searchParams.get(name);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0)
    throw new HttpError(400, `query parameter '${name}' must be a number of seconds`);
  return n;
}

export function createManagementApi(o: ManagementApiOptions): (request: Request) => Promise<Response> {
  if (o.auth !== "disabled") validateApiKey(o.auth?.key, "the HTTP API key");
  const maxBody = o.maxBodyBytes ?? 1024 * 1024;
  const basePath = (o.basePath ?? WEBHOOK_PATH).replace(/\/+$/, "");
  const client = o.client;

  const urls = (request: Request): ManagementUrlOptions => ({
    origin: new URL(request.url).origin,
    taskHubName: o.taskHubName,
    connectionName: o.connectionName,
    key: o.auth === "disabled" ? undefined : o.auth.key,
  });

  const jsonBody = (request: Request): Promise<unknown> => readJsonBody(request, maxBody);

  async function state(instanceId: string, fetchPayloads = false): Promise<OrchestrationState> {
    const s = await client.getOrchestrationState(instanceId, { fetchPayloads });
    if (!s) throw new HttpError(404, `no instance with id '${instanceId}'`);
    return s;
  }

  function instanceIdOf(c: Context, name = "id"): string {
    const id = pathParam(c, name, "instance id");
    try {
      validateInstanceId(id);
    } catch (err) {
      throw new HttpError(400, (err as Error).message);
    }
    return id;
  }

  async function startOrWait(request: Request, url: URL, instanceId: string): Promise<Response> {
    const timeout = secondsParam(url, "timeout");
    const polling = secondsParam(url, "pollingInterval");
    if (timeout !== undefined && polling !== undefined)
      return waitForCompletionOrCreateCheckStatusResponse(request, client, instanceId, {
        ...urls(request),
        timeoutMs: timeout * 1000,
        retryIntervalMs: Math.min(polling, timeout) * 1000,
        // The extension answers a finished wait with its status route: Failed is 200 unless asked otherwise.
        failedStatus: boolParam(url, "returnInternalServerErrorOnFailure", false) ? 500 : 200,
      });
    return createCheckStatusResponse(request, instanceId, urls(request));
  }

  const app = new Hono({ strict: false }).basePath(basePath);
  // Outside the base path: 404 before any key check. Inside: the key, then the task hub, then the route.
  app.use("*", async (c, next) => {
    const url = new URL(c.req.url);
    if (!url.pathname.startsWith(basePath + "/")) return message(404, "not found");
    if (o.auth !== "disabled") {
      const given = url.searchParams.get("code") ?? c.req.header("x-functions-key") ?? null;
      if (!keyMatches(given, o.auth.key))
        return message(401, "a valid key is required (code query parameter or x-functions-key header)");
    }
    const hub = url.searchParams.get("taskHub");
    if (hub && hub.toLowerCase() !== o.taskHubName.toLowerCase())
      return message(400, `this host serves the task hub '${o.taskHubName}' only, not '${hub}'`);
    await next();
  });
  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    if (!path.startsWith(basePath + "/")) return message(404, "not found");
    return message(404, `no route for ${c.req.method} ${path.slice(basePath.length)}`);
  });
  app.onError((err) => {
    if (err instanceof RewindRefused) return json(err.message, err.status);
    if (err instanceof HttpError) return message(err.status, err.message);
    if (err instanceof TaskHubError && (err.code === "InvalidArgument" || err.code === "Serialization"))
      return message(400, err.message);
    if (err instanceof TaskHubError && err.code === "InstanceNotFound") return message(404, err.message);
    return message(500, "Something went wrong while processing your request");
  });
  const url = (c: Context): URL => new URL(c.req.url);

  // 1. start
  app.post("/orchestrators/:name/:instanceId?", async (c) => {
    const name = pathParam(c, "name", "function name");
    const names = o.orchestratorNames ? new Set(o.orchestratorNames()) : undefined;
    if (names && !names.has(name))
      throw new HttpError(400, `the function '${name}' doesn't exist or is not an orchestrator`);
    const instanceId = rawParam(c, "instanceId") !== undefined ? instanceIdOf(c, "instanceId") : undefined;
    const input = await jsonBody(c.req.raw);
    let id: string;
    try {
      // `version` (durable-functions 3.2+ `startNew({ version })`): the new instance's orchestration version.
      id = await client.scheduleNewOrchestration(name, input, {
        instanceId,
        version: url(c).searchParams.get("version") || undefined,
      });
    } catch (err) {
      if (err instanceof TaskHubError && err.code === "OrchestrationAlreadyExists")
        throw new HttpError(500, err.message);
      throw err;
    }
    return startOrWait(c.req.raw, url(c), id);
  });
  // 3. list
  app.get("/instances", async (c) => {
    const u = url(c);
    const top = u.searchParams.get("top");
    const pageSize = top ? Number(top) : 100;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)
      throw new HttpError(400, "query parameter 'top' must be an integer from 1 to 1000");
    const showInput = boolParam(u, "showInput", true);
    const list = client.listInstances({
      ...instanceFilterParams(u),
      maxPageSize: pageSize,
      fetchPayloads: true,
    });
    const page = await pageAt(list, c.req.header("x-ms-continuation-token") || undefined);
    const items = page?.items ?? [];
    const headers: Record<string, string> = page?.continuationToken
      ? { "x-ms-continuation-token": page.continuationToken }
      : {};
    return json(
      items.map((s: OrchestrationState) => toStatusObject(s, { showInput })),
      200,
      headers,
    );
  });
  // taskhub: counts per status, with the list route's filter
  app.get("/instanceCounts", async (c) =>
    json(await client.countInstancesByStatus(instanceFilterParams(url(c))), 200),
  );
  // 2. status
  app.get("/instances/:id", async (c) => {
    const u = url(c);
    const id = instanceIdOf(c);
    const showHistory = boolParam(u, "showHistory", false);
    const showHistoryOutput = boolParam(u, "showHistoryOutput", false);
    const showInput = boolParam(u, "showInput", true);
    const failAs500 = boolParam(u, "returnInternalServerErrorOnFailure", false);
    const s = await state(id, true);
    const history = showHistory ? await client.getOrchestrationHistory(id) : undefined;
    const body = toStatusObject(s, { showInput, history, showHistoryOutput });
    if (s.runtimeStatus === "Failed") return json(body, failAs500 ? 500 : 200);
    if (isTerminalStatus(s.runtimeStatus)) return json(body, 200);
    return json(body, 202, { location: c.req.url, "retry-after": "5" });
  });
  // 4. purge one
  app.delete("/instances/:id", async (c) => {
    const id = instanceIdOf(c);
    // As the extension: only a finished orchestration can be purged (entity ids, '@…', are exempt).
    if (!id.startsWith("@")) {
      const s = await state(id);
      if (!isTerminalStatus(s.runtimeStatus))
        throw new HttpError(
          412,
          `Only orchestrations in a terminal state can be purged, but the orchestration with instance ID ${id} has status ${s.runtimeStatus}`,
        );
    }
    const r = await client.purgeOrchestration(id);
    if (r.deletedInstanceCount === 0) throw new HttpError(404, `no instance with id '${id}'`);
    return json({ instancesDeleted: r.deletedInstanceCount }, 200);
  });
  // 5. purge by filter
  app.delete("/instances", async (c) => {
    const u = url(c);
    const from = dateParam(u, "createdTimeFrom");
    if (!from) throw new HttpError(400, "Please provide value for 'createdTimeFrom' parameter.");
    const r = await client.purgeOrchestration({
      createdFrom: from,
      createdTo: dateParam(u, "createdTimeTo") ?? new Date(),
      statuses: statusesParam(u),
    });
    if (r.deletedInstanceCount === 0) throw new HttpError(404, "no instances matched the filter");
    return json({ instancesDeleted: r.deletedInstanceCount }, 200);
  });
  // 6. raise event
  app.post("/instances/:id/raiseEvent/:event", async (c) => {
    const id = instanceIdOf(c);
    const eventName = pathParam(c, "event", "event name");
    // The extension checks the instance (404, 410) before the media type and the body (400).
    const s = await state(id);
    if (isTerminalStatus(s.runtimeStatus)) throw new HttpError(410, `instance '${id}' is ${s.runtimeStatus}`);
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/json\s*(;|$)/i.test(type))
      throw new HttpError(400, "raiseEvent needs Content-Type: application/json");
    const data = await jsonBody(c.req.raw);
    await client.raiseEvent(id, eventName, data);
    return new Response(null, { status: 202 });
  });
  // 7–9. terminate, suspend, resume
  app.post("/instances/:id/:action{terminate|suspend|resume}", async (c) => {
    const id = instanceIdOf(c);
    const action = c.req.param("action");
    const reason = url(c).searchParams.get("reason") ?? undefined;
    const s = await state(id);
    if (isTerminalStatus(s.runtimeStatus)) throw new HttpError(410, `instance '${id}' is ${s.runtimeStatus}`);
    if (action === "terminate") await client.terminateOrchestration(id, { output: reason });
    else if (action === "suspend") await client.suspendOrchestration(id, reason);
    else await client.resumeOrchestration(id, reason);
    return new Response(null, { status: 202 });
  });
  // 10. rewind
  app.post("/instances/:id/rewind", async (c) => {
    const id = instanceIdOf(c);
    const s = await client.getOrchestrationState(id, { fetchPayloads: false });
    if (!s) throw new RewindRefused(404, `No orchestration with instance ID '${id}' found.`);
    // As the extension (and durable-functions 3.x, which maps 412 to its "only failed instances" error).
    if (s.runtimeStatus !== "Failed")
      throw new RewindRefused(
        412,
        `This orchestration has status ${s.runtimeStatus}, but only orchestrations in the "Failed" state can be rewound.`,
      );
    await client.rewindOrchestration(id, url(c).searchParams.get("reason") ?? undefined);
    return new Response(null, { status: 202 });
  });
  // 11. restart
  app.post("/instances/:id/restart", async (c) => {
    const u = url(c);
    const id = instanceIdOf(c);
    const newId = boolParam(u, "restartWithNewInstanceId", false);
    let restarted: string;
    try {
      restarted = await client.restartOrchestration(id, { newInstanceId: newId });
    } catch (err) {
      if (err instanceof TaskHubError && err.code === "InstanceNotFound")
        throw new HttpError(400, err.message);
      throw err;
    }
    return startOrWait(c.req.raw, u, restarted);
  });
  // 12–15. entities
  addEntityRoutes(app, client, { readBody: (request) => readBody(request, maxBody), json });
  // taskhub: bulk operations (bulk-routes.ts)
  addBulkRoutes(app, client, jsonBody, urls);

  return async (request: Request): Promise<Response> => app.fetch(request);
}
