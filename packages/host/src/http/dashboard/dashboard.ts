/**
 * The dashboard under `/dashboard/`: its JSON endpoints (`/dashboard/api/...`) and the built front-end's static
 * files (from `@taskhub/dashboard`'s `dist/`, or `assetsDir`). A fetch-style handler that declines (undefined)
 * any path outside `/dashboard`.
 *
 * - Who may use it: clients on this machine (loopback) only, unless `allowRemote`; others get 403. The JSON
 *   endpoints need the management API's key (`code` query parameter or `x-functions-key` header) unless auth
 *   is disabled, as the management API does. The static files (the published package's own files, no data)
 *   are served without the key, so that the page can load and then send the key it was opened with.
 * - Static files: the right Content-Type, `index.html` for client-side routes (a path whose last segment has
 *   no file extension), a plain 404 for a missing file, `no-cache` on `index.html` and long caching for the
 *   hashed files under `assets/`. A Content-Security-Policy allows this origin only: nothing from a CDN.
 * - Without built files: `/dashboard/` answers 404 `{"Message": ...}` saying so; the JSON endpoints still work.
 * - `/api/instances/{id}/history`: the instance's History rows themselves (instance-history.ts), which the
 *   management API's condensed history leaves partly out.
 * - Errors: a bad parameter is a 400, an unknown instance or poison message a 404, each `{"Message": ...}`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import { TaskHubError, validateInstanceId, type TaskHubClient } from "@taskhub/core";
import type { AzureStorageOrchestrationService } from "@taskhub/azure-storage";
import { keyMatches } from "../api-key.js";
import { HttpError } from "../http-error.js";
import { clientAddress, isLoopbackAddress } from "../node-server.js";
import { pathParam } from "../path-segment.js";
import { installedDashboardAssetsDir } from "./assets-dir.js";
import { readHubView } from "./hub-view.js";
import { listInstanceBlobs } from "./instance-blobs.js";
import { parseHistoryQuery, readHistoryPage, readHistorySkeleton } from "./instance-history.js";

export const DASHBOARD_PATH = "/dashboard";

export interface DashboardOptions {
  /** The built front-end's folder (holding index.html); default: `@taskhub/dashboard`'s `dist/` when installed. */
  assetsDir?: string;
  /** Serve clients on other machines too (default: loopback clients only). */
  allowRemote?: boolean;
}

export interface DashboardHandlerOptions extends DashboardOptions {
  service: AzureStorageOrchestrationService;
  client: TaskHubClient;
  /** `{ key }` to require it on the JSON endpoints, or `"disabled"`: the management API's setting. */
  auth: { key: string } | "disabled";
}

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  // The page may be opened with the key in its URL: no Referer carries it anywhere.
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

function message(status: number, text: string): Response {
  return Response.json({ Message: text }, { status, headers: SECURITY_HEADERS });
}

function answer(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: { ...SECURITY_HEADERS, "cache-control": "no-store" } });
}

