/**
 * The delivery rulebook: what a backend does with the messages it received for one orchestration instance
 * before a step sees them. Each message is run now, deferred (given back, to come again after a back-off),
 * dropped (deleted: it can never apply) or quarantined (moved to the poison store), each with its reason.
 * Pure: the backend reads what the rules ask for and applies the decision with its own I/O, so every backend
 * follows the same rules and no backend reads more than they need. The rules, in the order they apply:
 *
 * 1. **poison**: a message already delivered `maxDequeueCount` times without being processed (and at least
 *    `minAgeBeforeQuarantineMs` old) is quarantined. Nothing else is read when nothing is left.
 * 2. **redelivered**: a message a committed step already consumed (its id is among the history's consumed
 *    ids) is dropped. When every message is one, the backend first repairs the instance record from history
 *    (the worker may have died between the history append and the record write of a final step).
 * 3. **start dedupe** (each top-level ExecutionStarted; needs the instance record): without a record a start is
 *    deferred (the client writes the record just after sending it), and quarantined once its deliveries are
 *    spent; a record of another execution drops it; a record that ended before this execution started
 *    (terminate before start) drops it.
 * 4. **unknown instance**: messages for an instance with no history and no start with them (not an entity)
 *    are deferred (the start may be on its way), and quarantined once their deliveries are spent; never
 *    dropped.
 * 5. **result before its scheduling event**: a result for the current execution whose TaskScheduled,
 *    TimerCreated or SubOrchestrationInstanceCreated is not in history yet (the sender's checkpoint is still in
 *    progress) is deferred.
 *
 * The rest runs. The step itself (orchestration-executor.ts) then discards what history makes moot: duplicate
 * starts and results, messages for another execution, messages for a finished instance.
 *
 * A backend that fetches state lazily calls `decideDelivery` with what it has; a decision with `needs` names
 * what to read next (`history`, then `instanceRecord` only when a top-level start is present); the backend
 * reads it and calls again with the same deliveries. A backend holding everything passes it at once.
 */
import type { TaskMessage } from "../backend/task-message.js";
import { isEntityInstanceId } from "../entities/entity-id.js";
import {
  isTerminalStatus,
  type ExecutionStartedEvent,
  type HistoryEvent,
  type OrchestrationRuntimeStatus,
} from "../history/events.js";

/** One received message, as the rules see it; `source` is the backend's own handle, returned untouched. */
export interface Delivery<S = unknown> {
  readonly source: S;
  readonly message: TaskMessage;
  readonly messageId: string;
  /** Deliveries so far, this one included (1 on the first). */
  readonly dequeueCount: number;
  /** When the message was first enqueued (ms since the epoch): arrival order, and its age for quarantine. */
  readonly insertedAt: number;
  /** Ties in `insertedAt` are ordered by this (a sender's sequence number). */
  readonly sequence?: number | undefined;
  /** Why its last delivery was given back, when the backend knows. */
  readonly lastError?: string | undefined;
}

/** The committed history of the instance, as the backend read it. */
export interface StoredHistory {
  readonly executionId: string | undefined;
  readonly events: readonly HistoryEvent[];
  /** Ids of messages committed steps consumed whose deletion is not certain (DT.AS's sentinel row). */
  readonly consumedMessageIds?: { has(messageId: string): boolean } | undefined;
}

/** The fields of the instance record the rules look at. */
export interface StoredRecord {
  readonly executionId: string | undefined;
  readonly runtimeStatus: OrchestrationRuntimeStatus;
}

/** What the backend has read; `undefined`: not read (yet). `record: null`: read, and there is none. */
export interface StoredInstanceState {
  readonly history?: StoredHistory | undefined;
  readonly record?: StoredRecord | null | undefined;
}

export interface DeliveryPolicy {
  /** Deliveries a message gets before it is quarantined. */
  readonly maxDequeueCount: number;
  /**
   * A message younger than this is not quarantined (default 0). A message may wait for one that a dead
   * worker holds for up to a visibility timeout while its own deliveries add up within seconds.
   */
  readonly minAgeBeforeQuarantineMs?: number;
  /** The current time (ms since the epoch), for the age. */
  readonly now: number;
}

export type DeliveryRule =
  | "poison"
  | "redelivered"
  | "startWithoutRecord"
  | "startOfOtherExecution"
  | "terminatedBeforeStart"
  | "unknownInstance"
  | "resultBeforeScheduled";

