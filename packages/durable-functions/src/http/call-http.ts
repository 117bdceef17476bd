/**
 * `context.df.callHttp`: a durable HTTP call. The request runs in a built-in activity
 * (`BuiltIn::HttpActivity`, DF's name), so its response is recorded in history and replays. With polling
 * enabled (the default), a `202 Accepted` carrying `Location` is followed by GETs of that URL with the
 * original headers, each after a durable timer of `Retry-After` seconds (or the default interval, 30 s as
 * DF's `defaultAsyncRequestSleepTimeMilliseconds`), until a response that is not such a 202.
 */
import {
  DrivenTask,
  TimerTask as CoreTimerTask,
  type DurableTask,
  type OrchestrationContext,
  type TaskRegistrar,
} from "@taskhub/core";
import { DFTask } from "../orchestration/tasks.js";
import { toTaskError } from "../errors.js";

export const HTTP_ACTIVITY_NAME = "BuiltIn::HttpActivity";
export const DEFAULT_HTTP_POLL_INTERVAL_MS = 30_000;

/** `new ManagedIdentityTokenSource(resource)`: ask the app's token provider for a bearer token. */
export class ManagedIdentityTokenSource {
  readonly kind = "AzureManagedIdentity";
  constructor(readonly resource: string) {}
}
export type TokenSource = ManagedIdentityTokenSource;

export interface CallHttpOptions {
  method: string;
  url: string;
  body?: string | object;
  headers?: { [key: string]: string };
  tokenSource?: TokenSource;
  /** Poll 202 + Location responses (default true). */
  enablePolling?: boolean;
  /** @deprecated use `enablePolling` */
  asynchronousPatternEnabled?: boolean;
}

/** What the built-in activity receives (DF's DurableHttpRequest JSON). */
export interface DurableHttpRequest {
  method: string;
  uri: string;
  content?: string;
  headers?: { [key: string]: string };
  tokenSource?: { kind?: string; resource: string };
  asynchronousPatternEnabled?: boolean;
}

export class DurableHttpResponse {
  constructor(
    readonly statusCode: number,
    readonly content?: string,
    readonly headers?: { [key: string]: string },
  ) {}

  /** The header's value, by case-insensitive name. */
  getHeader(name: string): string | undefined {
    if (!this.headers) return undefined;
    const lower = name.toLowerCase();
    const key = Object.keys(this.headers).find((k) => k.toLowerCase() === lower);
    return key === undefined ? undefined : this.headers[key];
  }
}

export function toDurableHttpRequest(options: CallHttpOptions): DurableHttpRequest {
  if (!options || typeof options.method !== "string" || typeof options.url !== "string")
    throw new TypeError("callHttp needs { method, url }");
  let content = options.body;
  if (content && typeof content !== "string") content = JSON.stringify(content);
  const polling = options.enablePolling ?? options.asynchronousPatternEnabled ?? true;
  return {
    method: options.method,
    uri: options.url,
    ...(content ? { content } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.tokenSource
      ? { tokenSource: { kind: options.tokenSource.kind, resource: options.tokenSource.resource } }
      : {}),
    asynchronousPatternEnabled: polling,
  };
}

/**
 * The built-in activity's result as a response. taskhub's activity returns `{ statusCode, content, headers }`;
 * the Durable Functions extension's returns its DurableHttpResponse as Newtonsoft writes it by default,
 * `{ StatusCode, Headers, Content }` with each header's values in an array. Both are read (member names in any
 * case); several values of one header are joined with ", " as HTTP combines them.
 */
