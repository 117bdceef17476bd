/**
 * What the provider does with messages on any of the hub's queues, as DT.AS's `TaskHubQueue` does: send a
 * step's outbound messages, decode what was received (misplaced and undecodable messages are retried with
 * back-off, then quarantined), give messages back with DTF's abandon back-off, and move a message that
 * cannot be processed to the poison store.
 */
import type { QueueClient } from "@azure/storage-queue";
import pLimit from "p-limit";
import { RESULT_EVENT_TYPES, TaskHubError, type OperationOptions, type TaskMessage } from "@taskhub/core";
import { logEvent } from "@taskhub/core";
import { HubPart, type HubContext } from "../hub-context.js";
import { providerInstruments } from "../metrics/instruments.js";
import { MetricAttr } from "@taskhub/core";
import type { PoisonStore } from "./poison-store.js";
import {
  MAX_VISIBILITY_DELAY_SECONDS,
  type RawQueueMessage,
  type ReceivedMessage,
} from "./queue-messages.js";

/** Events a control queue may carry; anything else (a TaskScheduled, a history-only event) is malformed. */
const CONTROL_TYPES = new Set([
  ...RESULT_EVENT_TYPES,
  "ExecutionStarted",
  "ExecutionTerminated",
  "ExecutionSuspended",
  "ExecutionResumed",
  "ExecutionRewound",
  "EventRaised",
  "GenericEvent",
]);

/** A received message as a visibility update needs it; its pop receipt is replaced by each update. */
export interface LockedMessage {
  queueName: string;
  messageId: string;
  popReceipt: string;
  /**
   * When its invisibility ends (ms since the epoch) as this process can tell: from the moment the receive or
   * the last visibility update was sent. Undefined until one of those stamps it.
   */
  invisibleUntil?: number;
}

/** A message to send; with `local`, one of this worker's own activities: sent invisible and recorded there once sent. */
export interface OutboundMessage {
  queueName: string;
  message: TaskMessage;
  visibleAt?: Date | undefined;
  local?: ReceivedMessage[];
}

export class TaskHubQueue extends HubPart {
  private readonly sendLimit = pLimit(32);

  constructor(
    ctx: HubContext,
    private readonly poison: PoisonStore,
  ) {
    super(ctx);
  }

  /** Items with `local` are this worker's own activities: sent invisible and recorded there once sent. */
  async sendAll(items: OutboundMessage[], now: Date): Promise<void> {
    await Promise.all(
      items.map((i) =>
        this.sendLimit(async () => {
          const sent = await this.messenger.send(this.clients.queue(i.queueName), i.message, {
            visibleAt: i.visibleAt,
            now,
          });
          if (i.local)
            i.local.push({
              queueName: i.queueName,
              messageId: sent.messageId,
              popReceipt: sent.popReceipt,
              dequeueCount: 1,
              insertedOn: sent.insertedOn,
              body: sent.body,
              data: sent.data,
              taskMessage: i.message,
            });
          else this.wakeLocalWhenVisible(i.queueName, i.visibleAt, now);
        }),
      ),
    );
  }

