/**
 * A fault-injecting HTTP proxy for one storage endpoint (node:http only), placed between workers and Azurite.
 * Each request is, at random and at the configured rate, answered 500 or 503 (half of them before the request
 * reaches storage, half after storage has done it, so the caller cannot know whether it happened), dropped
 * (the connection is destroyed, again before or after forwarding), or stalled past the client's timeout and
 * then dropped; every request may also get added latency. It counts what it injected. The rate can be changed
 * while it runs (0 turns faults off). `choose` picks the fault of one particular request instead (a test
 * strikes exactly the request it means), and only `choose` can make a request late: held past the client's
 * timeout (which gives up on it and retries) and forwarded to storage when the test says, as a request stuck
 * in a network can reach the service long after its sender moved on. `record` keeps the method and URL of each request (for inspecting,
 * say, the time-to-live of queue messages).
 *
 * Latency mode (`latencyMs`, the benchmark's `--storage-latency`): every request is forwarded after that fixed
 * delay, as many at once as the clients send; an `InFlightGauge` (shared by the proxies of one account) counts
 * the requests and how many were in flight at once, so that a run can report the concurrency storage saw.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

export type FaultKind = "error500" | "error503" | "drop" | "stall" | "late";

/** A targeted fault; `late` requests are forwarded when `release` settles, and `forwarded` gets storage's status. */
export interface ChosenFault {
  kind: FaultKind;
  before: boolean;
  release?: Promise<unknown>;
  forwarded?: (status: number) => void;
}

export interface FaultProxyOptions {
  /** `http://host:port` of the storage endpoint. */
  target: string;
  /** Probability that a request gets a fault (0..1). */
  faultRate?: number;
  /** Relative weights of the fault kinds (default all 1). */
  weights?: Partial<Record<FaultKind, number>>;
  /** How long a stalled request is held before its connection is dropped (default 5 s). */
  stallMs?: number;
  /** Latency added to every request, uniformly from 0 to this (default 0). */
  maxLatencyMs?: number;
  /** Latency added to every request, exactly this many ms (default 0); added to `maxLatencyMs`'s. */
  latencyMs?: number;
  /** Counts requests in flight (from arrival to the answer's end); may be shared by several proxies. */
  gauge?: InFlightGauge;
  /** Keep `method url` of every request. */
  record?: boolean;
  /** Deterministic randomness (default Math.random). */
  random?: () => number;
  /**
   * A fault for one particular request, decided before the random ones (which it replaces for that
   * request): return the kind and whether it strikes before or after storage does the work, or undefined.
   */
  choose?: (req: { method: string; url: string; body: Buffer }) => ChosenFault | undefined;
}

export interface FaultCounts {
  requests: number;
  forwarded: number;
  error500Before: number;
  error500After: number;
  error503Before: number;
  error503After: number;
  dropBefore: number;
  dropAfter: number;
  stall: number;
  late: number;
  latencyMsTotal: number;
}

/** What an `InFlightGauge` has seen so far; two snapshots give the figures of the interval between them. */
export interface InFlightSnapshot {
  /** Requests that arrived. */
  requests: number;
  /** In flight now. */
  inFlight: number;
  /** Most in flight at once since the last `resetPeak()`. */
  peak: number;
  /** Integral of requests in flight over time, in request-milliseconds (mean in flight = Δ / Δt). */
  inFlightMs: number;
  t: number;
}

/** Requests in flight through one or more proxies: count, peak, and the time integral for a mean. */
export class InFlightGauge {
  private requests = 0;
  private inFlight = 0;
  private peak = 0;
  private integral = 0;
  private since = performance.now();

  private advance(): void {
    const now = performance.now();
    this.integral += this.inFlight * (now - this.since);
    this.since = now;
  }

  enter(): void {
    this.advance();
    this.requests++;
    this.inFlight++;
    if (this.inFlight > this.peak) this.peak = this.inFlight;
  }

