/**
 * Field-by-field comparison of what two runtimes produced for the same orchestration: instance states and
 * histories lose only what must differ between two runs (ids of executions, wall-clock times), and the
 * order of events that arrive concurrently (fan-in completions) is made canonical.
 */
import type { OrchestrationState } from "@taskhub/core";
import type { DtfEvent, DtfState } from "./peer.js";

/** DTF's EventType numbers of OrchestratorStarted and OrchestratorCompleted: episode boundaries depend on timing. */
const EPISODE_MARKERS = new Set([12, 13]);

const VOLATILE_KEYS = new Set([
  "Timestamp",
  "IsPlayed",
  "ExecutionId",
  "FireAt",
  "ScheduledStartTime",
  "StackTrace",
  "Details",
  "Correlation",
  "ParentTraceContext",
]);

/**
 * Failure details name the language's exception type (System.InvalidOperationException, Error), and an
 * orchestration that does not catch a task's failure fails with DTF Core's own type and message on DT.AS
 * (the task's details as they are) and with taskhub's TaskFailedError wrapping them as inner failure (as
 * durabletask-dotnet's TaskFailedException): compared is the innermost message, the error's own words.
 */
function innermostMessage(fd: unknown): unknown {
  let d = fd as { ErrorMessage?: string; InnerFailure?: unknown } | null;
  while (d && d.InnerFailure) d = d.InnerFailure as typeof d;
  return d ? { ErrorMessage: d.ErrorMessage } : d;
}

function strip(v: unknown, replace: (s: string) => string): unknown {
  if (Array.isArray(v)) return v.map((x) => strip(x, replace));
  if (v && typeof v === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      if (!VOLATILE_KEYS.has(k)) o[k] = k === "FailureDetails" ? innermostMessage(x) : strip(x, replace);
    // A continued generation's ExecutionStarted: DT.AS leaves Generation null, taskhub keeps the instance's
    // generation (0 unless re-created); harmless, see docs/dtf-compatibility.md.
    if ("Generation" in o && o.Generation === null) o.Generation = 0;
    // A failed execution's ExecutionCompleted.Result is its failure's message: the task's own on DT.AS, the
    // TaskFailedError's around it on taskhub (see innermostMessage); compared is the task's own message.
    if (o.EventType === 1 && o.OrchestrationStatus === 3 && typeof o.Result === "string")
      o.Result = failureTail(o.Result);
    return o;
  }
  return typeof v === "string" ? replace(v) : v;
}

/**
 * A history as DurableTask.Core serializes it, without episode markers and volatile fields. Events that the
 * orchestration produced (EventId >= 0) keep their order; events it received are sorted, since concurrent
 * completions may come in another order or batch on another run.
 */
export function canonicalDtfHistory(
  events: DtfEvent[],
  replace: (s: string) => string = (s) => s,
): { decisions: unknown[]; received: unknown[] } {
  const kept = events
    .filter((e) => !EPISODE_MARKERS.has(e.EventType))
    .map((e) => strip(e, replace) as DtfEvent);
  const decisions = kept.filter((e) => e.EventId >= 0 || e.EventType === 0 || e.EventType === 1);
  const received = kept
    .filter((e) => !(e.EventId >= 0 || e.EventType === 0 || e.EventType === 1))
    .map((e) => JSON.stringify(e))
    .sort();
  return { decisions, received };
}

/** Timer events must carry the same fire time on both sides of a TimerCreated/TimerFired pair. */
export function timerPairsAgree(events: DtfEvent[]): string[] {
  const created = new Map<number, unknown>();
  for (const e of events) if (e.EventType === 10) created.set(e.EventId, e.FireAt);
  const problems: string[] = [];
  for (const e of events)
    if (e.EventType === 11 && created.get(e.TimerId as number) !== e.FireAt)
      problems.push(
        `TimerFired ${String(e.TimerId)} at ${String(e.FireAt)}, created for ${String(created.get(e.TimerId as number))}`,
      );
  return problems;
}

/**
 * A failed instance's output is `<ErrorType>: <ErrorMessage>` of its failure: on DT.AS the failed task's own
 * exception, on taskhub its TaskFailedError around it (see innermostMessage); the message's last part is the
 * task's own message on both.
 */
function failureTail(output: string | null | undefined): string | null | undefined {
  if (output == null) return output;
  const i = output.lastIndexOf(": ");
  return i < 0 ? output : output.slice(i + 2);
}

/**
 * The fields of an instance's state that must agree between two runs of one orchestration, from either client's
 * view (DT.AS's `DtfState` or taskhub's `OrchestrationState`; compare two views of the same kind). A failed
 * instance's output and failure message are compared by their last part (see failureTail); the failure's
 * type is the language's and is left out.
 */
export function comparableState(
  s: DtfState | OrchestrationState | null | undefined,
  replace: (s: string) => string = (x) => x,
): Record<string, unknown> | null {
  if (!s) return null;
  const dtf = "status" in s;
  const status = dtf ? s.status : s.runtimeStatus;
  const input = dtf ? s.input : s.serializedInput;
  const output = dtf ? s.output : s.serializedOutput;
  const failure = s.failureDetails;
  const parent = s.parentInstanceId;
  return {
    name: s.name,
    version: s.version,
    status,
    input: input == null ? input : replace(input),
    output: output == null ? output : status === "Failed" ? failureTail(output) : replace(output),
    customStatus: dtf ? s.customStatus : s.serializedCustomStatus,
    parentInstanceId: parent == null ? parent : replace(parent),
    failure: failure ? { errorMessage: failureTail(failure.errorMessage) } : failure,
    hasTimes: dtf
      ? [s.createdTime !== null, s.lastUpdatedTime !== null, s.completedTime !== null]
      : [s.createdAt !== undefined, s.lastUpdatedAt !== undefined],
  };
}
