/**
 * `replayOrchestration`: history in, actions out. Pure and synchronous: it runs the orchestrator generator
 * against the committed events (`past`, replaying) and the events of this work item (`new`), and returns
 * the actions the code issued that history does not already record, plus the custom status.
 *
 * `replayOrchestrationAsync` does the same and also accepts `async function*` orchestrators (the style of
 * @microsoft/durabletask-js). It awaits the generator after every history event, before the next one is
 * applied, so an async generator sees exactly what a `function*` sees and produces the same actions. Only
 * durable tasks may be yielded; `await` inside the body is for work that settles on its own within the
 * replay (already-resolved promises, microtasks). Real I/O (network, disk, timers) must never be awaited in an
 * orchestrator: it is not recorded in history, would run again on every replay, and holds up the step (a
 * promise that never settles stalls the instance: nothing times the step out).
 *
 * Non-determinism (DTF's rules): every TaskScheduled / TimerCreated / SubOrchestrationInstanceCreated /
 * EventSent in history must match the action the code issued with the same sequence id, of the same kind
 * and name (and target instance for EventSent). A mismatch fails the instance with `NonDeterminism`.
 */
import type { CompleteOrchestrationAction, OrchestratorAction } from "../actions/actions.js";
import { NonDeterminismError, TaskHubError, toFailureDetails } from "../errors/errors.js";
import type { HistoryEvent, ScheduledHistoryEvent } from "../history/events.js";
import {
  OrchestrationContextImpl,
  parsePayload,
  serializePayload,
  type OrchestrationContext,
} from "./context.js";
import { DurableTask } from "./tasks.js";

/**
 * An orchestrator: a generator function (`function* (ctx, input) { ... yield task ... }`), an async generator
 * function (`async function* (ctx, input) { ... yield task ... }`, replayed by `replayOrchestrationAsync` and
 * the worker; see the note at the top of this file about `await`), or a plain function returning its output
 * directly.
 */
export type Orchestrator<TInput = any, TOutput = any> = (
  ctx: OrchestrationContext,
  input: TInput,
) => Generator<DurableTask<any>, TOutput, any> | AsyncGenerator<DurableTask<any>, TOutput, any> | TOutput;

export interface ReplayOptions {
  /** Longest single timer the backend can deliver; longer timers are chained. */
  maxTimerIntervalMs?: number;
}

export interface ReplayResult {
  /** New actions in issue order; a CompleteOrchestration action is last when the execution ended. */
  actions: OrchestratorAction[];
  /** Serialized custom status (undefined when cleared or never set). */
  customStatus: string | undefined;
  /** The action that ended the execution, if it ended (also the last element of `actions`). */
  completion: CompleteOrchestrationAction | undefined;
}

const SCHEDULED_KIND: Record<ScheduledHistoryEvent["type"], OrchestratorAction["type"]> = {
  TaskScheduled: "ScheduleTask",
  TimerCreated: "CreateTimer",
  SubOrchestrationInstanceCreated: "CreateSubOrchestration",
  EventSent: "SendEvent",
};

function describeAction(a: OrchestratorAction): string {
  switch (a.type) {
    case "ScheduleTask":
      return `ScheduleTask #${a.id} '${a.name}'`;
    case "CreateSubOrchestration":
      return `CreateSubOrchestration #${a.id} '${a.name}' (instance '${a.instanceId}')`;
    case "CreateTimer":
      return `CreateTimer #${a.id}`;
    case "SendEvent":
      return `SendEvent #${a.id} '${a.name}' to '${a.instanceId}'`;
    case "CompleteOrchestration":
      return `CompleteOrchestration #${a.id}`;
  }
}

function describeEvent(e: ScheduledHistoryEvent): string {
  switch (e.type) {
    case "TaskScheduled":
      return `TaskScheduled #${e.eventId} '${e.name}'`;
    case "SubOrchestrationInstanceCreated":
      return `SubOrchestrationInstanceCreated #${e.eventId} '${e.name}' (instance '${e.instanceId}')`;
    case "TimerCreated":
      return `TimerCreated #${e.eventId}`;
    case "EventSent":
      return `EventSent #${e.eventId} '${e.name}' to '${e.instanceId}'`;
  }
}

