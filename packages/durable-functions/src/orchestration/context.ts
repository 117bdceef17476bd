/**
 * `context.df` (v3's `DurableOrchestrationContext`) over core's orchestration context. Every scheduling
 * method builds a lazy v3 task; the adapter schedules it on the core context when it is first yielded.
 * `signalEntity` and `continueAsNew` act at once and return nothing, as in v3.
 */
import { DrivenTask, type LockHandle, type OrchestrationContext as CoreContext } from "@taskhub/core";
import { EntityId, toCoreEntityId } from "../entity/entity-id.js";
import { CallHttpTask, toDurableHttpRequest, type CallHttpOptions } from "../http/call-http.js";
import { RetryOptions, toRetryPolicy } from "../retry-options.js";
import { v3DeterministicGuid } from "./new-guid.js";
import { AtomicTask, DFTask, DFTimerTask, RetryableCallTask, WhenAllTask, WhenAnyTask, type Task, type TimerTask } from "./tasks.js";

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

export class DurableOrchestrationContext {
  private guidCounter = 0;
  private _customStatus: unknown;

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
    const retry = toRetryPolicy(retryOptions);
    return new AtomicTask((ctx) => ctx.callSubOrchestrator(name, input, subOptions(instanceId, version, retry)), name);
  }

  callHttp(options: CallHttpOptions): Task {
    const request = toDurableHttpRequest(options);
    return new CallHttpTask(request, this.options.httpPollIntervalMs);
  }

  callEntity(entityId: EntityId, operationName: string, operationInput?: unknown): Task {
    const id = toCoreEntityId(entityId);
    return new AtomicTask((ctx) => ctx.entities.callEntity(id, operationName, operationInput));
  }

  /** Fire and forget; do not yield it. */
  signalEntity(entityId: EntityId, operationName: string, operationInput?: unknown): void {
    this.core.entities.signalEntity(toCoreEntityId(entityId), operationName, operationInput);
  }

  /** Lock the entities (sorted, de-duplicated); the task's result is a `DurableLock`. */
  lock(...entities: (EntityId | EntityId[])[]): Task {
    const list = (entities.length === 1 && Array.isArray(entities[0]) ? entities[0] : entities) as EntityId[];
    if (list.length === 0) throw new RangeError("lock requires at least one EntityId");
    for (const e of list) if (!(e instanceof EntityId)) throw new TypeError("lock expected EntityId[]");
    const byId = new Map(list.map((e) => [EntityId.getSchedulerIdFromEntityId(e), e]));
    const sorted = [...byId.keys()].sort().map((k) => byId.get(k)!);
    return new AtomicTask((ctx) => {
      const held = new DrivenTask<unknown>((inner, self) => {
        if (self.isComplete) return;
        if (inner.isFailed) self.fail(inner.getException()!);
        else self.complete(new DurableLock(sorted, inner.getResult() as LockHandle));
      });
      held.follow(ctx.entities.lockEntities(...sorted.map(toCoreEntityId)));
      return held;
    });
  }

  isLocked(): LockState {
    const s = this.core.entities.isInCriticalSection();
    return new LockState(s.inSection, (s.lockedEntities ?? []).map((e) => new EntityId(e.name, e.key)));
  }

  /** Ends this execution at the next yield and restarts the instance with `input`. Do not yield it. */
  continueAsNew(input: unknown): void {
    // v3's host calls ContinueAsNew without preserving unprocessed events.
    this.core.continueAsNew(input, { preserveUnprocessedEvents: false });
  }

  createTimer(fireAt: Date): TimerTask {
    if (!(fireAt instanceof Date) || Number.isNaN(fireAt.getTime())) throw new TypeError("createTimer needs a valid Date");
    return new DFTimerTask(fireAt);
  }

  /** Deterministic GUID, computed exactly as durable-functions v3 computes it. */
  newGuid(instanceId: string): string {
    if (!instanceId) throw new TypeError("name: Expected non-empty string but got empty string");
    const name = `${instanceId}_${this.currentUtcDateTime.valueOf()}_${this.guidCounter++}`;
    return v3DeterministicGuid(name);
  }

  setCustomStatus(customStatusObject: unknown): void {
    this._customStatus = customStatusObject;
    this.core.setCustomStatus(customStatusObject);
  }

  waitForExternalEvent(name: string): Task {
    return new AtomicTask((ctx) => ctx.waitForExternalEvent(name));
  }
}

function requireSubName(name: string): void {
  if (!name)
    throw new Error("A sub-orchestration function name must be provided when attempting to create a suborchestration");
}

function subOptions(instanceId: string | undefined, version: string | undefined, retry?: ReturnType<typeof toRetryPolicy>) {
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
    (ctx) => ctx.callSubOrchestrator(name, input, subOptions(instanceId, version)),
    name,
    (retryOptions) => {
      const retry = toRetryPolicy(retryOptions as RetryOptions);
      return new AtomicTask((ctx) => ctx.callSubOrchestrator(name, input, subOptions(instanceId, version, retry)), name);
    },
    `subOrchestrator ${name}`,
  );
}

export type { Task, TimerTask };
export { DFTask };
