/**
 * DTF's non-determinism rule: every TaskScheduled / TimerCreated / SubOrchestrationInstanceCreated / EventSent in
 * history must match the action the code issued with the same sequence id, of the same kind and name (and target
 * instance for EventSent). A mismatch is a `NonDeterminismError`, which fails the instance.
 */
import type { OrchestratorAction } from "../actions/actions.js";
import { NonDeterminismError } from "../errors/errors.js";
import type { ScheduledHistoryEvent } from "../history/events.js";

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

/** Throws `NonDeterminismError` unless `action` (the code's action with the event's id) is what `e` recorded. */
export function checkRecordedAction(e: ScheduledHistoryEvent, action: OrchestratorAction | undefined): void {
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
}
