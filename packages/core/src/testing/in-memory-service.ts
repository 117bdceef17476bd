/**
 * `InMemoryOrchestrationService`: the whole backend seam (service, client, query, purge, poison store) in
 * process memory, with an optional virtual clock. It keeps DTF's delivery semantics where tests need them:
 * messages are at-least-once (abandon redelivers), delayed messages become visible at their time, one worker
 * at a time holds an instance, and the messages of an instance go through core's delivery rulebook as the
 * Azure Storage provider's do (start dedupe, terminate before start, messages for unknown instances and
 * results before their scheduling event wait with back-off, a message that keeps failing is quarantined after
 * `maxDequeueCount` deliveries and can be replayed; nothing is dropped silently). The stored state lives in
 * in-memory-store.ts, the client verbs in in-memory-client.ts, the poison store in in-memory-poison-store.ts.
 */
import type {
  AbandonOptions,
  ActivityWorkItem,
  CreateInstanceOptions,
  GetInstanceOptions,
  InstanceCountCapability,
  InstanceCounts,
  InstanceFilter,
  InstanceQuery,
  InstanceQueryCapability,
  LockOptions,
  OrchestrationCommit,
  OrchestrationService,
  OrchestrationServiceClient,
  OrchestrationWorkItem,
  Page,
  PoisonStoreCapability,
  PurgeCapability,
  PurgeFilter,
  PurgeResult,
  QuarantinedMessage,
} from "../backend/service.js";
import { throwIfAborted, type OperationOptions } from "../errors/abort.js";
import type { TaskMessage } from "../backend/task-message.js";
import {
  decideDelivery,
  poisonRuling,
  type Delivery,
  type DeliveryPolicy,
} from "../dispatch/delivery-rules.js";
import { entityMessageDueTime } from "../entities/messages.js";
import { TaskHubError } from "../errors/errors.js";
import type { HistoryEvent } from "../history/events.js";
import type { InstanceRecord } from "../state/orchestration-state.js";
import { SystemClock, VirtualClock, type Clock } from "./clock.js";
import { InMemoryClient } from "./in-memory-client.js";
import { InMemoryPoisonStore } from "./in-memory-poison-store.js";
import {
  IN_MEMORY_ACTIVITY_QUEUE,
  IN_MEMORY_CONTROL_QUEUE,
  InMemoryStore,
  type InstanceData,
  type Queued,
} from "./in-memory-store.js";

export interface InMemoryServiceOptions {
  /** A `VirtualClock` (or `"virtual"` for one starting at 2026-01-01) makes time move only when told. */
  clock?: Clock | "virtual";
  /** With a virtual clock: when no work is ready or in flight, jump to the next delayed message. */
  autoAdvanceTime?: boolean;
  /** Timer chunk limit reported to the engine (default: none). */
  maxTimerIntervalMs?: number;
  /** Longest real-time wait of a lock call before it returns undefined (default 250 ms). */
  pollIntervalMs?: number;
  /** Deliveries before a message is quarantined (default 10). */
  maxDequeueCount?: number;
  /**
   * Back-off of a message the delivery rules defer (for an instance not started yet, a result before its
   * scheduling event): this, doubled per delivery, at most 30 s (default 100 ms).
   */
  deferDelayMs?: number;
}

interface LockedOrchestration extends OrchestrationWorkItem {
  readonly token: object;
  readonly taken: Queued[];
}

interface LockedActivity extends ActivityWorkItem {
  readonly entry: Queued;
}

