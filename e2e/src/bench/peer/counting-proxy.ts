/**
 * A counting HTTP proxy in front of each service of one Azurite, for the side-by-side bench: both runtimes'
 * requests are counted by the same code on the wire (taskhub's own request counter sees only taskhub), with
 * the operation names of taskhub's request counter (`queue.PutMessage`, `table.Batch`, ...). Requests for
 * partition leases (the `<hub>-leases` container, a `<hub>Partitions` table) are counted apart, as the bench
 * counts them apart.
 */
import { Agent, createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  classifyStorageRequest,
  RequestCounter,
  type RequestCounts,
  type StorageService,
} from "@taskhub/azure-storage";

export interface ProxyCounts {
  /** Everything but partition leases. */
  requests: RequestCounts;
  lease: RequestCounts;
}

export interface AzuriteEndpoints {
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
  connectionString: string;
}

export class CountingProxies {
  readonly work = new RequestCounter();
  readonly lease = new RequestCounter();
  private readonly servers: Server[] = [];
  private readonly agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  /** The connection string through the proxies (set by `start`). */
  connectionString = "";

  /** Starts one proxy per service of `endpoints`, on free ports of 127.0.0.1. */
  async start(endpoints: AzuriteEndpoints): Promise<string> {
    const [blob, queue, table] = await Promise.all([
      this.listen(endpoints.blobEndpoint, "blob"),
      this.listen(endpoints.queueEndpoint, "queue"),
      this.listen(endpoints.tableEndpoint, "table"),
    ]);
    const account = /AccountName=([^;]+)/.exec(endpoints.connectionString)?.[1];
    const key = /AccountKey=([^;]+)/.exec(endpoints.connectionString)?.[1];
    this.connectionString = `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${key};BlobEndpoint=${blob};QueueEndpoint=${queue};TableEndpoint=${table};`;
    return this.connectionString;
  }

  snapshot(): ProxyCounts {
    return { requests: this.work.snapshot(), lease: this.lease.snapshot() };
  }

  static diff(before: ProxyCounts, after: ProxyCounts): ProxyCounts {
    return {
      requests: RequestCounter.diff(before.requests, after.requests),
      lease: RequestCounter.diff(before.lease, after.lease),
    };
  }

  async stop(): Promise<void> {
    for (const s of this.servers) s.closeAllConnections();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.agent.destroy();
  }

  private async listen(endpoint: string, service: StorageService): Promise<string> {
    const target = new URL(endpoint);
    const server = createServer((req, res) => {
      const url = `${target.origin}${req.url ?? "/"}`;
      const classified = classifyStorageRequest({ method: req.method ?? "GET", url }, service);
      (isLease(service, new URL(url)) ? this.lease : this.work).record(classified);
      const up = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
          agent: this.agent,
        },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on("error", () => req.socket.destroy());
      req.pipe(up);
    });
    this.servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}${target.pathname.replace(/\/$/, "")}`;
  }
}

/** Partition-lease requests: the `<hub>-leases` blob container, or a `<hub>Partitions` table. */
function isLease(service: StorageService, url: URL): boolean {
  // Path-style URLs: /<account>/<container or table>...
  const resource = decodeURIComponent(url.pathname.split("/")[2] ?? "");
  if (service === "blob") return resource.endsWith("-leases");
  if (service === "table") return /^[A-Za-z0-9]+Partitions(\(|$)/.test(resource);
  return false;
}
