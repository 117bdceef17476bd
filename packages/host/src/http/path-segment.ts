/** URL path segments of the management API and the dashboard's routes. */
import type { Context } from "hono";
import { routePath } from "hono/route";
import { InvalidArgumentError } from "@taskhub/core";

/**
 * A percent-decoded path segment. A malformed escape (`%ZZ`, a cut-off UTF-8 sequence) is the caller's
 * mistake: `InvalidArgument` (400), not the `URIError` that `decodeURIComponent` throws (which became a 500).
 */
export function decodePathSegment(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new InvalidArgumentError(
      `${what} in the URL path is not valid percent-encoding: '${raw.slice(0, 100)}'`,
    );
  }
}

/**
 * The route parameter `name` (a `:name` or `:name?` segment of the matched route) as sent, still
 * percent-encoded, or undefined when an optional one is absent. Hono's own `param()` decodes and gives a
 * malformed escape back as it is, which would make `%ZZ` an instance id; this reads the request's path instead,
 * so that `decodePathSegment` decodes each segment once and refuses a malformed one.
 */
export function rawParam(c: Context, name: string): string | undefined {
  const pattern = routePath(c).split("/");
  const i = pattern.findIndex((s) => s.startsWith(":") && s.slice(1).replace(/\?$/, "") === name);
  if (i < 0) throw new Error(`the route ${routePath(c)} has no parameter '${name}'`);
  const value = new URL(c.req.url).pathname.split("/")[i];
  return value === undefined || value === "" ? undefined : value;
}

/** The route parameter `name`, decoded; `InvalidArgument` (400) naming `what` when it is malformed. */
export function pathParam(c: Context, name: string, what: string): string {
  const raw = rawParam(c, name);
  if (raw === undefined) throw new Error(`the route ${routePath(c)} matched without '${name}'`);
  return decodePathSegment(raw, what);
}
