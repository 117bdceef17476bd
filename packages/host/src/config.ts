/**
 * Host configuration from an options object, environment variables and an optional JSON file, with the
 * names a Durable Functions user knows. Precedence: options > environment > file > defaults. The file may be
 * flat (`{"hubName": …}`) or shaped like Functions' host.json (`{"extensions":{"durableTask":{…}}}`).
 *
 * Environment: TASKHUB_HUB_NAME, AZURE_STORAGE_CONNECTION_STRING or AzureWebJobsStorage (or the setting named
 * by TASKHUB_CONNECTION_NAME / the file's `connectionName`), else that setting's identity-based form as Azure
 * Functions reads it (`<name>__accountName`, `__serviceUri`, `__blobServiceUri`, `__queueServiceUri`,
 * `__tableServiceUri`, `__credential`, `__clientId`, ...; the file may give the same keys), else
 * AZURE_STORAGE_ACCOUNT_NAME (DefaultAzureCredential),
 * TASKHUB_PARTITION_COUNT, TASKHUB_MAX_CONCURRENT_ACTIVITIES, TASKHUB_MAX_CONCURRENT_ORCHESTRATIONS,
 * TASKHUB_CONTROL_QUEUE_BATCH_SIZE, TASKHUB_MAX_QUEUE_POLLING_INTERVAL (seconds or hh:mm:ss),
 * TASKHUB_EXTENDED_SESSIONS, TASKHUB_PARTITION_MANAGEMENT, TASKHUB_HTTP_PORT, TASKHUB_HTTP_HOST,
 * TASKHUB_HTTP_KEY (at least 16 characters), TASKHUB_HTTP_AUTH=disabled, TASKHUB_HTTP_HEADERS_TIMEOUT and
 * TASKHUB_HTTP_REQUEST_TIMEOUT (seconds or hh:mm:ss), TASKHUB_DEFAULT_VERSION, TASKHUB_VERSION_MATCH_STRATEGY,
 * TASKHUB_VERSION_FAILURE_STRATEGY (DF's defaultVersion, versionMatchStrategy, versionFailureStrategy), TASKHUB_LOG_LEVEL, NODE_ENV (production refuses to start
 * without storage), TASKHUB_CONFIG (path of the file).
 *
 * Everything is validated here, so that a host refuses bad configuration before it starts anything.
 */
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import {
  InvalidArgumentError,
  validateVersioning,
  type VersionFailureStrategy,
  type VersionMatchStrategy,
} from "@taskhub/core";
import {
  IDENTITY_SETTING_NAMES,
  identityConnection,
  identityConnectionSettings,
  isPollingBackoffFactor,
  parseConnectionString,
  SETTING_DEFAULTS,
  type AzureStorageOrchestrationServiceSettings,
  type IdentityConnectionSettings,
  type StorageConnection,
  validatePartitionCount,
  validateTaskHubName,
} from "@taskhub/azure-storage";
import { validateApiKey } from "./http/api-key.js";