  leave(): void {
    this.advance();
    this.inFlight--;
  }

  /** Starts a new peak from the requests in flight now. */
  resetPeak(): void {
    this.peak = this.inFlight;
  }

  snapshot(): InFlightSnapshot {
    this.advance();
    return {
      requests: this.requests,
      inFlight: this.inFlight,
      peak: this.peak,
      inFlightMs: this.integral,
      t: this.since,
    };
  }

  /** Requests, peak and mean in flight between two snapshots (the peak is the later snapshot's). */
  static between(
    a: InFlightSnapshot,
    b: InFlightSnapshot,
  ): { requests: number; peakInFlight: number; meanInFlight: number } {
    const ms = b.t - a.t;
    return {
      requests: b.requests - a.requests,
      peakInFlight: b.peak,
      meanInFlight: ms > 0 ? (b.inFlightMs - a.inFlightMs) / ms : 0,
    };
  }
}

/** The kinds drawn at random (`late` is only ever chosen for a particular request). */
const KINDS: FaultKind[] = ["error500", "error503", "drop", "stall"];

export class FaultProxy {
  readonly counts: FaultCounts = {
    requests: 0,
    forwarded: 0,
    error500Before: 0,
    error500After: 0,
    error503Before: 0,
    error503After: 0,
    dropBefore: 0,
    dropAfter: 0,
    stall: 0,
    late: 0,
    latencyMsTotal: 0,
  };
  readonly recorded: { method: string; url: string }[] = [];
  faultRate: number;
  private server: Server | undefined;
  private readonly target: URL;
  private readonly random: () => number;
  private readonly pending = new Set<NodeJS.Timeout>();

  constructor(private readonly opts: FaultProxyOptions) {
    this.target = new URL(opts.target);
    this.faultRate = opts.faultRate ?? 0;
    this.random = opts.random ?? Math.random;
  }

  /** Total faults injected so far. */
  get injected(): number {
    const c = this.counts;
    return (
      c.error500Before +
      c.error500After +
      c.error503Before +
      c.error503After +
      c.dropBefore +
      c.dropAfter +
      c.stall +
      c.late
    );
  }

