/**
 * `ctx.entities` in orchestrations (DTF's `OrchestrationEntityContext`): call and signal entities, and
 * critical sections. Requests are EventSent/EventRaised pairs: a call sends an `op` request and waits for
 * the EventRaised named by its request id; a lock request goes to the first entity of the sorted lock set,
 * each entity forwards it to the next, the last one answers. Everything is derived from the history
 * (deterministic GUIDs, the episode's time), so it replays.
 *
 * DTF's locking rules: no nested critical sections; inside one, call only locked entities (one call at a
 * time each, after the lock was granted), never signal a locked entity, no sub-orchestrations. Locks are
 * released by `release()` or when the orchestration completes. A violation throws `LockingRulesViolation`.
 */
import { EntityOperationFailedError, InvalidArgumentError, TaskHubError } from "../errors/errors.js";
import { parsePayload, serializePayload } from "../replay/payload.js";
import { DrivenTask, type DurableTask } from "../replay/tasks.js";
import { compareEntityIds, entityInstanceIdString, toEntityId, type EntityInstanceId } from "./entity-id.js";
import { DEFAULT_REORDER_WINDOW_MS, MessageSorter } from "./message-sorter.js";
import {
  RELEASE_EVENT,
  REQUEST_EVENT,
  formatRequestTime,
  parseResponse,
  scheduledRequestEventName,
  serializeRelease,
  serializeRequest,
  type EntityRequestMessage,
} from "./messages.js";
import { dateTimeToTicks } from "../history/time.js";

export interface LockHandle {
  /** End the critical section (idempotent). */
  release(): void;
}

export interface CriticalSectionInfo {
  inSection: boolean;
  lockedEntities?: EntityInstanceId[];
}

export interface OrchestrationEntityFeature {
  /** Call an operation; the task completes with its result or fails with `EntityOperationFailed`. */
  callEntity<T = any>(id: EntityInstanceId | string, operationName: string, input?: unknown): DurableTask<T>;
  /** Signal an operation (fire and forget), optionally not before `scheduledTime`. */
  signalEntity(
    id: EntityInstanceId | string,
    operationName: string,
    input?: unknown,
    options?: { scheduledTime?: Date },
  ): void;
  /** Lock the entities (in sorted order, no duplicates); the task completes when all are held. */
  lockEntities(...ids: (EntityInstanceId | string)[]): DurableTask<LockHandle>;
  isInCriticalSection(): CriticalSectionInfo;
}

/** What the feature needs from the orchestration context. */
export interface EntityFeatureHost {
  readonly instanceId: string;
  readonly executionId: string;
  readonly currentUtcDateTime: Date;
  /** The episode's time in ticks (full precision of the OrchestratorStarted timestamp). */
  nowTicks(): bigint;
  /** The id of the request the next send carries (deterministic across re-runs of a step). */
  newRequestId(): string;
  /** Record an EventSent whose input is already serialized. */
  sendRawEvent(instanceId: string, eventName: string, input: string | undefined): void;
  waitForExternalEvent<T = any>(name: string): DurableTask<T>;
}

const SIX_DAYS_MS = 6 * 24 * 3600_000;

export class OrchestrationEntities implements OrchestrationEntityFeature {
  private readonly sorter = new MessageSorter();
  private lockAcquisitionPending = false;
  private criticalSectionId: string | undefined;
  private criticalSectionLocks: EntityInstanceId[] | undefined;
  private availableLocks: Set<string> | undefined;

  constructor(
    private readonly host: EntityFeatureHost,
    private readonly reorderWindowMs = DEFAULT_REORDER_WINDOW_MS,
  ) {}

  get isInsideCriticalSection(): boolean {
    return this.criticalSectionId !== undefined;
  }

  isInCriticalSection(): CriticalSectionInfo {
    return this.criticalSectionLocks
      ? { inSection: true, lockedEntities: this.criticalSectionLocks.map((e) => ({ ...e })) }
      : { inSection: false };
  }

  callEntity<T = any>(id: EntityInstanceId | string, operationName: string, input?: unknown): DurableTask<T> {
    const target = entityInstanceIdString(toEntityId(id));
    requireOperation(operationName);
    const serialized = serializePayload(input, `input of operation '${operationName}'`);
    this.validateOperation(target, false);
    const requestId = this.host.newRequestId();
    this.sendRequest(target, {
      op: operationName,
      input: serialized,
      id: requestId,
      parent: this.host.instanceId,
      parentExecution: this.host.executionId,
      timestamp: 0n,
      predecessor: 0n,
      ...this.traceRequest(),
    });
    const response = this.host.waitForExternalEvent(requestId);
    const task = new DrivenTask<T>((inner, self) => {
      if (self.isComplete || inner !== response || !inner.isComplete) return;
      this.recoverLockAfterCall(target);
      if (inner.isFailed) return self.fail(inner.getException()!);
      const r = parseResponse(inner.getResult());
      if (r.exceptionType !== undefined || r.failureDetails !== undefined) {
        const details = r.failureDetails ?? {
          errorType: r.exceptionType ?? "Error",
          errorMessage: r.result ?? "operation failed",
        };
        self.fail(new EntityOperationFailedError(target, operationName, details));
      } else self.complete(parsePayload(r.result) as T);
    });
    task.follow(response);
    return task;
  }

