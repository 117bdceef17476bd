/**
 * What the parts of the Azure Storage provider share (provider-wiring.ts builds one and hands it to each):
 * the hub's names and clients, the settings with their defaults applied, the logger, the queue messenger,
 * where an instance's messages go, whether the worker is running, and how to wake this process's poller of
 * a queue it has just sent to. `HubPart` gives each part these under the names the service used.
 */
import type { QueueClient } from "@azure/storage-queue";
import type { Logger } from "@taskhub/core";
import { logEvent } from "@taskhub/core";
import { visibilityDelaySeconds, type QueueMessenger } from "./messaging/queue-messages.js";
import type { TaskHubNames } from "./naming.js";
import { partitionIndex } from "./partitioning/fnv1a.js";
import type { ResolvedSettings } from "./settings.js";
import type { StorageClients } from "./storage/clients.js";
import { isMessageGone } from "./storage/errors.js";

export interface HubContext {
  readonly names: TaskHubNames;
  readonly partitionCount: number;
  readonly clients: StorageClients;
  readonly settings: ResolvedSettings;
  readonly logger: Logger;
  readonly messenger: QueueMessenger;
  isRunning(): boolean;
  /** A message to a queue this process listens on wakes that queue's poller at once. */
  wakeLocal(queueName: string): void;
  /** The same at `at` (ms since the epoch), for a message that becomes visible then (control queues only). */
  wakeLocalAt(queueName: string, at: number): void;
}

/** How long after a delayed message should be visible its queue's poller is woken, for timer and clock slack. */
const VISIBILITY_SLACK_MS = 50;

export abstract class HubPart {
  protected readonly names: TaskHubNames;
  protected readonly clients: StorageClients;
  protected readonly s: ResolvedSettings;
  protected readonly logger: Logger;
  protected readonly messenger: QueueMessenger;

  constructor(protected readonly ctx: HubContext) {
    this.names = ctx.names;
    this.clients = ctx.clients;
    this.s = ctx.settings;
    this.logger = ctx.logger;
    this.messenger = ctx.messenger;
  }

  protected get running(): boolean {
    return this.ctx.isRunning();
  }

  protected partitionOf(instanceId: string): number {
    return partitionIndex(instanceId, this.ctx.partitionCount);
  }

  protected controlQueue(partition: number): QueueClient {
    return this.clients.queue(this.names.controlQueues[partition]!);
  }

  protected wakeLocal(queueName: string): void {
    this.ctx.wakeLocal(queueName);
  }

  /**
   * Just after sending a message to `queueName` with `QueueMessenger.send`'s `visibleAt` and `now`: wake this
   * process's poller of that queue at once if the message is visible now, else when it becomes visible (the
   * delay counts from when the queue received the send, before now).
   */
  protected wakeLocalWhenVisible(queueName: string, visibleAt: Date | undefined, now: Date): void {
    const seconds = visibilityDelaySeconds(visibleAt, now);
    if (seconds === 0) this.ctx.wakeLocal(queueName);
    else this.ctx.wakeLocalAt(queueName, Date.now() + seconds * 1000 + VISIBILITY_SLACK_MS);
  }

  /**
   * A catch handler for a best-effort change to a received message (delete, abandon, renew) whose failure at
   * worst lets the message be delivered again: a message no longer ours (`isMessageGone`: deleted, or updated
   * or received again since) passes silently; any other failure is logged at warn as `message.<op>Failed`.
   */
  protected messageOpFailed(
    op: "delete" | "abandon" | "renew",
    m: { queueName: string; messageId: string },
  ): (err: unknown) => undefined {
    return (err) => {
      if (!isMessageGone(err))
        logEvent(
          this.logger,
          `message.${op}Failed`,
          { queue: m.queueName, messageId: m.messageId, err },
          `${op} of a queue message failed; it will be delivered again`,
        );
      return undefined;
    };
  }
}
