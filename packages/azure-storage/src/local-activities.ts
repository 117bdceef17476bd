/**
 * Activities that stay on this worker. `localActivityDispatch`: of the activities a step schedules, as many
 * as this worker's dispatcher can start now (free slots not already spoken for) are sent to the work-item
 * queue invisible and handed to the dispatcher without a receive; the rest go to the shared queue, where
 * every worker may take them (see `work-item-pace.ts` for how soon the others look). `localActivityResults`:
 * an activity result for an instance on a partition this worker polls goes into the session manager's buffer
 * instead of through a control queue; its work-item message is deleted with the next step's messages, after
 * its checkpoint.
 */
import { messageDataToJson, newMessageData } from "./messaging/message-data.js";
import type { ReceivedMessage } from "./messaging/queue-messages.js";
import type { TaskMessage } from "@taskhub/core";
import { HubPart, type HubContext } from "./hub-context.js";

/** How many of a step's activities its worker keeps (sends to itself): as many as it can start now. */
export function localActivityRoom(slots: {
  /** The activity dispatcher's concurrency (0: this worker runs no activities). */
  concurrency: number;
  /** Work items handed to the dispatcher and not yet completed or abandoned. */
  running: number;
  /** Work items waiting here for the dispatcher: local ones, received ones, local sends in flight. */
  waiting: number;
}): number {
  return Math.max(0, slots.concurrency - slots.running - slots.waiting);
}

export interface LocalActivityParts {
  /** Work items received from the shared queue and not yet handed out. */
  prefetched(): number;
  /** Wake the activity fetches (`sharedQueue`: a work item was sent to the shared queue). */
  wakeActivities(sharedQueue: boolean): void;
  /** Give back every work item not handed out (the worker stopped). */
  releaseActivityPrefetch(): Promise<void>;
  /** The session manager's buffer, where local results go. */
  sessions: { addToBuffer(m: ReceivedMessage): void; wakeWaiters(): void };
  isPolled(partition: number): boolean;
}

export class LocalActivities extends HubPart {
  /** Work items this worker sent to itself (see `localActivityDispatch`), not yet handed to the dispatcher. */
  readonly localActivities: { message: ReceivedMessage; sentAt: number }[] = [];
  /** Local activity sends in flight, counted against the room below. */
  localActivitiesSending = 0;
  /** The activity dispatcher's concurrency, as its fetches report it (0: no dispatcher, no local activities). */
  activitySlots = 0;
  /** Work items handed to the dispatcher and not yet completed or abandoned. */
  private busySlots = 0;
  /** When this worker last ran a step or an activity, or received a work item (see `work-item-pace.ts`). */
  private lastWorkAt = Number.NEGATIVE_INFINITY;
  private readonly prefetched: () => number;
  private readonly wakeActivities: (sharedQueue: boolean) => void;
  private readonly releaseActivityPrefetch: () => Promise<void>;
  private readonly sessions: LocalActivityParts["sessions"];
  private readonly isPolled: (partition: number) => boolean;

  constructor(ctx: HubContext, parts: LocalActivityParts) {
    super(ctx);
    this.prefetched = parts.prefetched;
    this.wakeActivities = parts.wakeActivities;
    this.releaseActivityPrefetch = parts.releaseActivityPrefetch;
    this.sessions = parts.sessions;
    this.isPolled = parts.isPolled;
  }

  /** An activity fetch reports its dispatcher's concurrency. */
  noteCapacity(capacity: number | undefined): void {
    this.activitySlots = Math.max(this.activitySlots, Math.floor(capacity ?? 1));
  }

  /** A work item was handed to the dispatcher. */
  handedOut(): void {
    this.busySlots++;
    this.noteWork();
  }

  /** A work item handed out was completed or abandoned (called once per work item). */
  settled(): void {
    this.busySlots = Math.max(0, this.busySlots - 1);
    this.noteWork();
  }

  /** This worker did some work now (ran a step or an activity, or received work items). */
  noteWork(): void {
    this.lastWorkAt = Date.now();
  }

  /** Milliseconds since this worker last did some work. */
  sinceWorkMs(): number {
    return Date.now() - this.lastWorkAt;
  }

  /** Whether this worker polls every control queue of the hub (then only its own steps schedule activities). */
  pollsEveryPartition(): boolean {
    for (let p = 0; p < this.ctx.partitionCount; p++) if (!this.isPolled(p)) return false;
    return true;
  }

  /**
   * `localActivityResults`: when this worker polls the orchestration's partition, put the result in the
   * session manager's buffer, for the instance's next step; the work item stays (invisible) until that step's
   * checkpoint deletes it with its other messages. False: send it as DTF does.
   */
  deliverResult(workItemId: string, popReceipt: string, response: TaskMessage): boolean {
    const target = response.orchestrationInstance.instanceId;
    if (!(this.s.localActivityResults && this.running && this.isPolled(this.partitionOf(target))))
      return false;
    const data = newMessageData(response);
    this.sessions.addToBuffer({
      queueName: this.names.workItemQueue,
      messageId: workItemId,
      popReceipt,
      // A first delivery of the result: it is sent to the control queue before it could ever count
      // towards quarantine (abandonMessages).
      dequeueCount: 1,
      insertedOn: new Date(),
      body: messageDataToJson(data),
      data,
      taskMessage: response,
    });
    this.sessions.wakeWaiters();
    return true;
  }

  /** Activity slots neither running a work item nor spoken for by one waiting here (local, received, being sent). */
  freeSlots(): number {
    return localActivityRoom({
      concurrency: this.activitySlots,
      running: this.busySlots,
      waiting: this.localActivities.length + this.prefetched() + this.localActivitiesSending,
    });
  }

  /**
   * How many of `wanted` activities this worker keeps for itself (see `localActivityDispatch`): as many as its
   * dispatcher can start now. More would wait here, invisible to other workers that could run them.
   */
  reserveLocalActivities(wanted: number): number {
    this.noteWork();
    if (!this.s.localActivityDispatch || !this.running) return 0;
    const n = Math.min(wanted, this.freeSlots());
    this.localActivitiesSending += n;
    return n;
  }

  /** Activities this worker sent itself (see `localActivityDispatch`): its dispatcher may take them now. */
  handOverLocalActivities(sent: ReceivedMessage[]): void {
    if (sent.length === 0) return;
    const at = Date.now();
    for (const message of sent) this.localActivities.push({ message, sentAt: at });
    if (!this.running) void this.releaseActivityPrefetch();
    else this.wakeActivities(false);
  }
}
