/** taskhub's side of the interop tests: a worker with the interop app, and a client, on a named hub. */
import { TaskHubClient, TaskHubWorker, type Activity } from "@taskhub/core";
import {
  AzureStorageOrchestrationService,
  type AzureStorageOrchestrationServiceSettings,
} from "@taskhub/azure-storage";
import { registerInteropApp } from "../src/interop/app.js";

export interface TaskhubWorkerOptions {
  partitionCount?: number;
  partitionManagement?: "blob" | "table";
  extendedSessions?: boolean;
  workerId?: string;
  settings?: Partial<AzureStorageOrchestrationServiceSettings>;
  /** Replace the app's activities of these names (same results, other timing). */
  activities?: Record<string, Activity>;
  drainTimeoutMs?: number;
}

export interface RunningTaskhubWorker {
  service: AzureStorageOrchestrationService;
  worker: TaskHubWorker;
  stop(): Promise<void>;
}

export async function startTaskhubWorker(
  connectionString: string,
  hub: string,
  options: TaskhubWorkerOptions = {},
): Promise<RunningTaskhubWorker> {
  const service = new AzureStorageOrchestrationService({
    taskHubName: hub,
    storage: { connectionString },
    partitionCount: options.partitionCount ?? 4,
    partitionManagement: options.partitionManagement ?? "table",
    extendedSessions: options.extendedSessions ?? true,
    workerId: options.workerId,
    maxPollingIntervalMs: 1000,
    // Short leases, as the peer's, so partitions move between the runtimes within a test's patience.
    tableLease: { leaseIntervalMs: 15_000, acquireIntervalMs: 2000 },
    intentLease: { leaseIntervalMs: 15_000, renewIntervalMs: 5000, acquireIntervalMs: 2000 },
    ownershipLease: { leaseIntervalMs: 15_000, renewIntervalMs: 5000, acquireIntervalMs: 2000 },
    ...options.settings,
  });
  await service.createIfNotExists();
  const worker = registerInteropApp(new TaskHubWorker(service, { abandonDelayMs: 200 }), options.activities);
  await worker.start();
  return { service, worker, stop: () => worker.stop({ drainTimeoutMs: options.drainTimeoutMs ?? 20_000 }) };
}

export function taskhubClient(connectionString: string, hub: string, partitionCount = 4): TaskHubClient {
  const service = new AzureStorageOrchestrationService({
    taskHubName: hub,
    storage: { connectionString },
    partitionCount,
  });
  return new TaskHubClient(service, { maxPollIntervalMs: 500 });
}
