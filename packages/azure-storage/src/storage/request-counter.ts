/**
 * Counts storage requests by service and operation. `RequestCounter.policy(service)` is an Azure SDK
 * `PipelinePolicy`; `createStorageClients` attaches it per retry (after the Retry phase), so every attempt
 * that goes on the wire is counted, retries included, and an entity-group batch counts once. Benchmarks and
 * tests report storage requests per orchestration from it.
 *
 * Operation names follow the Storage REST API (`PutMessage`, `QueryEntities`, `AcquireLease`, ...); counts
 * are keyed `<service>.<operation>`, e.g. `queue.PutMessage`. Requests it cannot name count as
 * `<service>.Other`.
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { providerInstruments } from "../metrics/instruments.js";
import { measureStorageRequest } from "../metrics/storage-request-metrics.js";

export type StorageService = "queue" | "table" | "blob";

export interface RequestCounts {
  total: number;
  /** Keys are `queue`, `table`, `blob`, or `unknown` when neither the policy nor the URL tells the service. */
  byService: Record<string, number>;
  /** Keys like `queue.PutMessage`, `table.Batch`, `blob.PutBlob`. */
  byOperation: Record<string, number>;
}

export interface ClassifiedRequest {
  service: StorageService | "unknown";
  operation: string;
}

/** What classification reads from a request; a `PipelineRequest` is one. */
export interface StorageRequestShape {
  method: string;
  url: string;
  headers?: { get(name: string): string | undefined | null };
}

/**
 * Names the service and operation of a storage request. `service` is what the caller knows (the client the
 * policy is attached to); without it the service is guessed from the host (`<account>.queue.core...`),
 * Azurite's default ports (10000 blob, 10001 queue, 10002 table) and the path.
 */
export function classifyStorageRequest(
  req: StorageRequestShape,
  service?: StorageService,
): ClassifiedRequest {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    // Not a URL (the SDKs always send one): counted, as an unknown operation.
    return { service: service ?? "unknown", operation: "Other" };
  }
  const method = req.method.toUpperCase();
  const header = (name: string): string | undefined => req.headers?.get(name) ?? undefined;
  const segments = resourceSegments(url);
  const svc = service ?? guessService(url, segments);
  switch (svc) {
    case "queue":
      return { service: svc, operation: queueOperation(method, url, segments) };
    case "table":
      return { service: svc, operation: tableOperation(method, url, segments) };
    case "blob":
      return { service: svc, operation: blobOperation(method, url, segments, header) };
    default:
      return { service: "unknown", operation: "Other" };
  }
}

/**
 * The decoded path segments below the account. Path-style URLs (IP hosts, localhost, explicit ports: Azurite
 * and emulators, as the storage SDKs decide it) carry the account as their first segment; host-style URLs
 * (`<account>.queue.core.windows.net`) don't.
 */
function resourceSegments(url: URL): string[] {
  const segments = url.pathname
    .split("/")
    .filter((s) => s !== "")
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s; // malformed percent-encoding (URIError): the segment as sent
      }
    });
  return isPathStyle(url) ? segments.slice(1) : segments;
}

function isPathStyle(url: URL): boolean {
  const host = url.hostname;
  return (
    url.port !== "" ||
    host === "localhost" ||
    host === "host.docker.internal" ||
    host.startsWith("[") ||
    /^\d{1,3}(\.\d{1,3}){3}$/.test(host)
  );
}

function guessService(url: URL, segments: string[]): StorageService | undefined {
  const label = url.hostname.toLowerCase().split(".")[1];
  if (label === "queue" || label === "table" || label === "blob") return label;
  if (url.port === "10000") return "blob";
  if (url.port === "10001") return "queue";
  if (url.port === "10002") return "table";
  const last = segments[segments.length - 1] ?? "";
  if (last === "$batch" || last === "Tables" || /\)$/.test(last)) return "table";
  if (url.searchParams.get("restype") === "container" || url.searchParams.get("comp") === "lease")
    return "blob";
  if (segments[1] === "messages") return "queue";
  return undefined;
}

function queueOperation(method: string, url: URL, rest: string[]): string {
  const comp = url.searchParams.get("comp");
  if (rest.length === 0) return comp === "list" ? "ListQueues" : "Other";
  if (rest.length === 1) {
    if (comp === "metadata") return method === "PUT" ? "SetQueueMetadata" : "GetQueueProperties";
    if (comp === "acl") return method === "PUT" ? "SetQueueAcl" : "GetQueueAcl";
    if (comp !== null) return "Other";
    if (method === "PUT") return "CreateQueue";
    if (method === "DELETE") return "DeleteQueue";
    return "Other";
  }
  if (rest[1] !== "messages") return "Other";
  if (rest.length === 2) {
    if (method === "POST") return "PutMessage";
    if (method === "GET")
      return url.searchParams.get("peekonly")?.toLowerCase() === "true" ? "PeekMessages" : "GetMessages";
    if (method === "DELETE") return "ClearMessages";
    return "Other";
  }
  if (rest.length === 3) {
    if (method === "DELETE") return "DeleteMessage";
    if (method === "PUT") return "UpdateMessage";
  }
  return "Other";
}

