/**
 * One orchestration step: reconcile a work item's messages with its history, replay, and turn the actions
 * into new history events and outbound messages (an `OrchestrationCommit`). Pure apart from the `now` it is
 * given (execution ids of continued generations and sub-orchestrations are derived, so a step that runs again
 * produces the same ones), so every backend gets DTF Core's dispatcher semantics:
 *
 * - messages for another execution, duplicate starts and results for unknown tasks are dropped;
 * - messages for a finished instance are dropped, except ExecutionRewound on a Failed one;
 * - continue-as-new runs the next generation in the same step; only its history is written (as DTF);
 * - an unknown orchestrator name fails the instance with `OrchestratorNotRegistered`;
 * - with `versioning`, an instance whose version does not match the worker's is failed (`VersionMismatch`,
 *   its code not run) or, with the `Reject` strategy, the step throws `VersionRejectedError` and writes nothing
 *   (the worker abandons the work item for another worker), as DurableTask.Core's dispatcher does.
 *
 * `executeOrchestrationWorkItem` is synchronous and replays `function*` orchestrators only;
 * `executeOrchestrationWorkItemAsync` (what the worker uses) also runs `async function*` ones, awaiting only
 * when an orchestrator turns out to be one.
 */
import type { CompleteOrchestrationAction } from "../actions/actions.js";
import type { TaskMessage } from "../backend/task-message.js";
import type { OrchestrationCommit, OrchestrationWorkItem } from "../backend/service.js";
import type { ExecutionStartedEvent, HistoryEvent, OrchestrationInstance } from "../history/events.js";
import { newEvent } from "../history/factories.js";
import { uuidV5 } from "../replay/new-guid.js";
import {
  replayMaybeAsync,
  type Orchestrator,
  type ReplayOptions,
  type ReplayResult,
} from "../replay/replay.js";
import { OrchestrationRuntimeState } from "../state/runtime-state.js";
import { newExecutionTrace, newRootExecutionTrace, stepExecutionTrace } from "../tracing/execution-trace.js";
import { arrivalTraceEntries, type OrchestrationStepTrace } from "../tracing/step-trace.js";
import type { EntityBatchTrace } from "../tracing/entity-spans.js";
import { rewindHistory } from "./rewind.js";
import { StepOutput } from "./step-output.js";
import {
  versionMatches,
  versionMismatchFailure,
  VersionRejectedError,
  type VersioningOptions,
} from "./versioning.js";

export interface ExecuteOptions {
  resolveOrchestrator(name: string, version?: string): Orchestrator | undefined;
  now: Date;
  /** Not used: continue-as-new derives the next execution id (see `continuedExecutionId`). Accepted for older callers. */
  newExecutionId?(): string;
  maxTimerIntervalMs?: number | undefined;
  /** Keep activity/sub-orchestration inputs in history events (DTF's IncludeParameters; default false). */
  includeParameters?: boolean;
  /** Called for every message the step drops, with the reason (for logging). */
  onDiscard?(message: TaskMessage, reason: string): void;
  /** The worker's version and what to do with instances of another (default: any version runs). */
  versioning?: VersioningOptions | undefined;
}

/**
 * `undefined` when every message was dropped: the backend just deletes them. `trace` (when the execution is
 * traced) is what the worker emits spans for once the commit is written; backends ignore it.
 */
export type ExecuteResult =
  | (OrchestrationCommit & {
      trace?: OrchestrationStepTrace | undefined;
      /** An entity's batch: its operations' spans (tracing/entity-spans.ts). */
      entityTrace?: EntityBatchTrace | undefined;
    })
  | undefined;

const MAX_GENERATIONS_PER_STEP = 1000;

/** A replay the step needs; the driver answers with its ReplayResult. */
interface ReplayCall {
  orchestrator: Orchestrator;
  past: readonly HistoryEvent[];
  newEvents: readonly HistoryEvent[];
  options: ReplayOptions;
}