class Replayer {
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
    options: ReplayOptions,
    private readonly allowAsync: boolean,
  ) {
    this.ctx = new OrchestrationContextImpl(options.maxTimerIntervalMs);
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
        ctx.resolveTask("activity", e.taskScheduledId, { result: e.result });
        break;
      case "TaskFailed":
        ctx.resolveTask("activity", e.taskScheduledId, {
          failure: ctx.failureOf(e.reason, e.details, e.failureDetails),
          reason: e.reason,
        });
        break;
      case "SubOrchestrationInstanceCompleted":
        ctx.resolveTask("subOrchestration", e.taskScheduledId, { result: e.result });
        break;
      case "SubOrchestrationInstanceFailed":
        ctx.resolveTask("subOrchestration", e.taskScheduledId, {
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
    const action = this.ctx.pendingActions.get(e.eventId);
    if (!action) {
      throw new NonDeterminismError(
        `history has ${describeEvent(e)}, but the orchestrator issued no action with id ${e.eventId} ` +
          `(was code that schedules work added, removed or reordered?)`,
      );
    }
    const sameKind = SCHEDULED_KIND[e.type] === action.type;
    let sameTarget = sameKind;
    if (sameKind) {
      if (e.type === "EventSent" && action.type === "SendEvent")
        sameTarget = e.name === action.name && e.instanceId === action.instanceId;
      else if ("name" in e && "name" in action) sameTarget = e.name === action.name;
    }
    if (!sameTarget) {
      throw new NonDeterminismError(
        `history has ${describeEvent(e)}, but the orchestrator now issues ${describeAction(action)} at that point`,
      );
    }
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
    const agen = this.asyncGenerator;
    if (agen) {
      this.waitingOn = undefined;
      this.inFlight = this.stepAsync(
        t.isFailed ? () => agen.throw(t.getException()) : () => agen.next(t.getResult()),
      );
      return;
    }
    if (!this.generator) return;
    this.waitingOn = undefined;
    const gen = this.generator;
    if (t.isFailed) this.step(() => gen.throw(t.getException()));
    else this.step(() => gen.next(t.getResult()));
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

  /** `step` for an async generator: each `next`/`throw` is awaited; the rest is the same as `step`. */
  private async stepAsync(next: () => Promise<IteratorResult<DurableTask<any>, unknown>>): Promise<void> {
    let advance = next;
    for (;;) {
      let r: IteratorResult<DurableTask<any>, unknown>;
      try {
        r = await advance();
      } catch (err) {
        if (err instanceof NonDeterminismError) throw err;
        this.fail(err);
        return;
      }
      const task = this.afterYield(r);
      if (!task) return;
      const gen = this.asyncGenerator!;
      advance = task.isFailed ? () => gen.throw(task.getException()) : () => gen.next(task.getResult());
    }
  }

  /** Drive the generator until it waits on an incomplete task, returns, throws or continues as new. */
  private step(next: () => IteratorResult<DurableTask<any>, unknown>): void {
    let advance = next;
    for (;;) {
      let r: IteratorResult<DurableTask<any>, unknown>;
      try {
        r = advance();
      } catch (err) {
        if (err instanceof NonDeterminismError) throw err;
        this.fail(err);
        return;
      }
      const task = this.afterYield(r);
      if (!task) return;
      const gen = this.generator!;
      advance = task.isFailed ? () => gen.throw(task.getException()) : () => gen.next(task.getResult());
    }
  }

  /**
   * What the generator produced: the completed task to resume it with at once, or undefined when it now waits
   * on an incomplete task, returned, continued as new or yielded something that is not a durable task.
   */
  private afterYield(r: IteratorResult<DurableTask<any>, unknown>): DurableTask<any> | undefined {
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

function isGenerator(v: unknown): v is Generator<DurableTask<any>, unknown, any> {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as Generator).next === "function" &&
    typeof (v as Generator).throw === "function" &&
    Symbol.iterator in v
  );
}

function isAsyncGenerator(v: unknown): v is AsyncGenerator<DurableTask<any>, unknown, any> {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as AsyncGenerator).next === "function" &&
    typeof (v as AsyncGenerator).throw === "function" &&
    typeof (v as AsyncGenerator).return === "function" &&
    Symbol.asyncIterator in v
  );
}

