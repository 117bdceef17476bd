/**
 * The `DurableClient` for a worker's task hub: what `registerApp(worker)` gives `getClient()`, and what the
 * classic model's activities get in their `durableClient` binding. Management URLs use the host's HTTP API
 * (`http://localhost:$TASKHUB_HTTP_PORT`, key `TASKHUB_HTTP_KEY`) unless told otherwise.
 */
import {
  TaskHubClient,
  type OrchestrationService,
  type OrchestrationServiceClient,
  type TaskRegistrar,
} from "@taskhub/core";
import { DurableClient } from "./durable-client.js";

export interface WorkerClientOptions {
  /** Task hub name for `taskHubName` and management URLs (default: the backend's, else TASKHUB_HUB_NAME, else "TaskHub"). */
  taskHubName?: string;
  /** Origin of the host's HTTP API, for management URLs (default http://localhost:$TASKHUB_HTTP_PORT, port 7071). */
  origin?: string;
  /** HTTP API key for management URLs (default TASKHUB_HTTP_KEY). */
  key?: string;
  connectionName?: string;
}

/** A client for the worker's backend; undefined for a bare registry (no backend, e.g. `taskhub replay`). */
export function createWorkerClient(
  worker: TaskRegistrar,
  options: WorkerClientOptions = {},
): DurableClient | undefined {
  const service = (worker as { service?: OrchestrationService }).service;
  if (!service) return undefined;
  const env = process.env;
  const key = options.key ?? env.TASKHUB_HTTP_KEY;
  return new DurableClient(new TaskHubClient(service as unknown as OrchestrationServiceClient), {
    taskHubName: options.taskHubName ?? serviceHubName(service) ?? env.TASKHUB_HUB_NAME ?? "TaskHub",
    origin: options.origin ?? `http://localhost:${env.TASKHUB_HTTP_PORT ?? 7071}`,
    ...(key ? { key } : {}),
    ...(options.connectionName ? { connectionName: options.connectionName } : {}),
    orchestratorNames: () => worker.orchestratorNames(),
  });
}

/** The task hub name of the worker's backend, when it has one (the Azure Storage service's `names.hub`). */
function serviceHubName(backend: OrchestrationService): string | undefined {
  const service = backend as { names?: { hub?: unknown }; taskHubName?: unknown };
  const name = service.names?.hub ?? service.taskHubName;
  return typeof name === "string" ? name : undefined;
}