  /** Starts listening on 127.0.0.1 (port 0: a free one); returns `http://127.0.0.1:port`. */
  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const t of this.pending) clearTimeout(t);
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private pick(): FaultKind | undefined {
    if (this.random() >= this.faultRate) return undefined;
    const w = KINDS.map((k) => this.opts.weights?.[k] ?? 1);
    let r = this.random() * w.reduce((a, b) => a + b, 0);
    for (const [i, k] of KINDS.entries()) if ((r -= w[i]!) < 0) return k;
    return KINDS[KINDS.length - 1];
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.pending.delete(t);
        resolve();
      }, ms);
      this.pending.add(t);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const gauge = this.opts.gauge;
    if (gauge) {
      // The response closes when its answer has been sent or its connection went (kept-alive sockets outlive it).
      gauge.enter();
      res.once("close", () => gauge.leave());
    }
    this.counts.requests++;
    if (this.opts.record) this.recorded.push({ method: req.method ?? "", url: req.url ?? "" });
    const chunks: Buffer[] = [];
    try {
      for await (const c of req) chunks.push(c as Buffer);
    } catch {
      return; // the client went away
    }
    const body = Buffer.concat(chunks);
    if (this.opts.maxLatencyMs || this.opts.latencyMs) {
      const ms = (this.opts.latencyMs ?? 0) + Math.floor(this.random() * (this.opts.maxLatencyMs ?? 0));
      this.counts.latencyMsTotal += ms;
      await this.sleep(ms);
    }
    const targeted = this.opts.choose?.({ method: req.method ?? "", url: req.url ?? "", body });
    const fault = targeted ? targeted.kind : this.pick();
    const before = targeted ? targeted.before : this.random() < 0.5;
    if (fault === "late") {
      this.counts.late++;
      await targeted?.release;
      const status = await this.forward(req, body).then(
        (r) => r.status,
        () => 0,
      );
      req.socket.destroy();
      targeted?.forwarded?.(status);
      return;
    }
    if (fault === "stall") {
      this.counts.stall++;
      await this.sleep(this.opts.stallMs ?? 5000);
      req.socket.destroy();
      return;
    }
    if (fault === "drop" && before) {
      this.counts.dropBefore++;
      req.socket.destroy();
      return;
    }
    if ((fault === "error500" || fault === "error503") && before) {
      this.counts[fault === "error500" ? "error500Before" : "error503Before"]++;
      return this.fail(res, fault === "error500" ? 500 : 503);
    }
    let upstream: { status: number; headers: IncomingMessage["headers"]; body: Buffer };
    try {
      upstream = await this.forward(req, body);
    } catch {
      req.socket.destroy();
      return;
    }
    this.counts.forwarded++;
    if (fault === "drop") {
      this.counts.dropAfter++;
      req.socket.destroy();
      return;
    }
    if (fault === "error500" || fault === "error503") {
      this.counts[fault === "error500" ? "error500After" : "error503After"]++;
      return this.fail(res, fault === "error500" ? 500 : 503);
    }
    res.writeHead(upstream.status, upstream.headers);
    res.end(upstream.body);
  }

  private fail(res: ServerResponse, status: 500 | 503): void {
    const code = status === 500 ? "InternalError" : "ServerBusy";
    const message = status === 500 ? "Injected internal error." : "Injected: the server is busy.";
    res.writeHead(status, { "content-type": "application/xml", "x-ms-error-code": code });
    res.end(
      `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
    );
  }

  private forward(
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingMessage["headers"]; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: this.target.host };
      const up = httpRequest(
        { host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers },
        (r) => {
          const out: Buffer[] = [];
          r.on("data", (c: Buffer) => out.push(c));
          r.on("end", () =>
            resolve({ status: r.statusCode ?? 502, headers: r.headers, body: Buffer.concat(out) }),
          );
          r.on("error", reject);
        },
      );
      up.on("error", reject);
      up.end(body);
    });
  }
}

/** One proxy per service of an Azurite (or any account with separate endpoints), and the connection string through them. */
export async function startFaultProxies(
  endpoints: { blobEndpoint: string; queueEndpoint: string; tableEndpoint: string; connectionString: string },
  options: Omit<FaultProxyOptions, "target">,
): Promise<{
  proxies: { blob: FaultProxy; queue: FaultProxy; table: FaultProxy };
  connectionString: string;
  /** Requests in flight through all three proxies together. */
  gauge: InFlightGauge;
  setFaultRate(rate: number): void;
  stop(): Promise<void>;
}> {
  const gauge = options.gauge ?? new InFlightGauge();
  const make = async (endpoint: string): Promise<{ proxy: FaultProxy; url: string }> => {
    const u = new URL(endpoint);
    const proxy = new FaultProxy({ ...options, gauge, target: u.origin });
    const origin = await proxy.start();
    return { proxy, url: `${origin}${u.pathname}` };
  };
  const [blob, queue, table] = await Promise.all([
    make(endpoints.blobEndpoint),
    make(endpoints.queueEndpoint),
    make(endpoints.tableEndpoint),
  ]);
  const account = /AccountName=([^;]+)/.exec(endpoints.connectionString)?.[1];
  const key = /AccountKey=([^;]+)/.exec(endpoints.connectionString)?.[1];
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${key};BlobEndpoint=${blob.url};QueueEndpoint=${queue.url};TableEndpoint=${table.url};`;
  const proxies = { blob: blob.proxy, queue: queue.proxy, table: table.proxy };
  return {
    proxies,
    connectionString,
    gauge,
    setFaultRate(rate) {
      for (const p of Object.values(proxies)) p.faultRate = rate;
    },
    stop: async () => {
      await Promise.all(Object.values(proxies).map((p) => p.stop()));
    },
  };
}
