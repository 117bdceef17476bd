/**
 * The replayer: one orchestrator run over history. It applies each event (results complete tasks, suspension
 * holds them, terminate ends the run), matches scheduling events against the code's actions
 * (`non-determinism.ts`), and drives the generator (`function*` synchronously, `async function*` one awaited
 * step at a time) until it waits, returns, throws or continues as new. `replay.ts` feeds it the events.
 */
import { NonDeterminismError, TaskHubError, toFailureDetails } from "../errors/errors.js";
import type { HistoryEvent, ScheduledHistoryEvent } from "../history/events.js";
import { OrchestrationContextImpl, parsePayload, serializePayload } from "./context.js";
import { checkRecordedAction } from "./non-determinism.js";
import { isAsyncGenerator, isAsyncIterator, isGenerator, type Orchestrator } from "./orchestrator.js";
import { DurableTask } from "./tasks.js";

/** Applies history events to one orchestrator run and drives its generator. @internal */
export class Replayer {
  readonly ctx: OrchestrationContextImpl;
  private generator: Generator<DurableTask<any>, unknown, any> | undefined;
  private asyncGenerator: AsyncGenerator<DurableTask<any>, unknown, any> | undefined;
  /** The async generator's current step (async orchestrators only); the driver awaits it before the next event. */
  private inFlight: Promise<void> | undefined;
  /** Events released by ExecutionResumed while an async generator runs: the driver applies them one by one. */
  private released: HistoryEvent[] = [];
  private waitingOn: DurableTask<any> | undefined;
  private started = false;
  private finished = false;
  private suspended = false;
  private held: HistoryEvent[] = [];

  constructor(
    private readonly orchestrator: Orchestrator,
    maxTimerIntervalMs: number | undefined,
    private readonly allowAsync: boolean,
  ) {
    this.ctx = new OrchestrationContextImpl(maxTimerIntervalMs);
  }

  process(e: HistoryEvent): void {
    const ctx = this.ctx;
    if (this.suspended && isHoldable(e)) {
      this.held.push(e);
      return;
    }
    switch (e.type) {
      case "OrchestratorStarted":
        ctx.setTime(e.timestamp);
        return;
      case "ExecutionStarted":
        if (this.started) return; // duplicate start
        this.started = true;
        ctx.initFromStart(e);
        this.start(e.input);
        return;
      case "TaskScheduled":
      case "TimerCreated":
      case "SubOrchestrationInstanceCreated":
      case "EventSent":
        this.match(e);
        return;
      case "TaskCompleted":
      case "SubOrchestrationInstanceCompleted":
        ctx.resolveTask(e.type === "TaskCompleted" ? "activity" : "subOrchestration", e.taskScheduledId, {
          result: e.result,
        });
        break;
      case "TaskFailed":
      case "SubOrchestrationInstanceFailed":
        ctx.resolveTask(e.type === "TaskFailed" ? "activity" : "subOrchestration", e.taskScheduledId, {
          failure: ctx.failureOf(e.reason, e.details, e.failureDetails),
          reason: e.reason,
        });
        break;
      case "TimerFired":
        ctx.resolveTask("timer", e.timerId, {});
        break;
      case "EventRaised":
        ctx.deliverEvent(e);
        break;
      case "ExecutionTerminated":
        this.finished = true;
        ctx.completeWith({ status: "Terminated", result: e.input });
        return;
      case "ExecutionSuspended":
        this.suspended = true;
        return;
      case "ExecutionResumed": {
        this.suspended = false;
        const held = this.held;
        this.held = [];
        if (this.asyncGenerator) this.released.push(...held);
        else for (const h of held) this.process(h);
        return;
      }
      case "ExecutionCompleted":
      case "ContinueAsNew":
        this.finished = true;
        return;
      case "OrchestratorCompleted":
      case "ExecutionFailed":
      case "ExecutionRewound":
      case "GenericEvent":
      case "HistoryState":
        return;
    }
    this.resumeIfReady();
  }

  private match(e: ScheduledHistoryEvent): void {
    checkRecordedAction(e, this.ctx.pendingActions.get(e.eventId));
    this.ctx.pendingActions.delete(e.eventId);
  }

