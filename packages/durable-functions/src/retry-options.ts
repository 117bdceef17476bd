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
    if (
      typeof firstRetryIntervalInMilliseconds !== "number" ||
      Number.isNaN(firstRetryIntervalInMilliseconds)
    )
      throw new TypeError(
        `firstRetryIntervalInMilliseconds: Expected number but got ${typeof firstRetryIntervalInMilliseconds}`,
      );
    if (typeof maxNumberOfAttempts !== "number" || Number.isNaN(maxNumberOfAttempts))
      throw new TypeError(`maxNumberOfAttempts: Expected number but got ${typeof maxNumberOfAttempts}`);
    if (firstRetryIntervalInMilliseconds <= 0)
      throw new RangeError("firstRetryIntervalInMilliseconds value must be greater than 0.");
  }
}

/**
 * Durable Functions' default `maxRetryIntervalInMilliseconds`: the extension's RetryOptions cap a single retry
 * delay at 6 days unless told otherwise (v3 sends only the fields that are set).
 */
export const DEFAULT_MAX_RETRY_INTERVAL_MS = 6 * 24 * 3600_000;

/** The core retry policy with Durable Functions' defaults for unset fields (coefficient 1, 6-day cap, no timeout). */
export function toRetryPolicy(o: RetryOptions): RetryPolicy {
  if (!(o instanceof RetryOptions) && (typeof o !== "object" || o === null))
    throw new TypeError("retryOptions: Expected RetryOptions");
  return {
    // v3 passes the number to the host, which treats anything below 1 as one attempt.
    maxNumberOfAttempts: Math.max(1, Math.floor(o.maxNumberOfAttempts)),
    firstRetryIntervalMs: o.firstRetryIntervalInMilliseconds,
    backoffCoefficient: o.backoffCoefficient ?? undefined,
    maxRetryIntervalMs: o.maxRetryIntervalInMilliseconds ?? DEFAULT_MAX_RETRY_INTERVAL_MS,
    retryTimeoutMs: o.retryTimeoutInMilliseconds ?? undefined,
  };
}
