/**
 * Activities that stay on this worker. `localActivityDispatch`: the activities a step schedules are sent to
 * the work-item queue invisible and handed to this worker's dispatcher without a receive (as many as it
 * expects to start within a second). `localActivityResults`: an activity result for an instance on a
 * partition this worker polls goes into the session manager's buffer instead of through a control queue;
 * its work-item message is deleted with the next step's messages, after its checkpoint.
 */
import { messageDataToJson, newMessageData } from "./messaging/message-data.js";
import type { ReceivedMessage } from "./messaging/queue-messages.js";
import type { TaskMessage } from "@taskhub/core";
import { HubPart, type HubContext } from "./hub-context.js";

/** Local activities (`localActivityDispatch`): how long one may wait for a slot here, and how many may wait. */
const LOCAL_ACTIVITY_WAIT_MS = 1000;
const MAX_LOCAL_ACTIVITIES = 256;

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
  /** How long this worker's activities take, from hand-out to complete (moving average; a guess at first). */
  private activityMs = 1000;
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

  /** An activity handed out at `handedOutAt` completed now. */
  recordDuration(handedOutAt: number): void {
    this.activityMs += 0.2 * (Date.now() - handedOutAt - this.activityMs);
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

  /**
   * How many activities may wait here for a slot: as many as this worker expects to start within
   * LOCAL_ACTIVITY_WAIT_MS, judging by how long its activities take (a few slow ones, or up to
   * MAX_LOCAL_ACTIVITIES trivial ones). Activities waiting here are invisible to other workers.
   */
  activityRoom(): number {
    if (this.activitySlots === 0) return 0;
    return Math.min(
      MAX_LOCAL_ACTIVITIES,
      Math.max(1, Math.floor((this.activitySlots * LOCAL_ACTIVITY_WAIT_MS) / Math.max(1, this.activityMs))),
    );
  }

  /** How many of `wanted` activities this worker keeps for itself (see `localActivityDispatch`). */
  reserveLocalActivities(wanted: number): number {
    if (!this.s.localActivityDispatch || !this.running) return 0;
    const n = Math.max(
      0,
      Math.min(
        wanted,
        this.activityRoom() - this.localActivities.length - this.prefetched() - this.localActivitiesSending,
      ),
    );
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
