/**
 * Rewind of a Failed execution (DTF's ExecutionRewound): history is rewritten so that replay re-runs the
 * failed work. Removed: the ExecutionCompleted(Failed) event, every TaskFailed / SubOrchestrationInstanceFailed
 * with its scheduling event, and everything the orchestrator scheduled from the episode in which the first
 * of those failures arrived onwards (retry timers, reactions to the failure), with their results. What is
 * left is a consistent prefix plus successful results, so replay matches it and re-issues the rest as new
 * actions. Activities that completed after the first failure may run again (delivery is at least once).
 */
import type { HistoryEvent } from "../history/events.js";

export function rewindHistory(events: readonly HistoryEvent[]): HistoryEvent[] {
  let episode = 0;
  const episodeOf = new Map<HistoryEvent, number>();
  for (const e of events) {
    if (e.type === "OrchestratorStarted") episode++;
    episodeOf.set(e, episode);
  }
  const failedIds = new Set<number>();
  let firstFailureEpisode = Infinity;
  for (const e of events) {
    if (e.type === "TaskFailed" || e.type === "SubOrchestrationInstanceFailed") {
      failedIds.add(e.taskScheduledId);
      firstFailureEpisode = Math.min(firstFailureEpisode, episodeOf.get(e)!);
    }
  }
  const removedIds = new Set(failedIds);
  for (const e of events) {
    if (isScheduling(e) && episodeOf.get(e)! >= firstFailureEpisode) removedIds.add(e.eventId);
  }
  return events.filter((e) => {
    switch (e.type) {
      case "ExecutionCompleted":
        return false;
      case "TaskScheduled":
      case "TimerCreated":
      case "SubOrchestrationInstanceCreated":
      case "EventSent":
        return !removedIds.has(e.eventId);
      case "TaskCompleted":
      case "TaskFailed":
      case "SubOrchestrationInstanceCompleted":
      case "SubOrchestrationInstanceFailed":
        return !removedIds.has(e.taskScheduledId);
      case "TimerFired":
        return !removedIds.has(e.timerId);
      default:
        return true;
    }
  });
}

function isScheduling(e: HistoryEvent): boolean {
  return (
    e.type === "TaskScheduled" ||
    e.type === "TimerCreated" ||
    e.type === "SubOrchestrationInstanceCreated" ||
    e.type === "EventSent"
  );
}
