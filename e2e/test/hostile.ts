/** Shared pieces of the reliability suites (issue 9): a task hub on Azurite with worker processes, storage peeks. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { TaskHubClient } from "@taskhub/core";
import { AzureStorageOrchestrationService, type PoisonMessage, type StorageClients } from "@taskhub/azure-storage";

type QueueServiceClient = StorageClients["queueService"];
import { WorkerProcess } from "./workers.js";

export const tmp = mkdtempSync(join(tmpdir(), "taskhub-e2e-reliability-"));

export interface Hub {
  hub: string;
  env: Record<string, string>;
  service: AzureStorageOrchestrationService;
  client: TaskHubClient;
  queues: QueueServiceClient;
  workers: WorkerProcess[];
  start(name: string, extraEnv?: Record<string, string>): Promise<WorkerProcess>;
}

/** A fresh hub; `start` spawns worker processes (e2e/dist/worker-process.js) on it. */
export function newHub(connectionString: string, opts: { partitions?: number; env?: Record<string, string>; workerConnectionString?: string } = {}): Hub {
  const hub = `rel${randomBytes(5).toString("hex")}`;
  const partitions = opts.partitions ?? 2;
  const env = {
    TASKHUB_CONNECTION_STRING: opts.workerConnectionString ?? connectionString,
    TASKHUB_HUB: hub,
    TASKHUB_PARTITIONS: String(partitions),
    TASKHUB_MANAGEMENT: "table",
    TASKHUB_RUNS_FILE: join(tmp, `${hub}.runs`),
    ...opts.env,
  };
  const service = new AzureStorageOrchestrationService({ taskHubName: hub, storage: { connectionString }, partitionCount: partitions });
  const workers: WorkerProcess[] = [];
  return {
    hub,
    env,
    service,
    client: new TaskHubClient(service, { maxPollIntervalMs: 250 }),
    queues: service.clients.queueService,
    workers,
    async start(name, extraEnv = {}) {
      const w = new WorkerProcess(name, { ...env, ...extraEnv });
      workers.push(w);
      // Generous: a worker restarted in a chaos run shares two cores with several others under load.
      await w.ready(90_000);
      return w;
    },
  };
}

/** Poll the poison store until `done` holds (or the time is up); returns the last listing. */
export async function waitForPoison(service: AzureStorageOrchestrationService, done: (p: PoisonMessage[]) => boolean, timeoutMs: number): Promise<PoisonMessage[]> {
  const deadline = Date.now() + timeoutMs;
  let list = await service.listPoisonMessages();
  while (!done(list) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    list = await service.listPoisonMessages();
  }
  return list;
}

/** Messages on a queue, visible or not (approximate count, exact on Azurite). */
export async function queueLength(queues: QueueServiceClient, name: string): Promise<number> {
  return (await queues.getQueueClient(name).getProperties()).approximateMessagesCount ?? 0;
}

/** A string of `bytes` ASCII characters that gzip cannot shrink much (base64 of random bytes). */
export function incompressible(bytes: number): string {
  return randomBytes(Math.ceil((bytes * 3) / 4)).toString("base64").slice(0, bytes);
}