export function toDurableHttpResponse(raw: unknown): DurableHttpResponse {
  const o = raw !== null && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const member = (name: string): unknown => {
    const key = Object.keys(o).find((k) => k.toLowerCase() === name);
    return key === undefined ? undefined : o[key];
  };
  const status = Number(member("statuscode") ?? 0);
  const content = member("content");
  const rawHeaders = member("headers");
  let headers: Record<string, string> | undefined;
  if (rawHeaders !== null && typeof rawHeaders === "object") {
    headers = {};
    for (const [k, v] of Object.entries(rawHeaders as Record<string, unknown>))
      headers[k] = Array.isArray(v) ? v.map(String).join(", ") : String(v);
  }
  return new DurableHttpResponse(
    Number.isFinite(status) ? status : 0,
    typeof content === "string" ? content : undefined,
    headers,
  );
}

/** Retry-After: delta-seconds or an HTTP date; otherwise the default. */
function retryAfterMs(value: string | undefined, nowMs: number, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? fallbackMs : Math.max(0, at - nowMs);
}

export class CallHttpTask extends DFTask {
  constructor(
    private readonly request: DurableHttpRequest,
    private readonly pollIntervalMs: number,
  ) {
    super();
  }

  protected start(ctx: OrchestrationContext): DurableTask<unknown> {
    const request = this.request;
    let poll: DurableHttpRequest | undefined;
    const call = (req: DurableHttpRequest): DurableTask<unknown> => ctx.callActivity(HTTP_ACTIVITY_NAME, req);
    const task = new DrivenTask<unknown>((inner, self) => {
      if (self.isComplete) return;
      if (inner instanceof CoreTimerTask) return self.follow(call(poll!));
      if (inner.isFailed) return self.fail(toTaskError(ctx, inner.getException(), HTTP_ACTIVITY_NAME));
      const response = toDurableHttpResponse(inner.getResult());
      const location = response.getHeader("Location");
      if (request.asynchronousPatternEnabled !== false && response.statusCode === 202 && location) {
        poll = {
          method: "GET",
          uri: location,
          ...(request.headers ? { headers: request.headers } : {}),
          ...(request.tokenSource ? { tokenSource: request.tokenSource } : {}),
        };
        const now = ctx.currentUtcDateTime.getTime();
        self.follow(
          ctx.createTimer(
            new Date(now + retryAfterMs(response.getHeader("Retry-After"), now, this.pollIntervalMs)),
          ),
        );
        return;
      }
      self.complete(response);
    });
    task.follow(call(request));
    return task;
  }
}

/** Supplies bearer tokens for `tokenSource` requests (e.g. from @azure/identity). */
export type TokenProvider = (resource: string) => Promise<string>;

/** Registrars that already have the built-in HTTP activity (both models may add it to one worker). */
const withHttpActivity = new WeakSet<TaskRegistrar>();

/** Add the built-in HTTP activity behind `callHttp` to the worker, once. */
export function registerHttpActivity(worker: TaskRegistrar, tokenProvider: TokenProvider | undefined): void {
  if (withHttpActivity.has(worker)) return;
  withHttpActivity.add(worker);
  worker.addActivity(HTTP_ACTIVITY_NAME, createHttpActivity(tokenProvider));
}

/** The built-in activity: performs one request and returns `{ statusCode, content, headers }`. */
export function createHttpActivity(tokenProvider: TokenProvider | undefined) {
  return async (
    _ctx: unknown,
    req: DurableHttpRequest,
  ): Promise<{ statusCode: number; content: string; headers: Record<string, string> }> => {
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    if (req.tokenSource) {
      if (!tokenProvider)
        throw new Error(
          `callHttp with a tokenSource (resource '${req.tokenSource.resource}') needs a token provider: registerApp(worker, { tokenProvider })`,
        );
      headers.Authorization = `Bearer ${await tokenProvider(req.tokenSource.resource)}`;
    }
    const response = await fetch(req.uri, {
      method: req.method,
      headers,
      ...(req.content !== undefined && !/^(GET|HEAD)$/i.test(req.method) ? { body: req.content } : {}),
    });
    const out: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      out[key] = value;
    });
    return { statusCode: response.status, content: await response.text(), headers: out };
  };
}
