/**
 * `createHost`: runs a worker as a process. Validates the whole configuration and binds the HTTP port before it
 * starts anything, then connects to the configured storage (in development with none configured, or with
 * `UseDevelopmentStorage=true` and no emulator listening on its ports, starts an embedded in-memory Azurite in its
 * own process group and says so; in production refuses to start without storage), creates the task hub if needed, registers the user's orchestrators and activities, serves the
 * app's own HTTP functions (its `httpHandler`, and those it declared with `@azure/functions`), the HTTP
 * management API and the dashboard (`/dashboard/`), plus `/healthz` (process up) and `/readyz` (storage reachable, partitions owned or
 * balancing; 503 while starting or stopping), and stops gracefully: drain in-flight work, release leases, close
 * HTTP, and only then stop the embedded Azurite. A start that fails half way stops what it had started.
 *
 * OpenTelemetry (off by default): the `OTEL_*` variables switch on the Node SDK (`telemetry/`), checked with
 * the rest of the configuration; `/metrics` answers for a Prometheus exporter; every request runs in the trace
 * context its `traceparent` names; the SDK is flushed when the host stops.
 */
import type { AppNotice } from "./app/app-error.js";
import { TaskHubClient, TaskHubError, TaskHubWorker } from "@taskhub/core";
import { logEvent } from "@taskhub/core";
import { AzureStorageOrchestrationService } from "@taskhub/azure-storage";
import type { Logger as PinoLogger } from "pino";
import { loadConfig, providerSettings, type HostConfig, type HostConfigInput } from "./config.js";
import { isLocalDevelopmentStorage, startDevelopmentStorage } from "./development-storage.js";
import { AZURITE_DEFAULT_PORTS, startEmbeddedAzurite, type EmbeddedAzurite } from "./embedded-azurite.js";
import { createManagementApi } from "./http/management-api.js";
import { createDurableClientBindingData, LOCAL_RPC_PATH, WEBHOOK_PATH } from "@taskhub/core/management";
import type { FunctionsCore } from "./functions-http/functions-core.js";
import {
  startFunctions,
  type FunctionsHostOptions,
  type StartedFunctions,
} from "./functions-http/functions-host.js";
import { serve, type RunningServer } from "./http/node-server.js";
import { createDashboard, DASHBOARD_PATH, type DashboardOptions } from "./http/dashboard/dashboard.js";
import { createLogger, secretSettingValues } from "./logger.js";
import { withIncomingTraceContext } from "./telemetry/incoming-trace-context.js";
import { prometheusRoute } from "./telemetry/prometheus-route.js";
import { startTelemetry, type Telemetry } from "./telemetry/start-telemetry.js";
import { telemetrySettings } from "./telemetry/telemetry-settings.js";

export interface HostOptions {
  /** Registers orchestrators and activities on the worker. */
  register(worker: TaskHubWorker): void | Promise<void>;
  config?: HostConfigInput;
  env?: NodeJS.ProcessEnv;
  logger?: PinoLogger;
  /** An app folder's host.json settings: the configuration's lowest layer (see `loadConfig`). */
  appSettings?: Record<string, unknown>;
  /** Warnings found while loading the app (settings or bindings not hosted), logged once at start. */
  notices?: readonly AppNotice[];
  /** Drain timeout on stop (default 30 s). */
  drainTimeoutMs?: number;
  /**
   * The app's own HTTP functions (e.g. `df.createHttpHandler()`, durable-functions' `app.client.http` under
   * `/api/...`), tried before the management API; resolving to undefined passes the request on. No key check
   * is applied to what it answers: it does its own authorization.
   */
  httpHandler?: HttpHandler;
  /**
   * The functions the app declared through `@azure/functions` (`installFunctionsCore()`, called before the app
   * was loaded): its HTTP functions are served under `/api/` (or `routePrefix`), after `httpHandler`, behind
   * their `authLevel` checked with the host's key.
   */
  functions?: FunctionsHostOptions & { core: FunctionsCore };
  /**
   * false: start no OpenTelemetry SDK whatever the `OTEL_*` variables say (the application registers its own).
   * Default: the SDK the process's `OTEL_*` variables ask for (read from `process.env`, where the SDK reads
   * them), none when they ask for nothing.
   */
  telemetry?: boolean;
  /**
   * The dashboard at `/dashboard/` (its JSON endpoints and the built `@taskhub/dashboard` files), for clients on
   * this machine unless `allowRemote`; `false` to serve none. Default: as the `http.dashboard` setting
   * (TASKHUB_DASHBOARD: loopback, remote or disabled) says; loopback clients only when unset.
   */
  dashboard?: DashboardOptions | false;
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
  /** The embedded development Azurite: no storage configured, or UseDevelopmentStorage=true with no emulator up. */
  readonly azurite: EmbeddedAzurite | undefined;
  stop(): Promise<void>;
}

