/**
 * Builds the parts of the Azure Storage provider from its settings and connects them (who calls whom), so
 * that `AzureStorageOrchestrationService` only holds the parts and implements the seam with them. The order
 * here is the order of dependence: names and clients, the partition manager (on clients of its own, whose
 * lease traffic is counted apart), the stores, then the messaging parts, which refer to one another through
 * late-bound closures (a session needs the checkpoint to repair an Instances row; local activities and the
 * work-item queue lend each other their prefetch).
 */
import os from "node:os";
import { randomUUID } from "node:crypto";
import { silentLogger, type Logger } from "@taskhub/core";
import type { HubContext } from "./hub-context.js";
import { LocalActivities } from "./local-activities.js";
import { ControlQueuePollers } from "./messaging/control-queue.js";
import { PoisonStore } from "./messaging/poison-store.js";
import { QueueMessenger } from "./messaging/queue-messages.js";
import { TaskHubQueue } from "./messaging/task-hub-queue.js";
import { WorkItemQueue } from "./messaging/work-item-queue.js";
import { taskHubNames, validatePartitionCount, validateTaskHubName, type TaskHubNames } from "./naming.js";
import { AzureStorageOrchestrationServiceClient } from "./orchestration-service-client.js";
import { OrchestrationSessionManager } from "./orchestration-session-manager.js";
import { createPartitionManager } from "./partitioning/create-partition-manager.js";
import { OwnershipWatchdog } from "./partitioning/ownership-watchdog.js";
import type { PartitionManager } from "./partitioning/partition-manager.js";
import { LargePayloadStore } from "./payloads/large-payloads.js";
import {
  resolveSettings,
  SETTING_DEFAULTS,
  type AzureStorageOrchestrationServiceSettings,
} from "./settings.js";
import { createStorageClients, type StorageClients } from "./storage/clients.js";
import { RequestCounter } from "./storage/request-counter.js";
import { TaskHubStorage } from "./task-hub-storage.js";
import { OrchestrationCheckpoint } from "./tracking/checkpoint.js";
import { HistoryTable } from "./tracking/history-table.js";
import { InstancesTable } from "./tracking/instances-table.js";

/** Every part of one provider instance. */
export interface ProviderParts {
  readonly names: TaskHubNames;
  readonly partitionCount: number;
  readonly clients: StorageClients;
  readonly requestCounter: RequestCounter;
  readonly leaseRequestCounter: RequestCounter;
  readonly maxTimerIntervalMs: number;
  readonly workerId: string;
  readonly logger: Logger;
  readonly partitionManager: PartitionManager;
  readonly payloads: LargePayloadStore;
  readonly history: HistoryTable;
  readonly instances: InstancesTable;
  readonly poison: PoisonStore;
  readonly hub: TaskHubStorage;
  readonly sessions: OrchestrationSessionManager;
  readonly controlQueues: ControlQueuePollers;
  readonly watchdog: OwnershipWatchdog;
  readonly local: LocalActivities;
  readonly workItems: WorkItemQueue;
  readonly checkpoint: OrchestrationCheckpoint;
  readonly client: AzureStorageOrchestrationServiceClient;
  /** A message to a queue this process listens on wakes that queue's poller at once. */
  readonly wakeLocal: (queueName: string) => void;
}

/** What the parts ask of the service that holds them. */
export interface ProviderHost {
  isRunning(): boolean;
  createIfNotExists(): Promise<void>;
}