export interface Ruling<D> {
  readonly delivery: D;
  readonly rule: DeliveryRule;
  readonly reason: string;
}

export interface Deferral<D> extends Ruling<D> {
  /** The dequeue count the back-off is computed from (the highest of the messages deferred together). */
  readonly backoffDequeueCount: number;
}

export interface DeliveryDecision<D> {
  /** In arrival order: the step's new messages. */
  readonly run: D[];
  readonly defer: Deferral<D>[];
  readonly drop: Ruling<D>[];
  readonly quarantine: Ruling<D>[];
  /** Every message left after the poison rule was already consumed: repair the record from history first. */
  readonly repairInstanceRecord: boolean;
  /** Set when the rules need more state: read it and decide again; `run` is then empty. */
  readonly needs?: "history" | "instanceRecord" | undefined;
  /** With `needs`: the messages still undecided (arrival order). */
  readonly pending?: D[] | undefined;
}

/** Result events that answer something scheduled: they need their scheduling event in history. */
export const RESULT_EVENT_TYPES: ReadonlySet<string> = new Set([
  "TaskCompleted",
  "TaskFailed",
  "SubOrchestrationInstanceCompleted",
  "SubOrchestrationInstanceFailed",
  "TimerFired",
]);

const SCHEDULING_EVENT_TYPES: ReadonlySet<string> = new Set([
  "TaskScheduled",
  "TimerCreated",
  "SubOrchestrationInstanceCreated",
]);

/** Whether `d` has had its chances: at least `deliveries` deliveries, and old enough. */
export function deliveriesSpent(d: Delivery, deliveries: number, policy: DeliveryPolicy): boolean {
  const minAge = policy.minAgeBeforeQuarantineMs ?? 0;
  return d.dequeueCount >= deliveries && (minAge <= 0 || policy.now - d.insertedAt > minAge);
}

/**
 * Rule 1 alone, for a message that needs no instance state (an activity's TaskScheduled): the quarantine
 * ruling when it was already delivered `maxDequeueCount` times without being processed, else undefined.
 */
export function poisonRuling<D extends Delivery>(d: D, policy: DeliveryPolicy): Ruling<D> | undefined {
  if (!deliveriesSpent(d, policy.maxDequeueCount + 1, policy)) return undefined;
  return {
    delivery: d,
    rule: "poison",
    reason: `delivered ${d.dequeueCount - 1} times without being processed${d.lastError ? `; last error: ${d.lastError}` : ""}`,
  };
}

/** Arrival order: enqueue time, then sequence. */
export function inArrivalOrder<D extends Delivery>(deliveries: readonly D[]): D[] {
  return [...deliveries].sort((a, b) => a.insertedAt - b.insertedAt || (a.sequence ?? 0) - (b.sequence ?? 0));
}

function scheduledIdOf(e: HistoryEvent): number | undefined {
  if (e.type === "TimerFired") return e.timerId;
  if ("taskScheduledId" in e) return e.taskScheduledId;
  return undefined;
}

function maxDequeueCount(ds: readonly Delivery[]): number {
  return Math.max(...ds.map((d) => d.dequeueCount));
}

const isStart = (d: Delivery): boolean => d.message.event.type === "ExecutionStarted";

