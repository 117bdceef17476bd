/**
 * v3's `RetryOptions`: `new RetryOptions(firstRetryIntervalInMilliseconds, maxNumberOfAttempts)` plus the
 * mutable `backoffCoefficient`, `maxRetryIntervalInMilliseconds`, `retryTimeoutInMilliseconds`. Retries run
 * in the orchestration on durable timers (core's retry policy), not in the host.
 */
import type { RetryPolicy } from "@taskhub/core";

export class RetryOptions {
  backoffCoefficient!: number;
  maxRetryIntervalInMilliseconds!: number;
  retryTimeoutInMilliseconds!: number;

  constructor(
    readonly firstRetryIntervalInMilliseconds: number,
    readonly maxNumberOfAttempts: number,
  ) {
    if (typeof firstRetryIntervalInMilliseconds !== "number" || Number.isNaN(firstRetryIntervalInMilliseconds))
      throw new TypeError(`firstRetryIntervalInMilliseconds: Expected number but got ${typeof firstRetryIntervalInMilliseconds}`);
    if (typeof maxNumberOfAttempts !== "number" || Number.isNaN(maxNumberOfAttempts))
      throw new TypeError(`maxNumberOfAttempts: Expected number but got ${typeof maxNumberOfAttempts}`);
    if (firstRetryIntervalInMilliseconds <= 0)
      throw new RangeError("firstRetryIntervalInMilliseconds value must be greater than 0.");
  }
}

/** The core retry policy with DTF's defaults for unset fields (coefficient 1, unbounded interval and timeout). */
export function toRetryPolicy(o: RetryOptions): RetryPolicy {
  if (!(o instanceof RetryOptions) && (typeof o !== "object" || o === null))
    throw new TypeError("retryOptions: Expected RetryOptions");
  return {
    // v3 passes the number to the host, which treats anything below 1 as one attempt.
    maxNumberOfAttempts: Math.max(1, Math.floor(o.maxNumberOfAttempts)),
    firstRetryIntervalMs: o.firstRetryIntervalInMilliseconds,
    backoffCoefficient: o.backoffCoefficient ?? undefined,
    maxRetryIntervalMs: o.maxRetryIntervalInMilliseconds ?? undefined,
    retryTimeoutMs: o.retryTimeoutInMilliseconds ?? undefined,
  };
}
