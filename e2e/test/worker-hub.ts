/**
 * The setup of the multi-process tests: one Azurite per test file, and task hubs on it whose worker processes
 * (e2e/dist/worker-process.js, see workers.ts) are spawned by `start`. Hubs have random names, so the tests of
 * a file may share the Azurite and run concurrently. Use `test` from here: its `hub` fixture makes hubs and
 * kills their workers (SIGKILL) when the test ends, passed or failed, without touching another test's.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { test as base } from "vitest";
import { TaskHubClient } from "@taskhub/core";
import { AzureStorageOrchestrationService, type StorageClients } from "@taskhub/azure-storage";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { WorkerProcess } from "./workers.js";

type QueueServiceClient = StorageClients["queueService"];

/** A folder for the files the workers write (activity runs, spans, meeting files). */
export const tmp = mkdtempSync(join(tmpdir(), "taskhub-e2e-"));

export interface HubOptions {
  /** The hub name's start (letters and digits); random characters follow. */
  prefix?: string;
  partitions?: number;
  management?: "blob" | "table";
  /** Extra environment of every worker process (see src/worker-process.ts). */
  env?: Record<string, string>;
  /** The workers' connection string, when they reach Azurite another way than the test (a fault proxy). */
  workerConnectionString?: string;
  /** The test client's longest wait between polls of an instance's status. */
  maxPollIntervalMs?: number;
  /** How long a worker may take to start. */
  readyTimeoutMs?: number;
}

export interface Hub {
  hub: string;
  partitions: number;
  /** The file every worker appends one line to per activity run (see `activityRuns`). */
  runs: string;
  env: Record<string, string>;
  service: AzureStorageOrchestrationService;
  client: TaskHubClient;
  queues: QueueServiceClient;
  workers: WorkerProcess[];
  /** Spawns a worker process on the hub and waits until it reports ready. */
  start(name: string, extraEnv?: Record<string, string>): Promise<WorkerProcess>;
  /** SIGKILLs the workers still running. */
  kill(): void;
}

/** A fresh hub on `connectionString`; `start` spawns worker processes on it. */
export function newHub(connectionString: string, opts: HubOptions = {}): Hub {
  const hub = `${opts.prefix ?? "e2e"}${randomBytes(5).toString("hex")}`;
  const partitions = opts.partitions ?? 2;
  const runs = join(tmp, `${hub}.runs`);
  const env = {
    TASKHUB_CONNECTION_STRING: opts.workerConnectionString ?? connectionString,
    TASKHUB_HUB: hub,
    TASKHUB_PARTITIONS: String(partitions),
    TASKHUB_MANAGEMENT: opts.management ?? "table",
    TASKHUB_RUNS_FILE: runs,
    ...opts.env,
  };
  const service = new AzureStorageOrchestrationService({
    taskHubName: hub,
    storage: { connectionString },
    partitionCount: partitions,
  });
  const workers: WorkerProcess[] = [];
  return {
    hub,
    partitions,
    runs,
    env,
    service,
    client: new TaskHubClient(service, { maxPollIntervalMs: opts.maxPollIntervalMs ?? 250 }),
    queues: service.clients.queueService,
    workers,
    async start(name, extraEnv = {}) {
      const w = new WorkerProcess(name, { ...env, ...extraEnv });
      workers.push(w);
      // Generous: a worker restarted in a chaos run shares two cores with several others under load.
      await w.ready(opts.readyTimeoutMs ?? 90_000);
      return w;
    },
    kill() {
      for (const w of workers) if (w.exitedAt === undefined) w.kill("SIGKILL");
    },
  };
}

export interface HubFixtures {
  /** The file's Azurite, started when a test first needs it and stopped after the file's last test. */
  azurite: AzuriteInstance;
  /** Makes a hub on the file's Azurite; its workers are killed when the test ends. */
  hub: (opts?: HubOptions) => Hub;
}

export const test = base.extend<HubFixtures>({
  azurite: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const azurite = await startAzurite();
      try {
        await use(azurite);
      } finally {
        await azurite.stop();
      }
    },
    { scope: "file" },
  ],
  hub: async ({ azurite }, use) => {
    const made: Hub[] = [];
    try {
      await use((opts) => {
        const h = newHub(azurite.connectionString, opts);
        made.push(h);
        return h;
      });
    } finally {
      for (const h of made) h.kill();
    }
  },
});
