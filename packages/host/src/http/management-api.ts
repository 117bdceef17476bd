/**
 * Durable Functions' HTTP management API (docs/http-api.md, routes 1–15, with taskhub's filters on the list and
 * its instance counts) as a web-standard handler:
 * `(Request) => Promise<Response>`, usable from Node's http (see `node-server.ts`), Express or Fastify.
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
import { entityRoutes, type Route } from "./entity-routes.js";
import { bulkRoutes } from "./bulk-routes.js";
import { decodePathSegment } from "./path-segment.js";
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

  function instanceIdOf(raw: string): string {
    const id = decodePathSegment(raw, "instance id");
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

  const routes: Route[] = [
    // 1. start
    [
      "POST",
      /^\/orchestrators\/([^/]+)(?:\/([^/]+))?\/?$/,
      async (request, url, m) => {
        const name = decodePathSegment(m[1]!, "function name");
        const names = o.orchestratorNames ? new Set(o.orchestratorNames()) : undefined;
        if (names && !names.has(name))
          throw new HttpError(400, `the function '${name}' doesn't exist or is not an orchestrator`);
        const instanceId = m[2] ? instanceIdOf(m[2]) : undefined;
        const input = await jsonBody(request);
        let id: string;
        try {
          // `version` (durable-functions 3.2+ `startNew({ version })`): the new instance's orchestration version.
          id = await client.scheduleNewOrchestration(name, input, {
            instanceId,
            version: url.searchParams.get("version") || undefined,
          });
        } catch (err) {
          if (err instanceof TaskHubError && err.code === "OrchestrationAlreadyExists")
            throw new HttpError(500, err.message);
          throw err;
        }
        return startOrWait(request, url, id);
      },
    ],
    // 3. list
    [
      "GET",
      /^\/instances\/?$/,
      async (request, url) => {
        const top = url.searchParams.get("top");
        const pageSize = top ? Number(top) : 100;
        if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)
          throw new HttpError(400, "query parameter 'top' must be an integer from 1 to 1000");
        const showInput = boolParam(url, "showInput", true);
        const list = client.listInstances({
          ...instanceFilterParams(url),
          maxPageSize: pageSize,
          fetchPayloads: true,
        });
        const page = await pageAt(list, request.headers.get("x-ms-continuation-token") || undefined);
        const items = page?.items ?? [];
        const headers: Record<string, string> = page?.continuationToken
          ? { "x-ms-continuation-token": page.continuationToken }
          : {};
        return json(
          items.map((s: OrchestrationState) => toStatusObject(s, { showInput })),
          200,
          headers,
        );
      },
    ],
    // taskhub: counts per status, with the list route's filter
    [
      "GET",
      /^\/instanceCounts\/?$/,
      async (_request, url) => json(await client.countInstancesByStatus(instanceFilterParams(url)), 200),
    ],
    // 2. status
    [
      "GET",
      /^\/instances\/([^/]+)\/?$/,
      async (request, url, m) => {
        const id = instanceIdOf(m[1]!);
        const showHistory = boolParam(url, "showHistory", false);
        const showHistoryOutput = boolParam(url, "showHistoryOutput", false);
        const showInput = boolParam(url, "showInput", true);
        const failAs500 = boolParam(url, "returnInternalServerErrorOnFailure", false);
        const s = await state(id, true);
        const history = showHistory ? await client.getOrchestrationHistory(id) : undefined;
        const body = toStatusObject(s, { showInput, history, showHistoryOutput });
        if (s.runtimeStatus === "Failed") return json(body, failAs500 ? 500 : 200);
        if (isTerminalStatus(s.runtimeStatus)) return json(body, 200);
        return json(body, 202, { location: request.url, "retry-after": "5" });
      },
    ],
    // 4. purge one
    [
      "DELETE",
      /^\/instances\/([^/]+)\/?$/,
      async (_request, _url, m) => {
        const id = instanceIdOf(m[1]!);
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
      },
    ],
    // 5. purge by filter
    [
      "DELETE",
      /^\/instances\/?$/,
      async (_request, url) => {
        const from = dateParam(url, "createdTimeFrom");
        if (!from) throw new HttpError(400, "Please provide value for 'createdTimeFrom' parameter.");
        const r = await client.purgeOrchestration({
          createdFrom: from,
          createdTo: dateParam(url, "createdTimeTo") ?? new Date(),
          statuses: statusesParam(url),
        });
        if (r.deletedInstanceCount === 0) throw new HttpError(404, "no instances matched the filter");
        return json({ instancesDeleted: r.deletedInstanceCount }, 200);
      },
    ],
    // 6. raise event
    [
      "POST",
      /^\/instances\/([^/]+)\/raiseEvent\/([^/]+)\/?$/,
      async (request, _url, m) => {
        const id = instanceIdOf(m[1]!);
        const eventName = decodePathSegment(m[2]!, "event name");
        // The extension checks the instance (404, 410) before the media type and the body (400).
        const s = await state(id);
        if (isTerminalStatus(s.runtimeStatus))
          throw new HttpError(410, `instance '${id}' is ${s.runtimeStatus}`);
        const type = request.headers.get("content-type") ?? "";
        if (!/^application\/json\s*(;|$)/i.test(type))
          throw new HttpError(400, "raiseEvent needs Content-Type: application/json");
        const data = await jsonBody(request);
        await client.raiseEvent(id, eventName, data);
        return new Response(null, { status: 202 });
      },
    ],
    // 7–9. terminate, suspend, resume
    [
      "POST",
      /^\/instances\/([^/]+)\/(terminate|suspend|resume)\/?$/,
      async (_request, url, m) => {
        const id = instanceIdOf(m[1]!);
        const reason = url.searchParams.get("reason") ?? undefined;
        const s = await state(id);
        if (isTerminalStatus(s.runtimeStatus))
          throw new HttpError(410, `instance '${id}' is ${s.runtimeStatus}`);
        if (m[2] === "terminate") await client.terminateOrchestration(id, { output: reason });
        else if (m[2] === "suspend") await client.suspendOrchestration(id, reason);
        else await client.resumeOrchestration(id, reason);
        return new Response(null, { status: 202 });
      },
    ],
    // 10. rewind
    [
      "POST",
      /^\/instances\/([^/]+)\/rewind\/?$/,
      async (_request, url, m) => {
        const id = instanceIdOf(m[1]!);
        const s = await client.getOrchestrationState(id, { fetchPayloads: false });
        if (!s) throw new RewindRefused(404, `No orchestration with instance ID '${id}' found.`);
        // As the extension (and durable-functions 3.x, which maps 412 to its "only failed instances" error).
        if (s.runtimeStatus !== "Failed")
          throw new RewindRefused(
            412,
            `This orchestration has status ${s.runtimeStatus}, but only orchestrations in the "Failed" state can be rewound.`,
          );
        await client.rewindOrchestration(id, url.searchParams.get("reason") ?? undefined);
        return new Response(null, { status: 202 });
      },
    ],
    // 11. restart
    [
      "POST",
      /^\/instances\/([^/]+)\/restart\/?$/,
      async (request, url, m) => {
        const id = instanceIdOf(m[1]!);
        const newId = boolParam(url, "restartWithNewInstanceId", false);
        let restarted: string;
        try {
          restarted = await client.restartOrchestration(id, { newInstanceId: newId });
        } catch (err) {
          if (err instanceof TaskHubError && err.code === "InstanceNotFound")
            throw new HttpError(400, err.message);
          throw err;
        }
        return startOrWait(request, url, restarted);
      },
    ],
    // 12–15. entities
    ...entityRoutes(client, { readBody: (request) => readBody(request, maxBody), json }),
    ...bulkRoutes(client, jsonBody, urls), // taskhub: bulk operations (bulk-routes.ts)
  ];

  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (!url.pathname.startsWith(basePath + "/")) return message(404, "not found");
    if (o.auth !== "disabled") {
      const given = url.searchParams.get("code") ?? request.headers.get("x-functions-key");
      if (!keyMatches(given, o.auth.key))
        return message(401, "a valid key is required (code query parameter or x-functions-key header)");
    }
    const hub = url.searchParams.get("taskHub");
    if (hub && hub.toLowerCase() !== o.taskHubName.toLowerCase())
      return message(400, `this host serves the task hub '${o.taskHubName}' only, not '${hub}'`);
    const path = url.pathname.slice(basePath.length);
    const route = routes.find(([method, re]) => method === request.method && re.test(path));
    if (!route) return message(404, `no route for ${request.method} ${path}`);
    try {
      return await route[2](request, url, path.match(route[1])!);
    } catch (err) {
      if (err instanceof RewindRefused) return json(err.message, err.status);
      if (err instanceof HttpError) return message(err.status, err.message);
      if (err instanceof TaskHubError && (err.code === "InvalidArgument" || err.code === "Serialization"))
        return message(400, err.message);
      if (err instanceof TaskHubError && err.code === "InstanceNotFound") return message(404, err.message);
      return message(500, "Something went wrong while processing your request");
    }
  };
}
