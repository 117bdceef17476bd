/**
 * A batch of control messages received for one instance, turned into a work item by core's delivery rulebook
 * (`decideDelivery`): this file does the reads the rules ask for and the queue operations their decision
 * calls for, in the order DT.AS's session manager does them. Quarantines of spent messages come first,
 * before anything is read; the history (or the extended-session cache) is read only when something is left;
 * the Instances row only for a top-level start, with a few short re-reads because the client writes it just
 * after sending the start; redeliveries of consumed messages are deleted (after repairing the row when they
 * are all there is); deferred messages are given back with DTF's abandon back-off.
 */
import { logEvent } from "@taskhub/core";
import {
  decideDelivery,
  sleep,
  type Deferral,
  type Delivery,
  type DeliveryDecision,
  type DeliveryPolicy,
  type HistoryEvent,
  type Ruling,
  type StoredInstanceState,
  type StoredRecord,
} from "@taskhub/core";
import { HubPart, type HubContext } from "./hub-context.js";
import { asDelivery, type ReceivedMessage } from "./messaging/queue-messages.js";
import { lockEnd, type TaskHubQueue } from "./messaging/task-hub-queue.js";
import type { AzureOrchestrationWorkItem, Session } from "./orchestration-work-item.js";
import type { InstancesTable } from "./tracking/instances-table.js";

type ReceivedDelivery = Delivery<ReceivedMessage>;

/** What the delivery needs of the session manager. */
export interface DeliveryParts {
  queues: TaskHubQueue;
  instances: InstancesTable;
  /** The instance's session from the cache (when it fits `expectedExecutionId`) or from the History table. */
  loadSession(instanceId: string, expectedExecutionId?: string): Promise<Session>;
  /** Forget the cached session; true when there was one. */
  forgetSession(instanceId: string): boolean;
  /** Why this process last gave the message back, if it did. */
  lastError(messageId: string): string | undefined;
  /** Message ids deleted after their step committed (pruned from the sentinel later). */
  rememberDeleted(instanceId: string, ids: string[]): void;
  /** The checkpoint's terminal-state repair. */
  repairInstanceRow(instanceId: string, pastEvents: readonly HistoryEvent[]): Promise<void>;
}

export class OrchestrationDelivery extends HubPart {
  constructor(
    ctx: HubContext,
    private readonly parts: DeliveryParts,
  ) {
    super(ctx);
  }

  /** The work item for the messages the rules let run now; undefined when none are left. */
  async buildWorkItem(
    instanceId: string,
    received: ReceivedMessage[],
    lock: number,
  ): Promise<AzureOrchestrationWorkItem | undefined> {
    const deliveries = received.map((m) => asDelivery(m, this.parts.lastError(m.messageId)));
    const policy: DeliveryPolicy = {
      maxDequeueCount: this.s.maxDequeueCount,
      // A message may wait for one that a dead worker holds for up to a visibility timeout.
      minAgeBeforeQuarantineMs: 2 * this.s.controlQueueVisibilityTimeoutMs,
      now: Date.now(),
    };
    const applied = new Set<ReceivedDelivery>();
    let state: StoredInstanceState = {};
    let session: Session | undefined;
    let decision = decideDelivery(instanceId, state, deliveries, policy);
    await this.apply(instanceId, decision, applied, session);
    if (decision.needs === "history") {
      const pending = decision.pending ?? [];
      const startPending = pending.some((d) => d.message.event.type === "ExecutionStarted");
      session = await this.parts.loadSession(
        instanceId,
        startPending ? undefined : pending[0]?.message.orchestrationInstance.executionId,
      );
      const history = {
        executionId: session.executionId,
        events: session.events,
        consumedMessageIds: session.consumed,
      };
      state = { ...state, history };
      decision = decideDelivery(instanceId, state, deliveries, policy);
      await this.apply(instanceId, decision, applied, session);
    }
    if (decision.needs === "instanceRecord") {
      const start = decision.pending!.find((d) => d.message.event.type === "ExecutionStarted")!;
      state = { ...state, record: await this.readRecord(instanceId, start) };
      decision = decideDelivery(instanceId, state, deliveries, policy);
      await this.apply(instanceId, decision, applied, session);
    }
    if (!session) return undefined;
    if (
      decision.defer.some((r) => r.rule === "resultBeforeScheduled") &&
      this.parts.forgetSession(instanceId)
    )
      // A stale cache may be why a result came before its scheduling event: re-read, for this step and the next.
      session = await this.parts.loadSession(instanceId);
    if (decision.run.length === 0) return undefined;

    const msgs = decision.run.map((d) => d.source);
    const timeout = this.s.controlQueueVisibilityTimeoutMs;
    let lockedUntil = lockEnd(msgs, timeout);
    // Waited in the buffer (behind the instance's previous step, or for a free slot) for most of the time the
    // receive locked them: lock them again before the step starts, as activities that waited for a slot are.
    if (lockedUntil.getTime() - Date.now() < timeout / 2)
      lockedUntil = await this.parts.queues.renewMessages(msgs, timeout).catch((err: unknown) => {
        for (const m of msgs) this.messageOpFailed("renew", m)(err);
        return lockEnd(msgs, timeout);
      });
    return {
      instanceId,
      pastEvents: session.events,
      newMessages: msgs.map((m) => m.taskMessage),
      dequeueCount: Math.max(...msgs.map((m) => m.dequeueCount)) - 1,
      previousStepSettled: session.cached === true,
      lockedUntil,
      messages: msgs,
      etag: session.etag,
      executionId: session.executionId,
      partition: this.partitionOf(instanceId),
      consumed: session.consumed,
      lock,
    };
  }

