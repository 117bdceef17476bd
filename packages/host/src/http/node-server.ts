/**
 * Serves a web-standard handler with Node's http module: IncomingMessage → Request, Response → reply.
 * Listens on 127.0.0.1 by default; port 0 picks a free port. A request body larger than `maxBodyBytes`
 * (default 1 MiB, the management API's limit) is answered 413 as soon as its length is known or the limit
 * is passed, and is never buffered: a huge upload costs no memory.
 *
 * Slow or stalled clients: a request's headers must arrive within `headersTimeoutMs` (default 10 s) and the
 * whole request, headers and body, within `requestTimeoutMs` (default 15 s); otherwise Node answers 408 and
 * closes the connection. The time the handler takes to answer (e.g. a start that waits for completion) does not
 * count. Listening on a port that is taken rejects with `InvalidArgument`.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { InvalidArgumentError, silentLogger, type Logger } from "@taskhub/core";
import { logEvent } from "@taskhub/core";

export interface RunningServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

/** The body, or `BodyTooLarge` once it passes the limit (the caller discards the rest). */
function readBody(req: IncomingMessage, maxBodyBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers["content-length"] ?? 0) > maxBodyBytes) return reject(new BodyTooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size <= maxBodyBytes) return void chunks.push(c);
      req.off("data", onData);
      reject(new BodyTooLarge());
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
    // Closed before the end (the client went away, or a timeout closed the connection): nothing to answer.
    req.once("close", () => reject(new Error("the request was closed before its body ended")));
  });
}

async function toRequest(req: IncomingMessage, origin: string, maxBodyBytes: number): Promise<Request> {
  const method = req.method ?? "GET";
  const body = method === "GET" || method === "HEAD" ? undefined : await readBody(req, maxBodyBytes);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
  return new Request(new URL(req.url ?? "/", origin), { method, headers, body });
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

export async function serve(
  handler: (r: Request) => Promise<Response>,
  options: ServeOptions = {},
): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const requestTimeout = options.requestTimeoutMs ?? 15_000;
  const logger = options.logger ?? silentLogger;
  let origin = "";
  // Node checks the two timeouts every `connectionsCheckingInterval` (30 s by default): check often enough
  // that a stalled request is closed close to its deadline.
  const connectionsCheckingInterval = Math.max(100, Math.min(1000, Math.floor(headersTimeout / 4)));
  const server = createServer({ headersTimeout, requestTimeout, connectionsCheckingInterval }, (req, res) => {
    void (async () => {
      try {
        let request: Request;
        try {
          request = await toRequest(req, origin, maxBodyBytes);
        } catch (err) {
          if (!(err instanceof BodyTooLarge)) throw err;
          // The rest of the body is read and discarded (bounded by requestTimeout) while the answer goes out:
          // closing at once reset the connection under a client still sending, which then saw EPIPE or
          // ECONNRESET instead of the 413.
          req.resume();
          res.writeHead(413, { "content-type": "application/json; charset=utf-8" });
          res.end(JSON.stringify({ Message: `request body is larger than ${maxBodyBytes} bytes` }));
          return;
        }
        const response = await handler(request);
        res.statusCode = response.status;
        response.headers.forEach((v, k) => {
          if (k !== "set-cookie") res.setHeader(k, v);
        });
        // Each cookie is its own Set-Cookie line (forEach would leave only the last one).
        const cookies = response.headers.getSetCookie();
        if (cookies.length > 0) res.setHeader("set-cookie", cookies);
        res.end(Buffer.from(await response.arrayBuffer()));
      } catch (err) {
        if (req.socket.destroyed) return; // the client went away, or a timeout closed the connection
        logEvent(
          logger,
          "http.handlerFailed",
          { method: req.method, path: req.url?.split("?", 1)[0], err },
          "a request failed: answered 500",
        );
        if (res.headersSent) return void res.destroy();
        res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify({ Message: "Something went wrong while processing your request" }));
      }
    })();
  });
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
  origin = `http://${host}:${port}`;
  return {
    url: origin,
    port,
    server,
    close: () => new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
