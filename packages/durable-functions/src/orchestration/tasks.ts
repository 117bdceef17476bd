/**
 * v3's task model over core's tasks. A v3 task is lazy: creating it does nothing; the first `yield` (directly
 * or inside a yielded `Task.all` / `Task.any`) schedules it on the core context, so sequence ids follow
 * yield order as in v3. Each v3 task then mirrors one core task: `isCompleted` (succeeded, as v3's code —
 * not its docs — defines it), `isFaulted`, `result` (the value, or the error of a faulted task).
 *
 * Composite semantics are v3's, not core's: `Task.all` fails as soon as one child fails (with that child's
 * error), `Task.any` completes with the winning v3 task and never fails, a cancelled timer never completes.
 */
import {
  CompletableTask,
  DrivenTask,
  type DurableTask,
  type OrchestrationContext,
  type TimerTask as CoreTimerTask,
} from "@taskhub/core";
import { toTaskError } from "../errors.js";

/** A v3 task (`isCompleted`, `isFaulted`, `result`). */
export interface Task {
  readonly isCompleted: boolean;
  readonly isFaulted: boolean;
  readonly result?: unknown;
}

/** A timer that can be cancelled; a cancelled timer never completes. */
export interface TimerTask extends Task {
  readonly isCanceled: boolean;
  cancel(): void;
}

export abstract class DFTask implements Task {
  /** @internal the core task, once scheduled */
  _core: DurableTask<unknown> | undefined;

  /** @internal schedule on the core context (once) and return the core task that tracks this one */
  _schedule(ctx: OrchestrationContext): DurableTask<unknown> {
    return (this._core ??= this.start(ctx));
  }

  /** @internal */
  get _alreadyScheduled(): boolean {
    return this._core !== undefined;
  }

  protected abstract start(ctx: OrchestrationContext): DurableTask<unknown>;

  get isCompleted(): boolean {
    return this._core?.isComplete === true && !this._core.isFailed;
  }

  get isFaulted(): boolean {
    return this._core?.isFailed === true;
  }

  /** @internal completed or faulted */
  get _hasResult(): boolean {
    return this._core?.isComplete === true;
  }

  get result(): unknown {
    const core = this._core;
    if (!core?.isComplete) return undefined;
    return core.isFailed ? core.getException() : core.getResult();
  }
}

/**
 * A task backed by one core call (activity, sub-orchestration, entity call, external event), with or
 * without core retries. Core failures become v3 errors (`TaskFailedError`).
 */
export class AtomicTask extends DFTask {
  constructor(
    private readonly create: (ctx: OrchestrationContext) => DurableTask<unknown>,
    /** Name of the activity / sub-orchestration, for `TaskFailedError.taskName`. */
    private readonly taskName?: string,
  ) {
    super();
  }

  protected start(ctx: OrchestrationContext): DurableTask<unknown> {
    return mapOutcome(ctx, this.create(ctx), this.taskName);
  }
}

/** `callActivity` / `app.activity(...)(input)` / sub-orchestrations: `withRetry` makes a retrying copy. */
export class RetryableCallTask extends AtomicTask {
  constructor(
    create: (ctx: OrchestrationContext) => DurableTask<unknown>,
    taskName: string,
    private readonly withRetryFactory: (retry: unknown) => DFTask,
    private readonly what: string,
  ) {
    super(create, taskName);
  }

  /** A retrying task for the same call; throws if this task was already yielded (as v3). */
  withRetry = (retryOptions: unknown): Task => {
    if (this._alreadyScheduled)
      throw new Error(
        "Invalid use of `.withRetry`: attempted to create a retriable task from an already scheduled task. " +
          `A task to call ${this.what} has already been scheduled. ` +
          "Make sure to only invoke `.withRetry` on tasks that have not previously been yielded.",
      );
    return this.withRetryFactory(retryOptions);
  };
}