/**
 * Synchronous: for `function*` orchestrators. An `async function*` orchestrator makes it throw (InvalidOperation,
 * naming `executeOrchestrationWorkItemAsync`).
 */
export function executeOrchestrationWorkItem(wi: OrchestrationWorkItem, opts: ExecuteOptions): ExecuteResult {
  const steps = executeSteps(wi, opts);
  for (let r = steps.next(); ;) {
    if (r.done) return r.value;
    const c = r.value;
    r = steps.next(replayMaybeAsync(c.orchestrator, c.past, c.newEvents, c.options, false) as ReplayResult);
  }
}

/** Any orchestrator, `async function*` included; replays of `function*` orchestrators stay synchronous. */
export async function executeOrchestrationWorkItemAsync(
  wi: OrchestrationWorkItem,
  opts: ExecuteOptions,
): Promise<ExecuteResult> {
  const steps = executeSteps(wi, opts);
  for (let r = steps.next(); ;) {
    if (r.done) return r.value;
    const c = r.value;
    const replayed = replayMaybeAsync(c.orchestrator, c.past, c.newEvents, c.options, true);
    r = steps.next(replayed instanceof Promise ? await replayed : replayed);
  }
}

function* executeSteps(
  wi: OrchestrationWorkItem,
  opts: ExecuteOptions,
): Generator<ReplayCall, ExecuteResult, ReplayResult> {
  const discard = (m: TaskMessage, reason: string): void => opts.onDiscard?.(m, reason);
  let past: HistoryEvent[] = [...wi.pastEvents];
  let replaces = false;
  let state = new OrchestrationRuntimeState(past);

  // A start message for a different execution than the committed one begins a new generation.
  const starts = wi.newMessages.filter((m) => m.event.type === "ExecutionStarted");
  const freshStart = starts.find(
    (m) => !state.startEvent || m.orchestrationInstance.executionId !== state.executionId,
  );
  if (freshStart && state.startEvent) {
    past = [];
    replaces = true;
    state = new OrchestrationRuntimeState();
  }
  const startMsg = freshStart;
  const executionId = startMsg?.orchestrationInstance.executionId ?? state.executionId;

  const accepted: HistoryEvent[] = [];
  let rewind: HistoryEvent | undefined;
  const resultIds = new Set<string>();
  for (const e of past) {
    const key = resultKey(e);
    if (key) resultIds.add(key);
  }
  for (const m of wi.newMessages) {
    const e = m.event;
    const target = m.orchestrationInstance.executionId;
    if (e.type === "ExecutionStarted") {
      if (m !== startMsg) discard(m, "duplicate ExecutionStarted");
      else accepted.push(e);
      continue;
    }
    // Before the duplicate check: a late result for an earlier generation (same task id, another execution)
    // must not mark this generation's result as seen.
    if (target && executionId && target !== executionId) {
      discard(m, `message for execution ${target}, current execution is ${executionId}`);
      continue;
    }
    const key = resultKey(e);
    if (key) {
      if (resultIds.has(key)) {
        discard(m, `duplicate result (${key})`);
        continue;
      }
      resultIds.add(key);
    }
    if (state.isTerminal) {
      if (e.type === "ExecutionRewound" && state.status === "Failed" && !rewind) rewind = e;
      else discard(m, `instance is ${state.status}`);
      continue;
    }
    if (!state.startEvent && !startMsg) {
      discard(m, "no such instance (no ExecutionStarted in history)");
      continue;
    }
    accepted.push(e);
  }

  if (rewind) {
    past = rewindHistory(past);
    // The failed run's span was exported when it failed: the rewound run is a new span under the same parent.
    const i = past.findIndex((e) => e.type === "ExecutionStarted");
    const rewinds = past.filter((e) => e.type === "ExecutionRewound").length + 1;
    const restamped =
      i >= 0 ? newExecutionTrace(past[i] as ExecutionStartedEvent, opts.now, rewinds) : undefined;
    if (restamped) past[i] = restamped.start;
    replaces = true;
    accepted.length = 0;
    accepted.push(rewind);
  }
  if (accepted.length === 0) return undefined;

  const output = new StepOutput({
    now: opts.now,
    includeParameters: opts.includeParameters,
    defaultVersion: opts.versioning?.defaultVersion,
  });
  let newEvents: HistoryEvent[] = [newEvent("OrchestratorStarted", { timestamp: opts.now }), ...accepted];
  let newTrace: OrchestrationStepTrace["newTrace"];
  let execution = stepExecutionTrace(past, newEvents, opts.now, (root) => (newTrace = root));
  output.execution = execution;
  /** Results that arrived in this step: the step's first span chain's. */
  let arrivals = execution ? arrivalTraceEntries(past, accepted) : [];
  /** Span chains that ended in this step by continue-as-new into a new trace; where the current one began. */
  const earlier: OrchestrationStepTrace[] = [];
  let chainStart = 0;
  let episodeState: OrchestrationRuntimeState | undefined;
  let lastStart: ExecutionStartedEvent | undefined;
  let lastCompletion: CompleteOrchestrationAction | undefined;
  for (let gen = 0; ; gen++) {
    const all = [...past, ...newEvents];
    const runtime = new OrchestrationRuntimeState(all);
    const start = runtime.startEvent;
    if (!start) return undefined;
    const versioning = opts.versioning ?? {};
    const matches = versionMatches(versioning, start.version);
    if (!matches && versioning.failureStrategy !== "Fail")
      throw new VersionRejectedError(
        start.version ?? "",
        versioning.version ?? "",
        versioning.matchStrategy!,
      );
    const orchestrator = matches ? opts.resolveOrchestrator(start.name, start.version) : undefined;
    const result: ReplayResult = orchestrator
      ? yield { orchestrator, past, newEvents, options: { maxTimerIntervalMs: opts.maxTimerIntervalMs } }
      : {
          actions: [
            matches
              ? notRegistered(start.name, start.version, runtime)
              : versionMismatchFailure(versioning, start.version),
          ],
          customStatus: wi.customStatus,
          completion: undefined,
        };
    const instance: OrchestrationInstance = start.orchestrationInstance;
    const rewinds = all.filter((e) => e.type === "ExecutionRewound").length;
    const produced = output.apply(result.actions, start, instance, runtime.episode, rewinds);
    newEvents.push(...produced, newEvent("OrchestratorCompleted", { timestamp: opts.now }));
    episodeState = new OrchestrationRuntimeState([...past, ...newEvents]);
    output.customStatus = result.customStatus;

    const completion = result.actions.find(
      (a): a is CompleteOrchestrationAction => a.type === "CompleteOrchestration",
    );
    lastStart = start;
    lastCompletion = completion;
    if (completion?.status !== "ContinuedAsNew" || gen >= MAX_GENERATIONS_PER_STEP) break;
    // Continue-as-new: the next generation starts in this step; the old generation's tail is not written.
    let nextStart = newEvent("ExecutionStarted", {
      timestamp: opts.now,
      orchestrationInstance: { instanceId: instance.instanceId, executionId: continuedExecutionId(instance) },
      parentInstance: start.parentInstance,
      name: start.name,
      version: completion.newVersion ?? start.version,
      input: completion.result,
      tags: start.tags,
      // As DTF: the next generation keeps the trace context, span identity included (one span for the chain).
      parentTraceContext: start.parentTraceContext,
      generation: start.generation,
    });
    if (completion.continueAsNewTraceBehavior === "startNewTrace") {
      // A traced chain ends here (its span ends, ContinuedAsNew) and the next generation starts a new trace, as
      // DTF's StartNewTrace; an untraced one stays untraced.
      const { parentTraceContext: _old, ...untraced } = nextStart;
      nextStart = untraced;
      if (execution) {
        const entries = [...arrivals, ...output.traceEntries.slice(chainStart)];
        arrivals = [];
        earlier.push({
          execution,
          start,
          entries,
          completion: { status: "ContinuedAsNew" },
          ...(newTrace ? { newTrace } : {}),
        });
        chainStart = output.traceEntries.length;
        const root = newRootExecutionTrace(nextStart, opts.now, execution.span.traceFlags);
        nextStart = root.start;
        execution = root.trace;
        output.execution = execution;
        newTrace = { createSpan: root.createSpan };
      }
    }
    past = [];
    replaces = true;
    output.customStatus = undefined;
    newEvents = [
      newEvent("OrchestratorStarted", { timestamp: opts.now }),
      nextStart,
      ...(completion.carryoverEvents ?? []).map((e) => ({ ...e, isPlayed: false })),
    ];
  }

  const finalEvents = replaces ? [...past, ...newEvents] : newEvents;
  // The client stamps the generation on the start event; continue-as-new and sub-orchestrations keep it.
  // The loop runs at least once, so the final episode's state exists.
  const record = episodeState!.toInstanceRecord({
    customStatus: output.customStatus,
    generation: episodeState!.startEvent?.generation ?? wi.generation ?? 0,
    lastUpdatedAt: opts.now,
  });
  return {
    newEvents: finalEvents,
    replacesHistory: replaces,
    state: record,
    activityMessages: output.activityMessages,
    orchestratorMessages: output.orchestratorMessages,
    timerMessages: output.timerMessages,
    trace: execution && {
      execution,
      start: lastStart!,
      entries: [...arrivals, ...output.traceEntries.slice(chainStart)],
      completion:
        lastCompletion && lastCompletion.status !== "ContinuedAsNew"
          ? { status: lastCompletion.status, failureDetails: lastCompletion.failureDetails }
          : undefined,
      ...(newTrace ? { newTrace } : {}),
      ...(earlier.length > 0 ? { earlier } : {}),
    },
  };
}

