/**
 * Storage clients for a task hub, from a `StorageConnection` (see connection.ts): signed with the account key,
 * the SAS token or the `TokenCredential` the connection gives.
 *
 * Contracts:
 * - Every client counts its requests, retries included, in the `RequestCounter` (one is made when none is
 *   given), and gives each attempt `retry.tryTimeoutMs` on the client before it is abandoned and retried.
 * - A request that could not be sent (`EPIPE`: the server had closed the idle keep-alive connection the request
 *   went out on) is retried by every client: the blob and queue SDKs do it, table clients get a policy for it.
 * - Queue message text goes on the wire as given: the JavaScript queue SDK has no message encoding option
 *   and never base64-encodes (unlike .NET's `QueueMessageEncoding.Base64`), so callers send raw JSON.
 * - `table(name)`, `queue(name)` and `container(name)` return one cached client per name.
 * - Pipelines leave out the policies a storage client never needs (`UNNEEDED_POLICIES`): each is one more
 *   async layer per attempt, and together they were a tenth of a worker's CPU.
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
import { resolveConnection, type StorageAuth, type StorageConnection } from "./connection.js";
import { RequestCounter, type StorageService } from "./request-counter.js";

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

const DEFAULT_MAX_TRIES = 4;
const DEFAULT_TRY_TIMEOUT_MS = 30_000;

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

  const { accountName, endpoints, auth: credentials } = resolveConnection(conn);

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
  removeUnneededPolicies(corePipelineOf(queuePipeline, "queue"));

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
  removeUnneededPolicies(corePipelineOf(blobPipeline, "blob"));

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
  removeUnneededPolicies(tableService.pipeline);

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
      cached(tables, name, (n) => {
        const client = newTableClient(endpoints.table, n, credentials, tableOptions());
        removeUnneededPolicies(client.pipeline);
        return client;
      }),
    queue: (name) => cached(queues, name, (n) => queueService.getQueueClient(n)),
    container: (name) => cached(containers, name, (n) => blobService.getContainerClient(n)),
  };
}

function newTableService(
  url: string,
  credentials: StorageAuth,
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
  credentials: StorageAuth,
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
  const core = corePipelineOf(pipeline, service);
  const present = new Set(core.getOrderedPolicies().map((p) => p.name));
  for (const policy of policies)
    if (!present.has(policy.name)) core.addPolicy(policy, { afterPhase: "Retry" });
}

/** The core pipeline a queue/blob `Pipeline` built for its first client (see `addPerRetryPolicies`). */
function corePipelineOf(pipeline: QueuePipeline | BlobPipeline, service: StorageService): CorePipeline {
  const core = (pipeline as unknown as { _corePipeline?: CorePipeline })._corePipeline;
  if (
    core === undefined ||
    typeof core.addPolicy !== "function" ||
    typeof core.getOrderedPolicies !== "function" ||
    typeof core.removePolicy !== "function"
  ) {
    throw new TaskHubError(
      "Storage",
      `cannot attach the request counter to the ${service} client: this @azure/storage-${service} version builds its pipeline differently`,
    );
  }
  return core;
}

/**
 * Policies of the SDKs' default pipelines that a storage client of a task hub does not need:
 * - `tracingPolicy`: an HTTP span per attempt (a no-op span unless an instrumenter is registered); the SDK
 *   clients still open a span per operation, so a registered instrumenter still sees every storage call.
 * - `redirectPolicy`: Azure Storage and Azurite never answer with a redirect.
 * - `formDataPolicy`, `multipartPolicy`: no request of ours has a form or multipart body.
 */
const UNNEEDED_POLICIES = ["tracingPolicy", "redirectPolicy", "formDataPolicy", "multipartPolicy"];

function removeUnneededPolicies(pipeline: CorePipeline): void {
  for (const name of UNNEEDED_POLICIES) pipeline.removePolicy({ name });
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
 *
 * The timer is the HTTP client's own (`request.timeout`: it aborts the attempt with an `AbortError`, which is
 * the timeout's when the caller's signal has not fired). A signal and a timer of this policy's own, per attempt,
 * made the HTTP client follow one more abort signal (listeners added and removed, a promise chain per request)
 * even for the many requests that have no caller's signal.
 */
function tryTimeoutPolicy(timeoutMs: number): PipelinePolicy {
  return {
    name: "taskhubTryTimeout",
    async sendRequest(request, next) {
      const outer = request.abortSignal;
      const previous = request.timeout;
      request.timeout = timeoutMs;
      try {
        return await next(request);
      } catch (err) {
        if ((err as Error | undefined)?.name === "AbortError" && !outer?.aborted) {
          throw new RestError(`the storage request got no response within ${timeoutMs} ms`, {
            code: "ETIMEDOUT",
          });
        }
        throw err;
      } finally {
        request.timeout = previous;
      }
    },
  };
}
