/**
 * `context.df` (v3's `DurableOrchestrationContext`) over core's orchestration context. Every scheduling
 * method builds a lazy v3 task; the adapter schedules it on the core context when it is first yielded.
 * `signalEntity` and `continueAsNew` act at once and return nothing, as in v3.
 *
 * The locking rules are checked where v3 checks them, when the method is called: a critical section
 * starts at `lock()` (not its yield) and ends at `release()`; inside it, `callEntity` only on a locked
 * entity with no call to it in flight, no `signalEntity` to a locked entity, no sub-orchestration, no
 * nested `lock()`. A violation throws `LockingRulesViolationError` with v3's message. Core checks the
 * same rules when a task is scheduled; what it finds there is thrown as that error too.
 */
import {
  DrivenTask,
  type DurableTask,
  type LockHandle,
  type OrchestrationContext as CoreContext,
} from "@taskhub/core";
import { EntityId, toCoreEntityId } from "../entity/entity-id.js";
import { CallHttpTask, toDurableHttpRequest, type CallHttpOptions } from "../http/call-http.js";
import {
  LockingRulesViolationError,
  LockingRulesViolationMessages as Rules,
  underLockingRules,
} from "../errors.js";
import { RetryOptions, toRetryPolicy } from "../retry-options.js";
import { v3DeterministicGuid } from "./new-guid.js";
import {
  AtomicTask,
  DFTask,
  DFTimerTask,
  RetryableCallTask,
  WhenAllTask,
  WhenAnyTask,
  type Task,
  type TimerTask,
} from "./tasks.js";

export interface DurableOrchestrationOptions {
  /** Default delay between polls of a 202 response without Retry-After (ms, default 30 s). */
  httpPollIntervalMs: number;
}

/** A held critical section (v3.5's `DurableLock`). */
export class DurableLock {
  private released = false;
  readonly ownedLocks: ReadonlyArray<EntityId>;
  constructor(
    ownedLocks: EntityId[],
    private readonly handle: LockHandle,
  ) {
    this.ownedLocks = Object.freeze([...ownedLocks]);
  }
  get isReleased(): boolean {
    return this.released;
  }
  release(): void {
    if (this.released) return;
    this.released = true;
    this.handle.release();
  }
  [Symbol.dispose](): void {
    this.release();
  }
}

/** v3.5's `LockState`. */
export class LockState {
  constructor(
    readonly isLocked: boolean,
    readonly ownedLocks: EntityId[],
  ) {}
}

/** v3's view of the critical section: from `lock()` to `release()`. */
interface CriticalSection {
  readonly ownedLocks: EntityId[];
  readonly owned: ReadonlySet<string>;
  /** Locked entities with a call in flight (scheduler ids). */
  readonly inFlight: Set<string>;
}

export class DurableOrchestrationContext {
  private guidCounter = 0;
  private _customStatus: unknown;
  private section: CriticalSection | undefined;

  constructor(
    /** @internal */ readonly core: CoreContext,
    private readonly input: unknown,
    private readonly options: DurableOrchestrationOptions,
  ) {}

  get instanceId(): string {
    return this.core.instanceId;
  }
  get parentInstanceId(): string | undefined {
    return this.core.parent?.instanceId;
  }
  get version(): string | undefined {
    return this.core.version || undefined;
  }
  get isReplaying(): boolean {
    return this.core.isReplaying;
  }
  get currentUtcDateTime(): Date {
    return this.core.currentUtcDateTime;
  }
  get customStatus(): unknown {
    return this._customStatus;
  }

  readonly Task = {
    /** All results in order; fails as soon as one task fails (with its error). */
    all: (tasks: Task[]): Task => new WhenAllTask(tasks),
    /** The first task to complete (the task itself: compare with `===`, read `.result`). */
    any: (tasks: Task[]): Task => new WhenAnyTask(tasks),
  };

  getInput<T = unknown>(): T {
    return this.input as T;
  }

  callActivity(name: string, input?: unknown): Task {
    return activityTask(name, input);
  }