  private start(inputText: string | undefined): void {
    let input: unknown;
    try {
      input = parsePayload(inputText);
    } catch (err) {
      this.fail(
        new TaskHubError("Serialization", `orchestration input is not valid JSON: ${(err as Error).message}`),
      );
      return;
    }
    let out: unknown;
    try {
      out = this.orchestrator(this.ctx, input);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (isGenerator(out)) {
      this.generator = out;
      this.step(() => out.next());
    } else if (isAsyncGenerator(out)) {
      if (!this.allowAsync) {
        // Closes the generator it will never run; a rejection from its cleanup has no one to go to.
        void out.return(undefined).catch(() => undefined);
        throw new TaskHubError(
          "InvalidOperation",
          "the orchestrator is an async generator function (async function*): replay it with replayOrchestrationAsync " +
            "(or executeOrchestrationWorkItemAsync), not the synchronous replayOrchestration",
        );
      }
      this.asyncGenerator = out;
      this.inFlight = this.stepAsync(() => out.next());
    } else if (isAsyncIterator(out) || out instanceof Promise) {
      // An async function's promise may still reject: nobody awaits it, so keep that from becoming an
      // unhandled rejection (which ends a Node process).
      if (out instanceof Promise) void out.catch(() => undefined);
      this.fail(
        new TaskHubError(
          "InvalidOperation",
          "orchestrators must be generator functions (function* or async function*) that yield durable tasks; " +
            "an async function (or one returning a promise) cannot yield them and is not supported",
        ),
      );
    } else {
      this.succeed(out);
    }
  }

  private resumeIfReady(): void {
    const t = this.waitingOn;
    if (!t || !t.isComplete || this.finished) return;
    if (this.asyncGenerator) {
      this.waitingOn = undefined;
      this.inFlight = this.stepAsync(resumeWith(this.asyncGenerator, t));
      return;
    }
    if (!this.generator) return;
    this.waitingOn = undefined;
    this.step(resumeWith(this.generator, t));
  }

  /** True while an async orchestrator's step or released events remain: the driver must `settle()` first. */
  get isPending(): boolean {
    return this.inFlight !== undefined || this.released.length > 0;
  }

  /** Async orchestrators: finish the current step and apply released events, each after the previous step. */
  async settle(): Promise<void> {
    for (;;) {
      const p = this.inFlight;
      if (p) {
        this.inFlight = undefined;
        await p;
        continue;
      }
      const e = this.released.shift();
      if (!e) return;
      this.process(e);
    }
  }

  /**
   * `step` for an async generator: each `next`/`throw` is awaited; the rest is the same as `step`. (An async
   * generator's `next` and `throw` never throw: what the code throws comes as their promise's rejection.)
   */
  private async stepAsync(advance: () => Promise<IteratorResult<DurableTask<any>, unknown>>): Promise<void> {
    for (;;) {
      const task = this.afterYield(await advance().catch((err: unknown) => this.threw(err)));
      if (!task) return;
      advance = resumeWith(this.asyncGenerator!, task);
    }
  }

  /** Drive the generator until it waits on an incomplete task, returns, throws or continues as new. */
  private step(advance: () => IteratorResult<DurableTask<any>, unknown>): void {
    for (;;) {
      let r: IteratorResult<DurableTask<any>, unknown> | undefined;
      try {
        r = advance();
      } catch (err) {
        r = this.threw(err);
      }
      const task = this.afterYield(r);
      if (!task) return;
      advance = resumeWith(this.generator!, task);
    }
  }

  /** The orchestrator code threw: the run fails, unless replay found the code non-deterministic (rethrown). */
  private threw(err: unknown): undefined {
    if (err instanceof NonDeterminismError) throw err;
    this.fail(err);
    return undefined;
  }

  /**
   * What the generator produced: the completed task to resume it with at once, or undefined when it now waits
   * on an incomplete task, returned, continued as new, threw (`r` undefined: the run has failed) or yielded
   * something that is not a durable task.
   */
  private afterYield(r: IteratorResult<DurableTask<any>, unknown> | undefined): DurableTask<any> | undefined {
    if (!r) return undefined;
    if (r.done) {
      this.succeed(r.value);
      return undefined;
    }
    if (this.ctx.completion) {
      // continueAsNew() was called: the execution ends at this yield.
      this.finished = true;
      return undefined;
    }
    const task = r.value;
    if (!(task instanceof DurableTask)) {
      const hint =
        task === undefined
          ? " (undefined was yielded: signalEntity, sendEvent, continueAsNew and setCustomStatus return nothing to yield)"
          : "";
      this.fail(
        new TaskHubError(
          "InvalidOperation",
          `orchestrator yielded a value that is not a durable task${hint}`,
        ),
      );
      return undefined;
    }
    if (!task.isComplete) {
      this.waitingOn = task;
      return undefined;
    }
    return task;
  }

  private succeed(value: unknown): void {
    this.finished = true;
    if (this.ctx.completion) return;
    let result: string | undefined;
    try {
      result = serializePayload(value, "orchestration output");
    } catch (err) {
      this.fail(err);
      return;
    }
    this.ctx.completeWith({ status: "Completed", result });
  }

  private fail(err: unknown): void {
    this.finished = true;
    const failureDetails = toFailureDetails(err);
    this.ctx.completeWith({ status: "Failed", failureDetails });
  }
}

/** The call that resumes a generator with a completed task: its exception thrown in, or its result. */
function resumeWith<R>(gen: { next(value?: any): R; throw(e?: any): R }, task: DurableTask<any>): () => R {
  return task.isFailed ? () => gen.throw(task.getException()) : () => gen.next(task.getResult());
}

function isHoldable(e: HistoryEvent): boolean {
  switch (e.type) {
    case "TaskCompleted":
    case "TaskFailed":
    case "SubOrchestrationInstanceCompleted":
    case "SubOrchestrationInstanceFailed":
    case "TimerFired":
    case "EventRaised":
      return true;
    default:
      return false;
  }
}
