/**
 * `AzureStorageOrchestrationService`: the core seam on Azure Storage, laid out as DTF's Azure Storage provider
 * (DurableTask.AzureStorage) lays it out. Control queues carry orchestration messages (partition = FNV-1a of
 * the instance id), `<hub>-workitems` carries activities, `<Hub>History` / `<Hub>Instances` hold state, and
 * `<hub>-largemessages` holds large payloads (docs/storage-layout.md).
 *
 * This class holds the parts (built and connected by provider-wiring.ts) and implements the seam with them:
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
import {
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
import type { PoisonMessage, PoisonStore } from "./messaging/poison-store.js";
import type { TaskHubNames } from "./naming.js";
import type { AzureOrchestrationWorkItem } from "./orchestration-work-item.js";
import type { LargePayloadStore } from "./payloads/large-payloads.js";
import { wireProvider, type ProviderParts } from "./provider-wiring.js";
import type { AzureStorageOrchestrationServiceSettings } from "./settings.js";
import type { StorageClients } from "./storage/clients.js";
import type { RequestCounter } from "./storage/request-counter.js";
import type { HistoryTable } from "./tracking/history-table.js";
import type { InstancesTable } from "./tracking/instances-table.js";

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
  /** The parts this class wires (provider-wiring.ts) and delegates to. */
  private readonly parts: ProviderParts;
  private running = false;

  constructor(settings: AzureStorageOrchestrationServiceSettings) {
    const parts = wireProvider(settings, {
      isRunning: () => this.running,
      createIfNotExists: () => this.createIfNotExists(),
    });
    this.parts = parts;
    this.names = parts.names;
    this.partitionCount = parts.partitionCount;
    this.clients = parts.clients;
    this.requestCounter = parts.requestCounter;
    this.maxTimerIntervalMs = parts.maxTimerIntervalMs;
    this.workerId = parts.workerId;
    this.history = parts.history;
    this.instances = parts.instances;
    this.payloads = parts.payloads;
    this.poison = parts.poison;
    this.leaseRequestCounter = parts.leaseRequestCounter;
  }

  now(): Date {
    return new Date();
  }

  /** Create queues, tables and containers if missing (idempotent, as DTF's create-if-not-exists). */
  createIfNotExists(): Promise<void> {
    return this.parts.hub.createIfNotExists();
  }

  /** Delete every queue, table and container of the hub. */
  deleteTaskHub(): Promise<void> {
    return this.parts.hub.deleteTaskHub();
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.createIfNotExists();
    this.running = true;
    await this.parts.partitionManager.start({
      onPartitionGained: (p) => {
        providerInstruments()?.partitionsOwned.add(1, { [MetricAttr.workerId]: this.workerId });
        this.parts.controlQueues.startPolling(p);
      },
      onPartitionLost: (p) => {
        providerInstruments()?.partitionsOwned.add(-1, { [MetricAttr.workerId]: this.workerId });
        this.parts.controlQueues.stopPolling(p);
      },
      inFlight: (p) => this.parts.sessions.inFlight(p),
    });
    this.parts.watchdog.start();
    logEvent(
      this.parts.logger,
      "service.started",
      { partitions: this.parts.partitionManager.ownedPartitions() },
      "service started",
    );
  }

  /** The ownership watchdog's check, at once (see `partitioning/ownership-watchdog.ts`). */
  checkOwnership(): { repaired: number[] } {
    return this.parts.watchdog.check();
  }

  /** Partitions whose control queue this worker is polling. */
  polledPartitions(): number[] {
    return this.parts.controlQueues.partitions();
  }

  ownedPartitions(): readonly number[] {
    return this.parts.partitionManager.ownedPartitions();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.parts.watchdog.stop();
    await this.parts.partitionManager.stop();
    this.parts.controlQueues.stopAll();
    await this.parts.workItems.releaseActivityPrefetch();
    this.parts.local.activitySlots = 0;
    await this.parts.sessions.drain();
    await this.parts.controlQueues.settled();
    this.parts.sessions.wakeWaiters();
    this.parts.workItems.wakeActivities(false);
  }

  lockNextOrchestrationWorkItem(options: LockOptions): Promise<OrchestrationWorkItem | undefined> {
    return this.parts.sessions.lockNextOrchestrationWorkItem(options);
  }

  renewOrchestrationWorkItemLock(workItem: OrchestrationWorkItem, options?: OperationOptions): Promise<void> {
    return this.parts.sessions.renewOrchestrationWorkItemLock(workItem, options);
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
    await this.parts.checkpoint.complete(wi, commit);
    this.parts.sessions.unlock(wi.instanceId, wi.lock);
  }

  abandonOrchestrationWorkItem(workItem: OrchestrationWorkItem, options: AbandonOptions = {}): Promise<void> {
    return this.parts.sessions.abandonOrchestrationWorkItem(workItem, options);
  }

  lockNextActivityWorkItem(options: LockOptions): Promise<ActivityWorkItem | undefined> {
    return this.parts.workItems.lockNextActivityWorkItem(options);
  }

  renewActivityWorkItemLock(workItem: ActivityWorkItem, options?: OperationOptions): Promise<void> {
    return this.parts.workItems.renewActivityWorkItemLock(workItem, options);
  }

  completeActivityWorkItem(
    workItem: ActivityWorkItem,
    response: TaskMessage,
    options?: OperationOptions,
  ): Promise<void> {
    return this.parts.workItems.completeActivityWorkItem(workItem, response, options);
  }

  abandonActivityWorkItem(workItem: ActivityWorkItem, options: AbandonOptions = {}): Promise<void> {
    return this.parts.workItems.abandonActivityWorkItem(workItem, options);
  }

  createTaskOrchestration(startMessage: TaskMessage, options: CreateInstanceOptions = {}): Promise<void> {
    return this.parts.client.createTaskOrchestration(startMessage, options);
  }

  sendTaskOrchestrationMessage(message: TaskMessage, options?: OperationOptions): Promise<void> {
    return this.parts.client.sendTaskOrchestrationMessage(message, options);
  }

  getOrchestrationState(
    instanceId: string,
    options?: GetInstanceOptions,
  ): Promise<InstanceRecord | undefined> {
    return this.parts.client.getOrchestrationState(instanceId, options);
  }

  getOrchestrationHistory(instanceId: string, options?: OperationOptions): Promise<HistoryEvent[]> {
    return this.parts.client.getOrchestrationHistory(instanceId, options);
  }

  queryInstances(
    query: InstanceQuery,
    continuationToken?: string,
    options?: OperationOptions,
  ): Promise<Page<InstanceRecord>> {
    return this.parts.client.queryInstances(query, continuationToken, options);
  }

  countInstancesByStatus(filter: InstanceFilter, options?: OperationOptions): Promise<InstanceCounts> {
    return this.parts.client.countInstancesByStatus(filter, options);
  }

  purgeInstance(instanceId: string, options?: OperationOptions): Promise<PurgeResult> {
    return this.parts.client.purgeInstance(instanceId, options);
  }

  purgeInstances(filter: PurgeFilter, options?: OperationOptions): Promise<PurgeResult> {
    return this.parts.client.purgeInstances(filter, options);
  }

  rewindTaskOrchestration(instanceId: string, reason?: string, options?: OperationOptions): Promise<void> {
    return this.parts.client.rewindTaskOrchestration(instanceId, reason, options);
  }

  listPoisonMessages(): Promise<PoisonMessage[]> {
    return this.poison.list();
  }

  async replayPoisonMessage(queueName: string, messageId: string): Promise<boolean> {
    const ok = await this.poison.replay(queueName, messageId);
    if (ok) this.parts.wakeLocal(queueName);
    return ok;
  }
}
