/**
 * Serves a web-standard handler (`(Request) => Promise<Response>`, e.g. a Hono app's `fetch`) over Node's http
 * module, through Hono and its Node adapter (`@hono/node-server`), which turn IncomingMessage into Request and
 * Response into the reply. Listens on 127.0.0.1 by default; port 0 picks a free port.
 *
 * - A request body larger than `maxBodyBytes` (default 1 MiB, the management API's limit) is answered 413
 *   `{"Message": ...}` before the handler runs (Hono's `bodyLimit`): as soon as its declared length says so, or
 *   once the bytes read pass the limit. The unread rest is drained by the adapter while the answer goes out, so
 *   a client still sending sees the 413 (not a reset connection) and the connection goes on.
 * - Slow or stalled clients: a request's headers must arrive within `headersTimeoutMs` (default 10 s) and the
 *   whole request, headers and body, within `requestTimeoutMs` (default 15 s); otherwise Node answers 408 and
 *   closes the connection. The time the handler takes to answer (e.g. a start that waits for completion) does
 *   not count.
 * - A handler that throws is answered 500 `{"Message": ...}` without details, and logged (`http.handlerFailed`,
 *   without the query, which may hold a key).
 * - Listening on a port that is taken rejects with `InvalidArgument`.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer, type HttpBindings } from "@hono/node-server";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { InvalidArgumentError, logEvent, silentLogger, type Logger } from "@taskhub/core";

export interface RunningServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 1 MiB. */
  maxBodyBytes?: number;
  /** Default 10 000. */
  headersTimeoutMs?: number;
  /** Headers and body; default 15 000. */
  requestTimeoutMs?: number;
  /** Where a handler's failure (answered 500) is logged, as `http.handlerFailed`. Default: nowhere. */
  logger?: Logger;
}

/** A fetch-style handler: what `serve` serves. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

const JSON_TYPE = "application/json; charset=utf-8";

const clientAddresses = new WeakMap<Request, string>();

/** The IP address of the client that sent `request` (one `serve` passed to its handler); else undefined. */
export function clientAddress(request: Request): string | undefined {
  return clientAddresses.get(request);
}

/** True for an address of this machine's loopback interface (127.0.0.0/8, ::1, IPv4-mapped 127.x). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  return address === "::1" || /^(::ffff:)?127\./i.test(address);
}

export async function serve(handler: FetchHandler, options: ServeOptions = {}): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const requestTimeout = options.requestTimeoutMs ?? 15_000;
  const logger = options.logger ?? silentLogger;

  const app = new Hono<{ Bindings: HttpBindings }>();
  const tooLarge = (c: Context, headers: Record<string, string> = {}): Response =>
    c.body(JSON.stringify({ Message: `request body is larger than ${maxBodyBytes} bytes` }), 413, {
      "content-type": JSON_TYPE,
      ...headers,
    });
  // A declared length over the limit is refused before the body is touched: Node then reads and discards
  // the rest once the answer is sent (within requestTimeout), so a client still sending sees the 413.
  app.use("*", async (c, next) => {
    if (Number(c.req.header("content-length") ?? 0) > maxBodyBytes) return tooLarge(c);
    // The adapter's request is its own lightweight class, which `new Request(request, init)` (as bodyLimit
    // uses) does not take: the body goes on as a stream in a standard Request.
    const r = c.req.raw;
    if (r.body)
      c.req.raw = new Request(r.url, {
        method: r.method,
        headers: r.headers,
        body: r.body,
        signal: r.signal,
        duplex: "half",
      } as RequestInit);
    await next();
  });
  // A body without a declared length is counted as it arrives; over the limit, the rest is not read and the
  // connection closes after the answer.
  app.use("*", bodyLimit({ maxSize: maxBodyBytes, onError: (c) => tooLarge(c, { connection: "close" }) }));
  // The whole body arrives before the handler runs: a client that stalls half way is answered 408 by Node,
  // and the handler never sees a request it could only half read.
  app.all("*", async (c) => {
    const r = c.req.raw;
    const request =
      r.method === "GET" || r.method === "HEAD" || !r.body
        ? r
        : new Request(r.url, {
            method: r.method,
            headers: r.headers,
            body: await r.arrayBuffer(),
            signal: r.signal,
          });
    const address = c.env?.incoming?.socket?.remoteAddress;
    if (address) clientAddresses.set(request, address);
    return handler(request);
  });
  app.onError((err, c) => {
    // The client went away, or a timeout closed the connection: nothing to answer, nothing to report.
    if (c.env?.incoming?.socket?.destroyed) return c.body(null, 500);
    logEvent(
      logger,
      "http.handlerFailed",
      { method: c.req.method, path: new URL(c.req.url).pathname, err },
      "a request failed: answered 500",
    );
    return c.body(JSON.stringify({ Message: "Something went wrong while processing your request" }), 500, {
      "content-type": JSON_TYPE,
    });
  });

  // Node checks the two timeouts every `connectionsCheckingInterval` (30 s by default): check often enough
  // that a stalled request is closed close to its deadline.
  const connectionsCheckingInterval = Math.max(100, Math.min(1000, Math.floor(headersTimeout / 4)));
  const server = createAdaptorServer({
    fetch: app.fetch,
    hostname: host,
    // The adapter would otherwise replace the process's global Request and Response with its own.
    overrideGlobalObjects: false,
    // Node itself discards the unread body of a request once its answer is sent (a 413), for as long as
    // requestTimeout allows; the adapter's own clean-up would close the connection after 0.5 s.
    autoCleanupIncoming: false,
    serverOptions: { headersTimeout, requestTimeout, connectionsCheckingInterval },
  }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "EADDRINUSE" || err.code === "EACCES" || err.code === "EADDRNOTAVAIL"
          ? new InvalidArgumentError(
              `cannot listen on ${host}:${options.port ?? 0} (${err.code}): choose another port (TASKHUB_HTTP_PORT) or host`,
            )
          : err,
      ),
    );
    server.listen(options.port ?? 0, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    url,
    port,
    server,
    close: () => new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
