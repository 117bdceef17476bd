/**
 * Cancellation of client and seam calls, as the Azure SDKs do it: every call takes an optional
 * `abortSignal` (a standard `AbortSignal`); once it aborts, the call rejects promptly with an error whose
 * `name` is "AbortError" (here an `AbortError`, code "Aborted"), whatever the signal's reason.
 */
import { TaskHubError } from "./errors.js";

/** The options every cancellable call takes. */
export interface OperationOptions {
  /** Aborting it makes the call reject promptly with an `AbortError`. */
  abortSignal?: AbortSignal | undefined;
}

/** A call was aborted through its `abortSignal`. `name` is "AbortError", as the Azure SDKs' and the DOM's. */
export class AbortError extends TaskHubError {
  constructor(message = "the operation was aborted", options?: { cause?: unknown }) {
    super("Aborted", message, options);
  }
}

/** True for any abort error: ours, the Azure SDKs' (`@azure/abort-controller`) and the DOM's (`DOMException`). */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === "AbortError";
}

/** Throws an `AbortError` (mentioning `what`) if `signal` has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what = "the operation"): void {
  if (signal?.aborted) throw new AbortError(`${what} was aborted`, { cause: signal.reason });
}

/**
 * `work`'s result, or an `AbortError` as soon as `signal` aborts (without starting `work` when it has already
 * aborted; a rejection, never a synchronous throw). The work itself is not stopped by this: pass the signal
 * down to it too, so that its requests end as well.
 */
export function abortable<T>(
  signal: AbortSignal | undefined,
  what: string,
  work: () => Promise<T>,
): Promise<T> {
  if (!signal) return work();
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(new AbortError(`${what} was aborted`, { cause: signal.reason }));
    const onAbort = (): void => reject(new AbortError(`${what} was aborted`, { cause: signal.reason }));
    signal.addEventListener("abort", onAbort, { once: true });
    work().then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(
          signal.aborted && isAbortError(err) ? new AbortError(`${what} was aborted`, { cause: err }) : err,
        );
      },
    );
  });
}
