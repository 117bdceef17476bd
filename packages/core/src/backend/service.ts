/**
 * The backend seam: DTF's `IOrchestrationService` / `IOrchestrationServiceClient` in TypeScript form.
 * `TaskHubWorker` and `TaskHubClient` run over any implementation; the in-memory service (core/testing)
 * and the Azure Storage service both pass the conformance suite exported from `@taskhub/core/testing`.
 *
 * Conventions: "no work" is `undefined`, never an error. Errors are `TaskHubError`s with a stable code
 * (`WorkItemLockLost` when a lock expired or moved to another worker, `Storage` for backend failures,
 * `InvalidArgument`, `OrchestrationAlreadyExists`). Optional features are capability interfaces with type
 * guards below, never methods that throw "not supported". Every call but `lockNext*` takes an optional
 * `abortSignal` (`OperationOptions`): once it aborts, the call rejects promptly with an `AbortError`.
 */
import type { OperationOptions } from "../errors/abort.js";
import type { HistoryEvent, OrchestrationRuntimeStatus } from "../history/events.js";
import { InvalidArgumentError } from "../errors/errors.js";
import type { InstanceRecord } from "../state/orchestration-state.js";
import type { DelayedTaskMessage, TaskMessage } from "./task-message.js";

/** A locked batch of messages for one instance, with the instance's committed history. */
export interface OrchestrationWorkItem {
  readonly instanceId: string;
  /** Committed history of the instance's current execution, oldest first (empty for a new instance). */
  readonly pastEvents: readonly HistoryEvent[];
  /** Messages delivered to the instance, in arrival order. May include duplicates and stale messages. */
  readonly newMessages: readonly TaskMessage[];
  /** Custom status from the last checkpoint. */
  readonly customStatus?: string | undefined;
  /** Generation of the instance record (carried through checkpoints). */
  readonly generation?: number | undefined;
  /** When the lock expires unless renewed; undefined when the backend does not expire locks. */
  lockedUntil?: Date | undefined;
  /** How many times these messages were delivered before (0 on first delivery). */
  readonly dequeueCount?: number | undefined;
  /**
   * True when the backend knows that every message consumed by this instance's previous step is gone for
   * good (it completed that step itself, deletes included), so none of them can be delivered again.
   * Entities use it to keep their record of received request ids short.
   */
  readonly previousStepSettled?: boolean | undefined;
}

/**
 * The outcome of one orchestration step. A backend applies it in DTF's order: send `activityMessages`,
 * `orchestratorMessages` and `timerMessages`; append `newEvents` to history (or replace the history with
 * them when `replacesHistory`), guarded so that a concurrent writer makes it fail; write `state`; then
 * delete the work item's messages. Sends may be duplicated by a crash; receivers tolerate that.
 */
export interface OrchestrationCommit {
  newEvents: HistoryEvent[];
  /** The history is replaced by `newEvents` (continue-as-new, a new generation, rewind). */
  replacesHistory: boolean;
  state: InstanceRecord;
  /** TaskScheduled messages for the activity queue. */
  activityMessages: TaskMessage[];
  /** Messages for other instances' control queues (sub-orchestration starts, events, results to parents). */
  orchestratorMessages: TaskMessage[];
  /** TimerFired messages for this instance, delivered no earlier than `fireAt`. */
  timerMessages: DelayedTaskMessage[];
}

export interface ActivityWorkItem {
  /** Backend-unique id of this delivery. */
  readonly id: string;
  /** Its event is a TaskScheduled; `orchestrationInstance` is the orchestration that scheduled it. */
  readonly message: TaskMessage;
  lockedUntil?: Date | undefined;
  readonly dequeueCount?: number | undefined;
}

export interface LockOptions {
  /**
   * Aborted when the worker stops; the call then resolves `undefined` promptly (unlike the other methods'
   * `abortSignal`, which makes them reject with an `AbortError`: a stopping worker is no error).
   */
  abortSignal: AbortSignal;
  /**
   * How many work items the caller could start now (its free concurrency slots, this one included). A
   * provider may receive up to that many in one storage request and hand out the rest on the next calls.
   */
  capacity?: number;
}

export interface AbandonOptions extends OperationOptions {
  /** Keep the messages invisible this long before redelivery. */
  delayMs?: number;
  reason?: string;
  /**
   * The work item was given back unprocessed on purpose, for another worker to run (versionFailureStrategy
   * Reject): this delivery does not count toward `maxDequeueCount`, so the messages never reach the poison
   * store this way.
   */
  uncounted?: boolean;
}

export interface OrchestrationService {
  /**
   * Longest delay a timer message can have (Azure queues: < 7 days). Longer durable timers are split
   * into chunks no longer than this. Undefined: no limit.
   */
  readonly maxTimerIntervalMs?: number | undefined;
  /** The backend's current time (virtual in tests); the system clock when absent. */
  now?(): Date;

  /** Create queues/tables/containers if missing. Idempotent. */
  createIfNotExists(): Promise<void>;
  /** Start background work (partition ownership, polling). Idempotent. */
  start(): Promise<void>;
  /** Stop background work, release ownership. In-flight work items may still be completed or abandoned. */
  stop(): Promise<void>;