  callActivityWithRetry(name: string, retryOptions: RetryOptions, input?: unknown): Task {
    const retry = toRetryPolicy(retryOptions);
    return new AtomicTask((ctx) => ctx.callActivity(name, input, { retry }), name);
  }

  callSubOrchestrator(name: string, input?: unknown, instanceId?: string, version?: string): Task {
    requireSubName(name);
    this.requireNoSection();
    return subOrchestrationTask(name, input, instanceId, version);
  }

  callSubOrchestratorWithRetry(
    name: string,
    retryOptions: RetryOptions,
    input?: unknown,
    instanceId?: string,
    version?: string,
  ): Task {
    requireSubName(name);
    this.requireNoSection();
    const retry = toRetryPolicy(retryOptions);
    return new AtomicTask((ctx) => callSub(ctx, name, input, subOptions(instanceId, version, retry)), name);
  }

  callHttp(options: CallHttpOptions): Task {
    const request = toDurableHttpRequest(options);
    return new CallHttpTask(request, this.options.httpPollIntervalMs);
  }

  callEntity(entityId: EntityId, operationName: string, operationInput?: unknown): Task {
    const id = toCoreEntityId(entityId);
    const target = EntityId.getSchedulerIdFromEntityId(entityId);
    const section = this.section;
    if (section) {
      if (!section.owned.has(target)) throw new LockingRulesViolationError(Rules.CallUnlockedEntity);
      if (section.inFlight.has(target)) throw new LockingRulesViolationError(Rules.ParallelSameEntity);
      section.inFlight.add(target);
    }
    return new AtomicTask((ctx) => {
      let call: DurableTask<unknown>;
      try {
        call = underLockingRules(() => ctx.entities.callEntity(id, operationName, operationInput));
      } catch (err) {
        this.section?.inFlight.delete(target);
        throw err;
      }
      // As in v3, a settled call frees its entity for the next call in the current critical section.
      const settled = new DrivenTask<unknown>((inner, self) => {
        if (self.isComplete) return;
        this.section?.inFlight.delete(target);
        if (inner.isFailed) self.fail(inner.getException()!);
        else self.complete(inner.getResult());
      });
      settled.follow(call);
      return settled;
    });
  }

  /** Fire and forget; do not yield it. */
  signalEntity(entityId: EntityId, operationName: string, operationInput?: unknown): void {
    const id = toCoreEntityId(entityId);
    if (this.section?.owned.has(EntityId.getSchedulerIdFromEntityId(entityId)))
      throw new LockingRulesViolationError(Rules.SignalLockedEntity);
    underLockingRules(
      () => this.core.entities.signalEntity(id, operationName, operationInput),
      Rules.SignalLockedEntity,
    );
  }

  /** Lock the entities (sorted, de-duplicated); the task's result is a `DurableLock`. */
  lock(...entities: (EntityId | EntityId[])[]): Task {
    const list = (entities.length === 1 && Array.isArray(entities[0]) ? entities[0] : entities) as EntityId[];
    if (list.length === 0) throw new RangeError("lock requires at least one EntityId");
    for (const e of list) if (!(e instanceof EntityId)) throw new TypeError("lock expected EntityId[]");
    if (this.section) throw new LockingRulesViolationError(Rules.NestedSection);
    const byId = new Map<string, EntityId>();
    for (const e of list)
      if (!byId.has(EntityId.getSchedulerIdFromEntityId(e)))
        byId.set(EntityId.getSchedulerIdFromEntityId(e), e);
    const sorted = [...byId.keys()].sort().map((k) => byId.get(k)!);
    // v3's lock() draws its lock request id from newGuid; keep later newGuid() values in step with v3.
    this.guidCounter++;
    const section: CriticalSection = { ownedLocks: sorted, owned: new Set(byId.keys()), inFlight: new Set() };
    this.section = section;
    return new AtomicTask((ctx) => {
      const held = new DrivenTask<unknown>((inner, self) => {
        if (self.isComplete) return;
        if (inner.isFailed) return self.fail(inner.getException()!);
        const core = inner.getResult() as LockHandle;
        const handle: LockHandle = {
          release: () => {
            core.release();
            if (this.section === section) this.section = undefined;
          },
        };
        self.complete(new DurableLock(sorted, handle));
      });
      held.follow(
        underLockingRules(
          () => ctx.entities.lockEntities(...sorted.map(toCoreEntityId)),
          Rules.NestedSection,
        ),
      );
      return held;
    });
  }

