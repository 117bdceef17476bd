/**
 * One entity step (DTF's `TaskEntityDispatcher`): fold the batch's messages into the entity's scheduler
 * state (requests through the message sorter, releases, continues), run the operations that may run now,
 * send responses, signals, forwarded lock requests and orchestration starts, and replace the entity's
 * history with a fresh execution `[OrchestratorStarted, ExecutionStarted(input = scheduler state),
 * OrchestratorCompleted]` whose custom status is the entity status. A batch is one checkpoint.
 *
 * The first message to an entity with no history starts it (DTF's auto-start). Messages that are not
 * entity messages are discarded with a reason; a malformed request too (it cannot be answered).
 * An entity nobody registered throws `EntityNotRegistered`: the work item is retried with back-off and
 * eventually quarantined with its reason, so nothing is lost while a deployment catches up.
 */
import type { TaskMessage } from "../backend/task-message.js";
import type { OrchestrationCommit, OrchestrationWorkItem } from "../backend/service.js";
import { TaskHubError } from "../errors/errors.js";
import type { HistoryEvent, OrchestrationInstance } from "../history/events.js";
import { newEvent } from "../history/factories.js";
import { dateTimeToTicks, parseDtfDateTime, ticksToMs } from "../history/time.js";
import { OrchestrationRuntimeState } from "../state/runtime-state.js";
import { entityInstanceIdString, parseEntityInstanceId } from "./entity-id.js";
import { executeOperationBatch, type EntityImplementation } from "./entity-context.js";
import { DEFAULT_REORDER_WINDOW_MS } from "./message-sorter.js";
import {
  CONTINUE_EVENT,
  LOCK_GRANTED_RESULT,
  RELEASE_EVENT,
  REQUEST_EVENT,
  isRequestEvent,
  parseRelease,
  parseRequest,
  scheduledRequestEventName,
  serializeRequest,
  serializeResponse,
  type EntityRequestMessage,
} from "./messages.js";
import { deriveSpanId } from "../tracing/derived-span-id.js";
import {
  operationSpanContext,
  receivedSignalSpanId,
  spanTraceContext,
  type EntityBatchTrace,
  type EntityOperationTrace,
  type EntityRequestSentTrace,
  type EntitySignalReceivedTrace,
} from "../tracing/entity-spans.js";
import { parentSpanContextOf } from "../tracing/trace-parent.js";
import { EntityOutput, type EntityOutputOptions } from "./entity-output.js";
import { SchedulerState, serializeEntityStatus } from "./scheduler-state.js";

/** The step's clock, ids and limits (`EntityOutputOptions`), and: */
export interface EntityExecuteOptions extends EntityOutputOptions {
  resolveEntity(name: string): EntityImplementation | undefined;
  /** Operations per batch (DTF's MaxEntityOperationBatchSize; default 5000). */
  maxBatchSize?: number;
  onDiscard?(message: TaskMessage, reason: string): void;
}

/** How long ids of received requests are kept when the backend cannot vouch that their messages are gone. */
const PROCESSED_RECORD_MS = 60 * 60_000;

/** How many of each sender's latest request ids an entity remembers (see SchedulerState.recent). */
const RECENT_IDS_PER_SENDER = 256;

/**
 * A request from an orchestration (or entity) that this entity already took: the sender's step ran again after
 * a crash and sent it again with the same id. Otherwise the id is remembered as the sender's latest.
 */
function isRepeatFromSender(scheduler: SchedulerState, r: EntityRequestMessage, now: Date): boolean {
  if (r.parent === undefined) return false;
  const key = r.parent.toLowerCase();
  const entry = scheduler.recent.get(key) ?? { at: now.toISOString(), ids: [] };
  if (entry.ids.includes(r.id)) return true;
  entry.ids.push(r.id);
  if (entry.ids.length > RECENT_IDS_PER_SENDER) entry.ids.splice(0, entry.ids.length - RECENT_IDS_PER_SENDER);
  entry.at = now.toISOString();
  scheduler.recent.delete(key); // re-insert: the newest sender last
  scheduler.recent.set(key, entry);
  return false;
}