  /**
   * Wait (until work arrives, a backend-chosen poll interval passes, or `signal` aborts) for a batch of
   * messages for one instance that no other worker holds, and lock it. `undefined` when there is none.
   */
  lockNextOrchestrationWorkItem(options: LockOptions): Promise<OrchestrationWorkItem | undefined>;
  /** Extend the lock. Throws `WorkItemLockLost` if it is no longer held. */
  renewOrchestrationWorkItemLock(workItem: OrchestrationWorkItem, options?: OperationOptions): Promise<void>;
  /**
   * Commit the step (see `OrchestrationCommit`) and release the lock. Throws `WorkItemLockLost` when the
   * instance was checkpointed by someone else meanwhile; nothing of the history is then written.
   * `undefined`: every message was dropped (stale, duplicate, no such instance); just delete them.
   * When it throws, the caller abandons the work item; a backend may keep the instance locked until then.
   * An abort before the checkpoint's first write rejects with nothing written; once it has started writing,
   * the checkpoint runs to its end (a half-written checkpoint would be repaired, but costs a redelivery).
   */
  completeOrchestrationWorkItem(
    workItem: OrchestrationWorkItem,
    commit: OrchestrationCommit | undefined,
    options?: OperationOptions,
  ): Promise<void>;
  /** Give the messages back for redelivery (after `delayMs`) and release the lock. */
  abandonOrchestrationWorkItem(workItem: OrchestrationWorkItem, options?: AbandonOptions): Promise<void>;

  lockNextActivityWorkItem(options: LockOptions): Promise<ActivityWorkItem | undefined>;
  renewActivityWorkItemLock(workItem: ActivityWorkItem, options?: OperationOptions): Promise<void>;
  /** Send `response` (TaskCompleted/TaskFailed) to the orchestration, then delete the work item. */
  completeActivityWorkItem(
    workItem: ActivityWorkItem,
    response: TaskMessage,
    options?: OperationOptions,
  ): Promise<void>;
  abandonActivityWorkItem(workItem: ActivityWorkItem, options?: AbandonOptions): Promise<void>;
}

export interface CreateInstanceOptions extends OperationOptions {
  /**
   * If an instance with this id exists in one of these statuses, nothing is created and
   * `OrchestrationAlreadyExists` is thrown. Otherwise an existing instance is replaced by a new generation.
   */
  dedupeStatuses?: readonly OrchestrationRuntimeStatus[];
}

export interface OrchestrationServiceClient {
  /**
   * Create an instance from its ExecutionStarted message (scheduled start: `event.scheduledStartTime`).
   * Records it as Pending. Throws `OrchestrationAlreadyExists` per `dedupeStatuses`.
   */
  createTaskOrchestration(startMessage: TaskMessage, options?: CreateInstanceOptions): Promise<void>;
  /** Deliver a message (EventRaised, ExecutionTerminated, ExecutionSuspended/Resumed, ExecutionRewound). */
  sendTaskOrchestrationMessage(message: TaskMessage, options?: OperationOptions): Promise<void>;
  /** The instance record, or undefined when there is no such instance. */
  getOrchestrationState(
    instanceId: string,
    options?: GetInstanceOptions,
  ): Promise<InstanceRecord | undefined>;
  /** The current execution's committed history, oldest first (empty when unknown). */
  getOrchestrationHistory(instanceId: string, options?: OperationOptions): Promise<HistoryEvent[]>;
}

export interface GetInstanceOptions extends OperationOptions {
  /** Include serialized input/output/custom status (default true). */
  fetchPayloads?: boolean | undefined;
}

/**
 * Which instances a listing or a count takes: every condition given must hold (backend/instance-filter.ts has
 * the rules, `matchesInstanceFilter` the meaning, `validateInstanceFilter` the checks). Times are inclusive.
 */
export interface InstanceFilter {
  createdFrom?: Date;
  createdTo?: Date;
  /** Last updated (`lastUpdatedAt`, the Instances table's `LastUpdatedTime`) at or after this time. */
  lastUpdatedFrom?: Date;
  lastUpdatedTo?: Date;
  /** Any of these statuses. */
  statuses?: readonly OrchestrationRuntimeStatus[];
  /** Any of these orchestration names, exactly (case included). */
  names?: readonly string[];
  instanceIdPrefix?: string;
  /**
   * The custom status, as its JSON text (a string status with its quotes), contains this text, ignoring case.
   * Instances without a custom status never match.
   */
  customStatusContains?: string;
  /** Leave out entities (instance ids starting with '@'); `TaskHubClient` sets it. */
  excludeEntities?: boolean;
}

/**
 * A listing: the filter, and how pages are cut. A page holds at most `maxPageSize` instances, and may hold
 * fewer (even none) while a continuation token says there is more: a backend that filters some conditions
 * itself (Azure Storage: `customStatusContains`) ends a page after reading a bounded number of rows.
 */
