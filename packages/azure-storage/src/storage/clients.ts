/**
 * Storage clients for a task hub: from a connection string (including `UseDevelopmentStorage=true` and
 * Azurite's full form), or an account name / service URLs with a `TokenCredential` (by default
 * `DefaultAzureCredential`). Every client counts its requests in the shared `RequestCounter`.
 */
import { TableClient, TableServiceClient, AzureNamedKeyCredential } from "@azure/data-tables";
import { DefaultAzureCredential } from "@azure/identity";
import { AnonymousCredential, BlobServiceClient, newPipeline as newBlobPipeline, StorageSharedKeyCredential, type ContainerClient } from "@azure/storage-blob";
import { AnonymousCredential as AnonymousQueueCredential, newPipeline as newQueuePipeline, QueueServiceClient, StorageSharedKeyCredential as QueueKeyCredential, type QueueClient } from "@azure/storage-queue";
import type { TokenCredential } from "@azure/identity";
import { InvalidArgumentError } from "@taskhub/core";
import { RequestCounter } from "./request-counter.js";

export type StorageConnection =
  | { connectionString: string }
  | {
      accountName: string;
      credential?: TokenCredential;
      blobEndpoint?: string;
      queueEndpoint?: string;
      tableEndpoint?: string;
    };

export interface StorageClients {
  accountName: string;
  queueService: QueueServiceClient;
  blobService: BlobServiceClient;
  tableService: TableServiceClient;
  table(name: string): TableClient;
  queue(name: string): QueueClient;
  container(name: string): ContainerClient;
}

export interface ParsedConnectionString {
  accountName: string;
  accountKey: string | undefined;
  sharedAccessSignature: string | undefined;
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
}

const DEV_ACCOUNT = "devstoreaccount1";
const DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** Endpoints and credentials of a connection string. Errors never quote the string (it holds a key). */
export function parseConnectionString(cs: string): ParsedConnectionString {
  const parts = new Map<string, string>();
  for (const piece of cs.split(";")) {
    const i = piece.indexOf("=");
    if (i > 0) parts.set(piece.slice(0, i).trim().toLowerCase(), piece.slice(i + 1).trim());
  }
  if (parts.get("usedevelopmentstorage")?.toLowerCase() === "true") {
    const proxy = parts.get("developmentstorageproxyuri") ?? "http://127.0.0.1";
    return {
      accountName: DEV_ACCOUNT,
      accountKey: DEV_KEY,
      sharedAccessSignature: undefined,
      blobEndpoint: `${proxy}:10000/${DEV_ACCOUNT}`,
      queueEndpoint: `${proxy}:10001/${DEV_ACCOUNT}`,
      tableEndpoint: `${proxy}:10002/${DEV_ACCOUNT}`,
    };
  }
  const accountName = parts.get("accountname") ?? accountFromEndpoint(parts.get("queueendpoint") ?? parts.get("blobendpoint"));
  if (!accountName) throw new InvalidArgumentError("the storage connection string has no AccountName (and is not UseDevelopmentStorage=true)");
  const protocol = parts.get("defaultendpointsprotocol") ?? "https";
  const suffix = parts.get("endpointsuffix") ?? "core.windows.net";
  const endpoint = (svc: string): string => (parts.get(`${svc}endpoint`) ?? `${protocol}://${accountName}.${svc}.${suffix}`).replace(/\/$/, "");
  return {
    accountName,
    accountKey: parts.get("accountkey"),
    sharedAccessSignature: parts.get("sharedaccesssignature"),
    blobEndpoint: endpoint("blob"),
    queueEndpoint: endpoint("queue"),
    tableEndpoint: endpoint("table"),
  };
}

function accountFromEndpoint(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const u = new URL(url);
  return u.hostname.split(".")[0] === "127" || u.hostname === "localhost" ? u.pathname.split("/")[1] : u.hostname.split(".")[0];
}

