/**
 * Classifies storage SDK failures and turns them into the project's `Storage` error.
 *
 * The helpers accept anything thrown by the queue, table or blob SDKs (`RestError`), network errors, and a
 * `StorageError` made here (they look through it at its cause). Messages made here never quote connection
 * strings, keys or SAS tokens; the service's message is quoted only after redacting those.
 */
import { TaskHubError } from "@taskhub/core";

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  statusCode?: unknown;
  cause?: unknown;
  details?: {
    errorCode?: unknown;
    message?: unknown;
    odataError?: { code?: unknown; message?: { value?: unknown } };
  } | null;
  response?: { status?: unknown; headers?: { get?(name: string): unknown } } | null;
}

/** The error and the errors it wraps (`cause`), outermost first, at most a few levels deep. */
function chain(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  let e: unknown = err;
  while (e !== null && typeof e === "object" && out.length < 5 && !out.includes(e as ErrorLike)) {
    out.push(e as ErrorLike);
    e = (e as ErrorLike).cause;
  }
  return out;
}

/** The HTTP status of a failed storage request, or undefined when no response came (network errors). */
export function statusOf(err: unknown): number | undefined {
  for (const e of chain(err)) {
    for (const s of [e.statusCode, e.response?.status]) if (typeof s === "number" && s > 0) return s;
  }
  return undefined;
}

/**
 * The Azure error code (`QueueNotFound`, `TableNotFound`, `ContainerNotFound`, `EntityAlreadyExists`,
 * `UpdateConditionNotSatisfied`, `LeaseIdMismatchWithLeaseOperation`, ...): the `x-ms-error-code` the SDKs
 * put in `details.errorCode`, the table service's OData error code, or the response header. For a network
 * error without a response it is the system error code (`ECONNREFUSED`, ...). Never the project's own
 * `code` ("Storage").
 */
export function errorCodeOf(err: unknown): string | undefined {
  for (const e of chain(err)) {
    if (e instanceof StorageError) {
      if (e.azureErrorCode !== undefined) return e.azureErrorCode;
      continue;
    }
    const header = e.response?.headers?.get?.("x-ms-error-code");
    for (const c of [e.details?.errorCode, e.details?.odataError?.code, header, e.code]) {
      if (typeof c === "string" && c !== "") return c;
    }
  }
  return undefined;
}

export const isNotFound = (err: unknown): boolean => statusOf(err) === 404;
export const isConflict = (err: unknown): boolean => statusOf(err) === 409;
export const isPreconditionFailed = (err: unknown): boolean => statusOf(err) === 412;

/**
 * A conditional write lost to another writer: a 409 (the row or blob already exists, a lease is held) or a
 * 412 (its ETag or lease no longer matches). Which of the two depends on the service and the condition.
 */
export const isWriteConflict = (err: unknown): boolean => isConflict(err) || isPreconditionFailed(err);

/**
 * A catch handler for a delete or update whose target may already be gone: a 404 means done (undefined),
 * anything else is rethrown. `op().catch(ignoreNotFound)`.
 */
export function ignoreNotFound(err: unknown): undefined {
  if (!isNotFound(err)) throw err;
  return undefined;
}

/**
 * A received queue message is no longer this receiver's to delete or update: deleted already (404
 * `MessageNotFound`), or its pop receipt is stale because it was updated or received again since (Azurite
 * answers 400 `PopReceiptMismatch`; the service documents a 404 for a receipt that matches no message).
 */
export const isMessageGone = (err: unknown): boolean =>
  isNotFound(err) || (statusOf(err) === 400 && errorCodeOf(err) === "PopReceiptMismatch");

const MISSING_STORE_CODES = new Set(["TableNotFound", "QueueNotFound", "ContainerNotFound"]);

/**
 * The table, queue or container itself does not exist (a 404 naming it), as opposed to a missing entity,
 * message or blob in one that does. Reads answer "nothing" then: they never create storage.
 */
