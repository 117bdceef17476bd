/**
 * Storage errors as the project's `Storage` error, with the HTTP status and Azure error code. Messages never
 * include connection strings, keys or SAS tokens.
 */
import { TaskHubError } from "@taskhub/core";

export function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown })?.statusCode;
  return typeof s === "number" ? s : undefined;
}

export function errorCodeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; details?: { errorCode?: unknown; odataError?: { code?: unknown } } };
  const code = e?.details?.errorCode ?? e?.details?.odataError?.code ?? e?.code;
  return typeof code === "string" ? code : undefined;
}

export const isNotFound = (err: unknown): boolean => statusOf(err) === 404;
export const isConflict = (err: unknown): boolean => statusOf(err) === 409;
export const isPreconditionFailed = (err: unknown): boolean => statusOf(err) === 412;

const TRANSIENT_CODES = new Set(["ECONNRESET", "ETIMEDOUT", "ECONNREFUSED", "EPIPE", "EAI_AGAIN", "REQUEST_SEND_ERROR", "ABORT_ERR"]);

/** Worth retrying: throttling, server errors, timeouts and dropped connections. */
export function isTransient(err: unknown): boolean {
  const s = statusOf(err);
  if (s !== undefined) return s === 408 || s === 429 || s >= 500;
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && TRANSIENT_CODES.has(code);
}

export class StorageError extends TaskHubError {
  readonly statusCode: number | undefined;
  readonly azureErrorCode: string | undefined;
  constructor(operation: string, cause: unknown) {
    const status = statusOf(cause);
    const code = errorCodeOf(cause);
    super("Storage", `${operation} failed${status ? ` with HTTP ${status}` : ""}${code ? ` (${code})` : ""}`, { cause });
    this.statusCode = status;
    this.azureErrorCode = code;
  }
}

export function toStorageError(err: unknown, operation: string): StorageError {
  return err instanceof StorageError ? err : new StorageError(operation, err);
}
