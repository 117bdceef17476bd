/**
 * When an Instances row is behind its instance's history, and what it should say instead.
 *
 * A checkpoint writes the history, then the Instances row. A step whose history committed but whose row
 * write did not happen (the worker died in between, the write failed on every attempt, or the history batch
 * committed although its answer was lost and the retry found the sentinel changed) leaves the row one step
 * behind, and the step's messages, when they come back, are dropped as already consumed. Usually the next
 * step rewrites the row, but some instances take no next step: a finished orchestration, an entity whose
 * last operation it was (an entity's state is read from its row). Such a row is rewritten from history.
 *
 * The row is behind when it names the history's execution with another status (Running → Completed), or
 * another execution than the history's (continue-as-new; an entity starts a new execution with every batch),
 * unless that row is Pending: a client's start of a new execution writes the row before the history, so a
 * Pending row of another execution is ahead of the history, not behind it. A row of the history's own
 * execution and status may still lag in its custom status, which history does not keep; that is left alone.
 */
import {
  isEntityInstanceId,
  OrchestrationRuntimeState,
  SchedulerState,
  serializeEntityStatus,
  type HistoryEvent,
  type InstanceRecord,
} from "@taskhub/core";

/** The record to write over `row`, or undefined when the row is not behind `events` (or there is no history). */
export function instanceRecordBehindHistory(
  instanceId: string,
  events: readonly HistoryEvent[],
  row: InstanceRecord | undefined,
  now: Date,
): InstanceRecord | undefined {
  const state = new OrchestrationRuntimeState([...events]);
  if (!state.startEvent) return undefined;
  if (row) {
    const sameExecution = row.executionId === state.executionId;
    if (sameExecution && row.runtimeStatus === state.status) return undefined;
    if (!sameExecution && row.runtimeStatus === "Pending") return undefined;
  }
  // An entity's custom status is its status (existence, queue, lock), which its scheduler state holds.
  let customStatus = row?.serializedCustomStatus;
  if (isEntityInstanceId(instanceId)) {
    try {
      customStatus = serializeEntityStatus(SchedulerState.parse(state.startEvent.input).status);
    } catch {
      /* a corrupt scheduler state: its next step reports it; the row still gets the history's state */
    }
  }
  return state.toInstanceRecord({ customStatus, lastUpdatedAt: now });
}