export function createStorageClients(conn: StorageConnection, options: { counter?: RequestCounter } = {}): StorageClients {
  const counter = options.counter ?? new RequestCounter();
  let accountName: string;
  let queueService: QueueServiceClient;
  let blobService: BlobServiceClient;
  let tableService: TableServiceClient;
  let table: (name: string) => TableClient;
  const retryOptions = { maxTries: 4, tryTimeoutInMs: 30_000 };
  const queuePipeline = (cred: Parameters<typeof newQueuePipeline>[0]) => {
    const p = newQueuePipeline(cred, { retryOptions });
    p.factories.push(counter.requestPolicyFactory("queue") as never);
    return p;
  };
  const blobPipeline = (cred: Parameters<typeof newBlobPipeline>[0]) => {
    const p = newBlobPipeline(cred, { retryOptions });
    p.factories.push(counter.requestPolicyFactory("blob") as never);
    return p;
  };

  if ("connectionString" in conn) {
    const p = parseConnectionString(conn.connectionString);
    accountName = p.accountName;
    const insecure = p.tableEndpoint.startsWith("http:");
    if (p.accountKey) {
      queueService = new QueueServiceClient(p.queueEndpoint, queuePipeline(new QueueKeyCredential(p.accountName, p.accountKey)));
      blobService = new BlobServiceClient(p.blobEndpoint, blobPipeline(new StorageSharedKeyCredential(p.accountName, p.accountKey)));
      const tableCred = new AzureNamedKeyCredential(p.accountName, p.accountKey);
      const tableOptions = { allowInsecureConnection: insecure, httpClient: counter.httpClient("table") };
      tableService = new TableServiceClient(p.tableEndpoint, tableCred, tableOptions);
      table = (name) => new TableClient(p.tableEndpoint, name, tableCred, tableOptions);
    } else {
      // SAS connection strings: the token rides on every service URL.
      const sas = p.sharedAccessSignature ? `?${p.sharedAccessSignature.replace(/^\?/, "")}` : "";
      queueService = new QueueServiceClient(`${p.queueEndpoint}${sas}`, queuePipeline(new AnonymousQueueCredential()));
      blobService = new BlobServiceClient(`${p.blobEndpoint}${sas}`, blobPipeline(new AnonymousCredential()));
      const tableOptions = { allowInsecureConnection: insecure, httpClient: counter.httpClient("table") };
      tableService = TableServiceClient.fromConnectionString(conn.connectionString, tableOptions);
      table = (name) => TableClient.fromConnectionString(conn.connectionString, name, tableOptions);
    }
  } else {
    accountName = conn.accountName;
    const credential = conn.credential ?? new DefaultAzureCredential();
    const queueUrl = conn.queueEndpoint ?? `https://${conn.accountName}.queue.core.windows.net`;
    const blobUrl = conn.blobEndpoint ?? `https://${conn.accountName}.blob.core.windows.net`;
    const tableUrl = conn.tableEndpoint ?? `https://${conn.accountName}.table.core.windows.net`;
    queueService = new QueueServiceClient(queueUrl, queuePipeline(credential));
    blobService = new BlobServiceClient(blobUrl, blobPipeline(credential));
    const tableOptions = { allowInsecureConnection: tableUrl.startsWith("http:"), httpClient: counter.httpClient("table") };
    tableService = new TableServiceClient(tableUrl, credential, tableOptions);
    table = (name) => new TableClient(tableUrl, name, credential, tableOptions);
  }

  const tables = new Map<string, TableClient>();
  const queues = new Map<string, QueueClient>();
  const containers = new Map<string, ContainerClient>();
  return {
    accountName,
    queueService,
    blobService,
    tableService,
    table: (name) => tables.get(name) ?? tables.set(name, table(name)).get(name)!,
    queue: (name) => queues.get(name) ?? queues.set(name, queueService.getQueueClient(name)).get(name)!,
    container: (name) => containers.get(name) ?? containers.set(name, blobService.getContainerClient(name)).get(name)!,
  };
}
