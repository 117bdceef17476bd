/**
 * DTF's retry loop around an activity or sub-orchestration call: attempts and retry timers as one durable task,
 * following a `RetryPolicy` (`retry.ts`).
 */
import { TaskFailedError } from "../errors/errors.js";
import { olderTaskhubRetried, retryTimerDelayMs, validateRetryPolicy, type RetryPolicy } from "./retry.js";
import { DrivenTask, TimerTask, type CompletableTask, type DurableTask } from "./tasks.js";

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