export async function executeEntityWorkItem(
  wi: OrchestrationWorkItem & { previousStepSettled?: boolean },
  opts: EntityExecuteOptions,
): Promise<(OrchestrationCommit & { entityTrace?: EntityBatchTrace | undefined }) | undefined> {
  const discard = (m: TaskMessage, reason: string): void => opts.onDiscard?.(m, reason);
  const self = parseEntityInstanceId(wi.instanceId);
  const instanceId = wi.instanceId;
  const runtime = new OrchestrationRuntimeState([...wi.pastEvents]);
  const start = runtime.startEvent;
  const scheduler = SchedulerState.parse(start?.input);
  const window = opts.reorderWindowMs ?? DEFAULT_REORDER_WINDOW_MS;
  const nowTicks = dateTimeToTicks(opts.now);
  const nowMs = opts.now.getTime();

  // Requests whose queue messages may come back (see SchedulerState.processed).
  const seen = new Set<string>();
  // A settled previous step (this worker wrote it and saw its messages deleted) vouches for its own record
  // only, the one written with this execution's start time. Older records may be a dead worker's step whose
  // messages were never deleted and are still to come back: they stay until they age out.
  const settledAt = wi.previousStepSettled && start ? parseDtfDateTime(start.timestamp).getTime() : undefined;
  const keep = scheduler.processed.filter(
    (p) => nowMs - Date.parse(p.at) < PROCESSED_RECORD_MS && Date.parse(p.at) !== settledAt,
  );
  for (const p of keep) for (const id of p.ids) seen.add(id);
  for (const q of scheduler.queue) seen.add(q.id);
  const receivedIds: string[] = [];
  for (const [sender, r] of scheduler.recent)
    if (nowMs - Date.parse(r.at) > window) scheduler.recent.delete(sender);

  /** Signals that asked for their Producer span (`createTrace`): emitted at receipt, as DTF. */
  const received: EntitySignalReceivedTrace[] = [];
  /**
   * A signal that asks for it gets its Producer span now, and continues that span from here on (queued in the
   * scheduler state as DTF queues it): its run's Consumer span is the Producer's child.
   */
  const traceReceipt = (r: EntityRequestMessage): void => {
    if (!r.signal || r.createTrace !== true) return;
    const sender = parentSpanContextOf(r.parentTraceContext);
    if (!sender) return;
    const spanId = receivedSignalSpanId(instanceId, r);
    received.push({ request: { ...r }, spanId, receivedAt: opts.now });
    r.parentTraceContext = spanTraceContext(sender, spanId);
  };
  let relevant = 0;
  const lockHolderMessages: EntityRequestMessage[] = [];
  const toReschedule: EntityRequestMessage[] = [];
  for (const m of wi.newMessages) {
    const e = m.event;
    if (e.type !== "EventRaised") {
      discard(m, `${e.type} is not an entity message`);
      continue;
    }
    if (isRequestEvent(e.name)) {
      let request: EntityRequestMessage;
      try {
        request = parseRequest(e.input ?? "");
      } catch (err) {
        discard(m, (err as Error).message);
        continue;
      }
      // An orchestration's request carries its span in the event (as DTF); kept with the request while queued.
      if (!request.parentTraceContext?.traceParent && e.parentTraceContext?.traceParent)
        request.parentTraceContext = {
          traceParent: e.parentTraceContext.traceParent,
          ...(e.parentTraceContext.traceState ? { traceState: e.parentTraceContext.traceState } : {}),
        };
      let deliverNow: EntityRequestMessage[];
      if (request.due !== undefined) {
        if (seen.has(request.id)) {
          discard(m, `duplicate request ${request.id}`);
          continue;
        }
        seen.add(request.id);
        receivedIds.push(request.id);
        relevant++;
        // Delivered early (the queue caps delays): send it to ourselves again. No FIFO for scheduled signals.
        deliverNow =
          dateTimeToTicks(request.due) - nowTicks > 100n * 10_000n
            ? (toReschedule.push(request), [])
            : [request];
      } else {
        // The sorter sees every request from an orchestration, repeats included: a step that ran again sends
        // its requests again with later timestamps, and the sender's next requests name those as predecessors.
        // Repeats are dropped below, once the sorter has delivered them.
        if (request.parent !== undefined && (request.pos ?? 0) === 0) relevant++;
        deliverNow = scheduler.sorter.receiveInOrder(request, window);
      }
      for (const r of deliverNow) {
        if (r.due === undefined) {
          if (seen.has(r.id) || isRepeatFromSender(scheduler, r, opts.now)) {
            if (r === request) discard(m, `duplicate request ${r.id}`);
            continue;
          }
          seen.add(r.id);
          receivedIds.push(r.id);
          if (r === request && !(r.parent !== undefined && (r.pos ?? 0) === 0)) relevant++;
        }
        traceReceipt(r);
        if (scheduler.lockedBy !== undefined && scheduler.lockedBy === r.parent) lockHolderMessages.push(r);
        else scheduler.queue.push(r);
      }
    } else if (e.name === RELEASE_EVENT) {
      relevant++;
      let release;
      try {
        release = parseRelease(e.input ?? "");
      } catch (err) {
        discard(m, (err as Error).message);
        continue;
      }
      if (scheduler.lockedBy === release.parent) scheduler.lockedBy = undefined;
    } else if (e.name === CONTINUE_EVENT) {
      relevant++;
      scheduler.suspended = false;
    } else {
      discard(m, `event '${e.name}' is not an entity message`);
    }
  }
  if (relevant === 0) return undefined;

  // The lock holder's requests go first.
  if (lockHolderMessages.length > 0) scheduler.queue.unshift(...lockHolderMessages);

  const maxBatch = opts.maxBatchSize ?? 5000;
  const operations: EntityRequestMessage[] = [];
  let lockRequest: EntityRequestMessage | undefined;
  let continueLater = false;
  if (!scheduler.suspended) {
    while (scheduler.mayDequeue()) {
      if (operations.length >= maxBatch) {
        scheduler.suspended = true;
        continueLater = true;
        break;
      }
      const r = scheduler.queue.shift()!;
      if (r.lockset) {
        lockRequest = r;
        break;
      }
      operations.push(r);
    }
  }

  // Every batch ends the execution and starts a new one whose input is the scheduler state (as DTF).
  const nextExecutionId = opts.newExecutionId();
  const execution: OrchestrationInstance = { instanceId, executionId: nextExecutionId };
  const out = new EntityOutput(instanceId, opts);
  /** The spans the worker emits once the batch is written. */
  let trace: EntityBatchTrace | undefined;
  const tracedOperations: EntityOperationTrace[] = [];
  const sent: EntityRequestSentTrace[] = [];
  let batchEnd = opts.now;
  if (operations.length > 0) {
    const impl = opts.resolveEntity(self.name);
    if (!impl)
      throw new TaskHubError(
        "EntityNotRegistered",
        `no entity named '${self.name}' is registered with this worker (instance '${instanceId}')`,
      );
    const batch = await executeOperationBatch(
      impl,
      self,
      scheduler.exists ? scheduler.state : undefined,
      operations.map((r) => ({ name: r.op ?? "", input: r.input })),
    );
    batchEnd = new Date();
    batch.results.forEach((res, i) => {
      const r = operations[i]!;
      if (!r.signal && r.parent !== undefined) out.respond(r, res);
      if (operationSpanContext(instanceId, r))
        tracedOperations.push({
          request: r,
          failure: res.failure,
          startTime: res.startTime ?? batchEnd,
          endTime: res.endTime ?? batchEnd,
        });
    });
    scheduler.state = batch.state;
    scheduler.exists = batch.state !== undefined;
    for (const [index, a] of batch.actions.entries()) {
      // What a traced operation sends continues its span through a Producer span of its own (as DTF's
      // dispatcher emits for an entity's signal and start).
      const request = a.operationIndex === undefined ? undefined : operations[a.operationIndex];
      const parent = request && operationSpanContext(instanceId, request);
      const spanId = parent && deriveSpanId(`entity-${a.type}`, instanceId, nextExecutionId, index);
      const tc = parent && spanId ? spanTraceContext(parent, spanId) : undefined;
      if (parent && spanId)
        sent.push({
          kind: a.type,
          parent,
          spanId,
          target: a.type === "signal" ? a.target : a.instanceId,
          operation: a.type === "signal" ? a.operation : undefined,
          requestTime: a.requestTime ?? batchEnd,
          scheduledTime: a.type === "signal" ? a.scheduledTime : undefined,
        });
      if (a.type === "signal") out.signal(scheduler, a.target, a.operation, a.input, a.scheduledTime, tc);
      else
        out.startOrchestration(
          a.instanceId,
          a.name,
          a.input,
          a.version,
          start,
          runtime.executionId ?? nextExecutionId,
          tc,
        );
    }
  }
  if (received.length + tracedOperations.length + sent.length > 0)
    trace = {
      instanceId,
      entityName: self.name,
      received,
      operations: tracedOperations,
      sent,
      endTime: batchEnd,
    };

  if (lockRequest) {
    scheduler.lockedBy = lockRequest.parent;
    const pos = (lockRequest.pos ?? 0) + 1;
    const forwarded = { ...lockRequest, pos };
    if (pos < lockRequest.lockset!.length) {
      const next = entityInstanceIdString(lockRequest.lockset![pos]!);
      scheduler.sorter.labelOutgoing(forwarded, next, nowTicks, window);
      out.send({ instanceId: next }, REQUEST_EVENT, serializeRequest(forwarded));
    } else {
      out.send(
        { instanceId: lockRequest.parent!, executionId: lockRequest.parentExecution },
        lockRequest.id,
        serializeResponse({ result: LOCK_GRANTED_RESULT }),
      );
    }
  }
  for (const r of toReschedule)
    out.send(
      { instanceId },
      scheduledRequestEventName(dateTimeToTicks(r.due!)),
      serializeRequest(r),
      ticksToMs(dateTimeToTicks(r.due!)),
    );
  if (continueLater) out.send({ instanceId }, CONTINUE_EVENT, undefined);

  scheduler.processed =
    receivedIds.length > 0 ? [...keep, { at: opts.now.toISOString(), ids: receivedIds }] : keep;

  const nextStart = newEvent("ExecutionStarted", {
    timestamp: opts.now,
    orchestrationInstance: execution,
    name: instanceId,
    version: "",
    input: scheduler.serialize(),
    tags: start?.tags,
    parentInstance: start?.parentInstance,
  });
  const events: HistoryEvent[] = [
    newEvent("OrchestratorStarted", { timestamp: opts.now }),
    nextStart,
    newEvent("OrchestratorCompleted", { timestamp: opts.now }),
  ];
  const customStatus = serializeEntityStatus(scheduler.status);
  const state = new OrchestrationRuntimeState(events).toInstanceRecord({
    customStatus,
    generation: wi.generation ?? 0,
    lastUpdatedAt: opts.now,
  });
  return {
    newEvents: events,
    replacesHistory: true,
    state,
    activityMessages: [],
    orchestratorMessages: out.messages,
    timerMessages: out.delayed,
    ...(trace ? { entityTrace: trace } : {}),
  };
}