export class InMemoryOrchestrationService
  implements
    OrchestrationService,
    OrchestrationServiceClient,
    InstanceQueryCapability,
    InstanceCountCapability,
    PurgeCapability,
    PoisonStoreCapability
{
  readonly clock: Clock;
  readonly maxTimerIntervalMs: number | undefined;
  private readonly store: InMemoryStore;
  private readonly client: InMemoryClient;
  private readonly poison = new InMemoryPoisonStore();
  private readonly maxDequeueCount: number;
  private readonly deferDelayMs: number;

  constructor(options: InMemoryServiceOptions = {}) {
    this.clock = options.clock === "virtual" ? new VirtualClock() : (options.clock ?? new SystemClock());
    const autoAdvance = options.autoAdvanceTime ?? false;
    this.maxTimerIntervalMs = options.maxTimerIntervalMs;
    this.maxDequeueCount = options.maxDequeueCount ?? 10;
    this.deferDelayMs = options.deferDelayMs ?? 100;
    if (autoAdvance && !(this.clock instanceof VirtualClock))
      throw new TaskHubError("InvalidArgument", "autoAdvanceTime needs a virtual clock");
    this.store = new InMemoryStore(this.clock, autoAdvance, options.pollIntervalMs ?? 250);
    this.client = new InMemoryClient(this.store);
  }

  now(): Date {
    return new Date(this.clock.now());
  }

  /** Move the virtual clock forward (throws with a system clock). */
  advanceTime(ms: number): void {
    if (!(this.clock instanceof VirtualClock))
      throw new TaskHubError("InvalidOperation", "advanceTime needs a virtual clock");
    this.clock.advanceTime(ms);
    this.store.wake();
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  async createIfNotExists(): Promise<void> {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {
    this.store.wake();
  }

  // ---- orchestration work items ------------------------------------------------------------------

  async lockNextOrchestrationWorkItem(options: LockOptions): Promise<OrchestrationWorkItem | undefined> {
    return this.store.waitFor(options.abortSignal, () => this.tryLockOrchestration());
  }

  private policy(): DeliveryPolicy {
    return { maxDequeueCount: this.maxDequeueCount, now: this.clock.now() };
  }

  private tryLockOrchestration(): OrchestrationWorkItem | undefined {
    const now = this.clock.now();
    for (const [instanceId, data] of this.store.instances) {
      if (data.lock) continue;
      const visible = data.messages.filter((m) => !m.locked && m.visibleAt <= now);
      if (visible.length === 0) continue;
      const taken = this.deliver(instanceId, data, visible);
      if (taken.length === 0) continue;
      const token = {};
      data.lock = token;
      for (const m of taken) {
        m.locked = true;
        m.dequeueCount++;
      }
      const wi: LockedOrchestration = {
        instanceId,
        pastEvents: data.history.map((e) => ({ ...e })),
        newMessages: taken.map((m) => m.message),
        customStatus: data.record?.serializedCustomStatus,
        generation: data.record?.generation,
        dequeueCount: Math.max(...taken.map((m) => m.dequeueCount)) - 1,
        // Completing a step deletes its messages atomically, so none can come back.
        previousStepSettled: true,
        token,
        taken,
      };
      return wi;
    }
    return undefined;
  }

  /** The delivery rules on an instance's visible messages: applies what waits, drops or goes; returns what runs. */
  private deliver(instanceId: string, data: InstanceData, visible: Queued[]): Queued[] {
    const start = data.history.find((e) => e.type === "ExecutionStarted");
    const decision = decideDelivery(
      instanceId,
      {
        history: {
          executionId:
            start?.type === "ExecutionStarted" ? start.orchestrationInstance.executionId : undefined,
          events: data.history,
        },
        record: data.record ?? null,
      },
      visible.map(asDelivery),
      this.policy(),
    );
    const gone = new Set<Queued>();
    for (const r of decision.quarantine) {
      this.poison.add(IN_MEMORY_CONTROL_QUEUE, r.delivery.source, r.reason, this.clock.now());
      gone.add(r.delivery.source);
    }
    for (const r of decision.drop) gone.add(r.delivery.source);
    if (gone.size > 0) data.messages = data.messages.filter((m) => !gone.has(m));
    for (const r of decision.defer) {
      const m = r.delivery.source;
      m.dequeueCount++;
      m.visibleAt = this.clock.now() + Math.min(this.deferDelayMs * 2 ** (r.backoffDequeueCount - 1), 30_000);
    }
    return decision.run.map((d) => d.source);
  }

  async renewOrchestrationWorkItemLock(wi: OrchestrationWorkItem, options?: OperationOptions): Promise<void> {
    throwIfAborted(options?.abortSignal, "renewing a lock");
    this.requireLock(wi as LockedOrchestration);
  }

  async completeOrchestrationWorkItem(
    wi: OrchestrationWorkItem,
    commit: OrchestrationCommit | undefined,
    options?: OperationOptions,
  ): Promise<void> {
    throwIfAborted(options?.abortSignal, "completing a work item");
    const locked = wi as LockedOrchestration;
    const data = this.requireLock(locked);
    if (commit) {
      for (const m of commit.activityMessages) this.store.enqueueActivity(m);
      for (const m of commit.orchestratorMessages)
        this.store.enqueue(m, entityMessageDueTime(m)?.getTime() ?? this.clock.now());
      for (const t of commit.timerMessages) this.store.enqueue(t.message, t.fireAt.getTime());
      data.history = commit.replacesHistory ? [...commit.newEvents] : [...data.history, ...commit.newEvents];
      data.record = { ...commit.state };
    }
    data.messages = data.messages.filter((m) => !locked.taken.includes(m));
    data.lock = undefined;
    this.store.wake();
  }

  async abandonOrchestrationWorkItem(wi: OrchestrationWorkItem, options: AbandonOptions = {}): Promise<void> {
    throwIfAborted(options.abortSignal, "abandoning a work item");
    const locked = wi as LockedOrchestration;
    const data = this.store.instances.get(wi.instanceId);
    if (!data || data.lock !== locked.token) return;
    const visibleAt = this.clock.now() + (options.delayMs ?? 0);
    for (const m of locked.taken) {
      m.locked = false;
      m.visibleAt = visibleAt;
      m.lastError = options.reason;
      // Given back unprocessed on purpose: undo the count this delivery added.
      if (options.uncounted) m.dequeueCount = Math.max(0, m.dequeueCount - 1);
    }
    data.lock = undefined;
    this.store.wake();
  }

  private requireLock(wi: LockedOrchestration): InstanceData {
    const data = this.store.instances.get(wi.instanceId);
    if (!data || data.lock !== wi.token)
      throw new TaskHubError("WorkItemLockLost", `the lock on instance '${wi.instanceId}' is no longer held`);
    return data;
  }

  // ---- activity work items ------------------------------------------------------------------------

  async lockNextActivityWorkItem(options: LockOptions): Promise<ActivityWorkItem | undefined> {
    const activities = this.store.activities;
    return this.store.waitFor(options.abortSignal, () => {
      const now = this.clock.now();
      for (const entry of [...activities]) {
        if (entry.locked || entry.visibleAt > now) continue;
        const poison = poisonRuling(asDelivery(entry), this.policy());
        if (poison) {
          activities.splice(activities.indexOf(entry), 1);
          this.poison.add(IN_MEMORY_ACTIVITY_QUEUE, entry, poison.reason, now);
          continue;
        }
        entry.locked = true;
        entry.dequeueCount++;
        const wi: LockedActivity = {
          id: String(entry.seq),
          message: entry.message,
          dequeueCount: entry.dequeueCount - 1,
          entry,
        };
        return wi;
      }
      return undefined;
    });
  }

  async renewActivityWorkItemLock(wi: ActivityWorkItem, options?: OperationOptions): Promise<void> {
    throwIfAborted(options?.abortSignal, "renewing a lock");
    if (!this.store.activities.includes((wi as LockedActivity).entry))
      throw new TaskHubError("WorkItemLockLost", `activity work item ${wi.id} is no longer held`);
  }

  async completeActivityWorkItem(
    wi: ActivityWorkItem,
    response: TaskMessage,
    options?: OperationOptions,
  ): Promise<void> {
    throwIfAborted(options?.abortSignal, "completing a work item");
    const entry = (wi as LockedActivity).entry;
    const idx = this.store.activities.indexOf(entry);
    if (idx < 0) throw new TaskHubError("WorkItemLockLost", `activity work item ${wi.id} is no longer held`);
    this.store.enqueue(response, this.clock.now());
    this.store.activities.splice(idx, 1);
    this.store.wake();
  }

  async abandonActivityWorkItem(wi: ActivityWorkItem, options: AbandonOptions = {}): Promise<void> {
    throwIfAborted(options.abortSignal, "abandoning a work item");
    const entry = (wi as LockedActivity).entry;
    entry.locked = false;
    entry.visibleAt = this.clock.now() + (options.delayMs ?? 0);
    entry.lastError = options.reason;
    this.store.wake();
  }

  // ---- client (in-memory-client.ts) -----------------------------------------------------------------

  async createTaskOrchestration(start: TaskMessage, options: CreateInstanceOptions = {}): Promise<void> {
    throwIfAborted(options.abortSignal, "createTaskOrchestration");
    this.client.createTaskOrchestration(start, options);
  }

  async sendTaskOrchestrationMessage(message: TaskMessage, options?: OperationOptions): Promise<void> {
    throwIfAborted(options?.abortSignal, "sendTaskOrchestrationMessage");
    this.client.sendTaskOrchestrationMessage(message);
  }

  async getOrchestrationState(
    instanceId: string,
    options: GetInstanceOptions = {},
  ): Promise<InstanceRecord | undefined> {
    throwIfAborted(options.abortSignal, "getOrchestrationState");
    return this.client.getOrchestrationState(instanceId, options);
  }

  async getOrchestrationHistory(instanceId: string, options?: OperationOptions): Promise<HistoryEvent[]> {
    throwIfAborted(options?.abortSignal, "getOrchestrationHistory");
    return this.client.getOrchestrationHistory(instanceId);
  }

  async queryInstances(
    query: InstanceQuery,
    continuationToken?: string,
    options?: OperationOptions,
  ): Promise<Page<InstanceRecord>> {
    throwIfAborted(options?.abortSignal, "queryInstances");
    return this.client.queryInstances(query, continuationToken);
  }

  async countInstancesByStatus(filter: InstanceFilter, options?: OperationOptions): Promise<InstanceCounts> {
    throwIfAborted(options?.abortSignal, "countInstancesByStatus");
    return this.client.countInstancesByStatus(filter);
  }

  async purgeInstance(instanceId: string, options?: OperationOptions): Promise<PurgeResult> {
    throwIfAborted(options?.abortSignal, "purgeInstance");
    return this.client.purgeInstance(instanceId);
  }

  async purgeInstances(filter: PurgeFilter, options?: OperationOptions): Promise<PurgeResult> {
    throwIfAborted(options?.abortSignal, "purgeInstances");
    return this.client.purgeInstances(filter);
  }

  // ---- poison store (in-memory-poison-store.ts) -----------------------------------------------------

  async listPoisonMessages(): Promise<QuarantinedMessage[]> {
    return this.poison.list();
  }

  async replayPoisonMessage(queueName: string, messageId: string): Promise<boolean> {
    const message = this.poison.take(queueName, messageId);
    if (!message) return false;
    if (queueName === IN_MEMORY_ACTIVITY_QUEUE) this.store.enqueueActivity(message);
    else this.store.enqueue(message, this.clock.now());
    this.store.wake();
    return true;
  }

  /** Ids of all known instances (tests). */
  instanceIds(): string[] {
    return [...this.store.instances.entries()].filter(([, d]) => d.record).map(([id]) => id);
  }
}

function asDelivery(q: Queued): Delivery<Queued> {
  return {
    source: q,
    message: q.message,
    messageId: String(q.seq),
    dequeueCount: q.dequeueCount + 1,
    insertedAt: q.insertedAt,
    sequence: q.seq,
    lastError: q.lastError,
  };
}
