/**
 * `AzureStorageOrchestrationService`: the core seam on Azure Storage, laid out as DTF's Azure Storage provider
 * lays it out (spec dtf-azure-storage.md). Control queues carry orchestration messages (partition = FNV-1a of
 * the instance id), `<hub>-workitems` carries activities, `<Hub>History` / `<Hub>Instances` hold state, and
 * `<hub>-largemessages` holds large payloads.
 *
 * Checkpoint order (§6.5): send outbound messages, append history under the sentinel ETag, upsert the
 * Instances row, delete the consumed messages. A crash anywhere in between leads to redelivery and duplicate
 * sends that receivers drop, never to lost work; a 409/412 on the sentinel abandons the work item.
 */
import os from "node:os";
import { randomUUID } from "node:crypto";
import type { DequeuedMessageItem, QueueClient } from "@azure/storage-queue";
import pLimit from "p-limit";
import {
  isTerminalStatus,
  OrchestrationAlreadyExistsError,
  OrchestrationRuntimeState,
  parseDtfDateTime,
  silentLogger,
  TaskHubError,
  TERMINAL_STATUSES,
  withoutPayloads,
  type AbandonOptions,
  type ActivityWorkItem,
  type CreateInstanceOptions,
  type ExecutionStartedEvent,
  type HistoryEvent,
  entityMessageDueTime,
  type InstanceQuery,
  type InstanceQueryCapability,
  type InstanceRecord,
  type LockOptions,
  type Logger,
  type OrchestrationCommit,
  type OrchestrationService,
  type OrchestrationServiceClient,
  type OrchestrationWorkItem,
  type Page,
  type PurgeCapability,
  type PurgeFilter,
  type PurgeResult,
  type TaskMessage,
  isEntityInstanceId,
} from "@taskhub/core";
import { QueueMessenger, type ReceivedMessage } from "./messaging/queue-messages.js";
import { messageDataToJson, newMessageData } from "./messaging/message-data.js";
import { PollingActivity, PollingBackoff } from "./messaging/poller.js";
import { PoisonStore, type PoisonMessage } from "./messaging/poison-store.js";
import { DEFAULT_PARTITION_COUNT, taskHubNames, validatePartitionCount, validateTaskHubName, type TaskHubNames } from "./naming.js";
import { partitionIndex } from "./partitioning/fnv1a.js";
import { AllPartitionsManager, type PartitionManager } from "./partitioning/partition-manager.js";
import { BlobPartitionManager, type LeaseTimings } from "./partitioning/blob-partition-manager.js";
import { TablePartitionManager } from "./partitioning/table-partition-manager.js";
import { LargePayloadStore, MAX_TABLE_PROPERTY_BYTES, utf16ByteLength, instancePropertyBlobName } from "./payloads/large-payloads.js";
import { createStorageClients, type StorageClients, type StorageConnection } from "./storage/clients.js";
import { RequestCounter } from "./storage/request-counter.js";
import { orEmptyIfMissing, toStorageError } from "./storage/errors.js";
import { HistoryTable } from "./tracking/history-table.js";
import { InstancesTable } from "./tracking/instances-table.js";
import { instanceRecordBehindHistory } from "./tracking/instance-repair.js";
import { escapePartitionKey } from "./tracking/key-sanitation.js";

export interface AzureStorageOrchestrationServiceSettings {
  taskHubName: string;
  /** A connection string / account + credential, or ready-made clients. */
  storage: StorageConnection | StorageClients;
  /** 1–16, default 4; fixed once the hub exists. */
  partitionCount?: number;
  /** Messages fetched per control-queue poll (max 32, default 32). */
  controlQueueBatchSize?: number;
  /** Most control messages buffered by this worker before polling pauses (default 256). */
  controlQueueBufferThreshold?: number;
  controlQueueVisibilityTimeoutMs?: number;
  workItemQueueVisibilityTimeoutMs?: number;
  minPollingIntervalMs?: number;
  /** DF's `maxQueuePollingInterval` (default 30 s). */
  maxPollingIntervalMs?: number;
  /**
   * After a message arrives on any of this worker's control queues or its work-item queue, all its control
   * queues are polled at least every `briskPollingIntervalMs` for this long (default 5 s; 0 turns it off,
   * as DTF). Keeps latency low between back-to-back instances, which land on different partitions.
   */
  pollingLingerMs?: number;
  /** Default 100 ms. */
  briskPollingIntervalMs?: number;
  /** Deliveries after which a message that still cannot be processed goes to the poison store (default 10). */
  maxDequeueCount?: number;
  /** Keep each instance's history in memory after a checkpoint (DTF's extended sessions; default true). */
  extendedSessions?: boolean;
  /**
   * An activity result for an instance on a partition this worker owns goes straight to the instance's next
   * step instead of through its control queue; the work-item message is deleted with that step's other
   * messages, after its checkpoint (default true; false: DTF's path, result sent to the control queue).
   * Saves two queue requests and a poll per activity; a crash before the checkpoint runs the activity again.
   */
  localActivityResults?: boolean;
  /**
   * Activities a step schedules run on this worker first, as many as it expects to start within a second (by
   * its concurrency and its activities' average duration, at most 256 waiting): the work-item message is sent invisible for the work-item
   * visibility timeout and handed to this worker's dispatcher without a receive; other workers get it only if
   * this one dies before deleting it, or gives it back. Saves a receive and the polling delay per activity,
   * and with several workers keeps activity results local (default true; false: DTF's path).
   */
  localActivityDispatch?: boolean;
  sessionIdleTimeoutMs?: number;
  /** Timers longer than this are chained (Azure queues cannot delay a message 7 days; default 6 days). */
  maxTimerIntervalMs?: number;
  /**
   * How partitions are shared between workers: `"table"` (default, as in the Durable Functions extension v3:
   * DTF's `<hub>Partitions` table), `"blob"` (DTF's intent/ownership blob leases), `"all"` (no leases: one worker listens on every queue), or a
   * custom `PartitionManager`.
   */
  partitionManagement?: "blob" | "table" | "all" | PartitionManager;
  /** Blob manager timings (ms). Azure blob leases last 15–60 s. */
  intentLease?: Partial<LeaseTimings>;
  ownershipLease?: Partial<LeaseTimings>;
  /** Table manager timings (ms): claim lifetime (DTF: 1 min) and round interval (DTF: 10 s). */
  tableLease?: { leaseIntervalMs?: number; acquireIntervalMs?: number };
  workerId?: string;
  logger?: Logger;
  /** Counts storage requests; one is created when omitted (see `requestCounter`). */
  requestCounter?: RequestCounter;
}

interface Session {
  executionId: string | undefined;
  events: HistoryEvent[];
  etag: string | undefined;
  lastUsed: number;
  /** Served from the cache: this worker completed the instance's previous step, message deletes included. */
  cached?: boolean;
  /** Queue message ids that committed checkpoints consumed (from the sentinel), with when. */
  consumed: Map<string, number>;
}

interface AzureOrchestrationWorkItem extends OrchestrationWorkItem {
  readonly messages: ReceivedMessage[];
  readonly etag: string | undefined;
  readonly executionId: string | undefined;
  readonly partition: number;
  readonly consumed: Map<string, number>;
  /** This work item's hold on the instance (see `locked`). */
  readonly lock: number;
}

interface AzureActivityWorkItem extends ActivityWorkItem {
  readonly received: ReceivedMessage;
  popReceipt: string;
  /** When it was handed to the dispatcher. */
  readonly handedOutAt: number;
}

const DAY = 24 * 3600_000;
/**
 * How long, and how many, consumed message ids the sentinel remembers. Only ids whose delete this worker has
 * not seen succeed stay there (a deleted message cannot come back), so in steady state it holds one step's
 * messages; what remains after a crash comes back within a visibility timeout once any worker owns the
 * partition, a day covers workers being down for that long. 300 ids fit a table column.
 */
const CONSUMED_MEMORY_MS = DAY;
const MAX_CONSUMED_REMEMBERED = 300;
/** Instances whose last deleted message ids this worker remembers, to prune them from the sentinel. */
const MAX_DELETED_REMEMBERED = 10_000;
/** Local activities (`localActivityDispatch`): how long one may wait for a slot here, and how many may wait. */
const LOCAL_ACTIVITY_WAIT_MS = 1000;
const MAX_LOCAL_ACTIVITIES = 256;
/** Results that need their scheduling event in history (out-of-order check, §6.4). */
const RESULT_TYPES = new Set(["TaskCompleted", "TaskFailed", "SubOrchestrationInstanceCompleted", "SubOrchestrationInstanceFailed", "TimerFired"]);
/** Events a control queue may carry; anything else (a TaskScheduled, a history-only event) is malformed. */
const CONTROL_TYPES = new Set([
  ...RESULT_TYPES,
  "ExecutionStarted",
  "ExecutionTerminated",
  "ExecutionSuspended",
  "ExecutionResumed",
  "ExecutionRewound",
  "EventRaised",
  "GenericEvent",
]);

/** DT.AS's sender of messages a client sends (its `EmptySourceInstance`). */
const CLIENT_SENDER = { instanceId: "", executionId: "" } as const;