export interface InstanceQuery extends InstanceFilter {
  /** At most this many instances per page (1 to 1000, default 100); a page may hold fewer. */
  maxPageSize?: number;
  /** @deprecated The former name of `maxPageSize` (still honoured when `maxPageSize` is not given). */
  pageSize?: number;
  /** Include serialized input/output/custom status (default true). */
  fetchPayloads?: boolean;
}

/** The page size of a query: `maxPageSize`, else the former `pageSize`, else 100; `InvalidArgument` outside 1..1000. */
export function maxPageSizeOf(query: {
  maxPageSize?: number | undefined;
  pageSize?: number | undefined;
}): number {
  const n = query.maxPageSize ?? query.pageSize ?? 100;
  if (!(Number.isInteger(n) && n >= 1 && n <= 1000))
    throw new InvalidArgumentError(`maxPageSize must be an integer from 1 to 1000, got ${String(n)}`);
  return n;
}

export interface Page<T> {
  items: T[];
  /** Opaque; undefined on the last page. */
  continuationToken: string | undefined;
}

export interface InstanceQueryCapability {
  queryInstances(
    query: InstanceQuery,
    continuationToken?: string,
    options?: OperationOptions,
  ): Promise<Page<InstanceRecord>>;
}

/** How many instances match a filter, in all and per runtime status (every status present, 0 when none). */
export interface InstanceCounts {
  total: number;
  byStatus: Record<OrchestrationRuntimeStatus, number>;
}

/** Counting without reading whole rows (Azure Storage reads only the columns the filter needs). */
export interface InstanceCountCapability {
  countInstancesByStatus(filter: InstanceFilter, options?: OperationOptions): Promise<InstanceCounts>;
}

export function supportsInstanceCounts(
  c: OrchestrationServiceClient,
): c is OrchestrationServiceClient & InstanceCountCapability {
  return typeof (c as Partial<InstanceCountCapability>).countInstancesByStatus === "function";
}

export interface PurgeFilter {
  createdFrom?: Date;
  createdTo?: Date;
  /** Only terminal statuses are purged; default: all terminal statuses. */
  statuses?: readonly OrchestrationRuntimeStatus[];
}

export interface PurgeResult {
  deletedInstanceCount: number;
}

export interface PurgeCapability {
  /** Delete an instance's record, history and payloads. 0 when it does not exist. */
  purgeInstance(instanceId: string, options?: OperationOptions): Promise<PurgeResult>;
  /** Delete every terminal instance matching the filter. */
  purgeInstances(filter: PurgeFilter, options?: OperationOptions): Promise<PurgeResult>;
}

/**
 * A backend whose stored format has its own rewind (DTF's Azure Storage provider rewrites the failed history
 * rows and wakes the instance with a GenericEvent). Without it, `TaskHubClient.rewindOrchestration` sends an
 * ExecutionRewound message and the worker rewrites the history in its next step.
 */
export interface RewindCapability {
  /** Rewind a Failed instance: after this, it reads Pending until a worker has run the failed work again. */
  rewindTaskOrchestration(instanceId: string, reason?: string, options?: OperationOptions): Promise<void>;
}

export function supportsRewind(
  c: OrchestrationServiceClient,
): c is OrchestrationServiceClient & RewindCapability {
  return typeof (c as Partial<RewindCapability>).rewindTaskOrchestration === "function";
}

export function supportsQuery(
  c: OrchestrationServiceClient,
): c is OrchestrationServiceClient & InstanceQueryCapability {
  return typeof (c as Partial<InstanceQueryCapability>).queryInstances === "function";
}

export function supportsPurge(
  c: OrchestrationServiceClient,
): c is OrchestrationServiceClient & PurgeCapability {
  return (
    typeof (c as Partial<PurgeCapability>).purgeInstance === "function" &&
    typeof (c as Partial<PurgeCapability>).purgeInstances === "function"
  );
}

/**
 * A message the backend moved to its poison store: it was delivered `maxDequeueCount` times without being
 * processed, or can never be (malformed, for an instance that never came to exist). Nothing is dropped
 * silently: it stays here, with why, until it is replayed.
 */
export interface QuarantinedMessage {
  /** The queue it came from, and goes back to on replay. */
  queueName: string;
  /** Its id there; with `queueName`, what `replayPoisonMessage` takes. */
  messageId: string;
  /** The message as it was on the queue (the backend's encoding). */
  body: string;
  reason: string;
  /** Deliveries it had. */
  dequeueCount: number;
  insertedOn: Date | undefined;
  quarantinedAt: Date;
  /** When the body could be read. */
  instanceId: string | undefined;
  eventType: string | undefined;
}

export interface PoisonStoreCapability {
  /** Every quarantined message, with its reason. Reading creates nothing. */
  listPoisonMessages(): Promise<QuarantinedMessage[]>;
  /** Put one back on its queue with a fresh dequeue count; false when there is no such message. */
  replayPoisonMessage(queueName: string, messageId: string): Promise<boolean>;
}

export function supportsPoisonStore<T extends object>(c: T): c is T & PoisonStoreCapability {
  return (
    typeof (c as Partial<PoisonStoreCapability>).listPoisonMessages === "function" &&
    typeof (c as Partial<PoisonStoreCapability>).replayPoisonMessage === "function"
  );
}
