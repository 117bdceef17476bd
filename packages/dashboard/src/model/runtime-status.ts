/** The runtime statuses of an orchestration instance, as the management API names them. */
export const RUNTIME_STATUSES = [
  "Pending",
  "Running",
  "Suspended",
  "Completed",
  "Failed",
  "Terminated",
  "Canceled",
  "ContinuedAsNew",
] as const;

export type RuntimeStatus = (typeof RUNTIME_STATUSES)[number];

export function isRuntimeStatus(s: string): s is RuntimeStatus {
  return (RUNTIME_STATUSES as readonly string[]).includes(s);
}

/** Statuses in which an instance can still change by itself (it has not ended). */
export function isLive(s: string): boolean {
  return s === "Pending" || s === "Running" || s === "Suspended";
}