  /**
   * The Instances row for a top-level start. The client writes it just after sending the start, so a worker
   * that polls briskly can see the message first: look again a few times over ~350 ms before the rules fall
   * back to the abandon back-off (2 s and up), which would add seconds to the instance's latency.
   */
  private async readRecord(instanceId: string, start: ReceivedDelivery): Promise<StoredRecord | null> {
    let row = await this.parts.instances.get(instanceId);
    for (let wait = 50; !row && start.dequeueCount === 1 && wait <= 200 && this.running; wait *= 2) {
      await sleep(wait);
      row = await this.parts.instances.get(instanceId);
    }
    return row ? { executionId: row.record.executionId, runtimeStatus: row.record.runtimeStatus } : null;
  }

  /** The queue operations of the decision's rulings not applied yet. */
  private async apply(
    instanceId: string,
    decision: DeliveryDecision<ReceivedDelivery>,
    applied: Set<ReceivedDelivery>,
    session: Session | undefined,
  ): Promise<void> {
    const fresh = <R extends Ruling<ReceivedDelivery>>(rs: readonly R[]): R[] => {
      const out = rs.filter((r) => !applied.has(r.delivery));
      for (const r of out) applied.add(r.delivery);
      return out;
    };
    for (const r of fresh(decision.quarantine))
      await this.parts.queues.quarantine(r.delivery.source, r.reason);

    const drops = fresh(decision.drop);
    const redelivered = drops.filter((r) => r.rule === "redelivered");
    if (redelivered.length > 0) {
      // If the worker died between the history append and the Instances write of the final step, nothing
      // else will fix the row: repair it from history first (a failure leaves the messages to come back).
      if (decision.repairInstanceRecord) await this.parts.repairInstanceRow(instanceId, session!.events);
      logEvent(
        this.logger,
        "orchestration.redeliveryDropped",
        { instanceId, messages: redelivered.length },
        "messages already checkpointed were delivered again; deleted",
      );
      const deleted = await Promise.all(redelivered.map((r) => this.delete(r.delivery.source)));
      this.parts.rememberDeleted(
        instanceId,
        deleted.filter((d): d is string => d !== undefined),
      );
    }
    for (const r of drops.filter((x) => x.rule !== "redelivered")) {
      logEvent(
        this.logger,
        "orchestration.startDropped",
        { instanceId, reason: r.reason },
        "start message dropped",
      );
      await this.delete(r.delivery.source);
    }

    // Messages deferred together share the back-off of the most delivered one.
    const groups = new Map<string, Deferral<ReceivedDelivery>[]>();
    for (const r of fresh(decision.defer)) {
      const key = `${r.rule}/${r.backoffDequeueCount}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    for (const g of groups.values())
      await this.parts.queues.abandonMessages(
        g.map((r) => r.delivery.source),
        g[0]!.backoffDequeueCount,
      );
  }

  private delete(m: ReceivedMessage): Promise<string | undefined> {
    return this.clients
      .queue(m.queueName)
      .deleteMessage(m.messageId, m.popReceipt)
      .then(() => m.messageId)
      .catch(this.messageOpFailed("delete", m));
  }
}
