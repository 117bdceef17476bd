/**
 * Sending and receiving task messages on Azure queues: DTF envelope, raw UTF-8 JSON bodies, time-to-live
 * -1 (messages never expire), a visibility delay for timers and scheduled starts, and envelopes over
 * 46,080 UTF-8 bytes offloaded gzipped to `<hub>-largemessages` behind a wrapper message
 * (docs/storage-layout.md#large-messages).
 */
import type { QueueClient } from "@azure/storage-queue";
import { TaskHubError, type Delivery, type TaskMessage } from "@taskhub/core";
import {
  MAX_QUEUE_MESSAGE_BYTES,
  messageBlobName,
  type LargePayloadStore,
} from "../payloads/large-payloads.js";
import {
  messageDataFromJson,
  messageDataToJson,
  newMessageData,
  parseMessageBody,
  type MessageData,
} from "./message-data.js";

/** Azure queues refuse visibility delays of 7 days or more. */
export const MAX_VISIBILITY_DELAY_SECONDS = 7 * 24 * 3600 - 60;

/** A received queue message as storage gave it; `taskMessage` once it decoded. */
export interface RawQueueMessage {
  queueName: string;
  messageId: string;
  popReceipt: string;
  dequeueCount: number;
  insertedOn: Date;
  body: string;
  taskMessage?: TaskMessage;
  /** When this delivery's invisibility ends (ms since the epoch), see `LockedMessage`. */
  invisibleUntil?: number;
}

export interface ReceivedMessage extends RawQueueMessage {
  data: MessageData;
  taskMessage: TaskMessage;
}

/** A received message as core's delivery rulebook sees it. */
export function asDelivery(m: ReceivedMessage, lastError?: string): Delivery<ReceivedMessage> {
  return {
    source: m,
    message: m.taskMessage,
    messageId: m.messageId,
    dequeueCount: m.dequeueCount,
    insertedAt: m.insertedOn.getTime(),
    sequence: m.data.sequenceNumber,
    lastError,
  };
}

export interface SentMessage {
  /** The envelope sent; `compressedBlobName` is set when it went to a blob behind a wrapper message. */
  data: MessageData;
  body: string;
  messageId: string;
  popReceipt: string;
  insertedOn: Date;
}

/**
 * The visibility delay a message to be visible at `visibleAt` is sent with, `now` being the sender's time:
 * whole seconds (the queue's unit, rounded up), at most `MAX_VISIBILITY_DELAY_SECONDS`; 0 for visible at once.
 */
export function visibilityDelaySeconds(visibleAt: Date | undefined, now: Date): number {
  const delayMs = visibleAt ? visibleAt.getTime() - now.getTime() : 0;
  return delayMs > 0 ? Math.min(Math.ceil(delayMs / 1000), MAX_VISIBILITY_DELAY_SECONDS) : 0;
}

export class QueueMessenger {
  constructor(private readonly payloads: LargePayloadStore) {}

  /**
   * Send one task message; returns its envelope (with the blob's name when it was offloaded, which a client
   * start writes into the Pending row as DT.AS does), the body that went on the queue, and the new message's
   * id and pop receipt (with which the sender can delete or re-time it without receiving it).
   */
  async send(
    queue: QueueClient,
    message: TaskMessage,
    options: { visibleAt?: Date | undefined; now: Date; abortSignal?: AbortSignal | undefined },
  ): Promise<SentMessage> {
    let data = newMessageData(message);
    let body = messageDataToJson(data);
    if (Buffer.byteLength(body, "utf8") > MAX_QUEUE_MESSAGE_BYTES) {
      const blobName = messageBlobName(
        message.orchestrationInstance.instanceId,
        data.activityId,
        message.event.type,
      );
      await this.payloads.upload(blobName, body, { abortSignal: options.abortSignal });
      // The blob holds the envelope without the name (DT.AS serializes before it sets it); the caller gets it.
      data = { ...data, compressedBlobName: blobName };
      body = messageDataToJson({
        activityId: "00000000-0000-0000-0000-000000000000",
        taskMessage: undefined,
        compressedBlobName: blobName,
        sequenceNumber: 0,
      });
    }
    const visibilityTimeout = visibilityDelaySeconds(options.visibleAt, options.now) || undefined;
    const res = await queue.sendMessage(body, {
      messageTimeToLive: -1,
      ...(visibilityTimeout ? { visibilityTimeout } : {}),
      abortSignal: options.abortSignal,
    });
    return { data, body, messageId: res.messageId, popReceipt: res.popReceipt, insertedOn: res.insertedOn };
  }

  /**
   * Decode a received body into its envelope and task message, downloading an offloaded envelope.
   * Throws `Serialization` (or a storage error for a missing blob) with the reason.
   */
  async decode(body: string): Promise<{ data: MessageData; taskMessage: TaskMessage }> {
    let data = messageDataFromJson(parseMessageBody(body));
    if (!data.taskMessage && data.compressedBlobName) {
      let text: string;
      try {
        text = await this.payloads.download(data.compressedBlobName);
      } catch (err) {
        throw new TaskHubError(
          "Serialization",
          `large message blob '${data.compressedBlobName}' cannot be read: ${(err as Error).message}`,
          { cause: err },
        );
      }
      data = messageDataFromJson(parseMessageBody(text));
    }
    if (!data.taskMessage) throw new TaskHubError("Serialization", "queue message carries no TaskMessage");
    return { data, taskMessage: data.taskMessage };
  }
}
