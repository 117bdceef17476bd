/**
 * Storage clients for a task hub: from a connection string (`UseDevelopmentStorage=true`, Azurite's full
 * form, an Azure account key or SAS connection string), or an account name / service endpoints with a
 * `TokenCredential` (by default `DefaultAzureCredential`).
 *
 * Contracts:
 * - Every client counts its requests, retries included, in the `RequestCounter` (one is made when none is
 *   given), and gives each attempt `retry.tryTimeoutMs` on the client before it is abandoned and retried.
 * - A request that could not be sent (`EPIPE`: the server had closed the idle keep-alive connection the request
 *   went out on) is retried by every client: the blob and queue SDKs do it, table clients get a policy for it.
 * - Queue message text goes on the wire as given: the JavaScript queue SDK has no message encoding option
 *   and never base64-encodes (unlike .NET's `QueueMessageEncoding.Base64`), so callers send raw JSON.
 * - `table(name)`, `queue(name)` and `container(name)` return one cached client per name.
 * - Errors never quote the connection string, the account key or a SAS token.
 */
import {
  isRestError,
  RestError,
  retryPolicy,
  type Pipeline as CorePipeline,
  type PipelinePolicy,
} from "@azure/core-rest-pipeline";
import {
  AzureNamedKeyCredential,
  AzureSASCredential,
  TableClient,
  TableServiceClient,
  type TableServiceClientOptions,
} from "@azure/data-tables";
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import {
  AnonymousCredential as BlobAnonymousCredential,
  BlobServiceClient,
  newPipeline as newBlobPipeline,
  StorageSharedKeyCredential as BlobSharedKeyCredential,
  type ContainerClient,
  type Pipeline as BlobPipeline,
} from "@azure/storage-blob";
import {
  AnonymousCredential as QueueAnonymousCredential,
  newPipeline as newQueuePipeline,
  QueueServiceClient,
  StorageSharedKeyCredential as QueueSharedKeyCredential,
  type Pipeline as QueuePipeline,
  type QueueClient,
} from "@azure/storage-queue";
import { InvalidArgumentError, TaskHubError } from "@taskhub/core";
import { RequestCounter, type StorageService } from "./request-counter.js";

export type StorageConnection =
  | { connectionString: string }
  | {
      accountName: string;
      /** Default: `new DefaultAzureCredential()`. */
      credential?: TokenCredential;
      /** Default: `https://<accountName>.<service>.core.windows.net`. */
      blobEndpoint?: string;
      queueEndpoint?: string;
      tableEndpoint?: string;
    };

export interface StorageRetryOptions {
  /** Attempts per request, the first included (default 4). */
  maxTries?: number;
  /**
   * Time one attempt may take on the client before it is abandoned as a transient failure (`ETIMEDOUT`)
   * and retried (default 30 000). Blob and queue requests also pass it to the service as `timeout` (whole
   * seconds, from 1 s).
   */
  tryTimeoutMs?: number;
  /** Base of the exponential back-off between attempts (default: the SDKs', 4 s for blob/queue, 1 s for table). */
  retryDelayMs?: number;
  /** Cap of the back-off between attempts (default: the SDKs'). */
  maxRetryDelayMs?: number;
}

export interface CreateStorageClientsOptions {
  counter?: RequestCounter;
  retry?: StorageRetryOptions;
}

export interface StorageClients {
  accountName: string;
  queueService: QueueServiceClient;
  blobService: BlobServiceClient;
  tableService: TableServiceClient;
  table(name: string): TableClient;
  queue(name: string): QueueClient;
  container(name: string): ContainerClient;
}

/**
 * What a connection string says. `accountKey` and `sharedAccessSignature` are present but not enumerable,
 * so logging or serializing the object does not print them.
 */
export interface ParsedConnectionString {
  accountName: string;
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
  readonly accountKey: string | undefined;
  readonly sharedAccessSignature: string | undefined;
}