function tableOperation(method: string, url: URL, rest: string[]): string {
  const comp = url.searchParams.get("comp");
  if (rest.length !== 1) return "Other";
  const resource = rest[0]!;
  if (resource === "$batch") return method === "POST" ? "Batch" : "Other";
  if (resource === "Tables")
    return method === "POST" ? "CreateTable" : method === "GET" ? "QueryTables" : "Other";
  if (resource.startsWith("Tables("))
    return method === "DELETE" ? "DeleteTable" : method === "GET" ? "QueryTables" : "Other";
  if (comp === "acl") return method === "PUT" ? "SetTableAcl" : "GetTableAcl";
  if (comp !== null) return "Other";
  switch (method) {
    case "GET":
      return "QueryEntities";
    case "POST":
      return "InsertEntity";
    case "PUT":
      return "UpdateEntity";
    case "MERGE":
    case "PATCH":
      return "MergeEntity";
    case "DELETE":
      return "DeleteEntity";
    default:
      return "Other";
  }
}

const LEASE_OPERATIONS: Record<string, string> = {
  acquire: "AcquireLease",
  renew: "RenewLease",
  release: "ReleaseLease",
  change: "ChangeLease",
  break: "BreakLease",
};

function blobOperation(
  method: string,
  url: URL,
  rest: string[],
  header: (name: string) => string | undefined,
): string {
  const comp = url.searchParams.get("comp");
  // Blob and container leases alike.
  if (comp === "lease") return LEASE_OPERATIONS[header("x-ms-lease-action")?.toLowerCase() ?? ""] ?? "Other";
  if (rest.length === 0) return comp === "list" ? "ListContainers" : "Other";
  if (rest.length === 1) {
    if (url.searchParams.get("restype") !== "container") return "Other";
    if (comp === "list") return "ListBlobs";
    if (comp === "metadata") return method === "PUT" ? "SetContainerMetadata" : "GetContainerProperties";
    if (comp === "acl") return method === "PUT" ? "SetContainerAcl" : "GetContainerAcl";
    if (comp !== null) return "Other";
    if (method === "PUT") return "CreateContainer";
    if (method === "DELETE") return "DeleteContainer";
    if (method === "GET" || method === "HEAD") return "GetContainerProperties";
    return "Other";
  }
  switch (comp) {
    case null:
      break;
    case "block":
      return method === "PUT" ? "PutBlock" : "Other";
    case "blocklist":
      return method === "PUT" ? "PutBlockList" : "GetBlockList";
    case "metadata":
      return method === "PUT" ? "SetBlobMetadata" : "GetBlobMetadata";
    case "properties":
      return method === "PUT" ? "SetBlobProperties" : "Other";
    case "appendblock":
      return "AppendBlock";
    case "page":
      return "PutPage";
    case "snapshot":
      return "SnapshotBlob";
    case "tags":
      return method === "PUT" ? "SetBlobTags" : "GetBlobTags";
    default:
      return "Other";
  }
  switch (method) {
    case "PUT":
      return header("x-ms-copy-source") !== undefined ? "CopyBlob" : "PutBlob";
    case "GET":
      return "GetBlob";
    case "HEAD":
      return "GetBlobProperties";
    case "DELETE":
      return "DeleteBlob";
    default:
      return "Other";
  }
}

function emptyCounts(): RequestCounts {
  return { total: 0, byService: {}, byOperation: {} };
}

function subtract(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of new Set([...Object.keys(after), ...Object.keys(before)])) {
    const d = (after[key] ?? 0) - (before[key] ?? 0);
    if (d !== 0) out[key] = d;
  }
  return out;
}

export class RequestCounter {
  /** The name of the policies a counter makes; a pipeline holds at most one policy of a name. */
  static readonly policyName = "taskhubRequestCounter";

  private counts: RequestCounts = emptyCounts();

  /**
   * A pipeline policy that counts each request it sees as a request to `service` (the client it is
   * attached to); without `service` the service is guessed from the URL. Attach it per retry
   * (`position: "perRetry"` / `afterPhase: "Retry"`) so that every attempt counts.
   */
  policy(service?: StorageService): PipelinePolicy {
    return {
      name: RequestCounter.policyName,
      sendRequest: (request, next) => {
        const classified = classifyStorageRequest(request, service);
        this.record(classified);
        // OpenTelemetry metrics, when an SDK is registered (taskhub.storage.*).
        const metrics = providerInstruments();
        return metrics ? measureStorageRequest(metrics, classified, () => next(request)) : next(request);
      },
    };
  }

  /** Counts one request; for requests sent outside the SDK pipelines. */
  record(request: ClassifiedRequest): void {
    const key = `${request.service}.${request.operation}`;
    this.counts.total++;
    this.counts.byService[request.service] = (this.counts.byService[request.service] ?? 0) + 1;
    this.counts.byOperation[key] = (this.counts.byOperation[key] ?? 0) + 1;
  }

  /** A copy of the counts so far; later requests don't change it. */
  snapshot(): RequestCounts {
    return {
      total: this.counts.total,
      byService: { ...this.counts.byService },
      byOperation: { ...this.counts.byOperation },
    };
  }

  reset(): void {
    this.counts = emptyCounts();
  }

  /** The requests made between `before` and `after` (default: now); keys whose difference is 0 are left out. */
  diff(before: RequestCounts, after: RequestCounts = this.snapshot()): RequestCounts {
    return RequestCounter.diff(before, after);
  }

  /** The requests made between two snapshots (`after - before`); keys whose difference is 0 are left out. */
  static diff(before: RequestCounts, after: RequestCounts): RequestCounts {
    return {
      total: after.total - before.total,
      byService: subtract(after.byService, before.byService),
      byOperation: subtract(after.byOperation, before.byOperation),
    };
  }
}
