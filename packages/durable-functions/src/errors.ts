/**
 * The error classes durable-functions v3 exports. A failed activity or sub-orchestration reaches the
 * orchestrator as a `TaskFailedError` (v3.5's shape: message `"<errorType>: <errorMessage>"`, structured
 * `failureDetails`, the task's name and id), because taskhub always records FailureDetails.
 */
import { TaskFailedError as CoreTaskFailedError, type FailureDetails as CoreFailureDetails } from "@taskhub/core";

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
      for (let c: FailureDetails | undefined = details; c; c = c.innerFailure) if (c.errorType === errorType) return true;
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

/** Core's failure of a task (activity / sub-orchestration) as the v3 error; other errors pass through. */
export function toV3Error(err: Error | undefined, taskName: string | undefined): Error {
  if (err instanceof CoreTaskFailedError) return new TaskFailedError(toV3FailureDetails(err.details), taskName, err.taskId);
  return err ?? new DurableError("task failed without an error");
}