/** Azurite's (and the old storage emulator's) well-known development account. */
export const DEVELOPMENT_ACCOUNT_NAME = "devstoreaccount1";
export const DEVELOPMENT_ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

const DEFAULT_MAX_TRIES = 4;
const DEFAULT_TRY_TIMEOUT_MS = 30_000;
const SERVICES = ["blob", "queue", "table"] as const;
const DEVELOPMENT_PORTS: Record<StorageService, number> = { blob: 10000, queue: 10001, table: 10002 };

/**
 * Endpoints, account name and credentials of a storage connection string. Keys are case-insensitive.
 * `UseDevelopmentStorage=true` means Azurite on its default ports (10000 blob, 10001 queue, 10002 table) at
 * 127.0.0.1, or at the host of `DevelopmentStorageProxyUri`. Errors never quote the string.
 */
export function parseConnectionString(cs: string): ParsedConnectionString {
  const parts = new Map<string, string>();
  for (const piece of cs.split(";")) {
    const i = piece.indexOf("=");
    if (i > 0) parts.set(piece.slice(0, i).trim().toLowerCase(), piece.slice(i + 1).trim());
  }
  if (parts.get("usedevelopmentstorage")?.toLowerCase() === "true") {
    const proxy = validUrl(
      parts.get("developmentstorageproxyuri") || "http://127.0.0.1",
      "DevelopmentStorageProxyUri",
    );
    const base = `${proxy.protocol}//${proxy.hostname}`;
    return withSecrets(
      {
        accountName: DEVELOPMENT_ACCOUNT_NAME,
        blobEndpoint: `${base}:${DEVELOPMENT_PORTS.blob}/${DEVELOPMENT_ACCOUNT_NAME}`,
        queueEndpoint: `${base}:${DEVELOPMENT_PORTS.queue}/${DEVELOPMENT_ACCOUNT_NAME}`,
        tableEndpoint: `${base}:${DEVELOPMENT_PORTS.table}/${DEVELOPMENT_ACCOUNT_NAME}`,
      },
      DEVELOPMENT_ACCOUNT_KEY,
      undefined,
    );
  }
  const explicit = (svc: StorageService): string | undefined => {
    const value = parts.get(`${svc}endpoint`);
    if (!value) return undefined;
    validUrl(value, `${svc[0]!.toUpperCase()}${svc.slice(1)}Endpoint`);
    return value.replace(/\/+$/, "");
  };
  const accountName =
    parts.get("accountname") ||
    accountFromEndpoint(explicit("queue") ?? explicit("table") ?? explicit("blob"));
  if (!accountName) {
    throw new InvalidArgumentError(
      "the storage connection string has no AccountName and no endpoint to take it from (and is not UseDevelopmentStorage=true)",
    );
  }
  const protocol = parts.get("defaultendpointsprotocol")?.toLowerCase() || "https";
  if (protocol !== "https" && protocol !== "http")
    throw new InvalidArgumentError("DefaultEndpointsProtocol must be http or https");
  const suffix = parts.get("endpointsuffix") || "core.windows.net";
  const endpoint = (svc: StorageService): string =>
    explicit(svc) ?? `${protocol}://${accountName}.${svc}.${suffix}`;
  return withSecrets(
    {
      accountName,
      blobEndpoint: endpoint("blob"),
      queueEndpoint: endpoint("queue"),
      tableEndpoint: endpoint("table"),
    },
    parts.get("accountkey") || undefined,
    parts.get("sharedaccesssignature")?.replace(/^\?/, "") || undefined,
  );
}

function withSecrets(
  endpoints: Omit<ParsedConnectionString, "accountKey" | "sharedAccessSignature">,
  accountKey: string | undefined,
  sharedAccessSignature: string | undefined,
): ParsedConnectionString {
  return Object.defineProperties(endpoints, {
    accountKey: { value: accountKey, enumerable: false },
    sharedAccessSignature: { value: sharedAccessSignature, enumerable: false },
  }) as ParsedConnectionString;
}

