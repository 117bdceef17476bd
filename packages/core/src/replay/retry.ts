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
  /**
   * A failure that arrives once this much time has passed since the first attempt surfaces at once, without
   * a retry timer; default unbounded.
   */
  retryTimeoutMs?: number;
  /**
   * Return false to stop retrying on this failure (it then surfaces at once). Called after every failed
   * attempt, the last one included, as DTF does. A throwing predicate counts as false.
   */
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
 * DurableTask.Core's retry rule (its `RetryInterceptor`, which Durable Functions uses too): after EVERY failed
 * attempt, the last one included, the delay of the retry timer the orchestration creates, or undefined when
 * the failure surfaces at once without a timer. When the attempts are used up, the timer still runs and the
 * call fails with the last failure when it fires; otherwise the next attempt starts then.
 *
 * No timer for a non-retriable failure, when `handleFailure` says no (or throws), or when the retry timeout
 * (counted from the first attempt) has passed: `now < firstAttempt + retryTimeoutMs`, checked before the delay
 * is added, as DTF does. The delay is `first × coefficient^(attempt − 1)`, capped at `maxRetryIntervalMs`.
 * `attempt` is the number of attempts made so far (1 after the first failure).
 */
export function retryTimerDelayMs(
  p: RetryPolicy,
  attempt: number,
  failure: TaskFailedError,
  nowMs: number,
  firstAttemptMs: number,
): number | undefined {
  if (failure.details.isNonRetriable) return undefined;
  if (p.handleFailure) {
    try {
      if (!p.handleFailure(failure)) return undefined;
    } catch {
      // A predicate that throws declines the retry: the task's own failure reaches the orchestrator. Replay
      // code has no logger (it would log again on every replay).
      return undefined;
    }
  }
  if (p.retryTimeoutMs !== undefined && !(nowMs < firstAttemptMs + p.retryTimeoutMs)) return undefined;
  const delay = p.firstRetryIntervalMs * Math.pow(p.backoffCoefficient ?? 1, attempt - 1);
  return p.maxRetryIntervalMs !== undefined && !(delay < p.maxRetryIntervalMs) ? p.maxRetryIntervalMs : delay;
}

/**
 * Whether taskhub before it followed DTF's rule created a retry timer after this failure, given that
 * `retryTimerDelayMs` gave `delayMs`: it created none after the last attempt, and none once the next attempt
 * would have started after the retry timeout. Histories it wrote lack those timers; replay accepts both.
 * @internal
 */
export function olderTaskhubRetried(
  p: RetryPolicy,
  attempt: number,
  delayMs: number,
  nowMs: number,
  firstAttemptMs: number,
): boolean {
  if (attempt >= p.maxNumberOfAttempts) return false;
  return p.retryTimeoutMs === undefined || nowMs - firstAttemptMs + delayMs <= p.retryTimeoutMs;
}
