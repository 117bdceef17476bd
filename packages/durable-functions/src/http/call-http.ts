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
      const raw = (inner.getResult() ?? {}) as {
        statusCode?: number;
        content?: string;
        headers?: Record<string, string>;
      };
      const response = new DurableHttpResponse(raw.statusCode ?? 0, raw.content, raw.headers);
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