function validUrl(value: string, what: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new InvalidArgumentError(`${what} of the storage connection is not an http(s) URL`);
  }
  return url;
}

/** Path-style endpoints (Azurite: `http://127.0.0.1:10001/devstoreaccount1`) name the account in the path. */
function accountFromEndpoint(endpoint: string | undefined): string | undefined {
  if (endpoint === undefined) return undefined;
  const url = new URL(endpoint);
  return url.pathname.split("/").find((s) => s !== "") ?? url.hostname.split(".")[0];
}

type Credentials =
  | { kind: "key"; accountName: string; accountKey: string }
  | { kind: "sas"; sas: string }
  | { kind: "token"; credential: TokenCredential }
  | { kind: "anonymous" };

export function createStorageClients(
  conn: StorageConnection,
  options: CreateStorageClientsOptions = {},
): StorageClients {
  const counter = options.counter ?? new RequestCounter();
  const retry = options.retry ?? {};
  const maxTries = retry.maxTries ?? DEFAULT_MAX_TRIES;
  const tryTimeoutMs = retry.tryTimeoutMs ?? DEFAULT_TRY_TIMEOUT_MS;
  if (!Number.isInteger(maxTries) || maxTries < 1)
    throw new InvalidArgumentError("retry.maxTries must be an integer >= 1");
  if (!(tryTimeoutMs > 0)) throw new InvalidArgumentError("retry.tryTimeoutMs must be > 0");

  let accountName: string;
  const endpoints: Record<StorageService, string> = { blob: "", queue: "", table: "" };
  let credentials: Credentials;
  if ("connectionString" in conn) {
    const p = parseConnectionString(conn.connectionString);
    accountName = p.accountName;
    Object.assign(endpoints, { blob: p.blobEndpoint, queue: p.queueEndpoint, table: p.tableEndpoint });
    credentials = p.accountKey
      ? { kind: "key", accountName: p.accountName, accountKey: p.accountKey }
      : p.sharedAccessSignature
        ? { kind: "sas", sas: p.sharedAccessSignature }
        : { kind: "anonymous" };
  } else {
    accountName = conn.accountName;
    const given = { blob: conn.blobEndpoint, queue: conn.queueEndpoint, table: conn.tableEndpoint };
    for (const svc of SERVICES) {
      const value = given[svc];
      endpoints[svc] = value
        ? validUrl(value, `${svc}Endpoint`).href.replace(/\/+$/, "")
        : `https://${conn.accountName}.${svc}.core.windows.net`;
    }
    credentials = { kind: "token", credential: conn.credential ?? new DefaultAzureCredential() };
  }

  // Policies every attempt passes through (after the retry policy): the counter and the per-try timeout.
  const perRetry = (service: StorageService): PipelinePolicy[] => [
    counter.policy(service),
    tryTimeoutPolicy(tryTimeoutMs),
  ];
  const storageRetry = {
    maxTries,
    // The service-side `timeout` is in whole seconds; below one second only the client-side timeout applies.
    tryTimeoutInMs: tryTimeoutMs >= 1000 ? tryTimeoutMs : undefined,
    retryDelayInMs: retry.retryDelayMs,
    maxRetryDelayInMs: retry.maxRetryDelayMs,
  };
  const withSas = (url: string): string => (credentials.kind === "sas" ? `${url}?${credentials.sas}` : url);

  const queuePipeline = newQueuePipeline(
    credentials.kind === "key"
      ? new QueueSharedKeyCredential(credentials.accountName, credentials.accountKey)
      : credentials.kind === "token"
        ? credentials.credential
        : new QueueAnonymousCredential(),
    { retryOptions: storageRetry },
  );
  const queueService = new QueueServiceClient(withSas(endpoints.queue), queuePipeline);
  addPerRetryPolicies(queuePipeline, perRetry("queue"), "queue");

  const blobPipeline = newBlobPipeline(
    credentials.kind === "key"
      ? new BlobSharedKeyCredential(credentials.accountName, credentials.accountKey)
      : credentials.kind === "token"
        ? credentials.credential
        : new BlobAnonymousCredential(),
    { retryOptions: storageRetry },
  );
  const blobService = new BlobServiceClient(withSas(endpoints.blob), blobPipeline);
  addPerRetryPolicies(blobPipeline, perRetry("blob"), "blob");

  // Table clients have a pipeline each; per-retry policies go in through the public option.
  const tableOptions = (): TableServiceClientOptions => ({
    allowInsecureConnection: endpoints.table.startsWith("http:"),
    retryOptions: {
      maxRetries: maxTries - 1,
      retryDelayInMs: retry.retryDelayMs,
      maxRetryDelayInMs: retry.maxRetryDelayMs,
    },
    additionalPolicies: [
      { policy: lineSeparatorEscapePolicy(), position: "perCall" as const },
      // Before the counter and the per-try timeout, so that each attempt it makes is counted and timed.
      { policy: unsentRequestRetryPolicy(maxTries, retry.retryDelayMs), position: "perRetry" as const },
      ...perRetry("table").map((policy) => ({ policy, position: "perRetry" as const })),
    ],
  });
  const tableService = newTableService(endpoints.table, credentials, tableOptions());

  const tables = new Map<string, TableClient>();
  const queues = new Map<string, QueueClient>();
  const containers = new Map<string, ContainerClient>();
  const cached = <T>(map: Map<string, T>, name: string, make: (name: string) => T): T => {
    let client = map.get(name);
    if (client === undefined) map.set(name, (client = make(name)));
    return client;
  };
  return {
    accountName,
    queueService,
    blobService,
    tableService,
    table: (name) =>
      cached(tables, name, (n) => newTableClient(endpoints.table, n, credentials, tableOptions())),
    queue: (name) => cached(queues, name, (n) => queueService.getQueueClient(n)),
    container: (name) => cached(containers, name, (n) => blobService.getContainerClient(n)),
  };
}

