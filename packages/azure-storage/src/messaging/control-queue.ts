/**
 * The control queues this worker polls, one loop per owned partition (DT.AS's `ControlQueue`): receive a
 * batch, decode it, hand it to the session manager's buffer; back off when the queue is empty (randomized
 * exponential back-off, each queue on its own as in DT.AS: reset by a message on that queue, cut short by this
 * process's sends to it and, for messages it sent visible later, when they become visible; see `PollingBackoff`),
 * pause while the buffer is full. Losing a partition stops its loop at once and gives its buffered messages back.
 */
import { sleep } from "@taskhub/core";
import { logEvent } from "@taskhub/core";
import { HubPart, type HubContext } from "../hub-context.js";
import { PollingBackoff } from "./poller.js";
import type { ReceivedMessage } from "./queue-messages.js";
import type { TaskHubQueue } from "./task-hub-queue.js";

/** Where received control messages go (the orchestration session manager). */
export interface ControlMessageSink {
  /** Whether as many messages are buffered as `controlQueueBufferThreshold` allows. */
  bufferFull(): boolean;
  addToBuffer(m: ReceivedMessage): void;
  wakeWaiters(): void;
  /** The partition was lost: give its buffered and prepared messages back, forget its sessions. */
  releasePartition(partition: number): Promise<void>;
}

export class ControlQueuePollers extends HubPart {
  private readonly pollers = new Map<
    number,
    { controller: AbortController; backoff: PollingBackoff; done: Promise<void> }
  >();
  /** Dropped messages being made visible again; stop() waits for them. */
  private readonly releasing = new Set<Promise<void>>();

  constructor(
    ctx: HubContext,
    private readonly queues: TaskHubQueue,
    private readonly sessions: ControlMessageSink,
  ) {
    super(ctx);
  }

  has(partition: number): boolean {
    return this.pollers.has(partition);
  }

  /** Partitions whose control queue is being polled, in order. */
  partitions(): number[] {
    return [...this.pollers.keys()].sort((a, b) => a - b);
  }

  /** End the back-off wait of the partition's poller (a message was just sent to its queue). */
  wake(partition: number): void {
    this.pollers.get(partition)?.backoff.wake();
  }

  /**
   * Wake the partition's poller at `at` (ms since the epoch), when a message just sent to its queue becomes
   * visible (a timer, a scheduled start); nothing if this worker does not poll the partition.
   */
  wakeAt(partition: number, at: number): void {
    this.pollers.get(partition)?.backoff.wakeAt(at);
  }

  stopAll(): void {
    for (const p of [...this.pollers.keys()]) this.stopPolling(p);
  }

  /** Resolves once every stopped loop has ended and every message it dropped is visible again. */
  async settled(): Promise<void> {
    while (this.releasing.size > 0) await Promise.all([...this.releasing]);
  }

  startPolling(partition: number): void {
    if (this.pollers.has(partition)) return;
    const controller = new AbortController();
    const backoff = new PollingBackoff(
      this.s.minPollingIntervalMs,
      this.s.maxPollingIntervalMs,
      this.s.pollingBackoffFactor,
    );
    const done = this.pollLoop(partition, controller.signal, backoff);
    this.pollers.set(partition, { controller, backoff, done });
  }

  /** Losing a partition: stop dequeuing at once and forget its prefetched messages and sessions. */
  stopPolling(partition: number): void {
    const p = this.pollers.get(partition);
    if (!p) return;
    p.controller.abort();
    p.backoff.dispose();
    this.pollers.delete(partition);
    const loopDone = p.done.finally(() => this.releasing.delete(loopDone));
    this.releasing.add(loopDone);
    const release: Promise<void> = this.sessions
      .releasePartition(partition)
      .finally(() => this.releasing.delete(release));
    this.releasing.add(release);
  }

  private async pollLoop(partition: number, signal: AbortSignal, backoff: PollingBackoff): Promise<void> {
    const queue = this.controlQueue(partition);
    const queueName = this.names.controlQueues[partition]!;
    while (!signal.aborted) {
      if (this.sessions.bufferFull()) {
        await sleep(100, signal);
        continue;
      }
      let received: ReceivedMessage[] = [];
      try {
        const receivedAt = Date.now();
        const res = await queue.receiveMessages({
          numberOfMessages: this.s.controlQueueBatchSize,
          visibilityTimeout: Math.ceil(this.s.controlQueueVisibilityTimeoutMs / 1000),
          // Never abort a dequeue in flight: the service may have dequeued messages the client then never
          // sees, and they would stay invisible for the whole visibility timeout.
        });
        received = (
          await Promise.all(
            res.receivedMessageItems.map((m) => this.queues.decodeReceived(queueName, queue, m)),
          )
        ).filter((m): m is ReceivedMessage => m !== undefined);
        for (const m of received) m.invisibleUntil = receivedAt + this.s.controlQueueVisibilityTimeoutMs;
        if (res.receivedMessageItems.length === 0) {
          await backoff.wait(signal);
          continue;
        }
        backoff.reset();
      } catch (err) {
        if (signal.aborted) break;
        logEvent(
          this.logger,
          "controlQueue.receiveFailed",
          { partition, err },
          "receiving control messages failed",
        );
        await backoff.wait(signal);
        continue;
      }
      if (signal.aborted || !this.pollers.has(partition)) {
        // Received after the partition was lost: give them back at once.
        await this.queues.abandonMessages(received, 0, 0);
        break;
      }
      for (const m of received) this.sessions.addToBuffer(m);
      if (received.length > 0) this.sessions.wakeWaiters();
      // A partial batch means the queue was drained: wait the minimum interval (or a local wake-up) instead of
      // an immediate receive that would most likely come back empty.
      if (received.length < this.s.controlQueueBatchSize) await backoff.wait(signal);
    }
  }
}