export interface HostConfig {
  hubName: string;
  /**
   * A connection string, or an identity-based connection with its credential. Undefined: no storage
   * configured (development starts an embedded Azurite).
   */
  storage: StorageConnection | undefined;
  partitionCount: number;
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
  controlQueueBatchSize: number;
  controlQueueBufferThreshold: number;
  controlQueueVisibilityTimeoutMs: number;
  workItemQueueVisibilityTimeoutMs: number;
  maxQueuePollingIntervalMs: number;
  /** How much longer each wait between two polls of an empty control queue is than the one before. */
  pollingBackoffFactor: number;
  /**
   * How often a worker that does not poll every control queue looks at the shared work-item queue while it
   * has done work in the last `workItemPollingLingerMs`, whatever its back-off (0: the back-off alone).
   */
  busyWorkItemPollingIntervalMs: number;
  /** The same when it has done no work for `workItemPollingLingerMs` (0: the back-off alone). */
  idleWorkItemPollingIntervalMs: number;
  /** How long after its last step, activity or received work item a worker counts as busy. */
  workItemPollingLingerMs: number;
  extendedSessionsEnabled: boolean;
  sessionIdleTimeoutMs: number;
  partitionManagement: "blob" | "table";
  http: {
    port: number;
    host: string;
    key: string | undefined;
    authDisabled: boolean;
    /** How long a request's headers may take to arrive (default 10 s); then 408 and the connection is closed. */
    headersTimeoutMs: number;
    /** How long a whole request, headers and body, may take to arrive (default 15 s); then 408 and closed. */
    requestTimeoutMs: number;
    /** Who is served the dashboard at /dashboard/: clients on this machine (default), any client, or none. */
    dashboard: "loopback" | "remote" | "disabled";
  };
  /**
   * Durable Functions' orchestration versioning: `defaultVersion` stamps new instances and sub-orchestrations
   * and is the worker's version, which instances are matched against (defaults: CurrentOrOlder, Reject).
   */
  versioning: {
    defaultVersion: string | undefined;
    versionMatchStrategy: VersionMatchStrategy;
    versionFailureStrategy: VersionFailureStrategy;
  };
  logLevel: string;
  production: boolean;
}

export type HostConfigInput = Partial<Omit<HostConfig, "http" | "versioning">> & {
  http?: Partial<HostConfig["http"]>;
  versioning?: Partial<HostConfig["versioning"]>;
};

type Raw = Record<string, unknown>;

/** `"00:00:30"` or a number of seconds → milliseconds. */
export function parseInterval(v: unknown, what: string): number {
  if (typeof v === "number") return v * 1000;
  const s = String(v);
  const hms = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(s);
  if (hms) return (Number(hms[1]) * 3600 + Number(hms[2]) * 60 + Number(hms[3])) * 1000;
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  throw new InvalidArgumentError(`${what} must be seconds or hh:mm:ss, got ${JSON.stringify(v)}`);
}

/**
 * A duration setting of the file or the app's host.json (seconds or hh:mm:ss), or the options' milliseconds:
 * finite, 0 or more, at most a day.
 */
function duration(option: number | undefined, fileValue: unknown, defaultMs: number, what: string): number {
  const ms = option ?? (fileValue === undefined ? defaultMs : parseInterval(fileValue, what));
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0 || ms > 24 * 3600_000)
    throw new InvalidArgumentError(
      `${what} must be from 0 to 24 hours, got ${option !== undefined ? `${String(option)} ms` : JSON.stringify(fileValue)}`,
    );
  return ms;
}

/** `pollingBackoffFactor` (a number, or a number as a string): more than 1, at most 4, as the provider takes it. */
function backoffFactor(v: unknown): number {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  if (!isPollingBackoffFactor(n))
    throw new InvalidArgumentError(
      `pollingBackoffFactor must be a number more than 1 and at most 4, got ${JSON.stringify(v) ?? String(v)}`,
    );
  return n;
}

function int(v: unknown, what: string, min: number, max: number): number {
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(
      `${what} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`,
    );
  return n;
}

function bool(v: unknown, what: string): boolean {
  if (typeof v === "boolean") return v;
  if (/^(true|1|yes)$/i.test(String(v))) return true;
  if (/^(false|0|no)$/i.test(String(v))) return false;
  throw new InvalidArgumentError(`${what} must be true or false, got ${JSON.stringify(v)}`);
}

/** A string setting; JSON numbers (`"defaultVersion": 2`) are taken as their text. */
function optionalString(v: unknown, what: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string" || typeof v === "number") return String(v);
  throw new InvalidArgumentError(`${what} must be a string, got ${JSON.stringify(v)}`);
}