/** Validates the settings (a bad hub name or partition count throws here) and builds the parts. */
export function wireProvider(
  settings: AzureStorageOrchestrationServiceSettings,
  host: ProviderHost,
): ProviderParts {
  validateTaskHubName(settings.taskHubName);
  const partitionCount = settings.partitionCount ?? SETTING_DEFAULTS.partitionCount;
  validatePartitionCount(partitionCount);
  const names = taskHubNames(settings.taskHubName, partitionCount);
  const requestCounter = settings.requestCounter ?? new RequestCounter();
  const clients =
    "queueService" in settings.storage
      ? settings.storage
      : createStorageClients(settings.storage, { counter: requestCounter });
  const s = resolveSettings(settings);
  const workerId = settings.workerId ?? `${os.hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const logger =
    (settings.logger ?? silentLogger).child?.({ workerId, taskHub: names.hub }) ??
    settings.logger ??
    silentLogger;
  const leaseRequestCounter = new RequestCounter();
  const leaseClients =
    "queueService" in settings.storage
      ? settings.storage
      : createStorageClients(settings.storage, { counter: leaseRequestCounter });
  const partitionManager = createPartitionManager(
    settings,
    names,
    partitionCount,
    workerId,
    logger,
    leaseClients,
  );
  const payloads = new LargePayloadStore(clients.container(names.largeMessagesContainer));
  const history = new HistoryTable(clients.table(names.historyTable), payloads);
  const instances = new InstancesTable(clients.table(names.instancesTable), names.hub);
  const poison = new PoisonStore(clients.table(names.poisonTable), clients.queueService);
  const hub = new TaskHubStorage(names, clients, partitionCount, partitionManager, poison);

  // Parts built below refer to each other through these closures, called only once all exist.
  const late: {
    controlQueues?: ControlQueuePollers;
    workItems?: WorkItemQueue;
    checkpoint?: OrchestrationCheckpoint;
  } = {};
  const ctx: HubContext = {
    names,
    partitionCount,
    clients,
    settings: s,
    logger,
    messenger: new QueueMessenger(payloads),
    isRunning: () => host.isRunning(),
    wakeLocal: (queueName) => {
      if (queueName === names.workItemQueue) late.workItems!.wakeActivities(true);
      else late.controlQueues!.wake(names.controlQueues.indexOf(queueName));
    },
    wakeLocalAt: (queueName, at) => {
      const partition = names.controlQueues.indexOf(queueName);
      if (partition >= 0) late.controlQueues!.wakeAt(partition, at);
    },
  };
  const isPolled = (partition: number): boolean => late.controlQueues!.has(partition);
  const queues = new TaskHubQueue(ctx, poison);
  const sessions = new OrchestrationSessionManager(ctx, {
    queues,
    history,
    instances,
    isPolled,
    repairInstanceRow: (instanceId, pastEvents) => late.checkpoint!.repairInstanceRow(instanceId, pastEvents),
  });
  const controlQueues = (late.controlQueues = new ControlQueuePollers(ctx, queues, sessions));
  const watchdog = new OwnershipWatchdog(partitionManager, controlQueues, logger);
  const local = new LocalActivities(ctx, {
    prefetched: () => late.workItems!.prefetched(),
    wakeActivities: (sharedQueue) => late.workItems!.wakeActivities(sharedQueue),
    releaseActivityPrefetch: () => late.workItems!.releaseActivityPrefetch(),
    sessions,
    isPolled,
  });
  const workItems = (late.workItems = new WorkItemQueue(ctx, queues, local));
  const checkpoint = (late.checkpoint = new OrchestrationCheckpoint(ctx, {
    queues,
    history,
    instances,
    payloads,
    sessionManager: sessions,
    local,
    testHooks: settings.testHooks,
  }));
  const client = new AzureStorageOrchestrationServiceClient(ctx, {
    history,
    instances,
    payloads,
    createIfNotExists: () => host.createIfNotExists(),
  });
  return {
    names,
    partitionCount,
    clients,
    requestCounter,
    leaseRequestCounter,
    maxTimerIntervalMs: s.maxTimerIntervalMs,
    workerId,
    logger,
    partitionManager,
    payloads,
    history,
    instances,
    poison,
    hub,
    sessions,
    controlQueues,
    watchdog,
    local,
    workItems,
    checkpoint,
    client,
    wakeLocal: ctx.wakeLocal,
  };
}