/** Where the history keeps an Instances column's value: event type, event field, history column. */
type HistorySource = readonly [type: HistoryEvent["type"], field: string, column: string];
const INPUT_SOURCES: readonly HistorySource[] = [["ExecutionStarted", "input", "Input"]];
const OUTPUT_SOURCES: readonly HistorySource[] = [
  ["ExecutionCompleted", "result", "Result"],
  ["ContinueAsNew", "result", "Result"],
];

/**
 * Where in `events` the history holds exactly `value`: the last event of a `sources` type, if its field is
 * `value` (a failure's output, for one, is not its Result), else undefined.
 */
function historyPlaceOf(events: readonly HistoryEvent[], value: string, sources: readonly HistorySource[]): { index: number; source: HistorySource } | undefined {
  for (let index = events.length - 1; index >= 0; index--) {
    const e = events[index]! as unknown as Record<string, unknown>;
    const source = sources.find(([type]) => type === e.type);
    if (source) return e[source[1]] === value ? { index, source } : undefined;
  }
  return undefined;
}

function scheduledIdOf(e: HistoryEvent): number | undefined {
  if (e.type === "TimerFired") return e.timerId;
  if ("taskScheduledId" in e) return e.taskScheduledId;
  return undefined;
}

export class AzureStorageOrchestrationService
  implements OrchestrationService, OrchestrationServiceClient, InstanceQueryCapability, PurgeCapability
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
  private readonly messenger: QueueMessenger;
  private readonly logger: Logger;
  private readonly partitionManager: PartitionManager;
  /** Lease traffic is counted apart from the rest. */
  readonly leaseRequestCounter: RequestCounter;
  private readonly s: Required<
    Omit<
      AzureStorageOrchestrationServiceSettings,
      "storage" | "partitionManagement" | "logger" | "requestCounter" | "workerId" | "taskHubName" | "partitionCount" | "intentLease" | "ownershipLease" | "tableLease"
    >
  >;
  private watchdog: NodeJS.Timeout | undefined;
  /** Dropped messages being made visible again; stop() waits for them. */
  private readonly releasing = new Set<Promise<void>>();

  /** Control messages received and not yet handed out, by instance. */
  private readonly buffer = new Map<string, ReceivedMessage[]>();
  private bufferedCount = 0;
  /**
   * Instances with a work item in flight on this worker, each with the number of the hold: only the work item
   * that holds it releases it, so a late second release (a failed complete, then its abandon) cannot free
   * the instance under a newer work item and let two steps of one instance run at once.
   */
  private readonly locked = new Map<string, number>();
  private lockCount = 0;
  private readonly sessions = new Map<string, Session>();
  /**
   * Per instance, the ids of messages this worker deleted after a committed step: they can never be
   * delivered again, so the next checkpoint drops them from the sentinel's consumed ids. Without this, a busy
   * instance (an entity taking hundreds of signals) pushed the ids of a dead worker's undeleted step out of
   * the bounded list before they came back, and they were applied twice.
   */
  private readonly deletedIds = new Map<string, Set<string>>();
  /** Why this process last gave a message back (best effort, for the poison reason; bounded). */
  private readonly lastErrors = new Map<string, string>();
  private readonly pollers = new Map<number, { controller: AbortController; backoff: PollingBackoff; done: Promise<void> }>();
  private readonly activityBackoff: PollingBackoff;
  /** Orchestration work items built ahead for the dispatcher, and how many are being built. */
  private readonly prepared: AzureOrchestrationWorkItem[] = [];
  private preparing = 0;
  private readonly pollingActivity: PollingActivity;
  /** Work items received in a batch and not yet handed to the dispatcher (invisible to other workers). */
  private readonly activityPrefetch: { item: DequeuedMessageItem; receivedAt: number }[] = [];
  /** When the shared work-item queue may be received from next (after an empty or partial receive). */
  private workItemPollAt = 0;
  /** Activity fetches waiting for that, or for a local activity. */
  private readonly activityWaiters = new Set<() => void>();
  /** Work items this worker sent to itself (see `localActivityDispatch`), not yet handed to the dispatcher. */
  private readonly localActivities: { message: ReceivedMessage; sentAt: number }[] = [];
  /** Local activity sends in flight, counted against the room below. */
  private localActivitiesSending = 0;
  /** The activity dispatcher's concurrency, as its fetches report it (0: no dispatcher, no local activities). */
  private activitySlots = 0;
  /** How long this worker's activities take, from hand-out to complete (moving average; a guess at first). */
  private activityMs = 1000;
  private waiters = new Set<() => void>();
  private running = false;
  private hubReady: Promise<void> | undefined;
  private readonly sendLimit = pLimit(32);

  constructor(settings: AzureStorageOrchestrationServiceSettings) {
    validateTaskHubName(settings.taskHubName);
    const partitionCount = settings.partitionCount ?? DEFAULT_PARTITION_COUNT;
    validatePartitionCount(partitionCount);
    this.partitionCount = partitionCount;
    this.names = taskHubNames(settings.taskHubName, partitionCount);
    this.requestCounter = settings.requestCounter ?? new RequestCounter();
    this.clients = "queueService" in settings.storage ? settings.storage : createStorageClients(settings.storage, { counter: this.requestCounter });
    this.s = {
      controlQueueBatchSize: Math.min(settings.controlQueueBatchSize ?? 32, 32),
      controlQueueBufferThreshold: settings.controlQueueBufferThreshold ?? 256,
      controlQueueVisibilityTimeoutMs: settings.controlQueueVisibilityTimeoutMs ?? 5 * 60_000,
      workItemQueueVisibilityTimeoutMs: settings.workItemQueueVisibilityTimeoutMs ?? 5 * 60_000,
      minPollingIntervalMs: settings.minPollingIntervalMs ?? 50,
      maxPollingIntervalMs: settings.maxPollingIntervalMs ?? 30_000,
      pollingLingerMs: settings.pollingLingerMs ?? 5000,
      briskPollingIntervalMs: settings.briskPollingIntervalMs ?? 100,
      maxDequeueCount: settings.maxDequeueCount ?? 10,
      extendedSessions: settings.extendedSessions ?? true,
      localActivityResults: settings.localActivityResults ?? true,
      localActivityDispatch: settings.localActivityDispatch ?? true,
      sessionIdleTimeoutMs: settings.sessionIdleTimeoutMs ?? 30_000,
      maxTimerIntervalMs: settings.maxTimerIntervalMs ?? 6 * DAY,
    };
    this.maxTimerIntervalMs = this.s.maxTimerIntervalMs;
    this.workerId = settings.workerId ?? `${os.hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.logger = (settings.logger ?? silentLogger).child?.({ workerId: this.workerId, taskHub: this.names.hub }) ?? settings.logger ?? silentLogger;
    this.leaseRequestCounter = new RequestCounter();
    const leaseClients = "queueService" in settings.storage ? settings.storage : createStorageClients(settings.storage, { counter: this.leaseRequestCounter });
    const management = settings.partitionManagement ?? "table";
    this.partitionManager =
      typeof management !== "string"
        ? management
        : management === "all"
          ? new AllPartitionsManager(partitionCount)
          : management === "table"
            ? new TablePartitionManager({
                table: leaseClients.table(this.names.partitionsTable),
                controlQueues: this.names.controlQueues,
                workerId: this.workerId,
                logger: this.logger,
                ...settings.tableLease,
              })
            : new BlobPartitionManager({
                container: leaseClients.container(this.names.leasesContainer),
                taskHubName: this.names.hub,
                controlQueues: this.names.controlQueues,
                workerId: this.workerId,
                intent: settings.intentLease,
                ownership: settings.ownershipLease,
                logger: this.logger,
              });
    this.payloads = new LargePayloadStore(this.clients.container(this.names.largeMessagesContainer));
    this.history = new HistoryTable(this.clients.table(this.names.historyTable), this.payloads);
    this.instances = new InstancesTable(this.clients.table(this.names.instancesTable), this.names.hub);
    this.poison = new PoisonStore(this.clients.table(this.names.poisonTable), this.clients.queueService);
    this.messenger = new QueueMessenger(this.payloads);
    this.activityBackoff = new PollingBackoff(this.s.minPollingIntervalMs, this.s.maxPollingIntervalMs);
    this.pollingActivity = new PollingActivity(this.s.pollingLingerMs, this.s.briskPollingIntervalMs);
  }

  now(): Date {
    return new Date();
  }

  // ---- task hub lifecycle -----------------------------------------------------------------------

  /** Create queues, tables and containers if missing (idempotent; DTF's create-if-not-exists, §10.1). */
  createIfNotExists(): Promise<void> {
    this.hubReady ??= this.createHub().catch((err: unknown) => {
      this.hubReady = undefined;
      throw err;
    });
    return this.hubReady;
  }

  private async createHub(): Promise<void> {
    const n = this.names;
    const appLease = this.clients.container(n.appLeaseContainer);
    await Promise.all([
      ...n.controlQueues.map((q) => this.clients.queue(q).createIfNotExists()),
      this.partitionManager instanceof BlobPartitionManager ? this.partitionManager.createLeaseStore(this.partitionCount) : undefined,
      this.partitionManager instanceof TablePartitionManager ? this.partitionManager.createLeaseStore() : undefined,
      this.clients.queue(n.workItemQueue).createIfNotExists(),
      this.createTable(n.historyTable),
      this.createTable(n.instancesTable),
      this.poison.ensure(),
      appLease.createIfNotExists().then(() =>
        appLease
          .getBlockBlobClient(n.appLeaseInfoBlob)
          .upload("{}", 2, { conditions: { ifNoneMatch: "*" } })
          .catch((err: unknown) => {
            if ((err as { statusCode?: number }).statusCode !== 409) throw err;
          }),
      ),
    ]);
  }

  private async createTable(name: string): Promise<void> {
    await this.clients.table(name).createTable();
  }

  /** Delete every queue, table and container of the hub (§10.2). */
  async deleteTaskHub(): Promise<void> {
    const n = this.names;
    const ignore404 = (err: unknown): void => {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    };
    await Promise.all([
      ...n.controlQueues.map((q) => this.clients.queue(q).deleteIfExists()),
      this.clients.queue(n.workItemQueue).deleteIfExists(),
      ...[n.historyTable, n.instancesTable, n.partitionsTable, n.poisonTable].map((t) => this.clients.table(t).deleteTable().catch(ignore404)),
      ...[n.largeMessagesContainer, n.leasesContainer, n.appLeaseContainer].map((c) => this.clients.container(c).deleteIfExists()),
    ]);
    this.hubReady = undefined;
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.createIfNotExists();
    this.running = true;
    await this.partitionManager.start({
      onPartitionGained: (p) => this.startPolling(p),
      onPartitionLost: (p) => this.stopPolling(p),
      inFlight: (p) => [...this.locked.keys()].filter((id) => this.partitionOf(id) === p).length,
    });
    this.watchdog = setInterval(() => this.checkOwnership(), 5000);
    this.watchdog.unref();
    this.logger.info({ event: "service.started", partitions: this.partitionManager.ownedPartitions() }, "service started");
  }

  /**
   * Holding a partition and polling its queue are one state. If they ever disagree (DTF's "owned but not
   * listened" bug), say so and repair it.
   */
  checkOwnership(): { repaired: number[] } {
    const repaired: number[] = [];
    const owned = new Set(this.partitionManager.ownedPartitions());
    for (const p of owned) {
      if (this.pollers.has(p)) continue;
      this.logger.error({ event: "partition.ownedNotPolled", partition: p }, "partition owned but not polled; starting its poller");
      this.startPolling(p);
      repaired.push(p);
    }
    for (const p of [...this.pollers.keys()]) {
      if (owned.has(p)) continue;
      this.logger.error({ event: "partition.polledNotOwned", partition: p }, "partition polled but not owned; stopping its poller");
      this.stopPolling(p);
      repaired.push(p);
    }
    return { repaired };
  }

  /** Partitions whose control queue this worker is polling. */
  polledPartitions(): number[] {
    return [...this.pollers.keys()].sort((a, b) => a - b);
  }

  ownedPartitions(): readonly number[] {
    return this.partitionManager.ownedPartitions();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.watchdog);
    await this.partitionManager.stop();
    for (const p of [...this.pollers.keys()]) this.stopPolling(p);
    await this.releaseActivityPrefetch();
    this.activitySlots = 0;
    // Work items still being prepared give their messages back themselves (they see running = false).
    while (this.preparing > 0) await new Promise((r) => setTimeout(r, 10));
    await this.releasePrepared();
    while (this.releasing.size > 0) await Promise.all([...this.releasing]);
    this.wakeWaiters();
    this.wakeActivities(false);
  }

  // ---- control queue polling ---------------------------------------------------------------------

  private controlQueue(partition: number): QueueClient {
    return this.clients.queue(this.names.controlQueues[partition]!);
  }

  private partitionOf(instanceId: string): number {
    return partitionIndex(instanceId, this.partitionCount);
  }

  private startPolling(partition: number): void {
    if (this.pollers.has(partition)) return;
    const controller = new AbortController();
    const backoff = new PollingBackoff(this.s.minPollingIntervalMs, this.s.maxPollingIntervalMs, this.pollingActivity);
    const done = this.pollLoop(partition, controller.signal, backoff);
    this.pollers.set(partition, { controller, backoff, done });
  }

  /** Losing a partition: stop dequeuing at once and forget its prefetched messages and sessions. */
  private stopPolling(partition: number): void {
    const p = this.pollers.get(partition);
    if (!p) return;
    p.controller.abort();
    p.backoff.dispose();
    this.pollers.delete(partition);
    const loopDone = p.done.finally(() => this.releasing.delete(loopDone));
    this.releasing.add(loopDone);
    const dropped: ReceivedMessage[] = [];
    for (const [instanceId, msgs] of this.buffer) {
      if (this.partitionOf(instanceId) !== partition) continue;
      this.bufferedCount -= msgs.length;
      this.buffer.delete(instanceId);
      dropped.push(...msgs);
    }
    // Make them visible again at once, so the partition's next owner need not wait out the visibility timeout.
    const release: Promise<void> = Promise.all([this.abandonMessages(dropped, 0, 0), this.releasePrepared(partition)])
      .then(() => undefined)
      .finally(() => this.releasing.delete(release));
    this.releasing.add(release);
    for (const id of this.sessions.keys()) if (this.partitionOf(id) === partition) this.sessions.delete(id);
  }

  private async pollLoop(partition: number, signal: AbortSignal, backoff: PollingBackoff): Promise<void> {
    const queue = this.controlQueue(partition);
    const queueName = this.names.controlQueues[partition]!;
    while (!signal.aborted) {
      if (this.bufferedCount >= this.s.controlQueueBufferThreshold) {
        await sleep(100, signal);
        continue;
      }
      let received: ReceivedMessage[] = [];
      try {
        const res = await queue.receiveMessages({
          numberOfMessages: this.s.controlQueueBatchSize,
          visibilityTimeout: Math.ceil(this.s.controlQueueVisibilityTimeoutMs / 1000),
          // Never abort a dequeue in flight: the service may have dequeued messages the client then never
          // sees, and they would stay invisible for the whole visibility timeout.
        });
        received = (await Promise.all(res.receivedMessageItems.map((m) => this.decodeReceived(queueName, queue, m)))).filter(
          (m): m is ReceivedMessage => m !== undefined,
        );
        if (res.receivedMessageItems.length === 0) {
          await backoff.wait(signal);
          continue;
        }
        backoff.reset();
        this.pollingActivity.touch();
      } catch (err) {
        if (signal.aborted) break;
        this.logger.warn({ event: "controlQueue.receiveFailed", partition, err }, "receiving control messages failed");
        await backoff.wait(signal);
        continue;
      }
      if (signal.aborted || !this.pollers.has(partition)) {
        // Received after the partition was lost: give them back at once.
        await this.abandonMessages(received, 0, 0);
        break;
      }
      for (const m of received) this.addToBuffer(m);
      if (received.length > 0) this.wakeWaiters();
      // A partial batch means the queue was drained: wait the minimum interval (or a local wake-up) instead of
      // an immediate receive that would most likely come back empty.
      if (received.length < this.s.controlQueueBatchSize) await backoff.wait(signal);
    }
  }

  private addToBuffer(m: ReceivedMessage): void {
    const id = m.taskMessage.orchestrationInstance.instanceId;
    let list = this.buffer.get(id);
    if (!list) this.buffer.set(id, (list = []));
    const dup = list.findIndex((x) => x.messageId === m.messageId);
    if (dup >= 0) list[dup] = m;
    else {
      list.push(m);
      this.bufferedCount++;
    }
  }

  /** Decode one received queue message; undecodable ones are retried with back-off, then quarantined. */
  private async decodeReceived(
    queueName: string,
    queue: QueueClient,
    m: { messageId: string; popReceipt: string; dequeueCount: number; insertedOn: Date; messageText: string },
  ): Promise<ReceivedMessage | undefined> {
    try {
      const { data, taskMessage } = await this.messenger.decode(m.messageText);
      const type = taskMessage.event.type;
      if (queueName === this.names.workItemQueue ? type !== "TaskScheduled" : !CONTROL_TYPES.has(type))
        throw new TaskHubError("Serialization", `a ${type} event does not belong on ${queueName === this.names.workItemQueue ? "the work-item queue" : "a control queue"}`);
      // A message on another partition's queue would let two workers run the instance at once.
      const home = this.names.controlQueues[this.partitionOf(taskMessage.orchestrationInstance.instanceId)];
      if (queueName !== this.names.workItemQueue && queueName !== home)
        throw new TaskHubError("Serialization", `a message for '${taskMessage.orchestrationInstance.instanceId}' belongs on ${home}, not ${queueName}`);
      return { queueName, messageId: m.messageId, popReceipt: m.popReceipt, dequeueCount: m.dequeueCount, insertedOn: m.insertedOn, body: m.messageText, data, taskMessage };
    } catch (err) {
      const reason = `cannot decode message: ${(err as Error).message}`;
      this.logger.warn({ event: "message.undecodable", queue: queueName, messageId: m.messageId, dequeueCount: m.dequeueCount, reason }, "undecodable message");
      if (m.dequeueCount >= this.s.maxDequeueCount) {
        await this.quarantine({ queueName, messageId: m.messageId, popReceipt: m.popReceipt, dequeueCount: m.dequeueCount, insertedOn: m.insertedOn, body: m.messageText }, reason);
      } else {
        await queue.updateMessage(m.messageId, m.popReceipt, undefined, this.abandonDelaySeconds(m.dequeueCount)).catch(() => undefined);
      }
      return undefined;
    }
  }

  /** DTF's abandon back-off: 2^dequeueCount seconds, at most 600 (§6.6); shorter in tests via maxPollingInterval. */
  private abandonDelaySeconds(dequeueCount: number): number {
    return Math.min(2 ** dequeueCount, 600, Math.max(1, Math.ceil(this.s.maxPollingIntervalMs / 1000)));
  }

  private async quarantine(
    m: { queueName: string; messageId: string; popReceipt: string; dequeueCount: number; insertedOn: Date; body: string; taskMessage?: TaskMessage },
    reason: string,
  ): Promise<void> {
    // A local activity result (see `localActivityResults`) is replayed to its control queue, where DTF sends it.
    const local = m.queueName === this.names.workItemQueue && m.taskMessage !== undefined && m.taskMessage.event.type !== "TaskScheduled";
    await this.poison.add(
      {
        queueName: local ? this.names.controlQueues[this.partitionOf(m.taskMessage!.orchestrationInstance.instanceId)]! : m.queueName,
        messageId: m.messageId,
        body: m.body,
        reason,
        dequeueCount: m.dequeueCount,
        insertedOn: m.insertedOn,
        instanceId: m.taskMessage?.orchestrationInstance.instanceId,
        eventType: m.taskMessage?.event.type,
      },
      new Date(),
    );
    // The message's own queue (not the caller's), so that a misplaced message is really removed.
    await this.clients.queue(m.queueName).deleteMessage(m.messageId, m.popReceipt).catch(() => undefined);
    this.logger.error({ event: "message.quarantined", queue: m.queueName, messageId: m.messageId, reason }, "message moved to the poison store");
  }

  private wakeWaiters(): void {
    const w = this.waiters;
    this.waiters = new Set();
    for (const f of w) f();
  }

  private waitForWork(signal: AbortSignal, ms: number): Promise<void> {
    return waitUntilWoken(this.waiters, signal, ms);
  }

  /** A message to a queue this process listens on wakes that queue's poller at once. */
  private wakeLocal(queueName: string): void {
    if (queueName === this.names.workItemQueue) return this.wakeActivities(true);
    const partition = this.names.controlQueues.indexOf(queueName);
    this.pollers.get(partition)?.backoff.wake();
  }

  // ---- orchestration work items ------------------------------------------------------------------

  async lockNextOrchestrationWorkItem(options: LockOptions): Promise<OrchestrationWorkItem | undefined> {
    const deadline = Date.now() + 1000;
    while (!options.signal.aborted && this.running) {
      const ready = this.prepared.shift();
      if (ready) return ready;
      // Preparing a work item may read the history and the Instances row. Prepare as many instances at once
      // as the dispatcher has free slots, so that those reads overlap instead of queueing behind each other.
      const want = Math.max(1, Math.floor(options.capacity ?? 1)) - this.preparing;
      let started = 0;
      for (const [instanceId, msgs] of this.buffer) {
        if (started >= want) break;
        if (this.locked.has(instanceId) || msgs.length === 0) continue;
        this.buffer.delete(instanceId);
        this.bufferedCount -= msgs.length;
        const lock = ++this.lockCount;
        this.locked.set(instanceId, lock);
        started++;
        this.preparing++;
        void this.prepare(instanceId, msgs, lock).finally(() => {
          this.preparing--;
          this.wakeWaiters();
        });
      }
      if (this.prepared.length > 0) continue;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await this.waitForWork(options.signal, left);
    }
    return undefined;
  }

  private async prepare(instanceId: string, msgs: ReceivedMessage[], lock: number): Promise<void> {
    let wi: AzureOrchestrationWorkItem | undefined;
    try {
      wi = await this.buildWorkItem(instanceId, msgs, lock);
    } catch (err) {
      this.logger.warn({ event: "orchestration.prepareFailed", instanceId, err }, "preparing a work item failed; messages will be redelivered");
      await this.abandonMessages(msgs, 1);
    }
    if (!wi) {
      this.unlock(instanceId, lock);
      return;
    }
    if (!this.running || !this.pollers.has(wi.partition)) {
      // Stopped or lost the partition meanwhile: give the messages back at once.
      await this.abandonMessages(wi.messages, 0, 0);
      this.sessions.delete(instanceId);
      this.unlock(instanceId, lock);
      return;
    }
    this.prepared.push(wi);
  }

  /** Prepared work items not handed out (stop, or their partition lost): messages visible again at once. */
  private releasePrepared(partition?: number): Promise<void> {
    const keep: AzureOrchestrationWorkItem[] = [];
    const release: AzureOrchestrationWorkItem[] = [];
    for (const wi of this.prepared.splice(0)) (partition === undefined || wi.partition === partition ? release : keep).push(wi);
    this.prepared.push(...keep);
    return Promise.all(
      release.map(async (wi) => {
        await this.abandonMessages(wi.messages, 0, 0);
        this.sessions.delete(wi.instanceId);
        this.unlock(wi.instanceId, wi.lock);
      }),
    ).then(() => undefined);
  }

  private async loadSession(instanceId: string, expectedExecutionId?: string): Promise<Session> {
    const cached = this.sessions.get(instanceId);
    if (cached && Date.now() - cached.lastUsed < this.s.sessionIdleTimeoutMs && (!expectedExecutionId || cached.executionId === expectedExecutionId)) {
      cached.lastUsed = Date.now();
      return { ...cached, cached: true };
    }
    const h = await this.history.read(instanceId);
    return { executionId: h.executionId, events: h.events, etag: h.etag, lastUsed: Date.now(), consumed: h.consumed };
  }

  /**
   * Turn a batch of received messages into a work item (§6.2–6.4): poison check, start dedupe,
   * out-of-order results deferred until the history they answer exists. Undefined when nothing is left.
   */
  private async buildWorkItem(instanceId: string, received: ReceivedMessage[], lock: number): Promise<AzureOrchestrationWorkItem | undefined> {
    received.sort((a, b) => a.insertedOn.getTime() - b.insertedOn.getTime() || a.data.sequenceNumber - b.data.sequenceNumber);
    const partition = this.partitionOf(instanceId);
    let msgs: ReceivedMessage[] = [];
    for (const m of received) {
      if (this.exhausted(m, this.s.maxDequeueCount + 1)) {
        const last = this.lastErrors.get(m.messageId);
        await this.quarantine(m, `not processed after ${m.dequeueCount - 1} deliveries${last ? `; last error: ${last}` : ""}`);
      }
      else msgs.push(m);
    }
    if (msgs.length === 0) return undefined;

    let startMsg = msgs.find((m) => m.taskMessage.event.type === "ExecutionStarted");
    let session = await this.loadSession(instanceId, startMsg ? undefined : msgs[0]?.taskMessage.orchestrationInstance.executionId);

    // Redeliveries of messages a committed checkpoint already consumed (the worker died before deleting
    // them): done, so delete them now. Results and starts would be dropped as duplicates anyway; an external
    // event, a terminate or a suspend would be applied twice.
    const done = msgs.filter((m) => session.consumed.has(m.messageId));
    if (done.length > 0) {
      // If the worker died between the history append and the Instances write of the final step, nothing
      // else will fix the row: repair it from history first (a failure leaves the messages to come back).
      if (done.length === msgs.length) await this.repairInstanceRow(instanceId, session.events);
      this.logger.info({ event: "orchestration.redeliveryDropped", instanceId, messages: done.length }, "messages already checkpointed were delivered again; deleted");
      const deleted = await Promise.all(
        done.map((m) =>
          this.clients
            .queue(m.queueName)
            .deleteMessage(m.messageId, m.popReceipt)
            .then(() => m.messageId)
            .catch(() => undefined),
        ),
      );
      this.rememberDeleted(instanceId, deleted.filter((d): d is string => d !== undefined));
      msgs = msgs.filter((m) => !session.consumed.has(m.messageId));
      if (msgs.length === 0) return undefined;
      startMsg = msgs.find((m) => m.taskMessage.event.type === "ExecutionStarted");
    }

    // Start dedupe for top-level starts (§6.3): the Instances row must agree with the message's execution.
    if (startMsg && !(startMsg.taskMessage.event as ExecutionStartedEvent).parentInstance) {
      // The client writes the row just after sending the start (§5), so a worker that polls briskly can see
      // the message first. Look again a few times over ~350 ms before falling back to the abandon back-off
      // (2 s and up), which would add seconds to the instance's latency.
      let row = await this.instances.get(instanceId);
      for (let wait = 50; !row && startMsg.dequeueCount === 1 && wait <= 200 && this.running; wait *= 2) {
        await sleep(wait);
        row = await this.instances.get(instanceId);
      }
      const execId = startMsg.taskMessage.orchestrationInstance.executionId;
      const drop = async (reason: string): Promise<void> => {
        this.logger.info({ event: "orchestration.startDropped", instanceId, reason }, "start message dropped");
        await this.clients.queue(startMsg.queueName).deleteMessage(startMsg.messageId, startMsg.popReceipt).catch(() => undefined);
        msgs = msgs.filter((m) => m !== startMsg);
      };
      if (!row) {
        // The client died between sending the start and writing the row (its call failed), or someone put a
        // start message on the queue by hand. DTF drops it; it is kept in the poison store instead.
        if (this.exhausted(startMsg, this.s.maxDequeueCount)) {
          await this.quarantine(startMsg, `no Instances row was written for this start of '${instanceId}' in ${startMsg.dequeueCount} deliveries`);
          msgs = msgs.filter((m) => m !== startMsg);
        } else {
          await this.abandonMessages([startMsg], startMsg.dequeueCount);
          msgs = msgs.filter((m) => m !== startMsg);
        }
      } else if (row.record.executionId && row.record.executionId.toLowerCase() !== (execId ?? "").toLowerCase()) {
        await drop(`the Instances row belongs to execution ${row.record.executionId}`);
      } else if (isTerminalStatus(row.record.runtimeStatus) && session.executionId !== execId) {
        await drop(`instance was ${row.record.runtimeStatus} before it started`);
      }
      if (msgs.length === 0) return undefined;
    }

    // Messages for an instance that has no history and no start message with them: the start may still be
    // on its way (a scheduled start, a sub-orchestration's parent mid-checkpoint), or the instance never
    // existed or was purged. Retry with back-off, then quarantine with the reason; never drop (DTF drops them).
    if (session.events.length === 0 && !isEntityInstanceId(instanceId) && !msgs.some((m) => m.taskMessage.event.type === "ExecutionStarted")) {
      const hopeless = msgs.filter((m) => this.exhausted(m, this.s.maxDequeueCount));
      for (const m of hopeless)
        await this.quarantine(m, `no instance '${instanceId}' to deliver this ${m.taskMessage.event.type} to: it has no history and no ExecutionStarted arrived in ${m.dequeueCount} deliveries`);
      const rest = msgs.filter((m) => !hopeless.includes(m));
      if (rest.length > 0) await this.abandonMessages(rest, Math.max(...rest.map((m) => m.dequeueCount)));
      return undefined;
    }

    // Out-of-order results (§6.4): their scheduling event is not in history yet (the sender's checkpoint is
    // still in progress). Leave them on the queue for a while.
    const scheduled = new Set<number>();
    for (const e of session.events) if (e.type === "TaskScheduled" || e.type === "TimerCreated" || e.type === "SubOrchestrationInstanceCreated") scheduled.add(e.eventId);
    const early: ReceivedMessage[] = [];
    msgs = msgs.filter((m) => {
      const e = m.taskMessage.event;
      const target = m.taskMessage.orchestrationInstance.executionId;
      if (!RESULT_TYPES.has(e.type) || (target && target !== session.executionId)) return true;
      if (scheduled.has(scheduledIdOf(e)!)) return true;
      early.push(m);
      return false;
    });
    if (early.length > 0) {
      if (this.sessions.has(instanceId)) {
        // A stale cache may be why: re-read and retry once before deferring.
        this.sessions.delete(instanceId);
        session = await this.loadSession(instanceId);
      }
      await this.abandonMessages(early, Math.max(...early.map((m) => m.dequeueCount)));
    }
    if (msgs.length === 0) return undefined;

    return {
      instanceId,
      pastEvents: session.events,
      newMessages: msgs.map((m) => m.taskMessage),
      dequeueCount: Math.max(...msgs.map((m) => m.dequeueCount)) - 1,
      previousStepSettled: session.cached === true,
      lockedUntil: new Date(Date.now() + this.s.controlQueueVisibilityTimeoutMs),
      messages: msgs,
      etag: session.etag,
      executionId: session.executionId,
      partition,
      consumed: session.consumed,
      lock,
    };
  }

  /**
   * Whether a control message that still cannot be processed has had its chances: `deliveries` deliveries,
   * and older than twice the visibility timeout. The age matters for messages waiting for another one (a
   * result whose step is not in history yet, an event for an instance not started yet): what they wait for
   * may be locked by a worker that died, for up to a visibility timeout, while their own deliveries add up
   * within seconds. Quarantined earlier, the result is gone and the instance waits forever.
   */
  private exhausted(m: ReceivedMessage, deliveries: number): boolean {
    return m.dequeueCount >= deliveries && Date.now() - m.insertedOn.getTime() > 2 * this.s.controlQueueVisibilityTimeoutMs;
  }

  private async abandonMessages(msgs: ReceivedMessage[], dequeueCount: number, delaySeconds?: number): Promise<void> {
    const delay = delaySeconds ?? this.abandonDelaySeconds(dequeueCount);
    await Promise.all(
      msgs.map((m) =>
        m.queueName === this.names.workItemQueue
          ? this.sendLocalResult(m, delay)
          : this.clients.queue(m.queueName).updateMessage(m.messageId, m.popReceipt, undefined, delay).catch(() => undefined),
      ),
    );
  }

  /**
   * A local activity result (see `localActivityResults`) given back: it goes to its control queue as DTF
   * sends it (visible after `delaySeconds`), then its work item is deleted. If the send fails the work item
   * becomes visible again instead, and the activity runs again.
   */
  private async sendLocalResult(m: ReceivedMessage, delaySeconds: number): Promise<void> {
    const target = m.taskMessage.orchestrationInstance.instanceId;
    const now = new Date();
    try {
      await this.messenger.send(this.controlQueue(this.partitionOf(target)), m.taskMessage, {
        now,
        visibleAt: delaySeconds > 0 ? new Date(now.getTime() + delaySeconds * 1000) : undefined,
      });
    } catch (err) {
      this.logger.warn({ event: "activity.localResultNotSent", instanceId: target, err }, "an activity result could not be sent; its activity will run again");
      await this.clients.queue(m.queueName).updateMessage(m.messageId, m.popReceipt, undefined, delaySeconds).catch(() => undefined);
      return;
    }
    await this.clients.queue(m.queueName).deleteMessage(m.messageId, m.popReceipt).catch(() => undefined);
  }

  async renewOrchestrationWorkItemLock(workItem: OrchestrationWorkItem): Promise<void> {
    const wi = workItem as AzureOrchestrationWorkItem;
    if (!this.pollers.has(wi.partition)) throw new TaskHubError("WorkItemLockLost", `partition ${wi.partition} is no longer owned`);
    const visibility = Math.ceil(this.s.controlQueueVisibilityTimeoutMs / 1000);
    for (const m of wi.messages) {
      const r = await this.clients.queue(m.queueName).updateMessage(m.messageId, m.popReceipt, undefined, visibility);
      m.popReceipt = r.popReceipt ?? m.popReceipt;
    }
    wi.lockedUntil = new Date(Date.now() + this.s.controlQueueVisibilityTimeoutMs);
  }

  /** On failure the instance stays locked until `abandonOrchestrationWorkItem` has given its messages back. */
  async completeOrchestrationWorkItem(workItem: OrchestrationWorkItem, commit: OrchestrationCommit | undefined): Promise<void> {
    const wi = workItem as AzureOrchestrationWorkItem;
    try {
      if (commit) await this.checkpoint(wi, commit);
      else await this.repairInstanceRow(wi.instanceId, wi.pastEvents);
      const deleted = await Promise.all(
        wi.messages.map(async (m) => {
          try {
            await this.clients.queue(m.queueName).deleteMessage(m.messageId, m.popReceipt);
            return m.messageId;
          } catch (err) {
            if ((err as { statusCode?: number }).statusCode !== 404) throw err;
            // The message may have become visible again and may be delivered once more: the next step
            // must not count this one as settled.
            this.sessions.delete(wi.instanceId);
            return undefined;
          }
        }),
      );
      this.rememberDeleted(wi.instanceId, deleted.filter((d): d is string => d !== undefined));
    } catch (err) {
      this.sessions.delete(wi.instanceId);
      throw err;
    }
    this.unlock(wi.instanceId, wi.lock);
  }

  private rememberDeleted(instanceId: string, ids: string[]): void {
    if (ids.length === 0) return;
    const set = this.deletedIds.get(instanceId) ?? new Set<string>();
    this.deletedIds.delete(instanceId); // re-insert: the map is evicted oldest first
    for (const id of ids) set.add(id);
    // Older ids were pruned from the sentinel by the checkpoint that followed them; keep the last few steps.
    while (set.size > MAX_CONSUMED_REMEMBERED) set.delete(set.values().next().value!);
    this.deletedIds.set(instanceId, set);
    while (this.deletedIds.size > MAX_DELETED_REMEMBERED) this.deletedIds.delete(this.deletedIds.keys().next().value!);
  }

  /** §6.5 steps 1–3: sends, then history under the sentinel ETag, then the Instances row. */
  private async checkpoint(wi: AzureOrchestrationWorkItem, commit: OrchestrationCommit): Promise<void> {
    const reserved = this.reserveLocalActivities(commit.activityMessages.length);
    const sentLocal: ReceivedMessage[] = [];
    try {
      const now = new Date();
      const localUntil = new Date(now.getTime() + this.s.workItemQueueVisibilityTimeoutMs);
      await this.sendAll([
        ...commit.activityMessages.map((message, i) =>
          i < reserved ? { queueName: this.names.workItemQueue, message, visibleAt: localUntil, local: sentLocal } : { queueName: this.names.workItemQueue, message },
        ),
        ...commit.orchestratorMessages.map((message) => ({
          queueName: this.names.controlQueues[this.partitionOf(message.orchestrationInstance.instanceId)]!,
          message,
          visibleAt: entityMessageDueTime(message),
        })),
        ...commit.timerMessages.map((t) => ({ queueName: this.names.controlQueues[wi.partition]!, message: t.message, visibleAt: t.fireAt })),
      ], now);

      const executionId = commit.state.executionId;
      const sameExecution = wi.executionId === executionId;
      const startIndex = commit.replacesHistory ? 0 : wi.pastEvents.length;
      await this.beforeHistoryWrite?.(wi, commit);
      // Remember this step's messages (and those of recent steps) in the sentinel, atomically with the history.
      const deleted = this.deletedIds.get(wi.instanceId);
      const consumed = new Map([...wi.consumed].filter(([id, t]) => now.getTime() - t < CONSUMED_MEMORY_MS && !deleted?.has(id)));
      for (const m of wi.messages) consumed.set(m.messageId, now.getTime());
      while (consumed.size > MAX_CONSUMED_REMEMBERED) consumed.delete(consumed.keys().next().value!);
      const { etag, blobNames } = await this.history.append({
        instanceId: wi.instanceId,
        executionId,
        events: commit.newEvents,
        startIndex,
        etag: wi.etag,
        truncateFrom: commit.replacesHistory && sameExecution && commit.newEvents.length < wi.pastEvents.length ? commit.newEvents.length : undefined,
        now,
        consumed,
      });
      // Local activities go to the dispatcher once the events their results answer are in history.
      this.handOverLocalActivities(sentLocal.splice(0));
      await this.beforeInstanceWrite?.(wi, commit);

      // Large values are the URLs of the blobs the history rows just wrote (DT.AS: never written twice).
      const started = commit.newEvents.some((e) => e.type === "ExecutionStarted");
      const { serializedInput: input, serializedOutput: output } = commit.state;
      const appended = (value: string, sources: readonly HistorySource[]): string | undefined => {
        const place = historyPlaceOf(commit.newEvents, value, sources);
        return place && blobNames[place.index]?.[place.source[2]];
      };
      await this.instances.upsert(commit.state, {
        input: started ? await this.instanceValue(wi.instanceId, "Input", input, () => appended(input!, INPUT_SOURCES)) : undefined,
        output: await this.instanceValue(wi.instanceId, "Output", output, () => appended(output!, OUTPUT_SOURCES)),
      });
      await this.beforeMessageDelete?.(wi, commit);

      const events = commit.replacesHistory ? [...commit.newEvents] : [...wi.pastEvents, ...commit.newEvents];
      if (this.s.extendedSessions && !isTerminalStatus(commit.state.runtimeStatus))
        this.sessions.set(wi.instanceId, { executionId, events, etag, lastUsed: Date.now(), consumed });
      else this.sessions.delete(wi.instanceId);
    } finally {
      this.localActivitiesSending -= reserved;
      // A step that failed after its sends: its activities were sent, as DTF's would be visible; run them.
      this.handOverLocalActivities(sentLocal.splice(0));
    }
  }

  /**
   * Instances-row repair: messages a committed step consumed are being dropped, or a step changed
   * nothing; if that step's Instances write never happened, nothing else may rewrite the row (a finished
   * instance, an entity's last batch): rewrite it from history (see `instanceRecordBehindHistory`).
   */
  private async repairInstanceRow(instanceId: string, pastEvents: readonly HistoryEvent[]): Promise<void> {
    const state = new OrchestrationRuntimeState([...pastEvents]);
    if (!state.startEvent) return;
    const row = await this.instances.get(instanceId);
    const record = instanceRecordBehindHistory(instanceId, pastEvents, row?.record, new Date());
    if (!record) return;
    // A large value is in a blob its history row names: look that up (DT.AS does the same), do not copy it.
    const fromHistory = (value: string, sources: readonly HistorySource[]) => async (): Promise<string | undefined> => {
      const place = historyPlaceOf(state.events, value, sources);
      return place && this.history.blobNameOf(instanceId, record.executionId, place.source[0], place.source[2]);
    };
    await this.instances.upsert(record, {
      input: await this.instanceValue(instanceId, "Input", record.serializedInput, fromHistory(record.serializedInput!, INPUT_SOURCES)),
      output: await this.instanceValue(instanceId, "Output", record.serializedOutput, fromHistory(record.serializedOutput!, OUTPUT_SOURCES)),
    });
    this.logger.warn({ event: "instance.repaired", instanceId, status: state.status }, "Instances row repaired from history");
  }

  /** Test hooks for crash-point tests: throw from one to simulate a crash at that step. */
  beforeHistoryWrite?: (wi: OrchestrationWorkItem, commit: OrchestrationCommit) => Promise<void>;
  beforeInstanceWrite?: (wi: OrchestrationWorkItem, commit: OrchestrationCommit) => Promise<void>;
  beforeMessageDelete?: (wi: OrchestrationWorkItem, commit: OrchestrationCommit) => Promise<void>;

  /**
   * An Instances column value: inline, or, over the table property limit, the URL of a blob holding it (§5):
   * the blob `historyBlob` names (the history row's own copy), else one written here under DT.AS's name for
   * an Instances-row property.
   */
  private async instanceValue(
    instanceId: string,
    column: "Input" | "Output",
    value: string | undefined,
    historyBlob: () => string | undefined | Promise<string | undefined>,
  ): Promise<string | undefined> {
    if (value === undefined || utf16ByteLength(value) <= MAX_TABLE_PROPERTY_BYTES) return value;
    let blobName = await historyBlob();
    if (blobName === undefined) {
      blobName = instancePropertyBlobName(escapePartitionKey(instanceId), column);
      await this.payloads.upload(blobName, value);
    }
    return this.payloads.urlOf(blobName);
  }

  /** Items with `local` are this worker's own activities: sent invisible and recorded there once sent. */
  private async sendAll(items: { queueName: string; message: TaskMessage; visibleAt?: Date; local?: ReceivedMessage[] }[], now: Date): Promise<void> {
    await Promise.all(
      items.map((i) =>
        this.sendLimit(async () => {
          const sent = await this.messenger.send(this.clients.queue(i.queueName), i.message, { visibleAt: i.visibleAt, now });
          if (i.local)
            i.local.push({ queueName: i.queueName, messageId: sent.messageId, popReceipt: sent.popReceipt, dequeueCount: 1, insertedOn: sent.insertedOn, body: sent.body, data: sent.data, taskMessage: i.message });
          else if (!i.visibleAt || i.visibleAt <= now) this.wakeLocal(i.queueName);
        }),
      ),
    );
  }

  async abandonOrchestrationWorkItem(workItem: OrchestrationWorkItem, options: AbandonOptions = {}): Promise<void> {
    const wi = workItem as AzureOrchestrationWorkItem;
    this.sessions.delete(wi.instanceId);
    if (options.reason) {
      for (const m of wi.messages) this.lastErrors.set(m.messageId, options.reason);
      while (this.lastErrors.size > 10_000) this.lastErrors.delete(this.lastErrors.keys().next().value!);
    }
    try {
      const delaySeconds = options.delayMs !== undefined ? Math.ceil(options.delayMs / 1000) : undefined;
      await this.abandonMessages(wi.messages, (wi.dequeueCount ?? 0) + 1, delaySeconds);
    } finally {
      this.unlock(wi.instanceId, wi.lock);
    }
  }

  private unlock(instanceId: string, lock: number): void {
    if (this.locked.get(instanceId) !== lock) return;
    this.locked.delete(instanceId);
    if (this.buffer.get(instanceId)?.length) this.wakeWaiters();
  }

  // ---- activity work items -----------------------------------------------------------------------

  async lockNextActivityWorkItem(options: LockOptions): Promise<ActivityWorkItem | undefined> {
    const queue = this.clients.queue(this.names.workItemQueue);
    const deadline = Date.now() + 1000;
    this.activitySlots = Math.max(this.activitySlots, Math.floor(options.capacity ?? 1));
    while (!options.signal.aborted && this.running) {
      const local = this.localActivities.shift();
      if (local) {
        const wi = this.activityWorkItem(local.message, local.sentAt);
        // Waited long for a free slot: take the full visibility timeout again before running it.
        if (wi.lockedUntil!.getTime() - Date.now() < this.s.workItemQueueVisibilityTimeoutMs / 2)
          await this.renewActivityWorkItemLock(wi).catch(() => undefined);
        return wi;
      }
      const next = this.activityPrefetch.shift();
      if (!next) {
        // Polled the shared queue a moment ago and found it empty (or drained it): wait for the back-off, a
        // local activity, or a work item this process sends. Local activities do not reset the back-off.
        const wait = Math.min(this.workItemPollAt, deadline) - Date.now();
        if (wait > 0) {
          await this.waitForActivity(options.signal, wait);
          continue;
        }
        if (Date.now() >= deadline) return undefined;
        let res;
        // As many as the dispatcher has free slots for, or more while they would wait less than a second (see
        // activityRoom), up to the queue's 32: one receive per batch instead of one per activity.
        const numberOfMessages = Math.max(1, Math.min(32, Math.max(Math.floor(options.capacity ?? 1), this.activityRoom() - this.localActivities.length)));
        try {
          res = await queue.receiveMessages({
            numberOfMessages,
            visibilityTimeout: Math.ceil(this.s.workItemQueueVisibilityTimeoutMs / 1000),
            // Not aborted mid-flight, for the same reason as control-queue receives.
          });
        } catch (err) {
          if (options.signal.aborted) return undefined;
          throw err;
        }
        const got = res.receivedMessageItems.length;
        if (got > 0) {
          this.activityBackoff.reset();
          this.pollingActivity.touch();
          const at = Date.now();
          for (const item of res.receivedMessageItems) this.activityPrefetch.push({ item, receivedAt: at });
        }
        // A partial batch means the queue was empty then: wait the minimum interval (cut short when this process
        // sends a work item) rather than receive again at once; an empty one backs off further.
        this.workItemPollAt = got < numberOfMessages ? Date.now() + this.activityBackoff.nextDelayMs() : 0;
        continue;
      }
      const decoded = await this.decodeReceived(this.names.workItemQueue, queue, next.item);
      if (!decoded) continue;
      if (decoded.dequeueCount > this.s.maxDequeueCount) {
        await this.quarantine(decoded, `activity not completed after ${decoded.dequeueCount - 1} deliveries`);
        continue;
      }
      return this.activityWorkItem(decoded, next.receivedAt);
    }
    return undefined;
  }

  /** A work item for the dispatcher; the message became invisible to others at `invisibleSince`. */
  private activityWorkItem(m: ReceivedMessage, invisibleSince: number): AzureActivityWorkItem {
    return {
      id: m.messageId,
      message: m.taskMessage,
      dequeueCount: m.dequeueCount - 1,
      lockedUntil: new Date(invisibleSince + this.s.workItemQueueVisibilityTimeoutMs),
      received: m,
      popReceipt: m.popReceipt,
      handedOutAt: Date.now(),
    };
  }

  /** A local activity was handed over (`sharedQueue` false), or this process sent one to the shared queue. */
  private wakeActivities(sharedQueue: boolean): void {
    if (sharedQueue) {
      this.activityBackoff.reset();
      this.workItemPollAt = 0;
    }
    for (const w of [...this.activityWaiters]) w();
  }

  private waitForActivity(signal: AbortSignal, ms: number): Promise<void> {
    return waitUntilWoken(this.activityWaiters, signal, ms);
  }

  /** Received work items not handed out when the worker stops: visible again at once for other workers. */
  private async releaseActivityPrefetch(): Promise<void> {
    const left = [...this.activityPrefetch.splice(0).map((p) => p.item), ...this.localActivities.splice(0).map((l) => l.message)];
    if (left.length === 0) return;
    const queue = this.clients.queue(this.names.workItemQueue);
    await Promise.all(left.map((m) => queue.updateMessage(m.messageId, m.popReceipt, undefined, 0).catch(() => undefined)));
  }

  /**
   * How many activities may wait here for a slot: as many as this worker expects to start within
   * LOCAL_ACTIVITY_WAIT_MS, judging by how long its activities take (a few slow ones, or up to
   * MAX_LOCAL_ACTIVITIES trivial ones). Activities waiting here are invisible to other workers.
   */
  private activityRoom(): number {
    if (this.activitySlots === 0) return 0;
    return Math.min(MAX_LOCAL_ACTIVITIES, Math.max(1, Math.floor((this.activitySlots * LOCAL_ACTIVITY_WAIT_MS) / Math.max(1, this.activityMs))));
  }

  /** How many of `wanted` activities this worker keeps for itself (see `localActivityDispatch`). */
  private reserveLocalActivities(wanted: number): number {
    if (!this.s.localActivityDispatch || !this.running) return 0;
    const n = Math.max(0, Math.min(wanted, this.activityRoom() - this.localActivities.length - this.activityPrefetch.length - this.localActivitiesSending));
    this.localActivitiesSending += n;
    return n;
  }

  /** Activities this worker sent itself (see `localActivityDispatch`): its dispatcher may take them now. */
  private handOverLocalActivities(sent: ReceivedMessage[]): void {
    if (sent.length === 0) return;
    const at = Date.now();
    for (const message of sent) this.localActivities.push({ message, sentAt: at });
    if (!this.running) void this.releaseActivityPrefetch();
    else this.wakeActivities(false);
  }

  async renewActivityWorkItemLock(workItem: ActivityWorkItem): Promise<void> {
    const wi = workItem as AzureActivityWorkItem;
    const r = await this.clients
      .queue(this.names.workItemQueue)
      .updateMessage(wi.id, wi.popReceipt, undefined, Math.ceil(this.s.workItemQueueVisibilityTimeoutMs / 1000));
    wi.popReceipt = r.popReceipt ?? wi.popReceipt;
    wi.lockedUntil = new Date(Date.now() + this.s.workItemQueueVisibilityTimeoutMs);
  }

  /**
   * Send the result to the orchestration's control queue, then delete the work item (§6.5). When this worker
   * owns the orchestration's partition, the result goes to the instance's next step in memory instead, and
   * the work item stays (invisible) until that step's checkpoint deletes it with its other messages.
   */
  async completeActivityWorkItem(workItem: ActivityWorkItem, response: TaskMessage): Promise<void> {
    const wi = workItem as AzureActivityWorkItem;
    this.activityMs += 0.2 * (Date.now() - wi.handedOutAt - this.activityMs);
    const target = response.orchestrationInstance.instanceId;
    if (this.s.localActivityResults && this.running && this.pollers.has(this.partitionOf(target))) {
      const data = newMessageData(response);
      this.addToBuffer({
        queueName: this.names.workItemQueue,
        messageId: wi.id,
        popReceipt: wi.popReceipt,
        // A first delivery of the result: it is sent to the control queue before it could ever count
        // towards quarantine (abandonMessages).
        dequeueCount: 1,
        insertedOn: new Date(),
        body: messageDataToJson(data),
        data,
        taskMessage: response,
      });
      this.wakeWaiters();
      return;
    }
    await this.sendAll([{ queueName: this.names.controlQueues[this.partitionOf(target)]!, message: response }], new Date());
    await this.clients
      .queue(this.names.workItemQueue)
      .deleteMessage(wi.id, wi.popReceipt)
      .catch((err: unknown) => {
        if ((err as { statusCode?: number }).statusCode !== 404) throw err;
      });
  }

  async abandonActivityWorkItem(workItem: ActivityWorkItem, options: AbandonOptions = {}): Promise<void> {
    const wi = workItem as AzureActivityWorkItem;
    await this.clients
      .queue(this.names.workItemQueue)
      .updateMessage(wi.id, wi.popReceipt, undefined, Math.ceil((options.delayMs ?? 0) / 1000))
      .catch(() => undefined);
  }

  // ---- client ------------------------------------------------------------------------------------

  /** Client calls surface storage failures as `StorageError` (code "Storage") with status and Azure code. */
  private async guard<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof TaskHubError) throw err;
      throw toStorageError(err, operation);
    }
  }

  createTaskOrchestration(startMessage: TaskMessage, options: CreateInstanceOptions = {}): Promise<void> {
    return this.guard("createTaskOrchestration", () => this.createTaskOrchestrationImpl(startMessage, options));
  }

  sendTaskOrchestrationMessage(message: TaskMessage): Promise<void> {
    return this.guard("sendTaskOrchestrationMessage", () => this.sendTaskOrchestrationMessageImpl(message));
  }

  getOrchestrationState(instanceId: string, options: { fetchPayloads?: boolean } = {}): Promise<InstanceRecord | undefined> {
    return this.guard("getOrchestrationState", () => this.getOrchestrationStateImpl(instanceId, options));
  }

  getOrchestrationHistory(instanceId: string): Promise<HistoryEvent[]> {
    return this.guard("getOrchestrationHistory", () => this.getOrchestrationHistoryImpl(instanceId));
  }

  queryInstances(query: InstanceQuery, continuationToken?: string): Promise<Page<InstanceRecord>> {
    return this.guard("queryInstances", () => this.queryInstancesImpl(query, continuationToken));
  }

  purgeInstance(instanceId: string): Promise<PurgeResult> {
    return this.guard("purgeInstance", () => this.purgeInstanceImpl(instanceId));
  }

  purgeInstances(filter: PurgeFilter): Promise<PurgeResult> {
    return this.guard("purgeInstances", () => this.purgeInstancesImpl(filter));
  }

  /** DTF's create protocol (§5, §6.3): read the row, send ExecutionStarted, write the Pending row. */
  private async createTaskOrchestrationImpl(startMessage: TaskMessage, options: CreateInstanceOptions = {}): Promise<void> {
    const event = startMessage.event;
    if (event.type !== "ExecutionStarted") throw new TaskHubError("InvalidArgument", "start message must carry ExecutionStarted");
    await this.createIfNotExists();
    const instanceId = startMessage.orchestrationInstance.instanceId;
    const existing = await this.instances.get(instanceId);
    if (existing && (options.dedupeStatuses ?? []).includes(existing.record.runtimeStatus))
      throw new OrchestrationAlreadyExistsError(instanceId, existing.record.runtimeStatus);
    const generation = existing ? existing.record.generation + 1 : 0;
    const start: ExecutionStartedEvent = { ...event, generation };
    const message: TaskMessage = { ...startMessage, event: start, sender: startMessage.sender ?? CLIENT_SENDER };
    const visibleAt = start.scheduledStartTime ? new Date(start.scheduledStartTime) : undefined;
    const now = new Date();
    const { data } = await this.messenger.send(this.controlQueue(this.partitionOf(instanceId)), message, { visibleAt, now });
    this.wakeLocal(this.names.controlQueues[this.partitionOf(instanceId)]!);
    // As DT.AS: an offloaded start message's blob is the input (readers take it out of the envelope); an
    // input that fit the queue message but not a column goes to a blob named in `InputBlobName`, Input "".
    let input = start.input;
    let inputBlobName: string | undefined;
    if (data.compressedBlobName) input = this.payloads.urlOf(data.compressedBlobName);
    else if (input !== undefined && utf16ByteLength(input) > MAX_TABLE_PROPERTY_BYTES) {
      inputBlobName = instancePropertyBlobName(escapePartitionKey(instanceId), "Input");
      await this.payloads.upload(inputBlobName, input);
      input = "";
    }
    const record: InstanceRecord = {
      instanceId,
      executionId: start.orchestrationInstance.executionId ?? "",
      name: start.name,
      version: start.version,
      runtimeStatus: "Pending",
      // DT.AS: CreatedTime is the start event's Timestamp, LastUpdatedTime the time of this write.
      createdAt: parseDtfDateTime(start.timestamp),
      lastUpdatedAt: now,
      scheduledStartAt: visibleAt,
      serializedInput: start.input,
      tags: start.tags,
      generation,
    };
    await this.instances.writePending(record, existing?.etag, { input, inputBlobName });
  }

  private async sendTaskOrchestrationMessageImpl(message: TaskMessage): Promise<void> {
    await this.createIfNotExists();
    const instanceId = message.orchestrationInstance.instanceId;
    const type = message.event.type;
    if (type === "ExecutionTerminated" || type === "ExecutionRewound") {
      const row = await this.instances.get(instanceId);
      // Terminate before start (§5 item 4): the instance ends without running; its start message is dropped on arrival.
      if (type === "ExecutionTerminated" && row?.record.runtimeStatus === "Pending") {
        const h = await this.history.read(instanceId);
        if (!h.events.some((e) => e.type === "ExecutionStarted")) {
          const now = new Date();
          await this.instances.merge(instanceId, {
            RuntimeStatus: "Terminated",
            LastUpdatedTime: { value: now.toISOString(), type: "DateTime" },
            CompletedTime: { value: now.toISOString(), type: "DateTime" },
            Output: (await this.instanceValue(instanceId, "Output", message.event.input, () => undefined)) ?? "",
          });
          return;
        }
      }
      if (type === "ExecutionRewound" && row?.record.runtimeStatus === "Failed")
        await this.instances.merge(instanceId, { RuntimeStatus: "Pending", LastUpdatedTime: { value: new Date().toISOString(), type: "DateTime" } });
    }
    const queueName = this.names.controlQueues[this.partitionOf(instanceId)]!;
    const visibleAt = entityMessageDueTime(message);
    await this.messenger.send(this.clients.queue(queueName), { ...message, sender: message.sender ?? CLIENT_SENDER }, { now: new Date(), visibleAt });
    if (!visibleAt) this.wakeLocal(queueName);
  }

  // Reads never create storage (as DT.AS: only its writes create a missing task hub). A hub without a table
  // reads as empty: `instances.get` answers undefined for any 404, the others go through `orEmptyIfMissing`.
  private async getOrchestrationStateImpl(instanceId: string, options: { fetchPayloads?: boolean } = {}): Promise<InstanceRecord | undefined> {
    const row = await this.instances.get(instanceId);
    if (!row) return undefined;
    return this.completeRecord(row, options.fetchPayloads ?? true);
  }

  /** Resolve blob-URL payloads and, for Failed instances, the structured failure from history. */
  private async completeRecord(row: { record: InstanceRecord; inputBlobName?: string | undefined }, fetchPayloads: boolean): Promise<InstanceRecord> {
    const r = fetchPayloads ? { ...row.record } : withoutPayloads(row.record);
    if (fetchPayloads) {
      // InputBlobName is only read while Input is empty: a Pending row's (DT.AS shows "" there), whose column
      // stays after the first checkpoint has put the URL of the history's copy into Input.
      if (row.inputBlobName && !r.serializedInput) r.serializedInput = await this.payloads.download(row.inputBlobName);
      else r.serializedInput = await this.resolvePayload(r.serializedInput, "input");
      r.serializedOutput = await this.resolvePayload(r.serializedOutput, "output");
    }
    if (r.runtimeStatus === "Failed") {
      const h = await this.history.read(r.instanceId);
      const done = h.events.find((e) => e.type === "ExecutionCompleted");
      if (done?.type === "ExecutionCompleted") r.failureDetails = done.failureDetails;
    }
    return r;
  }

  private async resolvePayload(value: string | undefined, what: "input" | "output"): Promise<string | undefined> {
    if (value === undefined) return undefined;
    const blobName = this.payloads.blobNameFromUrl(value);
    if (!blobName) return value;
    const text = await this.payloads.download(blobName);
    if (what === "input" && blobName.endsWith("ExecutionStarted.json.gz")) {
      const decoded = await this.messenger.decode(text);
      return decoded.taskMessage.event.type === "ExecutionStarted" ? decoded.taskMessage.event.input : undefined;
    }
    return text;
  }

  private async getOrchestrationHistoryImpl(instanceId: string): Promise<HistoryEvent[]> {
    return orEmptyIfMissing(async () => (await this.history.read(instanceId)).events, []);
  }

  private async queryInstancesImpl(query: InstanceQuery, continuationToken?: string): Promise<Page<InstanceRecord>> {
    const page = await this.queryInstanceRows(query, continuationToken);
    const items = await Promise.all(page.items.map((row) => this.completeRecord(row, query.fetchPayloads ?? true)));
    return { items, continuationToken: page.continuationToken };
  }

  /** One page of Instances rows; none when the table does not exist. Throws `InvalidArgument` for a bad token. */
  private queryInstanceRows(query: InstanceQuery, continuationToken?: string): ReturnType<InstancesTable["query"]> {
    return orEmptyIfMissing(() => this.instances.query(query, continuationToken), { items: [], continuationToken: undefined });
  }

  /** Delete the instance's blobs, history rows and Instances row (§10.3). Creates nothing: a missing hub has nothing to purge. */
  private async purgeInstanceImpl(instanceId: string): Promise<PurgeResult> {
    const row = await this.instances.get(instanceId);
    if (!row) return { deletedInstanceCount: 0 };
    await Promise.all([
      this.payloads.deleteByPrefix(instanceId),
      this.payloads.deleteByPrefix(`${escapePartitionKey(instanceId)}/`),
      this.history.deleteAll(instanceId),
    ]);
    return { deletedInstanceCount: (await this.instances.delete(instanceId)) ? 1 : 0 };
  }

  private async purgeInstancesImpl(filter: PurgeFilter): Promise<PurgeResult> {
    const statuses = (filter.statuses ?? TERMINAL_STATUSES).filter((s) => isTerminalStatus(s));
    let deleted = 0;
    let token: string | undefined;
    const limit = pLimit(8);
    do {
      const page = await this.queryInstanceRows({ createdFrom: filter.createdFrom, createdTo: filter.createdTo, statuses: statuses.length ? statuses : undefined, fetchPayloads: false, pageSize: 100 }, token);
      const results = await Promise.all(page.items.map((row) => limit(() => this.purgeInstance(row.record.instanceId))));
      deleted += results.reduce((n, r) => n + r.deletedInstanceCount, 0);
      token = page.continuationToken;
    } while (token);
    return { deletedInstanceCount: deleted };
  }

  // ---- poison store --------------------------------------------------------------------------------

  listPoisonMessages(): Promise<PoisonMessage[]> {
    return this.poison.list();
  }

  async replayPoisonMessage(queueName: string, messageId: string): Promise<boolean> {
    const ok = await this.poison.replay(queueName, messageId);
    if (ok) this.wakeLocal(queueName);
    return ok;
  }
}

/** Wait up to `ms`, until `signal` aborts, or until someone calls the waker this puts in `waiters`. */
function waitUntilWoken(waiters: Set<() => void>, signal: AbortSignal, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      waiters.delete(done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    waiters.add(done);
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