function readFile(path: string | undefined): Raw {
  if (!path) return {};
  if (!existsSync(path)) throw new InvalidArgumentError(`configuration file ${path} does not exist`);
  let raw: Raw;
  try {
    raw = JSON.parse(readFileSync(path, "utf8")) as Raw;
  } catch (err) {
    throw new InvalidArgumentError(`configuration file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const dt = ((raw.extensions as Raw | undefined)?.durableTask as Raw | undefined) ?? raw;
  return { ...dt, ...((dt.storageProvider as Raw | undefined) ?? {}) };
}

/**
 * `appSettings`: the lowest layer above the defaults, an app folder's `host.json` (`app/host-json.ts` maps it to
 * the file keys), which the configuration file and the environment override.
 */
export function loadConfig(
  input: HostConfigInput = {},
  env: NodeJS.ProcessEnv = process.env,
  filePath = env.TASKHUB_CONFIG,
  appSettings: Raw = {},
): HostConfig {
  const file = {
    ...appSettings,
    ...readFile(filePath ?? (existsSync("taskhub.json") ? "taskhub.json" : undefined)),
  };
  const pick = (option: unknown, envName: string, fileName: string): unknown =>
    option ?? env[envName] ?? file[fileName];

  const hubName = String(pick(input.hubName, "TASKHUB_HUB_NAME", "hubName") ?? "TaskHub");
  validateTaskHubName(hubName);
  const partitionCount = int(
    pick(input.partitionCount, "TASKHUB_PARTITION_COUNT", "partitionCount") ??
      SETTING_DEFAULTS.partitionCount,
    "partitionCount",
    1,
    16,
  );
  validatePartitionCount(partitionCount);

  const storage = input.storage ?? storageFromSettings(env, file);

  const management = String(
    pick(input.partitionManagement, "TASKHUB_PARTITION_MANAGEMENT", "partitionManagement") ??
      SETTING_DEFAULTS.partitionManagement,
  );
  if (management !== "blob" && management !== "table")
    throw new InvalidArgumentError(
      `partitionManagement must be "blob" or "table", got ${JSON.stringify(management)}`,
    );
  const authDisabled =
    input.http?.authDisabled ?? (env.TASKHUB_HTTP_AUTH ? env.TASKHUB_HTTP_AUTH === "disabled" : false);
  const key = input.http?.key ?? env.TASKHUB_HTTP_KEY;
  if (key !== undefined) validateApiKey(key, "TASKHUB_HTTP_KEY");
  const headersTimeoutMs =
    input.http?.headersTimeoutMs ??
    parseInterval(env.TASKHUB_HTTP_HEADERS_TIMEOUT ?? file.httpHeadersTimeout ?? 10, "httpHeadersTimeout");
  const requestTimeoutMs =
    input.http?.requestTimeoutMs ??
    parseInterval(env.TASKHUB_HTTP_REQUEST_TIMEOUT ?? file.httpRequestTimeout ?? 15, "httpRequestTimeout");
  if (!(headersTimeoutMs > 0) || !(requestTimeoutMs > 0))
    throw new InvalidArgumentError("httpHeadersTimeout and httpRequestTimeout must be more than 0 seconds");
  if (headersTimeoutMs > requestTimeoutMs)
    throw new InvalidArgumentError(
      `httpHeadersTimeout (${headersTimeoutMs / 1000} s) must not be longer than httpRequestTimeout (${requestTimeoutMs / 1000} s), which includes the headers`,
    );
  const dashboard = input.http?.dashboard ?? env.TASKHUB_DASHBOARD ?? "loopback";
  if (dashboard !== "loopback" && dashboard !== "remote" && dashboard !== "disabled")
    throw new InvalidArgumentError(
      `TASKHUB_DASHBOARD must be loopback, remote or disabled, got ${JSON.stringify(dashboard)}`,
    );
  const versioning = {
    defaultVersion: optionalString(
      input.versioning?.defaultVersion ?? env.TASKHUB_DEFAULT_VERSION ?? file.defaultVersion,
      "defaultVersion",
    ),
    versionMatchStrategy: String(
      input.versioning?.versionMatchStrategy ??
        env.TASKHUB_VERSION_MATCH_STRATEGY ??
        file.versionMatchStrategy ??
        "CurrentOrOlder",
    ) as VersionMatchStrategy,
    versionFailureStrategy: String(
      input.versioning?.versionFailureStrategy ??
        env.TASKHUB_VERSION_FAILURE_STRATEGY ??
        file.versionFailureStrategy ??
        "Reject",
    ) as VersionFailureStrategy,
  };
  validateVersioning({
    version: versioning.defaultVersion,
    matchStrategy: versioning.versionMatchStrategy,
    failureStrategy: versioning.versionFailureStrategy,
  });
  return {
    hubName,
    storage,
    partitionCount,
    maxConcurrentActivityFunctions: int(
      pick(
        input.maxConcurrentActivityFunctions,
        "TASKHUB_MAX_CONCURRENT_ACTIVITIES",
        "maxConcurrentActivityFunctions",
      ) ?? 10 * availableParallelism(),
      "maxConcurrentActivityFunctions",
      1,
      10_000,
    ),
    maxConcurrentOrchestratorFunctions: int(
      pick(
        input.maxConcurrentOrchestratorFunctions,
        "TASKHUB_MAX_CONCURRENT_ORCHESTRATIONS",
        "maxConcurrentOrchestratorFunctions",
      ) ?? 100,
      "maxConcurrentOrchestratorFunctions",
      1,
      10_000,
    ),
    controlQueueBatchSize: int(
      pick(input.controlQueueBatchSize, "TASKHUB_CONTROL_QUEUE_BATCH_SIZE", "controlQueueBatchSize") ??
        SETTING_DEFAULTS.controlQueueBatchSize,
      "controlQueueBatchSize",
      1,
      32,
    ),
    controlQueueBufferThreshold: int(
      input.controlQueueBufferThreshold ??
        file.controlQueueBufferThreshold ??
        SETTING_DEFAULTS.controlQueueBufferThreshold,
      "controlQueueBufferThreshold",
      1,
      100_000,
    ),
    controlQueueVisibilityTimeoutMs:
      input.controlQueueVisibilityTimeoutMs ??
      parseInterval(
        file.controlQueueVisibilityTimeout ?? SETTING_DEFAULTS.controlQueueVisibilityTimeoutMs / 1000,
        "controlQueueVisibilityTimeout",
      ),
    workItemQueueVisibilityTimeoutMs:
      input.workItemQueueVisibilityTimeoutMs ??
      parseInterval(
        file.workItemQueueVisibilityTimeout ?? SETTING_DEFAULTS.workItemQueueVisibilityTimeoutMs / 1000,
        "workItemQueueVisibilityTimeout",
      ),
    sessionIdleTimeoutMs:
      input.sessionIdleTimeoutMs ??
      parseInterval(
        file.extendedSessionIdleTimeoutInSeconds ?? SETTING_DEFAULTS.sessionIdleTimeoutMs / 1000,
        "extendedSessionIdleTimeoutInSeconds",
      ),
    maxQueuePollingIntervalMs:
      input.maxQueuePollingIntervalMs ??
      parseInterval(
        env.TASKHUB_MAX_QUEUE_POLLING_INTERVAL ??
          file.maxQueuePollingInterval ??
          SETTING_DEFAULTS.maxPollingIntervalMs / 1000,
        "maxQueuePollingInterval",
      ),
    pollingBackoffFactor: backoffFactor(
      input.pollingBackoffFactor ?? file.pollingBackoffFactor ?? SETTING_DEFAULTS.pollingBackoffFactor,
    ),
    busyWorkItemPollingIntervalMs: duration(
      input.busyWorkItemPollingIntervalMs,
      file.busyWorkItemPollingInterval,
      SETTING_DEFAULTS.busyWorkItemPollingIntervalMs,
      "busyWorkItemPollingInterval",
    ),
    idleWorkItemPollingIntervalMs: duration(
      input.idleWorkItemPollingIntervalMs,
      file.idleWorkItemPollingInterval,
      SETTING_DEFAULTS.idleWorkItemPollingIntervalMs,
      "idleWorkItemPollingInterval",
    ),
    workItemPollingLingerMs: duration(
      input.workItemPollingLingerMs,
      file.workItemPollingLinger,
      SETTING_DEFAULTS.workItemPollingLingerMs,
      "workItemPollingLinger",
    ),
    extendedSessionsEnabled: bool(
      pick(input.extendedSessionsEnabled, "TASKHUB_EXTENDED_SESSIONS", "extendedSessionsEnabled") ??
        SETTING_DEFAULTS.extendedSessions,
      "extendedSessionsEnabled",
    ),
    partitionManagement: management,
    http: {
      port: int(input.http?.port ?? env.TASKHUB_HTTP_PORT ?? file.httpPort ?? 7071, "http port", 0, 65535),
      host: String(input.http?.host ?? env.TASKHUB_HTTP_HOST ?? "127.0.0.1"),
      key,
      authDisabled,
      headersTimeoutMs,
      requestTimeoutMs,
      dashboard,
    },
    versioning,
    logLevel: String(pick(input.logLevel, "TASKHUB_LOG_LEVEL", "logLevel") ?? "info"),
    production: input.production ?? env.NODE_ENV === "production",
  };
}

/** The Azure Storage provider's settings the host configuration gives (all but the storage and the logger). */
export function providerSettings(
  config: HostConfig,
): Omit<AzureStorageOrchestrationServiceSettings, "storage" | "logger"> {
  return {
    taskHubName: config.hubName,
    partitionCount: config.partitionCount,
    controlQueueBatchSize: config.controlQueueBatchSize,
    controlQueueBufferThreshold: config.controlQueueBufferThreshold,
    controlQueueVisibilityTimeoutMs: config.controlQueueVisibilityTimeoutMs,
    workItemQueueVisibilityTimeoutMs: config.workItemQueueVisibilityTimeoutMs,
    maxPollingIntervalMs: config.maxQueuePollingIntervalMs,
    pollingBackoffFactor: config.pollingBackoffFactor,
    busyWorkItemPollingIntervalMs: config.busyWorkItemPollingIntervalMs,
    idleWorkItemPollingIntervalMs: config.idleWorkItemPollingIntervalMs,
    workItemPollingLingerMs: config.workItemPollingLingerMs,
    extendedSessions: config.extendedSessionsEnabled,
    sessionIdleTimeoutMs: config.sessionIdleTimeoutMs,
    partitionManagement: config.partitionManagement,
  };
}

/**
 * The storage connection the settings name: a connection string in the setting named by
 * TASKHUB_CONNECTION_NAME / `connectionName` (default AZURE_STORAGE_CONNECTION_STRING, then AzureWebJobsStorage),
 * else that setting's identity-based form (`<name>__accountName`, ...), else an identity-based connection from
 * the file's keys or AZURE_STORAGE_ACCOUNT_NAME. Undefined when nothing is configured.
 */
function storageFromSettings(env: NodeJS.ProcessEnv, file: Raw): StorageConnection | undefined {
  const named = env.TASKHUB_CONNECTION_NAME ?? file.connectionName ?? file.connectionStringName;
  const names =
    named !== undefined ? [String(named)] : ["AZURE_STORAGE_CONNECTION_STRING", "AzureWebJobsStorage"];
  const cs = names.map((n) => env[n]).find((v) => v) ?? env.AZURE_STORAGE_CONNECTION_STRING;
  if (cs) {
    parseConnectionString(cs); // fail fast on a malformed string (the message never quotes it)
    return { connectionString: cs };
  }
  for (const name of named !== undefined ? [String(named)] : ["AzureWebJobsStorage"]) {
    const settings = identityConnectionSettings(env, name);
    if (settings) return identityConnection(settings, `${name}__`);
  }
  const fromFile: Record<string, string> = {};
  for (const key of IDENTITY_SETTING_NAMES)
    if (file[key] !== undefined && file[key] !== "") fromFile[key] = String(file[key]);
  if (env.AZURE_STORAGE_ACCOUNT_NAME) fromFile.accountName = env.AZURE_STORAGE_ACCOUNT_NAME;
  if (Object.keys(fromFile).length === 0) return undefined;
  return identityConnection(fromFile as IdentityConnectionSettings, "storageProvider.");
}
