/**
 * `replayOrchestration`: history in, actions out. Pure and synchronous: it runs the orchestrator generator
 * against the committed events (`past`, replaying) and the events of this work item (`new`), and returns
 * the actions the code issued that history does not already record, plus the custom status.
 *
 * Non-determinism (DTF's rules): every TaskScheduled / TimerCreated / SubOrchestrationInstanceCreated /
 * EventSent in history must match the action the code issued with the same sequence id, of the same kind
 * and name (and target instance for EventSent). A mismatch fails the instance with `NonDeterminism`.
 */
import type { CompleteOrchestrationAction, OrchestratorAction } from "../actions/actions.js";
import { NonDeterminismError, TaskHubError, toFailureDetails } from "../errors/errors.js";
import type { HistoryEvent, ScheduledHistoryEvent } from "../history/events.js";
import { OrchestrationContextImpl, parsePayload, serializePayload, type OrchestrationContext } from "./context.js";
import { DurableTask } from "./tasks.js";

/**
 * An orchestrator: a generator function (`function* (ctx, input) { ... yield task ... }`), or a plain
 * function returning its output directly.
 */
export type Orchestrator<TInput = any, TOutput = any> = (
  ctx: OrchestrationContext,
  input: TInput,
) => Generator<DurableTask<any>, TOutput, any> | TOutput;

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
  private waitingOn: DurableTask<any> | undefined;
  private started = false;
  private finished = false;
  private suspended = false;
  private held: HistoryEvent[] = [];

  constructor(
    private readonly orchestrator: Orchestrator,
    options: ReplayOptions,
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
        for (const h of held) this.process(h);
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
      this.fail(new TaskHubError("Serialization", `orchestration input is not valid JSON: ${(err as Error).message}`));
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
    } else if (isAsyncIterator(out) || out instanceof Promise) {
      this.fail(
        new TaskHubError(
          "InvalidOperation",
          "orchestrators must be synchronous generator functions (function*); async functions and async generators are not supported",
        ),
      );
    } else {
      this.succeed(out);
    }
  }

  private resumeIfReady(): void {
    const t = this.waitingOn;
    if (!t || !t.isComplete || this.finished || !this.generator) return;
    this.waitingOn = undefined;
    const gen = this.generator;
    if (t.isFailed) this.step(() => gen.throw(t.getException()));
    else this.step(() => gen.next(t.getResult()));
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
      if (r.done) {
        this.succeed(r.value);
        return;
      }
      if (this.ctx.completion) {
        // continueAsNew() was called: the execution ends at this yield.
        this.finished = true;
        return;
      }
      const task = r.value;
      if (!(task instanceof DurableTask)) {
        const hint =
          task === undefined
            ? " (undefined was yielded: signalEntity, sendEvent, continueAsNew and setCustomStatus return nothing to yield)"
            : "";
        this.fail(new TaskHubError("InvalidOperation", `orchestrator yielded a value that is not a durable task${hint}`));
        return;
      }
      if (!task.isComplete) {
        this.waitingOn = task;
        return;
      }
      const gen = this.generator!;
      advance = task.isFailed ? () => gen.throw(task.getException()) : () => gen.next(task.getResult());
    }
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
  return typeof v === "object" && v !== null && typeof (v as Generator).next === "function" && typeof (v as Generator).throw === "function" && Symbol.iterator in v;
}

function isAsyncIterator(v: unknown): boolean {
  return typeof v === "object" && v !== null && Symbol.asyncIterator in v;
}

export function replayOrchestration(
  orchestrator: Orchestrator,
  past: readonly HistoryEvent[],
  newEvents: readonly HistoryEvent[],
  options: ReplayOptions = {},
): ReplayResult {
  const r = new Replayer(orchestrator, options);
  try {
    r.ctx.isReplaying = true;
    for (const e of past) r.process(e);
    r.ctx.isReplaying = false;
    for (const e of newEvents) r.process(e);
  } catch (err) {
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
  const ctx = r.ctx;
  let completion = ctx.completion;
  // A terminated execution issues nothing more; work the code scheduled in this episode is dropped.
  const actions: OrchestratorAction[] = completion?.status === "Terminated" ? [] : [...ctx.pendingActions.values()];
  if (completion?.status === "ContinuedAsNew") completion = { ...completion, carryoverEvents: ctx.carryoverEvents() };
  if (completion) actions.push(completion);
  return { actions, customStatus: ctx.customStatus, completion };
}
