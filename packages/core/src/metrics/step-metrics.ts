/**
 * What one orchestration step adds to the worker's metrics, read from the work item and the commit the step
 * wrote: executions started (a start message the step accepted: a client's, a parent's or an entity's, not
 * a continue-as-new generation), executions ended (the ExecutionCompleted the step wrote, by status), and the
 * step's duration. Entity steps count only as steps (an entity's batch ends in a new generation each time).
 */
import type { OrchestrationCommit, OrchestrationWorkItem } from "../backend/service.js";
import { isEntityInstanceId, parseEntityInstanceId } from "../entities/entity-id.js";
import type { ExecutionStartedEvent, HistoryEvent } from "../history/events.js";
import type { WorkerInstruments } from "./instruments.js";
import { MetricAttr } from "./schema.js";

export type StepResult = "committed" | "abandoned" | "dropped";

export function recordStep(
  m: WorkerInstruments,
  wi: OrchestrationWorkItem,
  commit: OrchestrationCommit | undefined,
  result: StepResult,
  seconds: number,
): void {
  const entity = isEntityInstanceId(wi.instanceId);
  const name = entity ? entityName(wi.instanceId) : orchestrationName(wi, commit);
  m.stepDuration.record(seconds, {
    [MetricAttr.orchestrationName]: name,
    [MetricAttr.kind]: entity ? "entity" : "orchestration",
    [MetricAttr.stepResult]: result,
  });
  if (entity || result !== "committed" || !commit) return;
  let started: ExecutionStartedEvent | undefined;
  let ended: HistoryEvent | undefined;
  for (const e of commit.newEvents) {
    if (e.type === "ExecutionStarted") started = e;
    else if (e.type === "ExecutionCompleted") ended = e;
  }
  if (
    started &&
    wi.newMessages.some(
      (msg) =>
        msg.event.type === "ExecutionStarted" &&
        msg.orchestrationInstance.executionId === started.orchestrationInstance.executionId,
    )
  )
    m.started.add(1, { [MetricAttr.orchestrationName]: started.name });
  if (ended?.type !== "ExecutionCompleted") return;
  const attrs = { [MetricAttr.orchestrationName]: started?.name ?? name };
  switch (ended.orchestrationStatus) {
    case "Completed":
      m.completed.add(1, attrs);
      break;
    case "Failed":
      m.failed.add(1, attrs);
      break;
    case "Terminated":
      m.terminated.add(1, attrs);
      break;
    default:
      break;
  }
}

function entityName(instanceId: string): string {
  try {
    return parseEntityInstanceId(instanceId).name;
  } catch {
    return instanceId;
  }
}

/** The name of the step's (last) execution: from what it wrote, else its history, else its start message. */
function orchestrationName(wi: OrchestrationWorkItem, commit: OrchestrationCommit | undefined): string {
  const find = (events: readonly HistoryEvent[]): string | undefined => {
    for (let i = events.length - 1; i >= 0; i--) {
      const e = events[i]!;
      if (e.type === "ExecutionStarted") return e.name;
    }
    return undefined;
  };
  return (
    (commit && find(commit.newEvents)) ??
    find(wi.pastEvents) ??
    find(wi.newMessages.map((msg) => msg.event)) ??
    "(unknown)"
  );
}