  signalEntity(
    id: EntityInstanceId | string,
    operationName: string,
    input?: unknown,
    options: { scheduledTime?: Date } = {},
  ): void {
    const target = entityInstanceIdString(toEntityId(id));
    requireOperation(operationName);
    const serialized = serializePayload(input, `input of operation '${operationName}'`);
    const scheduled = options.scheduledTime;
    if (scheduled !== undefined && !(scheduled instanceof Date && !Number.isNaN(scheduled.getTime())))
      throw new InvalidArgumentError("scheduledTime must be a valid Date");
    this.validateOperation(target, true);
    const request: EntityRequestMessage = {
      op: operationName,
      signal: true,
      input: serialized,
      id: this.host.newRequestId(),
      parent: this.host.instanceId,
      parentExecution: this.host.executionId,
      timestamp: 0n,
      predecessor: 0n,
      ...this.traceRequest(),
    };
    if (scheduled) {
      request.due = scheduled.toISOString();
      const now = this.host.currentUtcDateTime.getTime();
      const capped = new Date(Math.min(scheduled.getTime(), now + SIX_DAYS_MS));
      this.host.sendRawEvent(
        target,
        scheduledRequestEventName(dateTimeToTicks(capped)),
        serializeRequest(request),
      );
    } else this.sendRequest(target, request);
  }

  lockEntities(...ids: (EntityInstanceId | string)[]): DurableTask<LockHandle> {
    if (this.isInsideCriticalSection)
      throw violation("Must not enter another critical section from within a critical section.");
    const flat = ids.flat() as (EntityInstanceId | string)[];
    if (flat.length === 0) throw new InvalidArgumentError("lockEntities needs at least one entity");
    const sorted = flat.map(toEntityId).sort(compareEntityIds);
    const lockset = sorted.filter((e, i) => i === 0 || compareEntityIds(e, sorted[i - 1]!) !== 0);
    const lockId = this.host.newRequestId();
    this.criticalSectionId = lockId;
    this.criticalSectionLocks = lockset;
    this.lockAcquisitionPending = true;
    this.sendRequest(entityInstanceIdString(lockset[0]!), {
      id: lockId,
      parent: this.host.instanceId,
      parentExecution: this.host.executionId,
      lockset,
      pos: 0,
      timestamp: 0n,
      predecessor: 0n,
    });
    const response = this.host.waitForExternalEvent(lockId);
    const handle: LockHandle = { release: () => this.releaseLocks(lockId) };
    const task = new DrivenTask<LockHandle>((inner, self) => {
      if (self.isComplete || inner !== response || !inner.isComplete) return;
      if (inner.isFailed) return self.fail(inner.getException()!);
      if (this.criticalSectionId === lockId) {
        this.availableLocks = new Set(lockset.map(entityInstanceIdString));
        this.lockAcquisitionPending = false;
      }
      self.complete(handle);
    });
    task.follow(response);
    return task;
  }

  /** Sub-orchestrations may not start while locks are held. */
  validateSubOrchestration(): void {
    if (this.isInsideCriticalSection) throw violation("While holding locks, cannot call suborchestrators.");
  }

  /** Release every held lock (end of the critical section, or the orchestration completes). */
  releaseAll(): void {
    if (this.criticalSectionId) this.releaseLocks(this.criticalSectionId);
  }

  private releaseLocks(sectionId: string): void {
    if (this.criticalSectionId !== sectionId || !this.criticalSectionLocks) return;
    const body = serializeRelease({ parent: this.host.instanceId, id: sectionId });
    for (const e of this.criticalSectionLocks)
      this.host.sendRawEvent(entityInstanceIdString(e), RELEASE_EVENT, body);
    this.criticalSectionId = undefined;
    this.criticalSectionLocks = undefined;
    this.availableLocks = undefined;
    this.lockAcquisitionPending = false;
  }

  /**
   * As DTF's .NET SDK (durabletask-dotnet's orchestration entity context) marks every call and signal (not lock
   * requests): the entity's worker traces it on the orchestration's behalf, from the episode's time (the
   * deterministic clock, so a step that runs again sends the same bytes). The span they continue travels in
   * the EventRaised's trace context; an untraced orchestration's requests therefore get no spans.
   */
  private traceRequest(): Pick<EntityRequestMessage, "createTrace" | "requestTime"> {
    return { createTrace: true, requestTime: formatRequestTime(this.host.nowTicks()) };
  }

  private sendRequest(target: string, request: EntityRequestMessage): void {
    this.sorter.labelOutgoing(request, target, this.host.nowTicks(), this.reorderWindowMs);
    this.host.sendRawEvent(target, REQUEST_EVENT, serializeRequest(request));
  }

  private validateOperation(target: string, oneWay: boolean): void {
    if (!this.isInsideCriticalSection) return;
    const locked = this.criticalSectionLocks!.some((e) => entityInstanceIdString(e) === target);
    if (oneWay) {
      if (locked) throw violation("Must not signal a locked entity from a critical section.");
      return;
    }
    if (this.availableLocks?.delete(target)) return;
    if (this.lockAcquisitionPending)
      throw violation("Must await the completion of the lock request prior to calling any entity.");
    if (locked)
      throw violation(
        "Must not call an entity from a critical section while a prior call to the same entity is still pending.",
      );
    throw violation(
      "Must not call an entity from a critical section if it is not one of the locked entities.",
    );
  }

  private recoverLockAfterCall(target: string): void {
    if (
      this.isInsideCriticalSection &&
      this.criticalSectionLocks!.some((e) => entityInstanceIdString(e) === target)
    )
      this.availableLocks?.add(target);
  }
}

function requireOperation(name: unknown): void {
  if (typeof name !== "string" || name.length === 0)
    throw new InvalidArgumentError("operation name must be a non-empty string");
}

function violation(message: string): TaskHubError {
  return new TaskHubError("LockingRulesViolation", message);
}
