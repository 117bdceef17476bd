/**
 * Serving the classic model's HTTP functions (`httpTrigger` in function.json) under `/<routePrefix>/<route or
 * function name>`: the route template, `methods`, and `authLevel` (`anonymous`; `function` and `admin` need the
 * host's key as the `code` query parameter or the `x-functions-key` header, as the management API checks it). The
 * function gets a classic context; its response is `context.res`, the `$return` out binding (the returned
 * value), or the value of the `http` out binding set in `context.bindings`.
 */
import type { Logger } from "@taskhub/core";
import { isAuthorized } from "../functions-http/auth-level.js";
import { createClassicContext, toClassicRequest } from "./classic-context.js";
import type { ClassicFunction } from "./classic-functions.js";
import {
  compareRoutePrecedence,
  compileRouteTemplate,
  type CompiledRouteTemplate,
} from "../functions-http/route-template.js";

export interface ClassicHttpOptions {
  functions: readonly ClassicFunction[];
  routePrefix: string;
  auth: { key: string } | "disabled";
  /** The `durableClient` binding's value (the facade's `classicClientBinding(client)`), made per request. */
  clientBinding(): Record<string, unknown>;
  /** The host's logger (known once the host has started). */
  logger(): Logger | undefined;
}

interface Route {
  f: ClassicFunction;
  route: CompiledRouteTemplate;
  methods: string[] | undefined;
  authLevel: string;
}

export function createClassicHttpHandler(
  o: ClassicHttpOptions,
): (request: Request) => Promise<Response | undefined> {
  const routes: Route[] = o.functions
    .filter((f) => f.trigger === "httpTrigger")
    .map((f) => {
      const t = f.bindings.find((b) => b.type === "httpTrigger")!;
      const methods = Array.isArray(t.methods)
        ? (t.methods as string[]).map((m) => m.toUpperCase())
        : undefined;
      return {
        f,
        route: compileClassicRoute(f.name, typeof t.route === "string" ? t.route : f.name, o.routePrefix),
        methods,
        authLevel: String(t.authLevel ?? "function").toLowerCase(),
      };
    })
    .sort((a, b) => compareRoutePrecedence(a.route, b.route));
  return async (request) => {
    const url = new URL(request.url);
    for (const r of routes) {
      const params = r.route.match(url.pathname);
      if (!params) continue;
      if (r.methods && !r.methods.includes(request.method.toUpperCase())) continue;
      if (!isAuthorized(r.authLevel === "anonymous" ? "anonymous" : "function", request, o.auth))
        return Response.json(
          { Message: "a valid key is required (code query parameter or x-functions-key header)" },
          { status: 401 },
        );
      return invoke(r.f, request, params, o);
    }
    return undefined;
  };
}

async function invoke(
  f: ClassicFunction,
  request: Request,
  params: Record<string, string>,
  o: ClassicHttpOptions,
): Promise<Response> {
  const req = await toClassicRequest(request, params);
  const inputs: Record<string, unknown> = {};
  for (const b of f.bindings)
    if ((b.type === "durableClient" || b.type === "orchestrationClient") && b.name)
      inputs[b.name] = o.clientBinding();
  let settle!: (v: { err?: unknown; result?: unknown }) => void;
  const done = new Promise<{ err?: unknown; result?: unknown }>((resolve) => (settle = resolve));
  const context = createClassicContext({
    functionName: f.name,
    functionDirectory: f.directory,
    bindings: f.bindings,
    req,
    inputs,
    logger: o.logger(),
    onDone: (err, result) => settle({ err, result }),
  });
  try {
    const returned = f.handler(context, req);
    // An async function (or one returning a promise) is done when it settles; any other waits for context.done().
    const outcome =
      returned && typeof (returned as PromiseLike<unknown>).then === "function"
        ? { result: await returned }
        : returned !== undefined
          ? { result: returned }
          : await done;
    if (outcome.err) throw outcome.err;
    return toResponse(responseOf(f, context, outcome.result));
  } catch (err) {
    context.log.error(`function '${f.name}' failed: ${(err as Error)?.stack ?? String(err)}`);
    return Response.json({ error: (err as Error)?.message ?? String(err) }, { status: 500 });
  }
}

/** Which value is the response: the `$return` binding's result, else the http out binding's (context.res by default). */
function responseOf(
  f: ClassicFunction,
  context: ReturnType<typeof createClassicContext>,
  result: unknown,
): unknown {
  const out = f.bindings.find((b) => b.type === "http" && (b.direction ?? "out") === "out");
  if (out?.name === "$return") return result;
  const name = out?.name ?? "res";
  const bound = context.bindings[name];
  if (bound !== undefined) return bound;
  if (name === "res" && context.res !== undefined) return context.res;
  if (context.res !== undefined) return context.res;
  return result;
}

/** A Functions response object (`{ status, body, headers }`) as a fetch Response; objects become JSON. */
function toResponse(value: unknown): Response {
  if (value instanceof Response) return value;
  if (value === undefined || value === null) return new Response(null, { status: 204 });
  const v = value as {
    status?: unknown;
    statusCode?: unknown;
    body?: unknown;
    headers?: Record<string, string>;
  };
  const status = Number(v.status ?? v.statusCode ?? 200);
  const headers = new Headers(v.headers ?? {});
  let body: string | Uint8Array | null = null;
  if (v.body === undefined || v.body === null) body = null;
  else if (typeof v.body === "string") body = v.body;
  else if (v.body instanceof Uint8Array) body = v.body;
  else {
    body = JSON.stringify(v.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json; charset=utf-8");
  }
  return new Response(status === 204 || status === 304 ? null : body, { status, headers });
}

/** The function's route under the prefix; a template that cannot be parsed names the function. */
function compileClassicRoute(name: string, route: string, routePrefix: string): CompiledRouteTemplate {
  try {
    return compileRouteTemplate(route, routePrefix);
  } catch (err) {
    throw new Error(`the HTTP function '${name}' has a bad route: ${(err as Error).message}`);
  }
}
