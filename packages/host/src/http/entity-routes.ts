/**
 * The entity routes of Durable Functions' HTTP management API (docs/http-api.md, routes 12–15): read one
 * entity, list entities, signal an operation, delete. The key `$` stands for the empty key. A signal's body is
 * JSON, as on every route (`request-body.ts`).
 */
import {
  InvalidArgumentError,
  type EntityInstanceId,
  type EntityMetadata,
  type TaskHubClient,
} from "@taskhub/core";
import type { Context, Hono } from "hono";
import { pageAt } from "./continuation-token.js";
import { decodePathSegment, pathParam, rawParam } from "./path-segment.js";
import { parseJsonBody } from "./request-body.js";

export interface EntityRouteHelpers {
  readBody(request: Request): Promise<string>;
  json(body: unknown, status: number, headers?: Record<string, string>): Response;
}

function entityIdOf(c: Context): EntityInstanceId {
  const name = pathParam(c, "name", "entity name");
  const key = pathParam(c, "key", "entity key");
  return { name: name.toLowerCase(), key: key === "$" ? "" : key };
}

function dateOf(url: URL, name: string): Date | undefined {
  const v = url.searchParams.get(name);
  if (!v) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime()))
    throw new InvalidArgumentError(`query parameter '${name}' is not a valid date: ${v}`);
  return d;
}

/** Adds routes 12–15 to the management API's router (errors thrown are answered by its error handler). */
export function addEntityRoutes(app: Hono, client: TaskHubClient, h: EntityRouteHelpers): void {
  // 12. one entity's state
  app.get("/entities/:name/:key", async (c) => {
    const id = entityIdOf(c);
    const entity = await client.getEntity(id, { includeState: true });
    if (!entity) return h.json({ Message: `entity '@${id.name}@${id.key}' does not exist` }, 404);
    return h.json(entity.state ?? null, 200);
  });
  // 13. list entities (optionally of one name)
  app.get("/entities/:name?", async (c) => {
    const url = new URL(c.req.url);
    const top = url.searchParams.get("top");
    const pageSize = top ? Number(top) : 100;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)
      throw new InvalidArgumentError("query parameter 'top' must be an integer from 1 to 1000");
    const fetchState = url.searchParams.get("fetchState");
    if (fetchState !== null && !/^(true|false)$/i.test(fetchState))
      throw new InvalidArgumentError("query parameter 'fetchState' must be true or false");
    const rawName = rawParam(c, "name");
    const list = client.listEntities({
      instanceIdStartsWith: rawName ? `@${decodePathSegment(rawName, "entity name").toLowerCase()}@` : "@",
      lastModifiedFrom: dateOf(url, "lastOperationTimeFrom"),
      lastModifiedTo: dateOf(url, "lastOperationTimeTo"),
      includeState: fetchState?.toLowerCase() === "true",
      pageSize,
    });
    const page = await pageAt(list, c.req.header("x-ms-continuation-token") || undefined);
    const headers: Record<string, string> = page?.continuationToken
      ? { "x-ms-continuation-token": page.continuationToken }
      : {};
    const items = (page?.items ?? []).map((e: EntityMetadata) => ({
      entityId: { name: e.id.name, key: e.id.key },
      lastOperationTime: e.lastModifiedTime.toISOString(),
      ...(e.includesState ? { state: e.state ?? null } : {}),
    }));
    return h.json(items, 200, headers);
  });
  // 14. signal an operation
  app.post("/entities/:name/:key", async (c) => {
    const id = entityIdOf(c);
    const op = new URL(c.req.url).searchParams.get("op") ?? "";
    if (op === "") throw new InvalidArgumentError("query parameter 'op' (the operation name) is required");
    const input = parseJsonBody(await h.readBody(c.req.raw));
    await client.signalEntity(id, op, input);
    return new Response(null, { status: 202 });
  });
  // 15. delete (signals the 'delete' operation)
  app.delete("/entities/:name/:key", async (c) => {
    await client.signalEntity(entityIdOf(c), "delete");
    return new Response(null, { status: 202 });
  });
}
