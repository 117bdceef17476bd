/**
 * One event of an instance's history as the management API answers it (`GET /instances/{id}?showHistory=true`):
 * Durable Functions' condensed form, where each completion carries its scheduling's `FunctionName`,
 * `ScheduledTime` and `Input`, and OrchestratorStarted/Completed, TaskScheduled and
 * SubOrchestrationInstanceCreated are left out. A full history (with `EventId`, `TaskScheduledId`, `TimerId` and
 * the scheduling events) fits the same shape; the dashboard's logic uses those fields when they are there.
 */
export interface FailureDetails {
  errorType?: string;
  errorMessage?: string;
  stackTrace?: string;
  innerFailure?: FailureDetails;
  isNonRetriable?: boolean;
}

export interface HistoryEvent {
  EventType: string;
  Timestamp: string;
  FunctionName?: string;
  ScheduledTime?: string;
  Input?: unknown;
  Result?: unknown;
  Reason?: string | null;
  Details?: unknown;
  FailureDetails?: FailureDetails;
  InstanceId?: string;
  FireAt?: string;
  Name?: string;
  OrchestrationStatus?: string;
  EventId?: number;
  TaskScheduledId?: number;
  TimerId?: number;
}

/**
 * Milliseconds since the epoch of a history time. DTF writes up to seven fractional digits
 * (`2024-01-02T03:04:05.1234567Z`), more than `Date.parse` is required to accept: the extra digits are dropped.
 * NaN for a missing or unreadable time.
 */
export function parseTime(s: string | undefined | null): number {
  if (!s) return NaN;
  return Date.parse(s.replace(/(\.\d{3})\d+/, "$1"));
}
