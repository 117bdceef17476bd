/**
 * An app folder's `host.json`: its `extensions.durableTask` section becomes a layer of the host's configuration
 * (the keys `config.ts` reads, under the names Durable Functions gives them), `extensions.http.routePrefix` the
 * prefix of the app's HTTP functions. Every other setting is named in a notice, never silently dropped.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { AppError, type AppNotice } from "./app-error.js";
import { isObject, readJsonObject } from "./json-file.js";

type Raw = Record<string, unknown>;

export interface HostJson {
  /** Flat settings for `loadConfig`'s app layer (its file keys). */
  settings: Raw;
  /** `extensions.http.routePrefix`; Functions' default `api`; "" serves routes at the root. */
  routePrefix: string;
  notices: AppNotice[];
}

/** `extensions.durableTask` keys the host reads, with the configuration key each becomes. */
const DURABLE_TASK: Record<string, string> = {
  hubName: "hubName",
  extendedSessionsEnabled: "extendedSessionsEnabled",
  extendedSessionIdleTimeoutInSeconds: "extendedSessionIdleTimeoutInSeconds",
  maxConcurrentActivityFunctions: "maxConcurrentActivityFunctions",
  maxConcurrentOrchestratorFunctions: "maxConcurrentOrchestratorFunctions",
  defaultVersion: "defaultVersion",
  versionMatchStrategy: "versionMatchStrategy",
  versionFailureStrategy: "versionFailureStrategy",
};

/** `extensions.durableTask.storageProvider` keys the host reads. */
const STORAGE_PROVIDER: Record<string, string> = {
  connectionName: "connectionName",
  connectionStringName: "connectionName",
  partitionCount: "partitionCount",
  controlQueueBatchSize: "controlQueueBatchSize",
  controlQueueBufferThreshold: "controlQueueBufferThreshold",
  controlQueueVisibilityTimeout: "controlQueueVisibilityTimeout",
  workItemQueueVisibilityTimeout: "workItemQueueVisibilityTimeout",
  maxQueuePollingInterval: "maxQueuePollingInterval",
  // taskhub's own, in the same style (intervals as hh:mm:ss or seconds).
  pollingBackoffFactor: "pollingBackoffFactor",
  busyWorkItemPollingInterval: "busyWorkItemPollingInterval",
  idleWorkItemPollingInterval: "idleWorkItemPollingInterval",
  workItemPollingLinger: "workItemPollingLinger",
  useTablePartitionManagement: "partitionManagement",
};

/** Top-level keys that mean something only inside Azure Functions: taken as read, without a notice. */
const FUNCTIONS_ONLY = new Set(["version", "extensionBundle"]);

export function readHostJson(folder: string): HostJson {
  const file = join(folder, "host.json");
  const result: HostJson = { settings: {}, routePrefix: "api", notices: [] };
  if (!existsSync(file)) return result;
  const raw = readJsonObject(file);
  const ignored = (setting: string, why = "taskhub does not use this setting"): void => {
    result.notices.push({ event: "app.settingIgnored", file, setting, message: `${setting}: ${why}` });
  };
  const section = (value: unknown, path: string): Raw => {
    if (value === undefined) return {};
    if (!isObject(value)) throw new AppError(file, `${path} must be an object`);
    return value;
  };

  for (const key of Object.keys(raw)) if (key !== "extensions" && !FUNCTIONS_ONLY.has(key)) ignored(key);
  const extensions = section(raw.extensions, "extensions");
  for (const key of Object.keys(extensions))
    if (key !== "durableTask" && key !== "http") ignored(`extensions.${key}`);

  const http = section(extensions.http, "extensions.http");
  for (const [key, value] of Object.entries(http)) {
    if (key !== "routePrefix") ignored(`extensions.http.${key}`);
    else if (typeof value !== "string")
      throw new AppError(file, "extensions.http.routePrefix must be a string");
    else result.routePrefix = value.replace(/^\/+|\/+$/g, "");
  }

  const durableTask = section(extensions.durableTask, "extensions.durableTask");
  for (const [key, value] of Object.entries(durableTask)) {
    if (key === "storageProvider") continue;
    const to = DURABLE_TASK[key];
    if (to) result.settings[to] = value;
    else ignored(`extensions.durableTask.${key}`);
  }
  const provider = section(durableTask.storageProvider, "extensions.durableTask.storageProvider");
  for (const [key, value] of Object.entries(provider)) {
    const path = `extensions.durableTask.storageProvider.${key}`;
    if (key === "type") {
      if (!/^(azure_?storage)$/i.test(String(value)))
        throw new AppError(
          file,
          `${path} is ${JSON.stringify(value)}: taskhub runs only the Azure Storage provider`,
        );
      continue;
    }
    const to = STORAGE_PROVIDER[key];
    if (!to) ignored(path);
    else if (key === "useTablePartitionManagement")
      result.settings[to] = value === true || value === "true" ? "table" : "blob";
    else result.settings[to] = value;
  }
  // Functions resolves `%Name%` from the app settings (the environment here).
  for (const [key, value] of Object.entries(result.settings)) {
    const m = typeof value === "string" ? /^%([^%]+)%$/.exec(value) : null;
    if (!m) continue;
    const resolved = process.env[m[1]!];
    if (resolved === undefined)
      throw new AppError(
        file,
        `${key} is ${value}, but no app setting (environment variable) ${m[1]} is set`,
      );
    result.settings[key] = resolved;
  }
  return result;
}
