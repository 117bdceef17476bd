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
import { pageAt } from "./continuation-token.js";
import { decodePathSegment } from "./path-segment.js";
import { parseJsonBody } from "./request-body.js";

export type Route = [
  method: string,
  path: RegExp,
  handler: (request: Request, url: URL, m: RegExpMatchArray) => Promise<Response>,
];

export interface EntityRouteHelpers {
  readBody(request: Request): Promise<string>;
  json(body: unknown, status: number, headers?: Record<string, string>): Response;
}

function entityIdOf(rawName: string, rawKey: string): EntityInstanceId {
  const name = decodePathSegment(rawName, "entity name");
  const key = decodePathSegment(rawKey, "entity key");
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

export function entityRoutes(client: TaskHubClient, h: EntityRouteHelpers): Route[] {
  return [
    // 12. one entity's state
    [
      "GET",
      /^\/entities\/([^/]+)\/([^/]+)\/?$/,
      async (_request, _url, m) => {
        const id = entityIdOf(m[1]!, m[2]!);
        const entity = await client.getEntity(id, { includeState: true });
        if (!entity) return h.json({ Message: `entity '@${id.name}@${id.key}' does not exist` }, 404);
        return h.json(entity.state ?? null, 200);
      },
    ],
    // 13. list entities (optionally of one name)
    [
      "GET",
      /^\/entities(?:\/([^/]+))?\/?$/,
      async (request, url, m) => {
        const top = url.searchParams.get("top");
        const pageSize = top ? Number(top) : 100;
        if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)
          throw new InvalidArgumentError("query parameter 'top' must be an integer from 1 to 1000");
        const fetchState = url.searchParams.get("fetchState");
        if (fetchState !== null && !/^(true|false)$/i.test(fetchState))
          throw new InvalidArgumentError("query parameter 'fetchState' must be true or false");
        const list = client.listEntities({
          instanceIdStartsWith: m[1] ? `@${decodePathSegment(m[1], "entity name").toLowerCase()}@` : "@",
          lastModifiedFrom: dateOf(url, "lastOperationTimeFrom"),
          lastModifiedTo: dateOf(url, "lastOperationTimeTo"),
          includeState: fetchState?.toLowerCase() === "true",
          pageSize,
        });
        const page = await pageAt(list, request.headers.get("x-ms-continuation-token") || undefined);
        const headers: Record<string, string> = page?.continuationToken
          ? { "x-ms-continuation-token": page.continuationToken }
          : {};
        const items = (page?.items ?? []).map((e: EntityMetadata) => ({
          entityId: { name: e.id.name, key: e.id.key },
          lastOperationTime: e.lastModifiedTime.toISOString(),
          ...(e.includesState ? { state: e.state ?? null } : {}),
        }));
        return h.json(items, 200, headers);
      },
    ],
    // 14. signal an operation
    [
      "POST",
      /^\/entities\/([^/]+)\/([^/]+)\/?$/,
      async (request, url, m) => {
        const id = entityIdOf(m[1]!, m[2]!);
        const op = url.searchParams.get("op") ?? "";
        if (op === "")
          throw new InvalidArgumentError("query parameter 'op' (the operation name) is required");
        const input = parseJsonBody(await h.readBody(request));
        await client.signalEntity(id, op, input);
        return new Response(null, { status: 202 });
      },
    ],
    // 15. delete (signals the 'delete' operation)
    [
      "DELETE",
      /^\/entities\/([^/]+)\/([^/]+)\/?$/,
      async (_request, _url, m) => {
        await client.signalEntity(entityIdOf(m[1]!, m[2]!), "delete");
        return new Response(null, { status: 202 });
      },
    ],
  ];
}