function mapOutcome(
  ctx: OrchestrationContext,
  inner: DurableTask<unknown>,
  taskName: string | undefined,
): DurableTask<unknown> {
  const mapped = new DrivenTask<unknown>((t, self) => {
    if (self.isComplete) return;
    if (t.isFailed) self.fail(toTaskError(ctx, t.getException(), taskName));
    else self.complete(t.getResult());
  });
  mapped.follow(inner);
  return mapped;
}

export class DFTimerTask extends DFTask implements TimerTask {
  private canceled = false;

  constructor(readonly fireAt: Date) {
    super();
  }

  protected start(ctx: OrchestrationContext): DurableTask<unknown> {
    const timer: CoreTimerTask = ctx.createTimer(this.fireAt);
    // A timer cancelled before it was ever yielded is scheduled and cancelled at once: never completes.
    if (this.canceled) timer.cancel();
    return timer;
  }

  get isCanceled(): boolean {
    return this.canceled;
  }

  override get isCompleted(): boolean {
    return !this.canceled && super.isCompleted;
  }

  override get isFaulted(): boolean {
    return !this.canceled && super.isFaulted;
  }

  override get result(): unknown {
    return this.canceled ? undefined : super.result;
  }

  /** Cancel the timer (takes effect at the next yield or return). Throws if it already fired. */
  cancel = (): void => {
    if (this._hasResult && !this.canceled) throw new Error("Cannot cancel a completed task.");
    this.canceled = true;
    (this._core as CoreTimerTask | undefined)?.cancel();
  };
}

/** True for a timer that was cancelled: it never completes, so composites ignore it. */
function neverCompletes(t: DFTask): boolean {
  return t instanceof DFTimerTask && t.isCanceled;
}

function validateChildren(tasks: unknown, what: string): DFTask[] {
  if (!Array.isArray(tasks) || !tasks.every((t) => t instanceof DFTask))
    throw new Error(
      `${what} received a non-valid input. This may occur if it somehow received a non-list input, ` +
        "or if the input list's Tasks were corrupted. Please review your orchestrator code and/or file an issue.",
    );
  if (tasks.length === 0)
    throw new Error(
      "When constructing a CompoundTask (such as Task.all() or Task.any()), you must specify at least one Task.",
    );
  return tasks as DFTask[];
}

/** `Task.all`: every result in order; fails fast with the first child error. */
export class WhenAllTask extends DFTask {
  readonly children: DFTask[];
  constructor(tasks: Task[]) {
    super();
    this.children = validateChildren(tasks, "Task.all");
  }

  protected start(ctx: OrchestrationContext): DurableTask<unknown> {
    const children = this.children;
    const cores = children.map((c) => c._schedule(ctx));
    const all = new DrivenTask<unknown>((inner, self) => {
      if (self.isComplete) return;
      const child = children[cores.indexOf(inner)];
      if (!child || neverCompletes(child)) return;
      if (child.isFaulted) return self.fail(child.result as Error);
      if (children.every((c) => c.isCompleted)) self.complete(children.map((c) => c.result));
    });
    for (const core of cores) all.follow(core);
    return all;
  }
}

/** `Task.any`: completes with the first child to finish (the v3 task itself, even when it faulted). */
export class WhenAnyTask extends DFTask {
  readonly children: DFTask[];
  constructor(tasks: Task[]) {
    super();
    this.children = validateChildren(tasks, "Task.any");
  }

  protected start(ctx: OrchestrationContext): DurableTask<unknown> {
    const children = this.children;
    const cores = children.map((c) => c._schedule(ctx));
    const any = new DrivenTask<unknown>((inner, self) => {
      if (self.isComplete) return;
      const child = children[cores.indexOf(inner)];
      if (!child || neverCompletes(child)) return;
      self.complete(child);
    });
    for (const core of cores) any.follow(core);
    return any;
  }
}

/** A core task that never completes (what yielding a cancelled timer waits on, as in v3). */
export function never(): DurableTask<unknown> {
  return new CompletableTask<unknown>();
}