  /** Whether a critical section is open (from `lock()` to `release()`, as in v3) and its entities. */
  isLocked(): LockState {
    const s = this.section;
    return s ? new LockState(true, [...s.ownedLocks]) : new LockState(false, []);
  }

  /** Ends this execution at the next yield and restarts the instance with `input`. Do not yield it. */
  continueAsNew(input: unknown): void {
    // v3's host calls ContinueAsNew without preserving unprocessed events.
    this.core.continueAsNew(input, { preserveUnprocessedEvents: false });
  }

  createTimer(fireAt: Date): TimerTask {
    if (!(fireAt instanceof Date) || Number.isNaN(fireAt.getTime()))
      throw new TypeError("createTimer needs a valid Date");
    return new DFTimerTask(fireAt);
  }

  /**
   * Deterministic GUID, computed exactly as durable-functions v3 computes it: the name is
   * `${instanceId}_${currentUtcDateTime in ms}_${counter}` with the argument as v3's template literal renders it,
   * so `newGuid()` without one names `undefined_..._n` and `newGuid("")` names `_..._n`, as in v3; it never throws.
   * `lock()` takes a counter value too, as v3's lock takes its request id from `newGuid`.
   */
  newGuid(instanceId?: string): string {
    return v3DeterministicGuid(`${instanceId}_${this.currentUtcDateTime.valueOf()}_${this.guidCounter++}`);
  }

  setCustomStatus(customStatusObject: unknown): void {
    this._customStatus = customStatusObject;
    this.core.setCustomStatus(customStatusObject);
  }

  waitForExternalEvent(name: string): Task {
    return new AtomicTask((ctx) => ctx.waitForExternalEvent(name));
  }

  private requireNoSection(): void {
    if (this.section) throw new LockingRulesViolationError(Rules.SubOrchestrationInSection);
  }
}

function callSub(ctx: CoreContext, name: string, input: unknown, options: ReturnType<typeof subOptions>) {
  return underLockingRules(
    () => ctx.callSubOrchestrator(name, input, options),
    Rules.SubOrchestrationInSection,
  );
}

function requireSubName(name: string): void {
  if (!name)
    throw new Error(
      "A sub-orchestration function name must be provided when attempting to create a suborchestration",
    );
}

function subOptions(
  instanceId: string | undefined,
  version: string | undefined,
  retry?: ReturnType<typeof toRetryPolicy>,
) {
  return {
    ...(instanceId ? { instanceId } : {}),
    ...(version ? { version } : {}),
    ...(retry ? { retry } : {}),
  };
}

/** `callActivity(name, input)` and `app.activity(...)(input)`: a task with `withRetry`. */
export function activityTask(name: string, input: unknown): RetryableCallTask {
  return new RetryableCallTask(
    (ctx) => ctx.callActivity(name, input),
    name,
    (retryOptions) => {
      const retry = toRetryPolicy(retryOptions as RetryOptions);
      return new AtomicTask((ctx) => ctx.callActivity(name, input, { retry }), name);
    },
    `activity ${name}`,
  );
}

/** `callSubOrchestrator(...)` and `app.orchestration(...)(input, instanceId)`: a task with `withRetry`. */
export function subOrchestrationTask(
  name: string,
  input: unknown,
  instanceId: string | undefined,
  version?: string,
): RetryableCallTask {
  return new RetryableCallTask(
    (ctx) => callSub(ctx, name, input, subOptions(instanceId, version)),
    name,
    (retryOptions) => {
      const retry = toRetryPolicy(retryOptions as RetryOptions);
      return new AtomicTask((ctx) => callSub(ctx, name, input, subOptions(instanceId, version, retry)), name);
    },
    `subOrchestrator ${name}`,
  );
}

export type { Task, TimerTask };
export { DFTask };