/** Apply the rules to the messages received for `instanceId` (see the file comment). */
export function decideDelivery<D extends Delivery>(
  instanceId: string,
  state: StoredInstanceState,
  deliveries: readonly D[],
  policy: DeliveryPolicy,
): DeliveryDecision<D> {
  const defer: Deferral<D>[] = [];
  const drop: Ruling<D>[] = [];
  const quarantine: Ruling<D>[] = [];
  let repairInstanceRecord = false;
  const settled = (run: D[]): DeliveryDecision<D> => ({ run, defer, drop, quarantine, repairInstanceRecord });
  const needs = (what: "history" | "instanceRecord", pending: D[]): DeliveryDecision<D> => ({
    ...settled([]),
    needs: what,
    pending,
  });
  const deferAll = (ds: D[], rule: DeliveryRule, reason: (d: D) => string): void => {
    if (ds.length === 0) return;
    const backoffDequeueCount = maxDequeueCount(ds);
    for (const d of ds) defer.push({ delivery: d, rule, reason: reason(d), backoffDequeueCount });
  };

  // 1. poison
  let msgs: D[] = [];
  for (const d of inArrivalOrder(deliveries)) {
    const poison = poisonRuling(d, policy);
    if (poison) quarantine.push(poison);
    else msgs.push(d);
  }
  if (msgs.length === 0) return settled([]);
  const history = state.history;
  if (!history) return needs("history", msgs);

  // 2. redelivered: consumed by a committed step; a terminate or an event would otherwise apply twice.
  const consumed = history.consumedMessageIds;
  if (consumed) {
    const done = msgs.filter((d) => consumed.has(d.messageId));
    if (done.length > 0) {
      repairInstanceRecord = done.length === msgs.length;
      for (const d of done)
        drop.push({ delivery: d, rule: "redelivered", reason: "already consumed by a committed step" });
      msgs = msgs.filter((d) => !consumed.has(d.messageId));
      if (msgs.length === 0) return settled([]);
    }
  }

  // 3. start dedupe, for top-level starts, as DTF: the instance record must agree with the start's execution.
  // Every start in the batch is checked: a stale start behind the current one would begin a new generation.
  const starts = msgs.filter((d) => isStart(d) && !(d.message.event as ExecutionStartedEvent).parentInstance);
  if (starts.length > 0) {
    if (state.record === undefined) return needs("instanceRecord", msgs);
    const record = state.record;
    const waiting: D[] = [];
    for (const start of starts) {
      const executionId = start.message.orchestrationInstance.executionId;
      if (!record) {
        // The client died between sending the start and writing the record, or someone put a start on the
        // queue by hand. DTF drops it; it is kept in the poison store instead.
        if (deliveriesSpent(start, policy.maxDequeueCount, policy))
          quarantine.push({
            delivery: start,
            rule: "startWithoutRecord",
            reason: `no Instances row was written for this start of '${instanceId}' in ${start.dequeueCount} deliveries`,
          });
        else waiting.push(start);
      } else if (
        record.executionId &&
        record.executionId.toLowerCase() !== (executionId ?? "").toLowerCase()
      ) {
        drop.push({
          delivery: start,
          rule: "startOfOtherExecution",
          reason: `the Instances row belongs to execution ${record.executionId}`,
        });
      } else if (isTerminalStatus(record.runtimeStatus) && history.executionId !== executionId) {
        drop.push({
          delivery: start,
          rule: "terminatedBeforeStart",
          reason: `instance was ${record.runtimeStatus} before it started`,
        });
      } else continue;
      msgs = msgs.filter((d) => d !== start);
    }
    deferAll(waiting, "startWithoutRecord", () => `no instance record for this start of '${instanceId}' yet`);
    if (msgs.length === 0) return settled([]);
  }

  // 4. unknown instance: the start may still be on its way (a scheduled start, a parent mid-checkpoint), or
  // the instance never existed or was purged. Retry with back-off, then quarantine; never drop (DTF drops).
  if (history.events.length === 0 && !isEntityInstanceId(instanceId) && !msgs.some(isStart)) {
    const spent = msgs.filter((d) => deliveriesSpent(d, policy.maxDequeueCount, policy));
    for (const d of spent)
      quarantine.push({
        delivery: d,
        rule: "unknownInstance",
        reason: `no instance '${instanceId}' to deliver this ${d.message.event.type} to: it has no history and no ExecutionStarted arrived in ${d.dequeueCount} deliveries`,
      });
    deferAll(
      msgs.filter((d) => !spent.includes(d)),
      "unknownInstance",
      () => `no instance '${instanceId}' yet (no history, no ExecutionStarted)`,
    );
    return settled([]);
  }

  // 5. results whose scheduling event is not in history yet: leave them on the queue for a while.
  const scheduled = new Set<number>();
  for (const e of history.events) if (SCHEDULING_EVENT_TYPES.has(e.type)) scheduled.add(e.eventId);
  const early = msgs.filter((d) => {
    const e = d.message.event;
    const target = d.message.orchestrationInstance.executionId;
    if (!RESULT_EVENT_TYPES.has(e.type) || (target && target !== history.executionId)) return false;
    return !scheduled.has(scheduledIdOf(e)!);
  });
  deferAll(
    early,
    "resultBeforeScheduled",
    (d) =>
      `${d.message.event.type} for #${scheduledIdOf(d.message.event)} arrived before its scheduling event`,
  );
  return settled(msgs.filter((d) => !early.includes(d)));
}
