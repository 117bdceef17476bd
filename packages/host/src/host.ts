/**
 * `createHost`: runs a worker as a process. Validates the whole configuration and binds the HTTP port before it
 * starts anything, then connects to the configured storage (in development with none configured, starts an
 * embedded in-memory Azurite in its own process group and says so; in production refuses to start without
 * storage), creates the task hub if needed, registers the user's orchestrators and activities, serves the
 * HTTP management API plus `/healthz` (process up) and `/readyz` (storage reachable, partitions owned or
 * balancing; 503 while starting or stopping), and stops gracefully: drain in-flight work, release leases, close
 * HTTP, and only then stop the embedded Azurite. A start that fails half way stops what it had started.
 */
import { TaskHubClient, TaskHubError, TaskHubWorker } from "@taskhub/core";
import { AzureStorageOrchestrationService } from "@taskhub/azure-storage";
import type { Logger as PinoLogger } from "pino";
import { loadConfig, type HostConfig, type HostConfigInput } from "./config.js";
import { startEmbeddedAzurite, type EmbeddedAzurite } from "./embedded-azurite.js";
import { createManagementApi } from "./http/management-api.js";
import { LOCAL_RPC_PATH, WEBHOOK_PATH } from "@taskhub/core/management";
import { serve, type RunningServer } from "./http/node-server.js";
import { createLogger } from "./logger.js";

export interface HostOptions {
  /** Registers orchestrators and activities on the worker. */
  register(worker: TaskHubWorker): void | Promise<void>;
  config?: HostConfigInput;
  env?: NodeJS.ProcessEnv;
  logger?: PinoLogger;
  /** An app folder's host.json settings: the configuration's lowest layer (see `loadConfig`). */
  appSettings?: Record<string, unknown>;
  /** Warnings found while loading the app (settings or bindings not hosted), logged once at start. */
  notices?: readonly { event: string; message: string }[];
  /** Drain timeout on stop (default 30 s). */
  drainTimeoutMs?: number;
  /**
   * The app's own HTTP functions (e.g. `df.createHttpHandler()`, durable-functions' `app.client.http` under
   * `/api/...`), tried before the management API; resolving to undefined passes the request on. No key check
   * is applied to what it answers: it does its own authorization.
   */
  httpHandler?: HttpHandler;
}

/** A fetch-style handler that may decline a request (undefined). */
export type HttpHandler = (request: Request) => Response | undefined | Promise<Response | undefined>;

export interface Host {
  readonly config: HostConfig;
  readonly service: AzureStorageOrchestrationService;
  readonly worker: TaskHubWorker;
  readonly client: TaskHubClient;
  readonly logger: PinoLogger;
  /** Base URL of the HTTP server (e.g. http://127.0.0.1:7071). */
  readonly url: string;
  /** The embedded development Azurite, when no storage was configured. */
  readonly azurite: EmbeddedAzurite | undefined;
  stop(): Promise<void>;
}

