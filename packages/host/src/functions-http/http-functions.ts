/**
 * The HTTP functions an app registered through `@azure/functions` (`app.http`, `app.get`, `app.post`, `app.put`,
 * `app.patch`, `app.deleteRequest`), served as Functions serves them: under the route prefix, by route template
 * (most specific first) and method, behind their `authLevel`. A request no function takes resolves to undefined
 * (the host's other handlers, then its 404, answer it); a method a matching route does not accept is not taken
 * either (Functions answers 404 then too). A key missing for a `function` or `admin` function answers 401.
 *
 * Inputs: the trigger gets the request; a `durableClient` extra input gets the Durable Functions extension's
 * client binding (the JSON a `durable-functions` client reads). A function that throws answers 500 with no
 * body, as Functions does, and the error is logged (`functions.invocationFailed`).
 */
import { logEvent } from "@taskhub/core";
import { TaskHubError, type Logger } from "@taskhub/core";
import type { DurableClientBindingData } from "@taskhub/core/management";
import { isAuthorized, parseAuthLevel, type AuthLevel, type HostAuth } from "./auth-level.js";
import type { RpcBindingInfo, RpcParameterBinding } from "./core-types.js";
import type { FunctionsCore, RegisteredFunction } from "./functions-core.js";
import { invokeFunction } from "./invoke-function.js";
import {
  compareRoutePrecedence,
  compileRouteTemplate,
  type CompiledRouteTemplate,
} from "./route-template.js";
import { fromRpcHttpResponse, toRpcHttpRequest } from "./rpc-http.js";

export interface HttpFunctionsOptions {
  auth: HostAuth;
  /** The value of a `durableClient` input, for a request (its origin is the one clients should call). */
  durableClientBinding(request: Request): DurableClientBindingData;
  logger: Logger;
}

/** One HTTP function's route. */
export interface HttpRoute {
  readonly name: string;
  readonly route: CompiledRouteTemplate;
  /** Upper case; empty means every method. */
  readonly methods: readonly string[];
  readonly authLevel: AuthLevel;
  readonly fn: RegisteredFunction;
  readonly triggerName: string;
  /** Where the response is: `$return` (the return value) or an output binding's name. */
  readonly responseBinding: string | undefined;
  readonly durableClientInputs: readonly string[];
}

const isTrigger = (b: RpcBindingInfo): boolean => typeof b.type === "string" && /trigger$/i.test(b.type);
const isDurableClient = (b: RpcBindingInfo): boolean =>
  typeof b.type === "string" && /^(durableClient|orchestrationClient)$/i.test(b.type);

/** The HTTP-triggered functions' routes, most specific first. Throws naming the function with a bad route or authLevel. */
export function httpRoutes(core: FunctionsCore, routePrefix = "api"): HttpRoute[] {
  const routes: HttpRoute[] = [];
  for (const fn of core.functions.values()) {
    const entries = Object.entries(fn.metadata.bindings ?? {});
    const trigger = entries.find(([, b]) => isTrigger(b));
    if (!trigger || trigger[1].type?.toLowerCase() !== "httptrigger") continue;
    const [triggerName, binding] = trigger;
    const name = fn.metadata.name;
    let route: CompiledRouteTemplate;
    let authLevel: AuthLevel;
    try {
      route = compileRouteTemplate(typeof binding.route === "string" ? binding.route : name, routePrefix);
      authLevel = parseAuthLevel(binding.authLevel);
    } catch (err) {
      throw new TaskHubError("InvalidArgument", `HTTP function '${name}': ${(err as Error).message}`, {
        cause: err,
      });
    }
    const methods = Array.isArray(binding.methods) ? binding.methods.map((m) => String(m).toUpperCase()) : [];
    const responseBinding = entries.find(
      ([, b]) => b.direction === "out" && b.type?.toLowerCase() === "http",
    )?.[0];
    routes.push({
      name,
      route,
      methods,
      authLevel,
      fn,
      triggerName,
      responseBinding,
      durableClientInputs: entries
        .filter(([, b]) => b.direction === "in" && isDurableClient(b))
        .map(([n]) => n),
    });
  }
  return routes.sort((a, b) => compareRoutePrecedence(a.route, b.route));
}

export function createHttpFunctionsHandler(
  core: FunctionsCore,
  routes: readonly HttpRoute[],
  options: HttpFunctionsOptions,
): (request: Request) => Promise<Response | undefined> {
  return async (request) => {
    const path = new URL(request.url).pathname;
    for (const r of routes) {
      const params = r.route.match(path);
      if (!params) continue;
      if (r.methods.length > 0 && !r.methods.includes(request.method.toUpperCase())) continue;
      if (!isAuthorized(r.authLevel, request, options.auth))
        return Response.json(
          { Message: "a valid key is required (code query parameter or x-functions-key header)" },
          { status: 401 },
        );
      return invoke(core, r, request, params, options);
    }
    return undefined;
  };
}

async function invoke(
  core: FunctionsCore,
  r: HttpRoute,
  request: Request,
  params: Record<string, string>,
  options: HttpFunctionsOptions,
): Promise<Response> {
  const inputData: RpcParameterBinding[] = [
    { name: r.triggerName, data: { http: await toRpcHttpRequest(request, params) } },
  ];
  if (r.durableClientInputs.length > 0) {
    const binding = JSON.stringify(options.durableClientBinding(request));
    for (const name of r.durableClientInputs) inputData.push({ name, data: { string: binding } });
  }
  try {
    const response = await invokeFunction(core, r.fn, { inputData });
    const data =
      r.responseBinding === "$return"
        ? response.returnValue
        : response.outputData?.find((o) => o.name === r.responseBinding)?.data;
    return fromRpcHttpResponse(data);
  } catch (err) {
    logEvent(
      options.logger,
      "functions.invocationFailed",
      {
        functionName: r.name,
        method: request.method,
        path: new URL(request.url).pathname,
        err,
      },
      `the function '${r.name}' failed: answered 500`,
    );
    return new Response(null, { status: 500 });
  }
}
