/**
 * Counts every storage request by service and operation through an Azure SDK pipeline policy (added per
 * retry, so retried requests count). Benchmarks and tests report storage requests per orchestration from it.
 */
import { createDefaultHttpClient, type HttpClient, type PipelinePolicy, type PipelineRequest } from "@azure/core-rest-pipeline";

export type StorageService = "queue" | "table" | "blob";

export interface RequestCounts {
  total: number;
  byService: Record<string, number>;
  /** Keys like `queue.PutMessage`, `table.Batch`, `blob.PutBlob`. */
  byOperation: Record<string, number>;
}

interface RequestLike {
  method: string;
  url: string;
  header(name: string): string | undefined;
}

function operationOf(service: StorageService, req: RequestLike): string {
  const url = new URL(req.url);
  const comp = url.searchParams.get("comp");
  const segments = url.pathname.split("/").filter(Boolean);
  const m = req.method;
  if (service === "queue") {
    const isMessages = segments[segments.length - 1] === "messages" || segments[segments.length - 2] === "messages";
    const hasId = segments[segments.length - 2] === "messages";
    if (comp === "list") return "ListQueues";
    if (comp === "metadata") return m === "GET" || m === "HEAD" ? "GetQueueProperties" : "SetQueueMetadata";
    if (isMessages) {
      if (m === "POST") return "PutMessage";
      if (m === "GET") return url.searchParams.get("peekonly") === "true" ? "PeekMessages" : "GetMessages";
      if (m === "DELETE") return hasId ? "DeleteMessage" : "ClearMessages";
      if (m === "PUT") return "UpdateMessage";
    }
    if (m === "PUT") return "CreateQueue";
    if (m === "DELETE") return "DeleteQueue";
    return `Other${m}`;
  }
  if (service === "table") {
    const last = decodeURIComponent(segments[segments.length - 1] ?? "");
    if (last === "$batch") return "Batch";
    if (last === "Tables" || last.startsWith("Tables(")) return m === "POST" ? "CreateTable" : m === "DELETE" ? "DeleteTable" : "QueryTables";
    const single = last.includes("(PartitionKey=");
    if (m === "GET") return "QueryEntities";
    if (m === "POST") return "InsertEntity";
    if (m === "PUT") return single ? "UpdateEntity" : "UpsertEntity";
    if (m === "MERGE" || m === "PATCH") return "MergeEntity";
    if (m === "DELETE") return "DeleteEntity";
    return `Other${m}`;
  }
  const restype = url.searchParams.get("restype");
  const leaseAction = req.header("x-ms-lease-action");
  if (comp === "lease" && leaseAction) return `${leaseAction[0]!.toUpperCase()}${leaseAction.slice(1)}Lease`;
  if (restype === "container") {
    if (comp === "list") return "ListBlobs";
    if (m === "PUT") return "CreateContainer";
    if (m === "DELETE") return "DeleteContainer";
    return "GetContainerProperties";
  }
  if (comp === "list") return "ListContainers";
  if (m === "PUT") return comp === "block" ? "PutBlock" : comp === "blocklist" ? "PutBlockList" : "PutBlob";
  if (m === "GET") return "GetBlob";
  if (m === "HEAD") return "GetBlobProperties";
  if (m === "DELETE") return "DeleteBlob";
  return `Other${m}`;
}

interface LegacyRequest {
  method: string;
  url: string;
  headers: { get(name: string): string | undefined | null };
}

export class RequestCounter {
  private counts: RequestCounts = { total: 0, byService: {}, byOperation: {} };

  /** A pipeline policy counting the requests of one service's clients. */
  policy(service: StorageService): PipelinePolicy {
    return {
      name: `taskhubRequestCounter-${service}`,
      sendRequest: (req, next) => {
        this.count(service, req);
        return next(req);
      },
    };
  }

  /**
   * An HTTP client that counts every request it sends (each retry attempt included). Storage SDK clients
   * take it through their `httpClient` option, which all three SDKs support.
   */
  httpClient(service: StorageService, inner: HttpClient = createDefaultHttpClient()): HttpClient {
    return {
      sendRequest: (req) => {
        this.count(service, req);
        return inner.sendRequest(req);
      },
    };
  }

  /**
   * A request-policy factory for the storage queue/blob SDKs' pipelines (`newPipeline(...).factories`):
   * appended last, so it sees every retry attempt.
   */
  requestPolicyFactory(service: StorageService): {
    create(next: { sendRequest(r: LegacyRequest): Promise<unknown> }): { sendRequest(r: LegacyRequest): Promise<unknown> };
  } {
    return {
      create: (next) => ({
        sendRequest: (r: LegacyRequest) => {
          this.countRequest(service, { method: r.method, url: r.url, header: (n) => r.headers.get(n) ?? undefined });
          return next.sendRequest(r);
        },
      }),
    };
  }

  private count(service: StorageService, req: PipelineRequest): void {
    this.countRequest(service, { method: req.method, url: req.url, header: (n) => req.headers.get(n) });
  }

  private countRequest(service: StorageService, req: RequestLike): void {
    const op = `${service}.${operationOf(service, req)}`;
    this.counts.total++;
    this.counts.byService[service] = (this.counts.byService[service] ?? 0) + 1;
    this.counts.byOperation[op] = (this.counts.byOperation[op] ?? 0) + 1;
  }

  snapshot(): RequestCounts {
    return { total: this.counts.total, byService: { ...this.counts.byService }, byOperation: { ...this.counts.byOperation } };
  }

  reset(): void {
    this.counts = { total: 0, byService: {}, byOperation: {} };
  }

  /** Requests made between two snapshots. */
  static diff(before: RequestCounts, after: RequestCounts): RequestCounts {
    const sub = (a: Record<string, number>, b: Record<string, number>): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const [k, v] of Object.entries(a)) {
        const d = v - (b[k] ?? 0);
        if (d !== 0) out[k] = d;
      }
      return out;
    };
    return { total: after.total - before.total, byService: sub(after.byService, before.byService), byOperation: sub(after.byOperation, before.byOperation) };
  }
}
