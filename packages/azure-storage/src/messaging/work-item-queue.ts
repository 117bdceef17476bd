/**
 * The shared work-item queue (DT.AS's `WorkItemQueue`): activity work items for this worker's dispatcher,
 * its own local activities first (see `LocalActivities`), then batches received from the queue (no more than
 * the dispatcher has free slots for, so that none waits here while another worker could run it; with DTF's
 * back-off when it is empty, cut short when this process sends a work item and capped while other workers
 * may be sending some, see `work-item-pace.ts`); renewing, completing and abandoning them.
 */
import type { DequeuedMessageItem } from "@azure/storage-queue";
import {
  poisonRuling,
  throwIfAborted,
  WakeUp,
  type OperationOptions,
  type AbandonOptions,
  type ActivityWorkItem,
  type LockOptions,
  type TaskMessage,
} from "@taskhub/core";
import { HubPart, type HubContext } from "../hub-context.js";
import { ignoreNotFound } from "../storage/errors.js";
import type { LocalActivities } from "../local-activities.js";
import { PollingBackoff } from "./poller.js";
import { workItemPollCapMs } from "./work-item-pace.js";
import { asDelivery, type ReceivedMessage } from "./queue-messages.js";
import type { LockedMessage, TaskHubQueue } from "./task-hub-queue.js";

interface AzureActivityWorkItem extends ActivityWorkItem {
  readonly received: ReceivedMessage;
  popReceipt: string;
  /** Completed or abandoned (its slot counted free again). */
  settled?: boolean;
}

export class WorkItemQueue extends HubPart {
  private readonly activityBackoff: PollingBackoff;
  /** Work items received in a batch and not yet handed to the dispatcher (invisible to other workers). */
  private readonly activityPrefetch: { item: DequeuedMessageItem; receivedAt: number }[] = [];
  /** When the shared work-item queue may be received from next (after an empty or partial receive). */
  private workItemPollAt = 0;
  /** When it was last received from. */
  private lastPollAt = 0;
  /** Activity fetches waiting for that, or for a local activity. */
  private readonly activityWakeUp = new WakeUp();

  constructor(
    ctx: HubContext,
    private readonly queues: TaskHubQueue,
    private readonly local: LocalActivities,
  ) {
    super(ctx);
    // DT.AS's doubling, not `pollingBackoffFactor`: work items come from orchestration owners, which wake their
    // own poller, and a worker that does not own every partition is held to work-item-pace.ts's caps anyway.
    this.activityBackoff = new PollingBackoff(this.s.minPollingIntervalMs, this.s.maxPollingIntervalMs, 2);
  }

  /** Work items received and not yet handed out. */
  prefetched(): number {
    return this.activityPrefetch.length;
  }

  async lockNextActivityWorkItem(options: LockOptions): Promise<ActivityWorkItem | undefined> {
    const queue = this.clients.queue(this.names.workItemQueue);
    const deadline = Date.now() + 1000;
    this.local.noteCapacity(options.capacity);
    while (!options.abortSignal.aborted && this.running) {
      const local = this.local.localActivities.shift();
      if (local) {
        const wi = this.activityWorkItem(local.message, local.sentAt);
        // Waited long for a free slot: take the full visibility timeout again before running it.
        if (wi.lockedUntil!.getTime() - Date.now() < this.s.workItemQueueVisibilityTimeoutMs / 2)
          await this.renewActivityWorkItemLock(wi).catch(this.workItemOpFailed("renew", wi.id));
        return wi;
      }
      const next = this.activityPrefetch.shift();
      if (!next) {
        // Polled the shared queue a moment ago and found it empty (or drained it): wait for the back-off (or
        // less while other workers may send work items, see work-item-pace.ts), a local activity, or a work
        // item this process sends. Local activities do not reset the back-off. Waits end at the deadline, so
        // the cap is looked at again at least every second.
        const cap = workItemPollCapMs(this.s, {
          sinceWorkMs: this.local.sinceWorkMs(),
          pollsEveryPartition: this.local.pollsEveryPartition(),
        });
        const pollAt =
          cap === undefined ? this.workItemPollAt : Math.min(this.workItemPollAt, this.lastPollAt + cap);
        const wait = Math.min(pollAt, deadline) - Date.now();
        if (wait > 0) {
          await this.waitForActivity(options.abortSignal, wait);
          continue;
        }
        if (Date.now() >= deadline) return undefined;
        let res;
        // As many as the dispatcher has free slots for (up to the queue's 32), never more: a work item received
        // here is invisible to other workers, which may have free slots now. The fetch's capacity was counted
        // when it began; activities that completed since have freed theirs too (one receive, not two, after a
        // batch of activities that end together).
        const numberOfMessages = Math.max(
          1,
          Math.min(32, Math.max(Math.floor(options.capacity ?? 1), this.local.freeSlots())),
        );
        this.lastPollAt = Date.now();
        try {
          res = await queue.receiveMessages({
            numberOfMessages,
            visibilityTimeout: Math.ceil(this.s.workItemQueueVisibilityTimeoutMs / 1000),
            // Not aborted mid-flight, for the same reason as control-queue receives.
          });
        } catch (err) {
          if (options.abortSignal.aborted) return undefined;
          throw err;
        }
        const got = res.receivedMessageItems.length;
        if (got > 0) {
          this.activityBackoff.reset();
          this.local.noteWork();
          const at = Date.now();
          for (const item of res.receivedMessageItems) this.activityPrefetch.push({ item, receivedAt: at });
        }
        // A partial batch means the queue was empty then: wait the minimum interval (cut short when this process
        // sends a work item) rather than receive again at once; an empty one backs off further.
        this.workItemPollAt = got < numberOfMessages ? Date.now() + this.activityBackoff.nextDelayMs() : 0;
        continue;
      }
      const decoded = await this.queues.decodeReceived(this.names.workItemQueue, queue, next.item);
      if (!decoded) continue;
      const poison = poisonRuling(asDelivery(decoded), {
        maxDequeueCount: this.s.maxDequeueCount,
        now: Date.now(),
      });
      if (poison) {
        await this.queues.quarantine(decoded, poison.reason);
        continue;
      }
      return this.activityWorkItem(decoded, next.receivedAt);
    }
    return undefined;
  }