export async function createHost(options: HostOptions): Promise<Host> {
  // Configuration first: nothing is started until all of it is valid.
  const config = loadConfig(options.config, options.env, undefined, options.appSettings);
  const secrets = [
    config.http.key ?? "",
    config.storage && "connectionString" in config.storage ? config.storage.connectionString : "",
  ];
  const logger = options.logger ?? createLogger({ level: config.logLevel, secrets });
  for (const { event, message, ...fields } of options.notices ?? [])
    logger.warn({ event, ...fields }, message);
  if (!config.http.authDisabled && !config.http.key)
    throw new TaskHubError(
      "InvalidArgument",
      "set TASKHUB_HTTP_KEY (at least 16 characters), or TASKHUB_HTTP_AUTH=disabled for local development",
    );
  if (!config.storage && config.production)
    throw new TaskHubError(
      "InvalidArgument",
      "no storage configured: set AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_NAME (production mode never starts an embedded Azurite)",
    );

  // Then the port, the one setting only binding can check. Until the host is ready it answers 503.
  let serving: ((request: Request) => Promise<Response>) | undefined;
  let ready = false;
  const server: RunningServer = await serve(
    async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/healthz") return Response.json({ status: "up" });
      if (serving) return serving(request);
      if (path === "/readyz") return Response.json({ status: "starting" }, { status: 503 });
      return Response.json(
        { Message: "the host is starting" },
        { status: 503, headers: { "retry-after": "1" } },
      );
    },
    {
      port: config.http.port,
      host: config.http.host,
      headersTimeoutMs: config.http.headersTimeoutMs,
      requestTimeoutMs: config.http.requestTimeoutMs,
      logger,
    },
  );

  let azurite: EmbeddedAzurite | undefined;
  let worker: TaskHubWorker | undefined;
  try {
    let storage = config.storage;
    if (!storage) {
      azurite = await startEmbeddedAzurite();
      storage = { connectionString: azurite.connectionString };
      logger.warn(
        {
          event: "host.embeddedAzurite",
          queueEndpoint: azurite.queueEndpoint,
          tableEndpoint: azurite.tableEndpoint,
          blobEndpoint: azurite.blobEndpoint,
          azuritePid: azurite.pid,
          supervisorPid: azurite.supervisorPid,
        },
        `no storage configured: started an embedded in-memory Azurite (development only; data is lost on exit)${azurite.onDefaultPorts ? "; on the default ports: connect the CLI or Storage Explorer with UseDevelopmentStorage=true" : ""}`,
      );
    }

    const service = new AzureStorageOrchestrationService({
      taskHubName: config.hubName,
      storage,
      partitionCount: config.partitionCount,
      controlQueueBatchSize: config.controlQueueBatchSize,
      controlQueueBufferThreshold: config.controlQueueBufferThreshold,
      controlQueueVisibilityTimeoutMs: config.controlQueueVisibilityTimeoutMs,
      workItemQueueVisibilityTimeoutMs: config.workItemQueueVisibilityTimeoutMs,
      maxPollingIntervalMs: config.maxQueuePollingIntervalMs,
      extendedSessions: config.extendedSessionsEnabled,
      sessionIdleTimeoutMs: config.sessionIdleTimeoutMs,
      partitionManagement: config.partitionManagement,
      logger,
    });
    const w = new TaskHubWorker(service, {
      maxConcurrentActivities: config.maxConcurrentActivityFunctions,
      maxConcurrentOrchestrations: config.maxConcurrentOrchestratorFunctions,
      logger,
    });
    await options.register(w);

    try {
      await service.createIfNotExists();
    } catch (err) {
      throw new TaskHubError("Storage", `cannot reach the storage account: ${(err as Error).message}`, {
        cause: err,
      });
    }
    await w.start();
    worker = w;
    const client = new TaskHubClient(service);
    const api = createManagementApi({
      client,
      taskHubName: config.hubName,
      auth: config.http.authDisabled ? "disabled" : { key: config.http.key! },
      orchestratorNames: () => w.orchestratorNames(),
    });
    // The extension's keyless RPC routes (`rpcBaseUrl`, what durable-functions 3.x clients use by default) are
    // served only when the host listens on loopback, where they cannot be reached from outside the machine.
    const loopback = ["127.0.0.1", "localhost", "::1"].includes(config.http.host);
    const rpc = loopback
      ? createManagementApi({
          client,
          taskHubName: config.hubName,
          auth: "disabled",
          basePath: LOCAL_RPC_PATH,
          orchestratorNames: () => w.orchestratorNames(),
        })
      : undefined;
    serving = async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/readyz") {
        try {
          await service.getOrchestrationState("readyz-probe", { fetchPayloads: false });
          const owned = service.ownedPartitions().length;
          return Response.json(
            { status: ready ? "ready" : "stopping", ownedPartitions: owned },
            { status: ready ? 200 : 503 },
          );
        } catch (err) {
          logger.debug({ event: "host.readyzFailed", err }, "readiness probe: storage unreachable");
          return Response.json({ status: "storage unreachable" }, { status: 503 });
        }
      }
      const own = await options.httpHandler?.(request);
      if (own) return own;
      if (rpc && path.startsWith(`${LOCAL_RPC_PATH}/`)) return rpc(request);
      return api(request);
    };
    ready = true;
    logger.info(
      {
        event: "host.started",
        taskHub: config.hubName,
        url: server.url,
        managementApi: `${server.url}${WEBHOOK_PATH}`,
        workerId: service.workerId,
      },
      "host started",
    );

    let stopping: Promise<void> | undefined;
    return {
      config,
      service,
      worker: w,
      client,
      logger,
      url: server.url,
      azurite,
      stop(): Promise<void> {
        stopping ??= (async () => {
          ready = false;
          logger.info({ event: "host.stopping" }, "draining in-flight work and releasing partitions");
          try {
            await w.stop({ drainTimeoutMs: options.drainTimeoutMs ?? 30_000 });
            await server.close();
          } finally {
            // Storage goes last, after the drain, whatever happened before.
            await azurite?.stop();
          }
          logger.info({ event: "host.stopped" }, "host stopped");
        })();
        return stopping;
      },
    };
  } catch (err) {
    // Cleanup after a failed start: the start's own error is the one to throw; cleanup failures are logged.
    const cleanupFailed = (what: string) => (cleanupErr: unknown) =>
      logger.warn(
        { event: "host.startCleanupFailed", what, err: cleanupErr },
        `after a failed start, ${what} failed`,
      );
    await worker?.stop({ drainTimeoutMs: 0 }).catch(cleanupFailed("stopping the worker"));
    await server.close().catch(cleanupFailed("closing the HTTP server"));
    await azurite?.stop();
    throw err;
  }
}