export const isMissingStore = (err: unknown): boolean =>
  statusOf(err) === 404 && MISSING_STORE_CODES.has(errorCodeOf(err) ?? "");

/** `read()`'s result, or `empty` when the table, queue or container it reads does not exist. */
export async function orEmptyIfMissing<T>(read: () => Promise<T>, empty: T): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (isMissingStore(err)) return empty;
    throw err;
  }
}

const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_CODES = new Set([
  "ECONNRESET",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "REQUEST_SEND_ERROR",
]);

/**
 * Worth retrying later: timeouts (408, and attempts that timed out on the client, `ETIMEDOUT`), throttling
 * (429, 503), server errors (500, 502, 504) and connections that failed or dropped. Not transient: other
 * statuses, and an `AbortError` from a caller's own abort signal.
 */
export function isTransient(err: unknown): boolean {
  const status = statusOf(err);
  if (status !== undefined) return TRANSIENT_STATUSES.has(status);
  for (const e of chain(err)) {
    if (typeof e.code === "string" && TRANSIENT_CODES.has(e.code)) return true;
    if (e.name === "TimeoutError") return true; // AbortSignal.timeout()
  }
  return false;
}

/** The project's error for a failed storage operation: code "Storage", with the HTTP status and Azure code. */
export class StorageError extends TaskHubError {
  /** HTTP status of the failed request; undefined when no response came. */
  readonly statusCode: number | undefined;
  /** Azure's error code (`x-ms-error-code` / OData code), or the network error code. */
  readonly azureErrorCode: string | undefined;
  /** What was being done, as given to `toStorageError`. */
  readonly operation: string;

  constructor(operation: string, cause: unknown) {
    const status = statusOf(cause);
    const code = errorCodeOf(cause);
    const detail = firstLine(cause);
    super(
      "Storage",
      `storage operation ${operation} failed` +
        (status !== undefined ? ` with HTTP ${status}` : "") +
        (code !== undefined ? ` (${code})` : "") +
        (detail !== "" ? `: ${detail}` : ""),
      { cause },
    );
    this.operation = operation;
    this.statusCode = status;
    this.azureErrorCode = code;
  }
}

/**
 * Wraps a storage failure as a `StorageError` (code "Storage") whose message names `operation`, the HTTP
 * status and the Azure error code. A `StorageError` is returned as is.
 */
export function toStorageError(err: unknown, operation: string): StorageError {
  return err instanceof StorageError ? err : new StorageError(operation, err);
}

/**
 * The first line of the service's error message (queue and blob errors carry it in `details.message`, table
 * errors in the OData error; the queue SDK's own message is only "Unexpected status code: 404"), else of the
 * error's message (of an XML error body, its <Message>); secrets redacted, length capped.
 */
function firstLine(err: unknown): string {
  const e = err as ErrorLike | null;
  const candidates = [e?.details?.message, e?.details?.odataError?.message?.value, e?.message];
  const found = candidates.find((m): m is string => typeof m === "string" && m.trim() !== "");
  if (found === undefined) return "";
  // An XML error body as the message (the tables SDK's, when the service answers in XML): its <Message>.
  const message = /^\s*<\?xml[\s\S]*?<Message>([\s\S]*?)<\/Message>/.exec(found)?.[1] ?? found;
  const line = redactSecrets(message.trim().split(/\r?\n/, 1)[0] ?? "").trim();
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

/** Text with account keys, SAS signatures and authorization header values replaced by `<redacted>`. */
export function redactSecrets(text: string): string {
  return text
    .replace(/(AccountKey|SharedAccessSignature)=[^;\s]*/gi, "$1=<redacted>")
    .replace(/([?&]sig=)[^&\s"']*/gi, "$1<redacted>")
    .replace(/\b(Bearer|SharedKey|SharedKeyLite)\s+[^\s,"']+/g, "$1 <redacted>");
}