function newTableService(
  url: string,
  credentials: Credentials,
  options: TableServiceClientOptions,
): TableServiceClient {
  switch (credentials.kind) {
    case "key":
      return new TableServiceClient(
        url,
        new AzureNamedKeyCredential(credentials.accountName, credentials.accountKey),
        options,
      );
    case "sas":
      return new TableServiceClient(url, new AzureSASCredential(credentials.sas), options);
    case "token":
      return new TableServiceClient(url, credentials.credential, options);
    case "anonymous":
      return new TableServiceClient(url, options);
  }
}

function newTableClient(
  url: string,
  name: string,
  credentials: Credentials,
  options: TableServiceClientOptions,
): TableClient {
  switch (credentials.kind) {
    case "key":
      return new TableClient(
        url,
        name,
        new AzureNamedKeyCredential(credentials.accountName, credentials.accountKey),
        options,
      );
    case "sas":
      return new TableClient(url, name, new AzureSASCredential(credentials.sas), options);
    case "token":
      return new TableClient(url, name, credentials.credential, options);
    case "anonymous":
      return new TableClient(url, name, options);
  }
}

/**
 * Adds policies after the Retry phase of the core pipeline that a queue/blob `Pipeline` built for its first
 * client; every client made from the same `Pipeline` (`getQueueClient`, `getContainerClient`, ...) shares that
 * core pipeline. The storage SDKs offer no public per-retry hook (policies in `Pipeline.factories` run once
 * per call), so this uses their `_corePipeline` cache, and fails loudly if an SDK version drops it.
 */
function addPerRetryPolicies(
  pipeline: QueuePipeline | BlobPipeline,
  policies: PipelinePolicy[],
  service: StorageService,
): void {
  const core = (pipeline as unknown as { _corePipeline?: CorePipeline })._corePipeline;
  if (
    core === undefined ||
    typeof core.addPolicy !== "function" ||
    typeof core.getOrderedPolicies !== "function"
  ) {
    throw new TaskHubError(
      "Storage",
      `cannot attach the request counter to the ${service} client: this @azure/storage-${service} version builds its pipeline differently`,
    );
  }
  const present = new Set(core.getOrderedPolicies().map((p) => p.name));
  for (const policy of policies)
    if (!present.has(policy.name)) core.addPolicy(policy, { afterPhase: "Retry" });
}