export function createDashboard(
  o: DashboardHandlerOptions,
): (request: Request) => Promise<Response | undefined> {
  const assetsDir = o.assetsDir ?? installedDashboardAssetsDir();
  const built = assetsDir !== undefined && existsSync(join(assetsDir, "index.html"));
  const { service, client } = o;
  const app = new Hono({ strict: true }).basePath(DASHBOARD_PATH);

  app.use("*", async (c, next) => {
    if (!o.allowRemote && !isLoopbackAddress(clientAddress(c.req.raw)))
      return message(403, "the dashboard is served to clients on this machine only (see allowRemote)");
    await next();
  });
  app.use("/api/*", async (c, next) => {
    if (o.auth !== "disabled") {
      const given = new URL(c.req.url).searchParams.get("code") ?? c.req.header("x-functions-key") ?? null;
      if (!keyMatches(given, o.auth.key))
        return message(401, "a valid key is required (code query parameter or x-functions-key header)");
    }
    await next();
  });
  app.onError((err) => {
    if (err instanceof HttpError) return message(err.status, err.message);
    if (err instanceof TaskHubError && err.code === "InvalidArgument") return message(400, err.message);
    throw err; // a 500, logged by the server
  });

  app.get("/api/hub", async () => answer(await readHubView(service)));
  app.get("/api/poison", async () => {
    const items = await service.listPoisonMessages();
    return answer({
      messages: items.map((m) => ({
        queueName: m.queueName,
        messageId: m.messageId,
        dequeueCount: m.dequeueCount,
        ...(m.instanceId !== undefined ? { instanceId: m.instanceId } : {}),
        ...(m.eventType !== undefined ? { eventType: m.eventType } : {}),
        reason: m.reason,
        ...(m.insertedOn ? { insertedAt: m.insertedOn.toISOString() } : {}),
        quarantinedAt: m.quarantinedAt.toISOString(),
      })),
    });
  });
  app.post("/api/poison/:queue/:messageId/replay", async (c) => {
    const queue = pathParam(c, "queue", "queue name");
    const messageId = pathParam(c, "messageId", "message id");
    if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(queue))
      throw new HttpError(400, `'${queue.slice(0, 100)}' is not a queue name`);
    if (!(await service.replayPoisonMessage(queue, messageId)))
      throw new HttpError(404, `no poison message '${messageId}' from the queue '${queue}'`);
    return answer({ replayed: { queueName: queue, messageId } }, 202);
  });
  app.get("/api/instances/:id/blobs", async (c) => {
    const id = pathParam(c, "id", "instance id");
    try {
      validateInstanceId(id);
    } catch (err) {
      throw new HttpError(400, (err as Error).message);
    }
    const blobs = await listInstanceBlobs(service, id);
    if (blobs.length === 0 && !(await client.getOrchestrationState(id, { fetchPayloads: false })))
      throw new HttpError(404, `no instance with id '${id}'`);
    return answer({ blobs });
  });
  app.get("/api/instances/:id/history", async (c) => {
    const id = pathParam(c, "id", "instance id");
    try {
      validateInstanceId(id);
    } catch (err) {
      throw new HttpError(400, (err as Error).message);
    }
    const query = parseHistoryQuery(new URL(c.req.url).searchParams);
    const history =
      query.view === "skeleton"
        ? await readHistorySkeleton(service, id)
        : await readHistoryPage(service, id, query.top, query.after);
    if (!history) throw new HttpError(404, `no instance with id '${id}'`);
    return answer(history);
  });
  app.all("/api/*", (c) => message(404, `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));

  // The page's links are relative to /dashboard/.
  app.get("/", (c, next) => {
    const url = new URL(c.req.url);
    if (url.pathname !== DASHBOARD_PATH) return next();
    return c.redirect(`${DASHBOARD_PATH}/${url.search}`, 301);
  });
  if (built) {
    // The files' headers: set on the answer (serveStatic's onFound comes after its response is made).
    app.use("/*", async (c, next) => {
      await next();
      if (new URL(c.req.url).pathname.startsWith(`${DASHBOARD_PATH}/api/`) || c.res.status !== 200) return;
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
      const hashed = new URL(c.req.url).pathname.startsWith(`${DASHBOARD_PATH}/assets/`);
      c.res.headers.set("cache-control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
    });
    const rewriteRequestPath = (path: string): string => path.slice(DASHBOARD_PATH.length) || "/";
    app.get("/*", serveStatic({ root: assetsDir, rewriteRequestPath }));
    // A client-side route (no file extension): the page, which shows it.
    app.get("/*", (c, next) => {
      const last = new URL(c.req.url).pathname.split("/").pop() ?? "";
      if (last.includes(".")) return next();
      return serveStatic({ root: assetsDir, path: "index.html" })(c, next);
    });
    app.all("/*", (c) =>
      message(
        c.req.method === "GET" || c.req.method === "HEAD" ? 404 : 405,
        `no file ${new URL(c.req.url).pathname}`,
      ),
    );
  } else
    app.all("/*", () =>
      message(
        404,
        assetsDir
          ? `the dashboard is not built: ${assetsDir} has no index.html (build the @taskhub/dashboard package)`
          : "the dashboard is not installed: the @taskhub/dashboard package was not found beside @taskhub/host",
      ),
    );

  return async (request) => {
    const path = new URL(request.url).pathname;
    if (path !== DASHBOARD_PATH && !path.startsWith(`${DASHBOARD_PATH}/`)) return undefined;
    return app.fetch(request);
  };
}
