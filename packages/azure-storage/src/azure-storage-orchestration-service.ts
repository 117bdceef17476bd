/**
 * `AzureStorageOrchestrationService`: the core seam on Azure Storage, laid out as DTF's Azure Storage provider
 * (DurableTask.AzureStorage) lays it out. Control queues carry orchestration messages (partition = FNV-1a of
 * the instance id), `<hub>-workitems` carries activities, `<Hub>History` / `<Hub>Instances` hold state, and
 * `<hub>-largemessages` holds large payloads (docs/storage-layout.md).
 *
 * This class only wires the parts and implements the seam with them:
 *   settings.ts                        every setting and its default
 *   task-hub-storage.ts                create / delete the hub's queues, tables and containers
 *   partitioning/                      which partitions (control queues) this worker owns, and the watchdog
 *                                      that keeps owning and polling them one state
 *   messaging/control-queue.ts         polling the owned control queues
 *   orchestration-session-manager.ts   buffered messages, instance holds, the session cache, work items
 *   tracking/checkpoint.ts             a step's checkpoint: sends, history, Instances row, deletes
 *   messaging/work-item-queue.ts       activity work items
 *   local-activities.ts                activities and results that stay on this worker
 *   messaging/task-hub-queue.ts        sending, decoding, giving back and quarantining messages
 *   orchestration-service-client.ts    start, raise, query, purge, terminate, ...
 */
import os from "node:os";
import { randomUUID } from "node:crypto";
import {
  silentLogger,
  throwIfAborted,
  type AbandonOptions,
  type ActivityWorkItem,
  type CreateInstanceOptions,
  type HistoryEvent,
  type InstanceCountCapability,
  type InstanceCounts,
  type InstanceFilter,
  type InstanceQuery,
  type InstanceQueryCapability,
  type InstanceRecord,
  type LockOptions,
  type Logger,
  type GetInstanceOptions,
  type OperationOptions,
  type OrchestrationCommit,
  type OrchestrationService,
  type OrchestrationServiceClient,
  type OrchestrationWorkItem,
  type Page,
  type PurgeCapability,
  type PoisonStoreCapability,
  type PurgeFilter,
  type PurgeResult,
  type RewindCapability,
  type TaskMessage,
} from "@taskhub/core";
import { logEvent } from "@taskhub/core";
import { MetricAttr } from "@taskhub/core";
import { providerInstruments } from "./metrics/instruments.js";
import type { HubContext } from "./hub-context.js";
import { LocalActivities } from "./local-activities.js";
import { ControlQueuePollers } from "./messaging/control-queue.js";
import { PollingActivity } from "./messaging/poller.js";
import { PoisonStore, type PoisonMessage } from "./messaging/poison-store.js";
import { QueueMessenger } from "./messaging/queue-messages.js";
import { TaskHubQueue } from "./messaging/task-hub-queue.js";
import { WorkItemQueue } from "./messaging/work-item-queue.js";
import { taskHubNames, validatePartitionCount, validateTaskHubName, type TaskHubNames } from "./naming.js";
import { AzureStorageOrchestrationServiceClient } from "./orchestration-service-client.js";
import { OrchestrationSessionManager } from "./orchestration-session-manager.js";
import type { AzureOrchestrationWorkItem } from "./orchestration-work-item.js";
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

