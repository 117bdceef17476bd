/**
 * Orchestration sessions on this worker (DT.AS's `OrchestrationSessionManager`): control messages received
 * and not yet handed out, per instance; which instances have a work item in flight (one at a time per
 * instance); work items prepared ahead for the dispatcher; the extended-session cache (each instance's history
 * kept in memory after its checkpoint). A batch of an instance's messages becomes a work item by core's
 * delivery rulebook, applied in orchestration-delivery.ts.
 */
import {
  TaskHubError,
  throwIfAborted,
  WakeUp,
  type OperationOptions,
  type AbandonOptions,
  type HistoryEvent,
  type LockOptions,
  type OrchestrationWorkItem,
} from "@taskhub/core";
import { logEvent } from "@taskhub/core";
import { HubPart, type HubContext } from "./hub-context.js";
import type { ReceivedMessage } from "./messaging/queue-messages.js";
import type { TaskHubQueue } from "./messaging/task-hub-queue.js";
import { OrchestrationDelivery } from "./orchestration-delivery.js";
import {
  MAX_CONSUMED_REMEMBERED,
  type AzureOrchestrationWorkItem,
  type Session,
} from "./orchestration-work-item.js";
import type { HistoryTable } from "./tracking/history-table.js";
import type { InstancesTable } from "./tracking/instances-table.js";

/** Instances whose last deleted message ids this worker remembers, to prune them from the sentinel. */
const MAX_DELETED_REMEMBERED = 10_000;

export interface SessionManagerParts {
  queues: TaskHubQueue;
  history: HistoryTable;
  instances: InstancesTable;
  /** Whether this worker polls the partition (owns it). */
  isPolled(partition: number): boolean;
  /** The checkpoint's terminal-state repair. */
  repairInstanceRow(instanceId: string, pastEvents: readonly HistoryEvent[]): Promise<void>;
}

export class OrchestrationSessionManager extends HubPart {
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
  /** The extended-session cache (the checkpoint fills it). */
  readonly sessions = new Map<string, Session>();
  /**
   * Per instance, the ids of messages this worker deleted after a committed step: they can never be
   * delivered again, so the next checkpoint drops them from the sentinel's consumed ids. Without this, a busy
   * instance (an entity taking hundreds of signals) pushed the ids of a dead worker's undeleted step out of
   * the bounded list before they came back, and they were applied twice.
   */
  readonly deletedIds = new Map<string, Set<string>>();
  /** Why this process last gave a message back (best effort, for the poison reason; bounded). */
  private readonly lastErrors = new Map<string, string>();
  /** Orchestration work items built ahead for the dispatcher, and how many are being built. */
  private readonly prepared: AzureOrchestrationWorkItem[] = [];
  private preparing = 0;
  /** Orchestration fetches waiting for messages or for a free instance. */
  private readonly wakeUp = new WakeUp();
  private readonly queues: TaskHubQueue;
  private readonly history: HistoryTable;
  private readonly isPolled: (partition: number) => boolean;
  private readonly delivery: OrchestrationDelivery;

  constructor(ctx: HubContext, parts: SessionManagerParts) {
    super(ctx);
    this.queues = parts.queues;
    this.history = parts.history;
    this.isPolled = parts.isPolled;
    this.delivery = new OrchestrationDelivery(ctx, {
      queues: parts.queues,
      instances: parts.instances,
      loadSession: (id, expected) => this.loadSession(id, expected),
      forgetSession: (id) => this.sessions.delete(id),
      lastError: (messageId) => this.lastErrors.get(messageId),
      rememberDeleted: (id, ids) => this.rememberDeleted(id, ids),
      repairInstanceRow: parts.repairInstanceRow,
    });
  }

  bufferFull(): boolean {
    return this.bufferedCount >= this.s.controlQueueBufferThreshold;
  }

  /** Work items in flight for instances of the partition. */
  inFlight(partition: number): number {
    return [...this.locked.keys()].filter((id) => this.partitionOf(id) === partition).length;
  }

  /** The partition was lost: its buffered and prepared messages visible again at once, its sessions forgotten. */
  releasePartition(partition: number): Promise<void> {
    const dropped: ReceivedMessage[] = [];
    for (const [instanceId, msgs] of this.buffer) {
      if (this.partitionOf(instanceId) !== partition) continue;
      this.bufferedCount -= msgs.length;
      this.buffer.delete(instanceId);
      dropped.push(...msgs);
    }
    // Make them visible again at once, so the partition's next owner need not wait out the visibility timeout.
    const release = Promise.all([
      this.queues.abandonMessages(dropped, 0, 0),
      this.releasePrepared(partition),
    ]).then(() => undefined);
    for (const id of this.sessions.keys()) if (this.partitionOf(id) === partition) this.sessions.delete(id);
    return release;
  }

  /** The worker stops: wait for work items being prepared, then give back those not handed out. */
  async drain(): Promise<void> {
    // Work items still being prepared give their messages back themselves (they see running = false).
    while (this.preparing > 0) await new Promise((r) => setTimeout(r, 10));
    await this.releasePrepared();
  }