export async function createHost(options: HostOptions): Promise<Host> {
  // Configuration first: nothing is started until all of it is valid.
  const config = loadConfig(options.config, options.env, undefined, options.appSettings);
  // UseDevelopmentStorage=true is no secret (the emulator's key is public), and the log names it.
  const connectionString =
    config.storage && "connectionString" in config.storage ? config.storage.connectionString : "";
  const secrets = [
    config.http.key ?? "",
    isLocalDevelopmentStorage(connectionString) ? "" : connectionString,
    // An identity-based connection's client secret or certificate, wherever a message quotes it.
    ...secretSettingValues(options.env ?? process.env, options.appSettings),
  ];
  const telemetryWanted = options.telemetry === false ? undefined : telemetrySettings(process.env);
  const logger = options.logger ?? createLogger({ level: config.logLevel, secrets });
  for (const n of options.notices ?? [])
    if (n.event === "app.settingIgnored")
      logEvent(logger, "app.settingIgnored", { file: n.file, setting: n.setting ?? "" }, n.message);
    else logEvent(logger, "app.bindingNotHosted", { file: n.file, function: n.function ?? "" }, n.message);
  if (!config.http.authDisabled && !config.http.key)
    throw new TaskHubError(
      "InvalidArgument",
      "set TASKHUB_HTTP_KEY (at least 16 characters), or TASKHUB_HTTP_AUTH=disabled for local development",
    );
  if (!config.storage && config.production)
    throw new TaskHubError(
      "InvalidArgument",
      "no storage configured: set AZURE_STORAGE_CONNECTION_STRING, AzureWebJobsStorage, AzureWebJobsStorage__accountName or AZURE_STORAGE_ACCOUNT_NAME (production mode never starts an embedded Azurite)",
    );

  // Then the port, the one setting only binding can check. Until the host is ready it answers 503.
  let serving: ((request: Request) => Promise<Response>) | undefined;
  let metrics: ((request: Request) => Promise<Response>) | undefined;
  let ready = false;
  const server: RunningServer = await serve(
    async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/healthz") return Response.json({ status: "up" });
      if (path === "/metrics" && metrics) return metrics(request);
      const handler = serving;
      // The one place a request's incoming trace context (traceparent) is taken up.
      if (handler) return withIncomingTraceContext(request, () => handler(request));
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
  let functions: StartedFunctions | undefined;
  let telemetry: Telemetry | undefined;
  try {
    if (telemetryWanted) {
      telemetry = await startTelemetry(telemetryWanted);
      if (telemetry.prometheus)
        metrics = prometheusRoute(
          telemetry.prometheus,
          config.http.authDisabled ? "disabled" : { key: config.http.key! },
        );
      logEvent(
        logger,
        "host.telemetryStarted",
        { traces: telemetryWanted.traces, metrics: telemetryWanted.metrics },
        `OpenTelemetry on: traces ${telemetryWanted.traces.join(", ") || "off"}, metrics ${telemetryWanted.metrics.join(", ") || "off"}`,
      );
    }
    let storage = config.storage;
    const embedded = (why: string): void =>
      logEvent(
        logger,
        "host.embeddedAzurite",
        {
          queueEndpoint: azurite!.queueEndpoint,
          tableEndpoint: azurite!.tableEndpoint,
          blobEndpoint: azurite!.blobEndpoint,
          azuritePid: azurite!.pid,
          supervisorPid: azurite!.supervisorPid,
        },
        `${why}: started an embedded in-memory Azurite (development only; data is lost on exit)${azurite!.onDefaultPorts ? "; on the default ports: connect the CLI or Storage Explorer with UseDevelopmentStorage=true" : ""}`,
      );
    if (!storage) {
      azurite = await startEmbeddedAzurite();
      storage = { connectionString: azurite.connectionString };
      embedded("no storage configured");
    } else if (
      !config.production &&
      "connectionString" in storage &&
      isLocalDevelopmentStorage(storage.connectionString)
    ) {
      // UseDevelopmentStorage=true: the emulator that listens on its default ports, else an embedded one there.
      azurite = await startDevelopmentStorage();
      if (azurite) {
        storage = { connectionString: azurite.connectionString };
        embedded("UseDevelopmentStorage=true and no storage emulator listens on its default ports");
      } else
        logEvent(
          logger,
          "host.developmentStorage",
          { ports: Object.values(AZURITE_DEFAULT_PORTS) },
          "UseDevelopmentStorage=true: connecting to the storage emulator that listens on its default ports",
        );
    }

    const service = new AzureStorageOrchestrationService({
      ...providerSettings(config),
      storage,
      logger,
    });
    // Durable Functions' versioning: defaultVersion is both the worker's version and the one it stamps. An app
    // that sets none does not use versioning: its worker runs instances of every version, as before.
    const { defaultVersion, versionFailureStrategy } = config.versioning;
    const versionMatchStrategy = defaultVersion ? config.versioning.versionMatchStrategy : "None";
    const w = new TaskHubWorker(service, {
      maxConcurrentActivities: config.maxConcurrentActivityFunctions,
      maxConcurrentOrchestrations: config.maxConcurrentOrchestratorFunctions,
      logger,
      versioning: {
        version: defaultVersion,
        defaultVersion,
        matchStrategy: versionMatchStrategy,
        failureStrategy: versionFailureStrategy,
      },
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
    const client = new TaskHubClient(service, { defaultVersion });
    const api = createManagementApi({
      client,
      taskHubName: config.hubName,
      auth: config.http.authDisabled ? "disabled" : { key: config.http.key! },
      orchestratorNames: () => w.orchestratorNames(),
    });
    // The extension's keyless RPC routes (`rpcBaseUrl`, what durable-functions 3.x clients use by default) are
    // served only when the host listens on loopback, where they cannot be reached from outside the machine.
    const loopback = ["127.0.0.1", "localhost", "::1"].includes(config.http.host);
    const auth = config.http.authDisabled ? ("disabled" as const) : { key: config.http.key! };
    if (options.functions)
      functions = await startFunctions(options.functions.core, {
        ...options.functions,
        auth,
        logger,
        baseUrl: server.url,
        // The extension's client binding, with URLs at the origin the request came to.
        durableClientBinding: (request) => {
          const origin = new URL(request.url).origin;
          return createDurableClientBindingData({
            origin,
            taskHubName: config.hubName,
            ...(auth === "disabled" ? {} : { key: auth.key }),
            ...(loopback ? { rpcBaseUrl: `${origin}${LOCAL_RPC_PATH}/` } : {}),
          });
        },
      });
    const dashboard =
      options.dashboard === false || (options.dashboard === undefined && config.http.dashboard === "disabled")
        ? undefined
        : createDashboard({
            allowRemote: config.http.dashboard === "remote",
            ...options.dashboard,
            service,
            client,
            auth,
          });
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
          logEvent(logger, "host.readyzFailed", { err }, "readiness probe: storage unreachable");
          return Response.json({ status: "storage unreachable" }, { status: 503 });
        }
      }
      const own = await options.httpHandler?.(request);
      if (own) return own;
      const dashboardPath = path === DASHBOARD_PATH || path.startsWith(`${DASHBOARD_PATH}/`);
      if (
        functions &&
        !dashboardPath &&
        !path.startsWith(`${WEBHOOK_PATH}/`) &&
        !path.startsWith(`${LOCAL_RPC_PATH}/`)
      ) {
        const answered = await functions.handler(request);
        if (answered) return answered;
      }
      if (dashboard && dashboardPath) {
        const answered = await dashboard(request);
        if (answered) return answered;
      }
      if (rpc && path.startsWith(`${LOCAL_RPC_PATH}/`)) return rpc(request);
      return api(request);
    };
    ready = true;
    logEvent(
      logger,
      "host.started",
      {
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
          logEvent(logger, "host.stopping", {}, "draining in-flight work and releasing partitions");
          try {
            await functions?.stop();
            await w.stop({ drainTimeoutMs: options.drainTimeoutMs ?? 30_000 });
            await server.close();
          } finally {
            // The spans of the drain included; an unreachable collector does not stop the stop.
            await telemetry
              ?.shutdown()
              .catch((err: unknown) =>
                logEvent(logger, "host.telemetryFlushFailed", { err }, "flushing OpenTelemetry failed"),
              );
            // Storage goes last, after the drain, whatever happened before.
            await azurite?.stop();
          }
          logEvent(logger, "host.stopped", {}, "host stopped");
        })();
        return stopping;
      },
    };
  } catch (err) {
    // Cleanup after a failed start: the start's own error is the one to throw; cleanup failures are logged.
    const cleanupFailed = (what: string) => (cleanupErr: unknown) =>
      logEvent(
        logger,
        "host.startCleanupFailed",
        { what, err: cleanupErr },
        `after a failed start, ${what} failed`,
      );
    await worker?.stop({ drainTimeoutMs: 0 }).catch(cleanupFailed("stopping the worker"));
    await server.close().catch(cleanupFailed("closing the HTTP server"));
    await telemetry?.shutdown().catch(cleanupFailed("stopping OpenTelemetry"));
    await azurite?.stop();
    throw err;
  }
}
