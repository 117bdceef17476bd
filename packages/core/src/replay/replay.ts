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
 * Non-determinism (DTF's rules, `non-determinism.ts`): every TaskScheduled / TimerCreated /
 * SubOrchestrationInstanceCreated / EventSent in history must match the action the code issued with the same
 * sequence id, of the same kind and name (and target instance for EventSent). A mismatch fails the instance
 * with `NonDeterminism`. This file is the driver (which events, in which order, sync or async) and the result;
 * `replayer.ts` applies each event and drives the generator.
 */
import type { CompleteOrchestrationAction, OrchestratorAction } from "../actions/actions.js";
import { NonDeterminismError, toFailureDetails } from "../errors/errors.js";
import type { HistoryEvent } from "../history/events.js";
import type { Orchestrator } from "./orchestrator.js";
import { Replayer } from "./replayer.js";

export type { Orchestrator } from "./orchestrator.js";

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
  const r = new Replayer(orchestrator, options.maxTimerIntervalMs, allowAsync);
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
