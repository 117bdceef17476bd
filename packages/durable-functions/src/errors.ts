/**
 * The error classes durable-functions v3 exports. A failed activity or sub-orchestration reaches the
 * orchestrator as a `TaskFailedError` (v3.5's shape: message `"<errorType>: <errorMessage>"`, structured
 * `failureDetails`, the task's name and id), because taskhub always records FailureDetails.
 */
import {
  TaskFailedError as CoreTaskFailedError,
  TaskHubError,
  type FailureDetails as CoreFailureDetails,
} from "@taskhub/core";

/** An error thrown by this library itself (v3: "an internal framework error"). */
export class DurableError extends Error {
  constructor(message: string | undefined) {
    super(message);
    this.name = "DurableError";
  }
}

const SEPARATOR = "-----------------------------------";

/** v3 exports it (and never throws it from `Task.all`, which fails fast with the first error). */
export class AggregatedError extends Error {
  readonly errors: Error[];
  constructor(errors: Error[]) {
    const parts = errors.map((e) => `Name: ${e.name}\nMessage: ${e.message}\nStackTrace: ${e.stack}`);
    super(`context.df.Task.all() encountered the below error messages:\n\n${parts.join(`\n${SEPARATOR}\n`)}`);
    this.errors = errors;
    this.name = "AggregatedError";
  }
}

/** v3's FailureDetails (camel-cased DTF FailureDetails with `isCausedBy`). */
export interface FailureDetails {
  errorType: string;
  errorMessage: string;
  stackTrace?: string;
  isNonRetriable: boolean;
  properties?: Record<string, unknown>;
  innerFailure?: FailureDetails;
  /** True if this failure or one in its `innerFailure` chain has the given `errorType`. */
  isCausedBy(errorType: string): boolean;
}

export function toV3FailureDetails(d: CoreFailureDetails): FailureDetails {
  const details: FailureDetails = {
    errorType: d.errorType ?? "Error",
    errorMessage: d.errorMessage ?? "",
    stackTrace: d.stackTrace ?? undefined,
    isNonRetriable: d.isNonRetriable ?? false,
    properties: d.properties ?? undefined,
    innerFailure: d.innerFailure ? toV3FailureDetails(d.innerFailure) : undefined,
    isCausedBy(errorType: string): boolean {
      for (let c: FailureDetails | undefined = details; c; c = c.innerFailure)
        if (c.errorType === errorType) return true;
      return false;
    },
  };
  return details;
}

/** Thrown into the orchestrator when an activity or sub-orchestration it yielded failed. */
export class TaskFailedError extends Error {
  readonly failureDetails: FailureDetails;
  readonly taskName?: string;
  readonly taskId?: number;
  constructor(failureDetails: FailureDetails, taskName?: string, taskId?: number) {
    super(`${failureDetails.errorType}: ${failureDetails.errorMessage}`);
    this.name = "TaskFailedError";
    this.failureDetails = failureDetails;
    this.taskName = taskName;
    this.taskId = taskId;
    if (failureDetails.stackTrace) this.stack = failureDetails.stackTrace;
  }
}

/**
 * Core's failure of a task as durable-functions 2.x reports it: a plain `Error` whose message is the history
 * event's `Reason`, `" \n "`, then its `Details` (taskhub records the error message and the stack there).
 * Other errors (entity call failures, locking rules) pass through.
 */
export function toClassicError(err: Error | undefined): Error {
  if (err instanceof CoreTaskFailedError)
    return new Error(`${err.details.errorMessage ?? ""} \n ${err.details.stackTrace ?? ""}`);
  return err ?? new DurableError("task failed without an error");
}

/** Core orchestration contexts run by the classic (2.x) model: their task failures take 2.x's shape. */
const classicExecutions = new WeakSet<object>();

/** Mark an execution's core context as classic (`df.orchestrator`), for `toTaskError`. */
export function useClassicTaskErrors(coreContext: object): void {
  classicExecutions.add(coreContext);
}

/** The error a failed task of this execution shows: 2.x's for classic orchestrators, else v3's. */
export function toTaskError(
  coreContext: object,
  err: Error | undefined,
  taskName: string | undefined,
): Error {
  return classicExecutions.has(coreContext) ? toClassicError(err) : toV3Error(err, taskName);
}

/** Core's failure of a task (activity / sub-orchestration) as the v3 error; other errors pass through. */
export function toV3Error(err: Error | undefined, taskName: string | undefined): Error {
  if (err instanceof CoreTaskFailedError)
    return new TaskFailedError(toV3FailureDetails(err.details), taskName, err.taskId);
  return err ?? new DurableError("task failed without an error");
}

/**
 * v3.5's error for a broken locking rule in an orchestration (see `context.df.lock`). It is also core's
 * error: a `TaskHubError` with code `LockingRulesViolation`; when core found the violation, its error is
 * the `cause`.
 */
export class LockingRulesViolationError extends TaskHubError {
  static readonly code = "LOCKING_RULES_VIOLATION" as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super("LockingRulesViolation", message, options);
    this.name = "LockingRulesViolationError";
  }
}

/** v3's messages, one per rule. */
export const LockingRulesViolationMessages = {
  NestedSection: "Cannot acquire more locks when already holding some locks.",
  SubOrchestrationInSection: "Cannot invoke sub-orchestrations from within a critical section.",
  CallUnlockedEntity:
    "Cannot call an entity from within a critical section unless it is one of the locked entities.",
  ParallelSameEntity: "Cannot call the same entity multiple times in parallel within a critical section.",
  SignalLockedEntity:
    "Cannot signal an entity from within a critical section if the entity is one of the locked entities.",
} as const;

/**
 * Run a core call; a locking violation core reports becomes a `LockingRulesViolationError` (with v3's
 * message for the rule when given, else core's) carrying core's error as `cause`.
 */
export function underLockingRules<T>(call: () => T, v3Message?: string): T {
  try {
    return call();
  } catch (err) {
    if (
      err instanceof TaskHubError &&
      err.code === "LockingRulesViolation" &&
      !(err instanceof LockingRulesViolationError)
    )
      throw new LockingRulesViolationError(v3Message ?? err.message, { cause: err });
    throw err;
  }
}
