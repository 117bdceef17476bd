/**
 * Retry policies for activities and sub-orchestrations. Retries run inside the orchestration with
 * durable timers, so a retry schedule replays deterministically: every delay is computed from history
 * time (the episode's OrchestratorStarted timestamp), never from the wall clock.
 */
import { InvalidArgumentError, type TaskFailedError } from "../errors/errors.js";

export interface RetryPolicy {
  /** Total attempts including the first (>= 1). */
  maxNumberOfAttempts: number;
  /** Delay before the first retry (> 0 ms). */
  firstRetryIntervalMs: number;
  /** Multiplier applied per further retry; default 1. */
  backoffCoefficient?: number;
  /** Cap for a single delay; default unbounded. */
  maxRetryIntervalMs?: number;
  /** No retry is started once this much time has passed since the first attempt; default unbounded. */
  retryTimeoutMs?: number;
  /** Return false to stop retrying on this failure. A throwing predicate counts as false. */
  handleFailure?: (failure: TaskFailedError) => boolean;
}

export function validateRetryPolicy(p: RetryPolicy): void {
  if (!Number.isInteger(p.maxNumberOfAttempts) || p.maxNumberOfAttempts < 1)
    throw new InvalidArgumentError("retry.maxNumberOfAttempts must be an integer >= 1");
  if (!(p.firstRetryIntervalMs > 0)) throw new InvalidArgumentError("retry.firstRetryIntervalMs must be > 0");
  if (p.backoffCoefficient !== undefined && !(p.backoffCoefficient >= 1))
    throw new InvalidArgumentError("retry.backoffCoefficient must be >= 1");
  if (p.maxRetryIntervalMs !== undefined && !(p.maxRetryIntervalMs > 0))
    throw new InvalidArgumentError("retry.maxRetryIntervalMs must be > 0");
  if (p.retryTimeoutMs !== undefined && !(p.retryTimeoutMs >= 0))
    throw new InvalidArgumentError("retry.retryTimeoutMs must be >= 0");
}

/**
 * The delay before attempt `attempt + 1`, or undefined when the failure must surface.
 * `attempt` is the number of attempts made so far (1 after the first failure).
 */
export function nextRetryDelayMs(
  p: RetryPolicy,
  attempt: number,
  failure: TaskFailedError,
  elapsedSinceFirstAttemptMs: number,
): number | undefined {
  if (attempt >= p.maxNumberOfAttempts) return undefined;
  if (failure.details.isNonRetriable) return undefined;
  if (p.handleFailure) {
    try {
      if (!p.handleFailure(failure)) return undefined;
    } catch {
      return undefined;
    }
  }
  const coefficient = p.backoffCoefficient ?? 1;
  let delay = p.firstRetryIntervalMs * Math.pow(coefficient, attempt - 1);
  if (p.maxRetryIntervalMs !== undefined) delay = Math.min(delay, p.maxRetryIntervalMs);
  if (p.retryTimeoutMs !== undefined && elapsedSinceFirstAttemptMs + delay > p.retryTimeoutMs) return undefined;
  return Math.round(delay);
}
