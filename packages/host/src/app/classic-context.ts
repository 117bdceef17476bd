/**
 * The context a classic (durable-functions 2.x) HTTP function is called with, as the Functions Node.js worker
 * builds it: `context.req` (method, url, headers, query, params, body parsed as Functions parses it, rawBody),
 * `context.res`, `context.bindings` (the trigger's request, the durable client binding), `context.bindingData`
 * (`req`, query, headers and the route parameters), `context.log` and `context.done`.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "@taskhub/core";
import type { Binding } from "./function-json.js";

export interface ClassicRequest {
  method: string;
  url: string;
  originalUrl: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  params: Record<string, string>;
  body: unknown;
  rawBody: string | undefined;
}

export interface ClassicContext {
  invocationId: string;
  executionContext: { invocationId: string; functionName: string; functionDirectory: string };
  bindings: Record<string, unknown>;
  bindingData: Record<string, unknown>;
  bindingDefinitions: { name: string | undefined; type: string; direction: string | undefined }[];
  req: ClassicRequest;
  res: unknown;
  log: ((...args: unknown[]) => void) &
    Record<"error" | "warn" | "info" | "verbose", (...args: unknown[]) => void>;
  done(err?: unknown, result?: unknown): void;
}

/**
 * The request as Functions gives it: a JSON body parsed (left a string when it is not JSON), else the text; an
 * empty body is no body (`body` and `rawBody` undefined, as the Functions Node.js worker leaves them).
 */
export async function toClassicRequest(
  request: Request,
  params: Record<string, string>,
): Promise<ClassicRequest> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => (headers[name] = value));
  const text = request.body ? await request.text() : "";
  const rawBody = text.length > 0 ? text : undefined;
  let body: unknown = rawBody;
  if (rawBody !== undefined) {
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = rawBody;
    }
  }
  return {
    method: request.method.toUpperCase(),
    url: request.url,
    originalUrl: request.url,
    headers,
    query: Object.fromEntries(url.searchParams),
    params,
    body,
    rawBody,
  };
}

export interface ContextParts {
  functionName: string;
  functionDirectory: string;
  bindings: readonly Binding[];
  req: ClassicRequest;
  /** Extra input bindings by name (the durable client). */
  inputs: Record<string, unknown>;
  logger: Logger | undefined;
  /** Called by `context.done(err, result)`. */
  onDone(err: unknown, result: unknown): void;
}

export function createClassicContext(p: ContextParts): ClassicContext {
  const invocationId = randomUUID();
  const trigger = p.bindings.find((b) => b.type === "httpTrigger");
  const fields = { event: "app.functionLog", function: p.functionName, invocationId };
  const write =
    (level: "error" | "warn" | "info" | "debug") =>
    (...args: unknown[]): void =>
      p.logger?.[level](fields, args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
  const log = Object.assign(write("info"), {
    error: write("error"),
    warn: write("warn"),
    info: write("info"),
    verbose: write("debug"),
  });
  return {
    invocationId,
    executionContext: { invocationId, functionName: p.functionName, functionDirectory: p.functionDirectory },
    bindings: { ...(trigger?.name ? { [trigger.name]: p.req } : {}), ...p.inputs },
    bindingData: {
      req: p.req,
      query: p.req.query,
      headers: p.req.headers,
      ...p.req.params,
      sys: { methodName: p.functionName, utcNow: new Date().toISOString(), randGuid: randomUUID() },
      invocationId,
    },
    bindingDefinitions: p.bindings.map((b) => ({ name: b.name, type: b.type, direction: b.direction })),
    req: p.req,
    res: undefined,
    log,
    done: (err?: unknown, result?: unknown) => p.onDone(err, result),
  };
}