/** Identifies the task a result event completes; a second result for the same task is a duplicate. */
function resultKey(e: HistoryEvent): string | undefined {
  switch (e.type) {
    case "TaskCompleted":
    case "TaskFailed":
      return `task:${e.taskScheduledId}`;
    case "SubOrchestrationInstanceCompleted":
    case "SubOrchestrationInstanceFailed":
      return `sub:${e.taskScheduledId}`;
    case "TimerFired":
      return `timer:${e.timerId}`;
    default:
      return undefined;
  }
}

function notRegistered(
  name: string,
  version: string | undefined,
  runtime: OrchestrationRuntimeState,
): CompleteOrchestrationAction {
  const what = version ? `'${name}' (version '${version}')` : `'${name}'`;
  return {
    type: "CompleteOrchestration",
    id: 0,
    status: "Failed",
    failureDetails: {
      errorType: "OrchestratorNotRegistered",
      errorMessage: `no orchestrator named ${what} is registered with this worker (instance '${runtime.instanceId}')`,
      isNonRetriable: true,
    },
  };
}

const CONTINUE_AS_NEW_NAMESPACE = Buffer.from("2f7d1c9a6e3b4d8f0a5c7e1b3d9f2a64", "hex");

/**
 * The execution id of the generation an execution continues as: derived from the one it continues, so a
 * continue-as-new step that runs again after a crash between its sends and its history write starts the same
 * generation. With a fresh random id, the dead step's generation and the re-run's were two executions: the
 * first one's activities ran again under the second, and its late results arrived for an execution that
 * never was.
 */
function continuedExecutionId(previous: OrchestrationInstance): string {
  return uuidV5(
    CONTINUE_AS_NEW_NAMESPACE,
    `${previous.instanceId}\n${previous.executionId ?? ""}`,
  ).replaceAll("-", "");
}
