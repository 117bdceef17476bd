/**
 * How often a worker looks at the shared work-item queue whatever its back-off, so that activities another
 * worker could not start (see `LocalActivities.reserveLocalActivities`) are taken within about a second.
 *
 * Only an orchestration's owner schedules activities, and it wakes its own poller when it sends some to the
 * shared queue. So a worker that polls every partition has no one to wait for and keeps DTF's back-off (an
 * idle single worker costs what it did). Any other worker polls at least every
 * `busyWorkItemPollingIntervalMs` while it has done work in the last `workItemPollingLingerMs` (a hub at
 * work), and every `idleWorkItemPollingIntervalMs` otherwise (the price of noticing a fan-out that starts on a
 * quiet hub, paid only where there is a second worker; both 0: DTF's back-off alone).
 */

export interface WorkItemPaceSettings {
  busyWorkItemPollingIntervalMs: number;
  idleWorkItemPollingIntervalMs: number;
  workItemPollingLingerMs: number;
}

export interface WorkItemPaceState {
  /** Milliseconds since this worker last ran a step or an activity, or received a work item. */
  sinceWorkMs: number;
  /** Whether this worker polls every control queue of the hub (no other worker can schedule activities). */
  pollsEveryPartition: boolean;
}

/** The longest the shared work-item queue may go unpolled now; undefined: the back-off alone decides. */
export function workItemPollCapMs(s: WorkItemPaceSettings, state: WorkItemPaceState): number | undefined {
  if (state.pollsEveryPartition) return undefined;
  const ms =
    state.sinceWorkMs < s.workItemPollingLingerMs
      ? s.busyWorkItemPollingIntervalMs
      : s.idleWorkItemPollingIntervalMs;
  return ms > 0 ? ms : undefined;
}
