/**
 * `context.df` of a classic orchestrator (durable-functions 2.x's `DurableOrchestrationContext`), over the
 * same task machinery as the v4 model. Where 2.x differs from v3, 2.x is kept:
 * - `callHttp(method, uri, content?, headers?, tokenSource?, asynchronousPatternEnabled = true)` takes
 *   positional arguments (an object `content` is sent as JSON);
 * - `Task.all([])` and `Task.any([])` complete at once with `undefined` (v3 throws);
 * - a failed activity or sub-orchestration is a plain `Error` whose message is `"<reason> \n <details>"`
 *   (chosen for the whole execution by the classic driver, see `useClassicTaskErrors`);
 * - `callSubOrchestrator(...)` has no `version` argument.
 * `lock()` / `isLocked()` (critical sections, which 2.x does not have) are there as in v3.5.
 */
import { CompletableTask, type DurableTask, type OrchestrationContext } from "@taskhub/core";
import type { EntityId } from "../entity/entity-id.js";
import type { TokenSource } from "../http/call-http.js";
import type { DurableOrchestrationContext, LockState } from "../orchestration/context.js";
import { DFTask, type Task, type TimerTask } from "../orchestration/tasks.js";
import type { RetryOptions } from "../retry-options.js";

/** What `Task.all([])` / `Task.any([])` yield in 2.x: a task that is already complete, with no result. */
class SettledTask extends DFTask {
  protected start(_ctx: OrchestrationContext): DurableTask<unknown> {
    const done = new CompletableTask<unknown>();
    done.complete(undefined);
    return done;
  }
}

export class ClassicOrchestrationContext {
  constructor(
    /** @internal the v4 model's context, which does the work */
    readonly inner: DurableOrchestrationContext,
  ) {}

  get instanceId(): string {
    return this.inner.instanceId;
  }
  get parentInstanceId(): string | undefined {
    return this.inner.parentInstanceId;
  }
  get isReplaying(): boolean {
    return this.inner.isReplaying;
  }
  get currentUtcDateTime(): Date {
    return this.inner.currentUtcDateTime;
  }
  get customStatus(): unknown {
    return this.inner.customStatus;
  }

  readonly Task = {
    /** All results in order; fails as soon as one task fails. An empty list completes at once (undefined). */
    all: (tasks: Task[]): Task => (isEmptyList(tasks) ? new SettledTask() : this.inner.Task.all(tasks)),
    /** The first task to complete (the task itself). An empty list completes at once (undefined). */
    any: (tasks: Task[]): Task => (isEmptyList(tasks) ? new SettledTask() : this.inner.Task.any(tasks)),
  };

  getInput<T = unknown>(): T {
    return this.inner.getInput<T>();
  }

  callActivity(name: string, input?: unknown): Task {
    return this.inner.callActivity(name, input);
  }

  callActivityWithRetry(name: string, retryOptions: RetryOptions, input?: unknown): Task {
    return this.inner.callActivityWithRetry(name, retryOptions, input);
  }

  callSubOrchestrator(name: string, input?: unknown, instanceId?: string): Task {
    return this.inner.callSubOrchestrator(name, input, instanceId);
  }

  callSubOrchestratorWithRetry(
    name: string,
    retryOptions: RetryOptions,
    input?: unknown,
    instanceId?: string,
  ): Task {
    return this.inner.callSubOrchestratorWithRetry(name, retryOptions, input, instanceId);
  }

  /** 2.x's positional form; with `asynchronousPatternEnabled` (default) a 202 + Location is polled. */
  callHttp(
    method: string,
    uri: string,
    content?: string | object,
    headers?: { [key: string]: string },
    tokenSource?: TokenSource,
    asynchronousPatternEnabled = true,
  ): Task {
    return this.inner.callHttp({
      method,
      url: uri,
      ...(content !== undefined ? { body: content } : {}),
      ...(headers ? { headers } : {}),
      ...(tokenSource ? { tokenSource } : {}),
      enablePolling: asynchronousPatternEnabled,
    });
  }

  callEntity(entityId: EntityId, operationName: string, operationInput?: unknown): Task {
    return this.inner.callEntity(entityId, operationName, operationInput);
  }

  /** Fire and forget; do not yield it. */
  signalEntity(entityId: EntityId, operationName: string, operationInput?: unknown): void {
    this.inner.signalEntity(entityId, operationName, operationInput);
  }

  /** Ends this execution at the next yield and restarts the instance with `input`. Do not yield it. */
  continueAsNew(input: unknown): void {
    this.inner.continueAsNew(input);
  }

  createTimer(fireAt: Date): TimerTask {
    return this.inner.createTimer(fireAt);
  }

  /** 2.x's deterministic GUID (the same algorithm as v3). */
  newGuid(instanceId: string): string {
    return this.inner.newGuid(instanceId);
  }

  setCustomStatus(customStatusObject: unknown): void {
    this.inner.setCustomStatus(customStatusObject);
  }

  waitForExternalEvent(name: string): Task {
    return this.inner.waitForExternalEvent(name);
  }

  /** Not in 2.x (v3.5's critical sections): lock the entities; the task's result is a `DurableLock`. */
  lock(...entities: (EntityId | EntityId[])[]): Task {
    return this.inner.lock(...entities);
  }

  /** Not in 2.x (v3.5): whether a critical section is open, and its entities. */
  isLocked(): LockState {
    return this.inner.isLocked();
  }
}

function isEmptyList(tasks: unknown): boolean {
  return Array.isArray(tasks) && tasks.length === 0;
}
