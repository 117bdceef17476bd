/**
 * Durable tasks: the values an orchestrator yields. A task completes only when replay feeds it a history
 * event, so everything here is synchronous and deterministic. Tasks are iterable, so `yield* task` is typed
 * (`const x: T = yield* ctx.callActivity<T>(...)`) while a plain `yield task` keeps working.
 */
import { WhenAllFailedError } from "../errors/errors.js";

export abstract class DurableTask<T = unknown> {
  private _complete = false;
  private _failed = false;
  private _result: T | undefined;
  private _error: Error | undefined;
  /** Composite tasks (whenAll/whenAny/retry/timeouts) that wait on this one. */
  private readonly parents: CompositeParent[] = [];

  get isComplete(): boolean {
    return this._complete;
  }
  get isFailed(): boolean {
    return this._failed;
  }
  /** The result; throws the failure if the task failed, and if it is not complete yet. */
  getResult(): T {
    if (!this._complete) throw new Error("task is not complete");
    if (this._failed) throw this._error as Error;
    return this._result as T;
  }
  getException(): Error | undefined {
    return this._error;
  }

  /** @internal */
  complete(result: T): void {
    if (this._complete) return;
    this._complete = true;
    this._result = result;
    this.notify();
  }
  /** @internal */
  fail(error: Error): void {
    if (this._complete) return;
    this._complete = true;
    this._failed = true;
    this._error = error;
    this.notify();
  }
  /** @internal */
  addParent(p: CompositeParent): void {
    this.parents.push(p);
  }
  private notify(): void {
    for (const p of this.parents) p.onChildCompleted(this);
  }

  *[Symbol.iterator](): Generator<DurableTask<T>, T, any> {
    return (yield this) as T;
  }
}

interface CompositeParent {
  onChildCompleted(child: DurableTask<unknown>): void;
}

/** A task completed directly by one history event (activity, sub-orchestration, timer, external event). */
export class CompletableTask<T = unknown> extends DurableTask<T> {}

/** A durable timer; `cancel()` lets the orchestration finish without waiting for it. */
export class TimerTask extends CompletableTask<void> {
  private _canceled = false;
  /** @internal set by the context for chunked (long) timers */
  onCancel?: () => void;
  constructor(readonly fireAt: Date) {
    super();
  }
  get isCanceled(): boolean {
    return this._canceled;
  }
  cancel(): void {
    if (this.isComplete) return;
    this._canceled = true;
    this.onCancel?.();
    this.fail(new Error("timer was canceled"));
  }
}

/** Completes with every result once all children complete; fails once all are done if any failed. */
export class WhenAllTask<T> extends DurableTask<T[]> implements CompositeParent {
  private remaining: number;
  constructor(private readonly children: DurableTask<T>[]) {
    super();
    this.remaining = children.length;
    for (const c of children) c.addParent(this);
    if (children.length === 0) this.complete([]);
    else for (const c of children) if (c.isComplete) this.remaining--;
    this.settleIfDone();
  }
  onChildCompleted(): void {
    this.remaining--;
    this.settleIfDone();
  }
  private settleIfDone(): void {
    if (this.remaining > 0 || this.isComplete) return;
    const errors = this.children.filter((c) => c.isFailed).map((c) => c.getException() as Error);
    if (errors.length > 0) this.fail(new WhenAllFailedError(errors));
    else this.complete(this.children.map((c) => c.getResult()));
  }
}

/** Completes with the first child that completes (successfully or not); never fails itself. */
export class WhenAnyTask<T> extends DurableTask<DurableTask<T>> implements CompositeParent {
  constructor(children: DurableTask<T>[]) {
    super();
    if (children.length === 0) throw new RangeError("whenAny needs at least one task");
    const done = children.find((c) => c.isComplete);
    if (done) this.complete(done);
    else for (const c of children) c.addParent(this);
  }
  onChildCompleted(child: DurableTask<unknown>): void {
    this.complete(child as DurableTask<T>);
  }
}

/**
 * A task whose outcome is driven by the context (retries, chunked timers, event-with-timeout): the
 * context subscribes to its current inner task and decides what happens next.
 */
export class DrivenTask<T> extends DurableTask<T> implements CompositeParent {
  constructor(private readonly onInner: (inner: DurableTask<unknown>, self: DrivenTask<T>) => void) {
    super();
  }
  /** Wait on `inner`; its completion is routed to the driver. */
  follow(inner: DurableTask<unknown>): void {
    if (inner.isComplete) this.onInner(inner, this);
    else inner.addParent(this);
  }
  onChildCompleted(child: DurableTask<unknown>): void {
    this.onInner(child, this);
  }
}