  addToBuffer(m: ReceivedMessage): void {
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

  wakeWaiters(): void {
    this.wakeUp.wake();
  }

  private waitForWork(signal: AbortSignal, ms: number): Promise<void> {
    return this.wakeUp.wait(ms, signal);
  }

  async lockNextOrchestrationWorkItem(options: LockOptions): Promise<OrchestrationWorkItem | undefined> {
    const deadline = Date.now() + 1000;
    while (!options.abortSignal.aborted && this.running) {
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
      await this.waitForWork(options.abortSignal, left);
    }
    return undefined;
  }

  private async prepare(instanceId: string, msgs: ReceivedMessage[], lock: number): Promise<void> {
    let wi: AzureOrchestrationWorkItem | undefined;
    try {
      wi = await this.delivery.buildWorkItem(instanceId, msgs, lock);
    } catch (err) {
      logEvent(
        this.logger,
        "orchestration.prepareFailed",
        { instanceId, err },
        "preparing a work item failed; messages will be redelivered",
      );
      await this.queues.abandonMessages(msgs, 1);
    }
    if (!wi) {
      this.unlock(instanceId, lock);
      return;
    }
    if (!this.running || !this.isPolled(wi.partition)) {
      // Stopped or lost the partition meanwhile: give the messages back at once.
      await this.queues.abandonMessages(wi.messages, 0, 0);
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
    for (const wi of this.prepared.splice(0))
      (partition === undefined || wi.partition === partition ? release : keep).push(wi);
    this.prepared.push(...keep);
    return Promise.all(
      release.map(async (wi) => {
        await this.queues.abandonMessages(wi.messages, 0, 0);
        this.sessions.delete(wi.instanceId);
        this.unlock(wi.instanceId, wi.lock);
      }),
    ).then(() => undefined);
  }

  private async loadSession(instanceId: string, expectedExecutionId?: string): Promise<Session> {
    const cached = this.sessions.get(instanceId);
    if (
      cached &&
      Date.now() - cached.lastUsed < this.s.sessionIdleTimeoutMs &&
      (!expectedExecutionId || cached.executionId === expectedExecutionId)
    ) {
      cached.lastUsed = Date.now();
      return { ...cached, cached: true };
    }
    const h = await this.history.read(instanceId);
    return {
      executionId: h.executionId,
      events: h.events,
      etag: h.etag,
      lastUsed: Date.now(),
      consumed: h.consumed,
    };
  }

  async renewOrchestrationWorkItemLock(
    workItem: OrchestrationWorkItem,
    options: OperationOptions = {},
  ): Promise<void> {
    throwIfAborted(options.abortSignal, "renewOrchestrationWorkItemLock");
    const wi = workItem as AzureOrchestrationWorkItem;
    if (!this.isPolled(wi.partition))
      throw new TaskHubError("WorkItemLockLost", `partition ${wi.partition} is no longer owned`);
    wi.lockedUntil = await this.queues.renewMessages(
      wi.messages,
      this.s.controlQueueVisibilityTimeoutMs,
      options,
    );
  }

  async abandonOrchestrationWorkItem(
    workItem: OrchestrationWorkItem,
    options: AbandonOptions = {},
  ): Promise<void> {
    throwIfAborted(options.abortSignal, "abandonOrchestrationWorkItem");
    const wi = workItem as AzureOrchestrationWorkItem;
    this.sessions.delete(wi.instanceId);
    if (options.reason) {
      for (const m of wi.messages) this.lastErrors.set(m.messageId, options.reason);
      while (this.lastErrors.size > 10_000) this.lastErrors.delete(this.lastErrors.keys().next().value!);
    }
    try {
      const delaySeconds = options.delayMs !== undefined ? Math.ceil(options.delayMs / 1000) : undefined;
      if (options.uncounted) await this.queues.requeueMessages(wi.messages, delaySeconds ?? 1);
      else await this.queues.abandonMessages(wi.messages, (wi.dequeueCount ?? 0) + 1, delaySeconds);
    } finally {
      this.unlock(wi.instanceId, wi.lock);
    }
  }

  unlock(instanceId: string, lock: number): void {
    if (this.locked.get(instanceId) !== lock) return;
    this.locked.delete(instanceId);
    if (this.buffer.get(instanceId)?.length) this.wakeWaiters();
  }

  rememberDeleted(instanceId: string, ids: string[]): void {
    if (ids.length === 0) return;
    const set = this.deletedIds.get(instanceId) ?? new Set<string>();
    this.deletedIds.delete(instanceId); // re-insert: the map is evicted oldest first
    for (const id of ids) set.add(id);
    // Older ids were pruned from the sentinel by the checkpoint that followed them; keep the last few steps.
    while (set.size > MAX_CONSUMED_REMEMBERED) set.delete(set.values().next().value!);
    this.deletedIds.set(instanceId, set);
    while (this.deletedIds.size > MAX_DELETED_REMEMBERED)
      this.deletedIds.delete(this.deletedIds.keys().next().value!);
  }
}