  /** Decode one received queue message; undecodable ones are retried with back-off, then quarantined. */
  async decodeReceived(
    queueName: string,
    queue: QueueClient,
    m: { messageId: string; popReceipt: string; dequeueCount: number; insertedOn: Date; messageText: string },
  ): Promise<ReceivedMessage | undefined> {
    providerInstruments()?.messageAge.record(Math.max(0, Date.now() - m.insertedOn.getTime()) / 1000, {
      [MetricAttr.queueName]: queueName,
    });
    const raw: RawQueueMessage = {
      queueName,
      messageId: m.messageId,
      popReceipt: m.popReceipt,
      dequeueCount: m.dequeueCount,
      insertedOn: m.insertedOn,
      body: m.messageText,
    };
    try {
      const { data, taskMessage } = await this.messenger.decode(m.messageText);
      const type = taskMessage.event.type;
      if (queueName === this.names.workItemQueue ? type !== "TaskScheduled" : !CONTROL_TYPES.has(type))
        throw new TaskHubError(
          "Serialization",
          `a ${type} event does not belong on ${queueName === this.names.workItemQueue ? "the work-item queue" : "a control queue"}`,
        );
      // A message on another partition's queue would let two workers run the instance at once.
      const home = this.names.controlQueues[this.partitionOf(taskMessage.orchestrationInstance.instanceId)];
      if (queueName !== this.names.workItemQueue && queueName !== home)
        throw new TaskHubError(
          "Serialization",
          `a message for '${taskMessage.orchestrationInstance.instanceId}' belongs on ${home}, not ${queueName}`,
        );
      return { ...raw, data, taskMessage };
    } catch (err) {
      const reason = `cannot decode message: ${(err as Error).message}`;
      logEvent(
        this.logger,
        "message.undecodable",
        {
          queue: queueName,
          messageId: m.messageId,
          dequeueCount: m.dequeueCount,
          reason,
        },
        "undecodable message",
      );
      if (m.dequeueCount >= this.s.maxDequeueCount) {
        await this.quarantine(raw, reason);
      } else {
        await this.setVisibility(raw, this.abandonDelaySeconds(m.dequeueCount)).catch(
          this.messageOpFailed("abandon", raw),
        );
      }
      return undefined;
    }
  }

  /** DTF's abandon back-off: 2^dequeueCount seconds, at most 600; shorter in tests via maxPollingInterval. */
  private abandonDelaySeconds(dequeueCount: number): number {
    return Math.min(2 ** dequeueCount, 600, Math.max(1, Math.ceil(this.s.maxPollingIntervalMs / 1000)));
  }

  /**
   * Whether a control message that still cannot be processed has had its chances: `deliveries` deliveries,
   * and older than twice the visibility timeout. The age matters for messages waiting for another one (a
   * result whose step is not in history yet, an event for an instance not started yet): what they wait for
   * may be locked by a worker that died, for up to a visibility timeout, while their own deliveries add up
   * within seconds. Quarantined earlier, the result is gone and the instance waits forever.
   */
  exhausted(m: ReceivedMessage, deliveries: number): boolean {
    return (
      m.dequeueCount >= deliveries &&
      Date.now() - m.insertedOn.getTime() > 2 * this.s.controlQueueVisibilityTimeoutMs
    );
  }

  async abandonMessages(msgs: ReceivedMessage[], dequeueCount: number, delaySeconds?: number): Promise<void> {
    const delay = delaySeconds ?? this.abandonDelaySeconds(dequeueCount);
    await Promise.all(
      msgs.map((m) =>
        m.queueName === this.names.workItemQueue
          ? this.sendLocalResult(m, delay)
          : this.setVisibility(m, delay).then(
              () => {
                // Visible again at once: this process's poller of its queue (if any) looks now, not after its
                // back-off, which no other queue's messages shorten.
                if (delay === 0) this.wakeLocal(m.queueName);
              },
              this.messageOpFailed("abandon", m),
            ),
      ),
    );
  }

  /**
   * Make a received message visible again after `seconds` (0: at once), or keep it locked that long: one
   * Update Message, after which only the new pop receipt (stored into `m`) can delete or update it.
   */
  async setVisibility(m: LockedMessage, seconds: number, options: OperationOptions = {}): Promise<void> {
    const sentAt = Date.now();
    const r = await this.clients
      .queue(m.queueName)
      .updateMessage(m.messageId, m.popReceipt, undefined, seconds, { abortSignal: options.abortSignal });
    m.popReceipt = r.popReceipt ?? m.popReceipt;
    m.invisibleUntil = sentAt + seconds * 1000;
  }