/**
 * Writes U+2028 and U+2029 in table request bodies as JSON escapes. JSON.stringify leaves them raw, and
 * Azurite's entity-group-transaction parser treats them as line breaks and fails the whole batch with a 500,
 * so an orchestration whose payload, name or error message held one could never checkpoint. Outside JSON
 * strings they cannot occur in these bodies (keys in request lines are percent-encoded), so the escape
 * changes no value; the table stores the same text.
 */
function lineSeparatorEscapePolicy(): PipelinePolicy {
  return {
    name: "taskhubLineSeparatorEscape",
    sendRequest(request, next) {
      if (typeof request.body === "string" && /[\u2028\u2029]/.test(request.body))
        request.body = request.body.replace(/[\u2028\u2029]/g, (c) =>
          c === "\u2028" ? "\\u2028" : "\\u2029",
        );
      return next(request);
    },
  };
}

/** Codes of a request that failed while being sent, which the table SDK's retry policy does not retry. */
const UNSENT_REQUEST_CODES = new Set(["EPIPE", RestError.REQUEST_SEND_ERROR]);

/**
 * Retries a table request that failed while being sent (`EPIPE`, `REQUEST_SEND_ERROR`), as the blob and queue
 * SDKs do. The typical cause is a race: the server closes an idle keep-alive connection just as the client
 * reuses it (likelier the busier the machine). Such a request never reached the service, so sending it again
 * is safe even for writes. The first retry is immediate (on another connection: waiting one turn of the event
 * loop lets the client see every connection the server closed); later ones back off from `retryDelayMs`.
 */
function unsentRequestRetryPolicy(maxTries: number, retryDelayMs = 1000): PipelinePolicy {
  const policy = retryPolicy(
    [
      {
        name: "taskhubUnsentRequestRetry",
        retry: ({ retryCount, responseError }) =>
          responseError !== undefined &&
          isRestError(responseError) &&
          responseError.response === undefined &&
          UNSENT_REQUEST_CODES.has(responseError.code ?? "")
            ? { retryAfterInMs: retryCount === 0 ? 0 : retryDelayMs * 2 ** (retryCount - 1) }
            : { skipStrategy: true },
      },
    ],
    { maxRetries: maxTries - 1 },
  );
  return {
    name: "taskhubUnsentRequestRetry",
    sendRequest: (request, next) => policy.sendRequest(request, next),
  };
}

/**
 * Gives one attempt `timeoutMs`: if no response has arrived by then, the attempt is aborted and fails with a
 * `RestError` coded `ETIMEDOUT`, which the retry policies retry and `isTransient` recognizes. The caller's own
 * abort signal still aborts the attempt (with the SDK's `AbortError`). A response body streamed after the
 * headers is not timed.
 */
function tryTimeoutPolicy(timeoutMs: number): PipelinePolicy {
  return {
    name: "taskhubTryTimeout",
    async sendRequest(request, next) {
      const outer = request.abortSignal;
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      const onOuterAbort = (): void => controller.abort();
      if (outer?.aborted) controller.abort();
      outer?.addEventListener("abort", onOuterAbort);
      request.abortSignal = controller.signal;
      try {
        return await next(request);
      } catch (err) {
        if (timedOut && !outer?.aborted) {
          throw new RestError(`the storage request got no response within ${timeoutMs} ms`, {
            code: "ETIMEDOUT",
          });
        }
        throw err;
      } finally {
        clearTimeout(timer);
        outer?.removeEventListener("abort", onOuterAbort);
        request.abortSignal = outer;
      }
    },
  };
}
