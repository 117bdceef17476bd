/**
 * One error root with a stable string `code`, so callers and other packages branch on `err.code`
 * rather than on classes or message text.
 */
import type { FailureDetails } from "../history/events.js";

export type TaskHubErrorCode =
  | "TaskFailed"
  | "WhenAllFailed"
  | "NonDeterminism"
  | "InstanceNotFound"
  | "OrchestrationAlreadyExists"
  | "OrchestratorNotRegistered"
  | "VersionMismatch"
  | "ActivityNotRegistered"
  | "EntityNotRegistered"
  | "EntityOperationFailed"
  | "LockingRulesViolation"
  | "WorkItemLockLost"
  | "LeaseLost"
  | "Storage"
  | "InvalidArgument"
  | "Serialization"
  | "Timeout"
  | "InvalidOperation"
  | "OrchestrationFailed"
  | "Aborted";

export class TaskHubError extends Error {
  readonly code: TaskHubErrorCode;
  constructor(code: TaskHubErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An activity or sub-orchestration failed; `details` is what crossed the wire. */
export class TaskFailedError extends TaskHubError {
  readonly details: FailureDetails;
  /** The sequence id of the failed task in the orchestration's history. */
  readonly taskId: number;
  constructor(message: string, details: FailureDetails, taskId: number) {
    super("TaskFailed", message);
    this.details = details;
    this.taskId = taskId;
  }
}

/** An entity operation called from an orchestration threw; `details` describes the error. */
export class EntityOperationFailedError extends TaskHubError {
  constructor(
    readonly entityInstanceId: string,
    readonly operationName: string,
    readonly details: FailureDetails,
  ) {
    super(
      "EntityOperationFailed",
      `operation '${operationName}' of entity '${entityInstanceId}' failed: ${details.errorMessage}`,
    );
  }
}

/** `whenAll` waited for every task and some failed; every failure is listed. */
export class WhenAllFailedError extends TaskHubError {
  readonly errors: Error[];
  constructor(errors: Error[]) {
    super(
      "WhenAllFailed",
      `${errors.length} of the awaited tasks failed: ${errors.map((e) => e.message).join("; ")}`,
    );
    this.errors = errors;
  }
}

export class NonDeterminismError extends TaskHubError {
  constructor(message: string) {
    super("NonDeterminism", message);
  }
}

/** `waitForExternalEvent(name, { timeoutMs })` or a client wait ran out of time. */
export class TimeoutError extends TaskHubError {
  constructor(message: string) {
    super("Timeout", message);
  }
}

export class InstanceNotFoundError extends TaskHubError {
  constructor(instanceId: string) {
    super("InstanceNotFound", `no orchestration instance with id '${instanceId}'`);
  }
}

export class OrchestrationAlreadyExistsError extends TaskHubError {
  constructor(instanceId: string, status: string) {
    super(
      "OrchestrationAlreadyExists",
      `orchestration instance '${instanceId}' already exists with status ${status}`,
    );
  }
}

export class InvalidArgumentError extends TaskHubError {
  constructor(message: string) {
    super("InvalidArgument", message);
  }
}

/** Turn any thrown value into DTF FailureDetails (error type, message, stack, inner failure). */
export function toFailureDetails(err: unknown, opts: { isNonRetriable?: boolean } = {}): FailureDetails {
  if (err instanceof TaskFailedError) {
    return {
      errorType: err.name,
      errorMessage: err.message,
      stackTrace: err.stack,
      innerFailure: err.details,
      isNonRetriable: opts.isNonRetriable,
    };
  }
  if (err instanceof Error) {
    const inner = err.cause !== undefined ? toFailureDetails(err.cause) : undefined;
    const nonRetriable =
      opts.isNonRetriable ?? ((err as { isNonRetriable?: unknown }).isNonRetriable === true || undefined);
    return {
      errorType: err.name || "Error",
      errorMessage: err.message,
      stackTrace: err.stack,
      innerFailure: inner,
      isNonRetriable: nonRetriable,
    };
  }
  let message: string;
  try {
    message = typeof err === "string" ? err : (JSON.stringify(err) ?? String(err));
  } catch {
    message = String(err); // not serializable (a cycle, a BigInt)
  }
  return { errorType: "Error", errorMessage: message, isNonRetriable: opts.isNonRetriable };
}

/** DTF's `FailureDetails.ToString()`: `"<ErrorType>: <ErrorMessage>"`. */
export function formatFailureDetails(d: FailureDetails): string {
  return `${d.errorType}: ${d.errorMessage}`;
}
