/**
 * Retry policies for activities and sub-orchestrations. Retries run inside the orchestration with
 * durable timers, so a retry schedule replays deterministically: every delay is computed from history
 * time (the episode's OrchestratorStarted timestamp), never from the wall clock.
 */
import { InvalidArgumentError, TaskFailedError } from "../errors/errors.js";
import { DrivenTask, TimerTask, type CompletableTask, type DurableTask } from "./tasks.js";

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

/** What a retried call needs from its orchestration context. */
export interface RetryHost {
  /** The orchestration's time (its current episode's), in ms. */
  nowMs(): number;
  /** Whether history allows a retry timer of `delayMs` from `nowMs` at the next id. */
  allowsRetryTimer(nowMs: number, delayMs: number): boolean;
  createTimer(fireAt: Date): TimerTask;
}

/**
 * DTF's retry loop (`RetryInterceptor`): after each failed attempt, the last one included, a retry timer
 * (see `retryTimerDelayMs`); when it fires, the next attempt starts, or, with the attempts used up, the call
 * fails with the last failure. Histories taskhub wrote before lack the timer after the last attempt (and
 * after a failure whose next attempt would have started past the retry timeout): where history recorded
 * something else at the timer's id, the failure surfaces at once, as it did then.
 */
export function retryingTask<T>(
  policy: RetryPolicy,
  schedule: () => CompletableTask<T>,
  host: RetryHost,
): DurableTask<T> {
  validateRetryPolicy(policy);
  const firstAttemptAt = host.nowMs();
  let attempt = 1;
  let lastFailure: Error | undefined;
  let current: DurableTask<unknown> = schedule();
  const driven = new DrivenTask<T>((inner, self) => {
    if (inner !== current || self.isComplete) return;
    if (inner instanceof TimerTask) {
      if (attempt >= policy.maxNumberOfAttempts) return self.fail(lastFailure!);
      attempt++;
      current = schedule();
      self.follow(current);
      return;
    }
    if (!inner.isFailed) return self.complete(inner.getResult() as T);
    const failure = inner.getException()!;
    if (!(failure instanceof TaskFailedError)) return self.fail(failure);
    const now = host.nowMs();
    const delay = retryTimerDelayMs(policy, attempt, failure, now, firstAttemptAt);
    if (delay === undefined) return self.fail(failure);
    if (
      !olderTaskhubRetried(policy, attempt, delay, now, firstAttemptAt) &&
      !host.allowsRetryTimer(now, delay)
    )
      return self.fail(failure);
    lastFailure = failure;
    current = host.createTimer(new Date(now + Math.round(delay)));
    self.follow(current);
  });
  driven.follow(current);
  return driven;
}