  /**
   * Renew a work item's lock: its messages stay invisible for `visibilityMs` more, one after another (the
   * first failure rejects, as losing any of them loses the lock). Returns when the renewed lock ends.
   */
  async renewMessages(
    msgs: LockedMessage[],
    visibilityMs: number,
    options: OperationOptions = {},
  ): Promise<Date> {
    const seconds = Math.ceil(visibilityMs / 1000);
    for (const m of msgs) await this.setVisibility(m, seconds, options);
    return lockEnd(msgs, visibilityMs);
  }

  /**
   * Give messages back without counting this delivery (a work item rejected for another worker to run): an
   * Azure queue message's dequeue count only grows, so each goes back as a fresh copy of its body (visible
   * after `delaySeconds`), then the original is deleted. A failed send leaves the original to come back
   * after its visibility timeout, counted; a failed delete leaves both (at-least-once, as after a crash
   * between any send and delete). A local activity result goes to its control queue as `abandonMessages`
   * sends it.
   */
  async requeueMessages(msgs: ReceivedMessage[], delaySeconds: number): Promise<void> {
    const visibilityTimeout = Math.min(Math.max(0, Math.ceil(delaySeconds)), MAX_VISIBILITY_DELAY_SECONDS);
    await Promise.all(
      msgs.map(async (m) => {
        if (m.queueName === this.names.workItemQueue) return this.sendLocalResult(m, visibilityTimeout);
        const queue = this.clients.queue(m.queueName);
        try {
          await queue.sendMessage(m.body, {
            messageTimeToLive: -1,
            ...(visibilityTimeout > 0 ? { visibilityTimeout } : {}),
          });
        } catch (err) {
          this.messageOpFailed("abandon", m)(err);
          return;
        }
        await queue.deleteMessage(m.messageId, m.popReceipt).catch(this.messageOpFailed("delete", m));
      }),
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
    const visibleAt = delaySeconds > 0 ? new Date(now.getTime() + delaySeconds * 1000) : undefined;
    const queueName = this.names.controlQueues[this.partitionOf(target)]!;
    try {
      await this.messenger.send(this.clients.queue(queueName), m.taskMessage, { now, visibleAt });
      this.wakeLocalWhenVisible(queueName, visibleAt, now);
    } catch (err) {
      logEvent(
        this.logger,
        "activity.localResultNotSent",
        { instanceId: target, err },
        "an activity result could not be sent; its activity will run again",
      );
      await this.setVisibility(m, delaySeconds).catch(this.messageOpFailed("abandon", m));
      return;
    }
    await this.clients
      .queue(m.queueName)
      .deleteMessage(m.messageId, m.popReceipt)
      .catch(this.messageOpFailed("delete", m));
  }

  async quarantine(m: RawQueueMessage, reason: string): Promise<void> {
    // A local activity result (see `localActivityResults`) is replayed to its control queue, where DTF sends it.
    const local =
      m.queueName === this.names.workItemQueue &&
      m.taskMessage !== undefined &&
      m.taskMessage.event.type !== "TaskScheduled";
    await this.poison.add(
      {
        queueName: local
          ? this.names.controlQueues[this.partitionOf(m.taskMessage!.orchestrationInstance.instanceId)]!
          : m.queueName,
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
    await this.clients
      .queue(m.queueName)
      .deleteMessage(m.messageId, m.popReceipt)
      .catch(this.messageOpFailed("delete", m));
    providerInstruments()?.poisonMessages.add(1, { [MetricAttr.queueName]: m.queueName });
    logEvent(
      this.logger,
      "message.quarantined",
      { queue: m.queueName, messageId: m.messageId, reason },
      "message moved to the poison store",
    );
  }
}

/**
 * When a lock over these messages ends: the earliest end of their invisibility (a message never stamped counts
 * as locked for `visibilityMs` from now).
 */
export function lockEnd(msgs: readonly LockedMessage[], visibilityMs: number): Date {
  const fallback = Date.now() + visibilityMs;
  return new Date(Math.min(fallback, ...msgs.map((m) => m.invisibleUntil ?? fallback)));
}