export class AzureStorageOrchestrationService
  implements
    OrchestrationService,
    OrchestrationServiceClient,
    InstanceQueryCapability,
    InstanceCountCapability,
    PurgeCapability,
    RewindCapability,
    PoisonStoreCapability
{
  readonly names: TaskHubNames;
  readonly partitionCount: number;
  readonly clients: StorageClients;
  readonly requestCounter: RequestCounter;
  readonly maxTimerIntervalMs: number;
  readonly workerId: string;
  readonly history: HistoryTable;
  readonly instances: InstancesTable;
  readonly payloads: LargePayloadStore;
  readonly poison: PoisonStore;
  /** Lease traffic is counted apart from the rest. */
  readonly leaseRequestCounter: RequestCounter;
  private readonly logger: Logger;
  private readonly partitionManager: PartitionManager;
  private readonly hub: TaskHubStorage;
  private readonly controlQueues: ControlQueuePollers;
  private readonly sessions: OrchestrationSessionManager;
  private readonly checkpoint: OrchestrationCheckpoint;
  private readonly local: LocalActivities;
  private readonly workItems: WorkItemQueue;
  private readonly client: AzureStorageOrchestrationServiceClient;
  private readonly watchdog: OwnershipWatchdog;
  private running = false;

  constructor(settings: AzureStorageOrchestrationServiceSettings) {
    validateTaskHubName(settings.taskHubName);
    const partitionCount = settings.partitionCount ?? SETTING_DEFAULTS.partitionCount;
    validatePartitionCount(partitionCount);
    this.partitionCount = partitionCount;
    this.names = taskHubNames(settings.taskHubName, partitionCount);
    this.requestCounter = settings.requestCounter ?? new RequestCounter();
    this.clients =
      "queueService" in settings.storage
        ? settings.storage
        : createStorageClients(settings.storage, { counter: this.requestCounter });
    const s = resolveSettings(settings);
    this.maxTimerIntervalMs = s.maxTimerIntervalMs;
    this.workerId = settings.workerId ?? `${os.hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.logger =
      (settings.logger ?? silentLogger).child?.({ workerId: this.workerId, taskHub: this.names.hub }) ??
      settings.logger ??
      silentLogger;
    this.leaseRequestCounter = new RequestCounter();
    const leaseClients =
      "queueService" in settings.storage
        ? settings.storage
        : createStorageClients(settings.storage, { counter: this.leaseRequestCounter });
    this.partitionManager = createPartitionManager(
      settings,
      this.names,
      partitionCount,
      this.workerId,
      this.logger,
      leaseClients,
    );
    this.payloads = new LargePayloadStore(this.clients.container(this.names.largeMessagesContainer));
    this.history = new HistoryTable(this.clients.table(this.names.historyTable), this.payloads);
    this.instances = new InstancesTable(this.clients.table(this.names.instancesTable), this.names.hub);
    this.poison = new PoisonStore(this.clients.table(this.names.poisonTable), this.clients.queueService);
    this.hub = new TaskHubStorage(
      this.names,
      this.clients,
      partitionCount,
      this.partitionManager,
      this.poison,
    );

    const ctx: HubContext = {
      names: this.names,
      partitionCount,
      clients: this.clients,
      settings: s,
      logger: this.logger,
      messenger: new QueueMessenger(this.payloads),
      isRunning: () => this.running,
      wakeLocal: (queueName) => this.wakeLocal(queueName),
    };
    const { history, instances, payloads } = this;
    const isPolled = (partition: number): boolean => this.controlQueues.has(partition);
    const queues = new TaskHubQueue(ctx, this.poison);
    this.sessions = new OrchestrationSessionManager(ctx, {
      queues,
      history,
      instances,
      isPolled,
      repairInstanceRow: (instanceId, pastEvents) =>
        this.checkpoint.repairInstanceRow(instanceId, pastEvents),
    });
    const pollingActivity = new PollingActivity(s.pollingLingerMs, s.briskPollingIntervalMs);
    this.controlQueues = new ControlQueuePollers(ctx, queues, this.sessions, pollingActivity);
    this.watchdog = new OwnershipWatchdog(this.partitionManager, this.controlQueues, this.logger);
    this.local = new LocalActivities(ctx, {
      prefetched: () => this.workItems.prefetched(),
      wakeActivities: (sharedQueue) => this.workItems.wakeActivities(sharedQueue),
      releaseActivityPrefetch: () => this.workItems.releaseActivityPrefetch(),
      sessions: this.sessions,
      isPolled,
    });
    this.workItems = new WorkItemQueue(ctx, queues, this.local, pollingActivity);
    this.checkpoint = new OrchestrationCheckpoint(ctx, {
      queues,
      history,
      instances,
      payloads,
      sessionManager: this.sessions,
      local: this.local,
      testHooks: settings.testHooks,
    });
    this.client = new AzureStorageOrchestrationServiceClient(ctx, {
      history,
      instances,
      payloads,
      createIfNotExists: () => this.createIfNotExists(),
    });
  }

  now(): Date {
    return new Date();
  }

  /** Create queues, tables and containers if missing (idempotent, as DTF's create-if-not-exists). */
  createIfNotExists(): Promise<void> {
    return this.hub.createIfNotExists();
  }

  /** Delete every queue, table and container of the hub. */
  deleteTaskHub(): Promise<void> {
    return this.hub.deleteTaskHub();
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.createIfNotExists();
    this.running = true;
    await this.partitionManager.start({
      onPartitionGained: (p) => {
        providerInstruments()?.partitionsOwned.add(1, { [MetricAttr.workerId]: this.workerId });
        this.controlQueues.startPolling(p);
      },
      onPartitionLost: (p) => {
        providerInstruments()?.partitionsOwned.add(-1, { [MetricAttr.workerId]: this.workerId });
        this.controlQueues.stopPolling(p);
      },
      inFlight: (p) => this.sessions.inFlight(p),
    });
    this.watchdog.start();
    logEvent(
      this.logger,
      "service.started",
      { partitions: this.partitionManager.ownedPartitions() },
      "service started",
    );
  }

  /** The ownership watchdog's check, at once (see `partitioning/ownership-watchdog.ts`). */
  checkOwnership(): { repaired: number[] } {
    return this.watchdog.check();
  }

  /** Partitions whose control queue this worker is polling. */
  polledPartitions(): number[] {
    return this.controlQueues.partitions();
  }

  ownedPartitions(): readonly number[] {
    return this.partitionManager.ownedPartitions();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.watchdog.stop();
    await this.partitionManager.stop();
    this.controlQueues.stopAll();
    await this.workItems.releaseActivityPrefetch();
    this.local.activitySlots = 0;
    await this.sessions.drain();
    await this.controlQueues.settled();
    this.sessions.wakeWaiters();
    this.workItems.wakeActivities(false);
  }

  /** A message to a queue this process listens on wakes that queue's poller at once. */
  private wakeLocal(queueName: string): void {
    if (queueName === this.names.workItemQueue) return this.workItems.wakeActivities(true);
    this.controlQueues.wake(this.names.controlQueues.indexOf(queueName));
  }

  lockNextOrchestrationWorkItem(options: LockOptions): Promise<OrchestrationWorkItem | undefined> {
    return this.sessions.lockNextOrchestrationWorkItem(options);
  }

  renewOrchestrationWorkItemLock(workItem: OrchestrationWorkItem, options?: OperationOptions): Promise<void> {
    return this.sessions.renewOrchestrationWorkItemLock(workItem, options);
  }

  /**
   * On failure the instance stays locked until `abandonOrchestrationWorkItem` has given its messages back. An
   * abort is honoured before the checkpoint starts: once it writes, it runs to its end.
   */
  async completeOrchestrationWorkItem(
    workItem: OrchestrationWorkItem,
    commit: OrchestrationCommit | undefined,
    options: OperationOptions = {},
  ): Promise<void> {
    throwIfAborted(options.abortSignal, "completeOrchestrationWorkItem");
    const wi = workItem as AzureOrchestrationWorkItem;
    await this.checkpoint.complete(wi, commit);
    this.sessions.unlock(wi.instanceId, wi.lock);
  }

  abandonOrchestrationWorkItem(workItem: OrchestrationWorkItem, options: AbandonOptions = {}): Promise<void> {
    return this.sessions.abandonOrchestrationWorkItem(workItem, options);
  }

  lockNextActivityWorkItem(options: LockOptions): Promise<ActivityWorkItem | undefined> {
    return this.workItems.lockNextActivityWorkItem(options);
  }

  renewActivityWorkItemLock(workItem: ActivityWorkItem, options?: OperationOptions): Promise<void> {
    return this.workItems.renewActivityWorkItemLock(workItem, options);
  }

  completeActivityWorkItem(
    workItem: ActivityWorkItem,
    response: TaskMessage,
    options?: OperationOptions,
  ): Promise<void> {
    return this.workItems.completeActivityWorkItem(workItem, response, options);
  }

  abandonActivityWorkItem(workItem: ActivityWorkItem, options: AbandonOptions = {}): Promise<void> {
    return this.workItems.abandonActivityWorkItem(workItem, options);
  }

  createTaskOrchestration(startMessage: TaskMessage, options: CreateInstanceOptions = {}): Promise<void> {
    return this.client.createTaskOrchestration(startMessage, options);
  }

  sendTaskOrchestrationMessage(message: TaskMessage, options?: OperationOptions): Promise<void> {
    return this.client.sendTaskOrchestrationMessage(message, options);
  }

  getOrchestrationState(
    instanceId: string,
    options?: GetInstanceOptions,
  ): Promise<InstanceRecord | undefined> {
    return this.client.getOrchestrationState(instanceId, options);
  }

  getOrchestrationHistory(instanceId: string, options?: OperationOptions): Promise<HistoryEvent[]> {
    return this.client.getOrchestrationHistory(instanceId, options);
  }

  queryInstances(
    query: InstanceQuery,
    continuationToken?: string,
    options?: OperationOptions,
  ): Promise<Page<InstanceRecord>> {
    return this.client.queryInstances(query, continuationToken, options);
  }

  countInstancesByStatus(filter: InstanceFilter, options?: OperationOptions): Promise<InstanceCounts> {
    return this.client.countInstancesByStatus(filter, options);
  }

  purgeInstance(instanceId: string, options?: OperationOptions): Promise<PurgeResult> {
    return this.client.purgeInstance(instanceId, options);
  }

  purgeInstances(filter: PurgeFilter, options?: OperationOptions): Promise<PurgeResult> {
    return this.client.purgeInstances(filter, options);
  }

  rewindTaskOrchestration(instanceId: string, reason?: string, options?: OperationOptions): Promise<void> {
    return this.client.rewindTaskOrchestration(instanceId, reason, options);
  }

  listPoisonMessages(): Promise<PoisonMessage[]> {
    return this.poison.list();
  }

  async replayPoisonMessage(queueName: string, messageId: string): Promise<boolean> {
    const ok = await this.poison.replay(queueName, messageId);
    if (ok) this.wakeLocal(queueName);
    return ok;
  }
}