function isAsyncIterator(v: unknown): boolean {
  return typeof v === "object" && v !== null && Symbol.asyncIterator in v;
}

/**
 * Replays a synchronous orchestrator (`function*` or a plain function). An `async function*` orchestrator
 * throws an InvalidOperation TaskHubError naming `replayOrchestrationAsync`, which replays both kinds.
 */
export function replayOrchestration(
  orchestrator: Orchestrator,
  past: readonly HistoryEvent[],
  newEvents: readonly HistoryEvent[],
  options: ReplayOptions = {},
): ReplayResult {
  // Without async generators the driver never leaves the synchronous path.
  return replayMaybeAsync(orchestrator, past, newEvents, options, false) as ReplayResult;
}

/**
 * `replayOrchestration` for any orchestrator, including `async function*` ones. For a `function*` the replay
 * itself is the synchronous one; the promise only wraps its result.
 */
export async function replayOrchestrationAsync(
  orchestrator: Orchestrator,
  past: readonly HistoryEvent[],
  newEvents: readonly HistoryEvent[],
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  return replayMaybeAsync(orchestrator, past, newEvents, options, true);
}

/**
 * The replay driver: synchronous until the orchestrator turns out to be an async generator (only possible with
 * `allowAsync`); from then on each event is applied after the generator's previous step has settled.
 * @internal
 */
export function replayMaybeAsync(
  orchestrator: Orchestrator,
  past: readonly HistoryEvent[],
  newEvents: readonly HistoryEvent[],
  options: ReplayOptions,
  allowAsync: boolean,
): ReplayResult | Promise<ReplayResult> {
  const r = new Replayer(orchestrator, options, allowAsync);
  r.ctx.setHistory([...past, ...newEvents]);
  const total = past.length + newEvents.length;
  const eventAt = (i: number): HistoryEvent => (i < past.length ? past[i]! : newEvents[i - past.length]!);
  try {
    for (let i = 0; i < total; i++) {
      r.ctx.isReplaying = i < past.length;
      r.process(eventAt(i));
      if (r.isPending) return continueAsync(r, i + 1);
    }
    r.ctx.isReplaying = false;
  } catch (err) {
    return nonDeterminismResult(r, err);
  }
  return replayResult(r);

  async function continueAsync(replayer: Replayer, from: number): Promise<ReplayResult> {
    try {
      await replayer.settle();
      for (let i = from; i < total; i++) {
        replayer.ctx.isReplaying = i < past.length;
        replayer.process(eventAt(i));
        await replayer.settle();
      }
      replayer.ctx.isReplaying = false;
    } catch (err) {
      return nonDeterminismResult(replayer, err);
    }
    return replayResult(replayer);
  }
}

function nonDeterminismResult(r: Replayer, err: unknown): ReplayResult {
  if (!(err instanceof NonDeterminismError)) throw err;
  const failed: CompleteOrchestrationAction = {
    type: "CompleteOrchestration",
    // The next sequence id, as DTF's FailOrchestration does: it becomes ExecutionCompleted's EventId, so it
    // must not reuse the id of an action history already recorded.
    id: r.ctx.nextActionId,
    status: "Failed",
    failureDetails: toFailureDetails(err, { isNonRetriable: true }),
  };
  return { actions: [failed], customStatus: r.ctx.customStatus, completion: failed };
}

function replayResult(r: Replayer): ReplayResult {
  const ctx = r.ctx;
  let completion = ctx.completion;
  // A terminated execution issues nothing more; work the code scheduled in this episode is dropped.
  const actions: OrchestratorAction[] =
    completion?.status === "Terminated" ? [] : [...ctx.pendingActions.values()];
  if (completion?.status === "ContinuedAsNew")
    completion = { ...completion, carryoverEvents: ctx.carryoverEvents() };
  if (completion) actions.push(completion);
  return { actions, customStatus: ctx.customStatus, completion };
}