  /** A work item for the dispatcher; the message became invisible to others at `invisibleSince`. */
  private activityWorkItem(m: ReceivedMessage, invisibleSince: number): AzureActivityWorkItem {
    this.local.handedOut();
    return {
      id: m.messageId,
      message: m.taskMessage,
      dequeueCount: m.dequeueCount - 1,
      lockedUntil: new Date(invisibleSince + this.s.workItemQueueVisibilityTimeoutMs),
      received: m,
      popReceipt: m.popReceipt,
    };
  }

  /** The work item's slot is free again (once, whether it was completed, abandoned, or both). */
  private settle(wi: AzureActivityWorkItem): void {
    if (wi.settled) return;
    wi.settled = true;
    this.local.settled();
  }

  /** A local activity was handed over (`sharedQueue` false), or this process sent one to the shared queue. */
  wakeActivities(sharedQueue: boolean): void {
    if (sharedQueue) {
      this.activityBackoff.reset();
      this.workItemPollAt = 0;
    }
    this.activityWakeUp.wake();
  }

  private waitForActivity(signal: AbortSignal, ms: number): Promise<void> {
    return this.activityWakeUp.wait(ms, signal);
  }

  /** Received work items not handed out when the worker stops: visible again at once for other workers. */
  async releaseActivityPrefetch(): Promise<void> {
    const left = [
      ...this.activityPrefetch.splice(0).map((p) => p.item),
      ...this.local.localActivities.splice(0).map((l) => l.message),
    ];
    if (left.length === 0) return;
    await Promise.all(
      left.map((m) =>
        this.queues
          .setVisibility(
            { queueName: this.names.workItemQueue, messageId: m.messageId, popReceipt: m.popReceipt },
            0,
          )
          .catch(this.workItemOpFailed("abandon", m.messageId)),
      ),
    );
  }

  async renewActivityWorkItemLock(workItem: ActivityWorkItem, options: OperationOptions = {}): Promise<void> {
    throwIfAborted(options.abortSignal, "renewActivityWorkItemLock");
    const wi = workItem as AzureActivityWorkItem;
    const m = this.locked(wi);
    wi.lockedUntil = await this.queues.renewMessages([m], this.s.workItemQueueVisibilityTimeoutMs, options);
    wi.popReceipt = m.popReceipt;
  }

  /**
   * Send the result to the orchestration's control queue, then delete the work item, as DTF does. When this worker
   * owns the orchestration's partition, the result goes to the instance's next step in memory instead, and
   * the work item stays (invisible) until that step's checkpoint deletes it with its other messages.
   * An abort before the result is sent rejects with nothing done; after, the work item is still deleted.
   */
  async completeActivityWorkItem(
    workItem: ActivityWorkItem,
    response: TaskMessage,
    options: OperationOptions = {},
  ): Promise<void> {
    throwIfAborted(options.abortSignal, "completeActivityWorkItem");
    const wi = workItem as AzureActivityWorkItem;
    this.settle(wi);
    if (this.local.deliverResult(wi.id, wi.popReceipt, response)) return;
    const target = response.orchestrationInstance.instanceId;
    await this.queues.sendAll(
      [{ queueName: this.names.controlQueues[this.partitionOf(target)]!, message: response }],
      new Date(),
    );
    await this.clients
      .queue(this.names.workItemQueue)
      .deleteMessage(wi.id, wi.popReceipt)
      .catch(ignoreNotFound);
  }

  async abandonActivityWorkItem(workItem: ActivityWorkItem, options: AbandonOptions = {}): Promise<void> {
    throwIfAborted(options.abortSignal, "abandonActivityWorkItem");
    const wi = workItem as AzureActivityWorkItem;
    this.settle(wi);
    await this.queues
      .setVisibility(this.locked(wi), Math.ceil((options.delayMs ?? 0) / 1000))
      .catch(this.workItemOpFailed("abandon", wi.id));
  }

  /** The work item's message as a visibility update needs it (the work item keeps the newest pop receipt). */
  private locked(wi: AzureActivityWorkItem): LockedMessage {
    return { queueName: this.names.workItemQueue, messageId: wi.id, popReceipt: wi.popReceipt };
  }

  private workItemOpFailed(op: "abandon" | "renew", messageId: string): (err: unknown) => undefined {
    return this.messageOpFailed(op, { queueName: this.names.workItemQueue, messageId });
  }
}
