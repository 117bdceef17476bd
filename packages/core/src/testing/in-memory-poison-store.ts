/**
 * The in-memory backend's poison store: messages quarantined by the delivery rules, with their reason, listed
 * and replayed through the seam's `PoisonStoreCapability` (the same API as the Azure Storage provider's
 * `<hub>Poison` table). A replayed message goes back to its queue with a fresh dequeue count.
 */
import type { QuarantinedMessage } from "../backend/service.js";
import type { TaskMessage } from "../backend/task-message.js";
import type { Queued } from "./in-memory-store.js";

interface Entry {
  readonly listed: QuarantinedMessage;
  readonly message: TaskMessage;
}

export class InMemoryPoisonStore {
  private readonly entries: Entry[] = [];

  add(queueName: string, q: Queued, reason: string, now: number): void {
    this.entries.push({
      message: q.message,
      listed: {
        queueName,
        messageId: String(q.seq),
        body: JSON.stringify(q.message),
        reason,
        dequeueCount: q.dequeueCount,
        insertedOn: new Date(q.insertedAt),
        quarantinedAt: new Date(now),
        instanceId: q.message.orchestrationInstance.instanceId,
        eventType: q.message.event.type,
      },
    });
  }

  list(): QuarantinedMessage[] {
    return this.entries.map((e) => ({ ...e.listed }));
  }

  /** Remove a message from the store; its task message, or undefined when there is none. */
  take(queueName: string, messageId: string): TaskMessage | undefined {
    const idx = this.entries.findIndex(
      (e) => e.listed.queueName === queueName && e.listed.messageId === messageId,
    );
    if (idx < 0) return undefined;
    return this.entries.splice(idx, 1)[0]!.message;
  }
}
