/**
 * Worker versioning as DurableTask.Core's `VersioningSettings` and Durable Functions' `defaultVersion`,
 * `versionMatchStrategy` and `versionFailureStrategy` define it: before an orchestration step runs, the
 * instance's version (from its ExecutionStarted event) is matched against the worker's.
 *
 * - `None`: any version runs. `Strict`: only the worker's version, compared as exact strings.
 *   `CurrentOrOlder`: versions that compare at or below the worker's (`compareVersions`).
 * - On a mismatch, `Reject` leaves the work item to another worker (the step is abandoned and redelivered
 *   with a back-off, nothing is written, and the delivery does not count toward the poison store's
 *   `maxDequeueCount`); `Fail` fails the instance with a `VersionMismatch` failure, without running its code.
 */
import type { CompleteOrchestrationAction } from "../actions/actions.js";
import { InvalidArgumentError, TaskHubError } from "../errors/errors.js";

export type VersionMatchStrategy = "None" | "Strict" | "CurrentOrOlder";
export type VersionFailureStrategy = "Reject" | "Fail";

export const VERSION_MATCH_STRATEGIES: readonly VersionMatchStrategy[] = ["None", "Strict", "CurrentOrOlder"];
export const VERSION_FAILURE_STRATEGIES: readonly VersionFailureStrategy[] = ["Reject", "Fail"];

export interface VersioningOptions {
  /** The worker's version, which instances are matched against ("" or absent: unversioned). */
  version?: string;
  /** Stamped on sub-orchestrations started without a version (Durable Functions: its `defaultVersion`). */
  defaultVersion?: string;
  /** Default `None` (DurableTask.Core's default; the host uses Durable Functions' `CurrentOrOlder`). */
  matchStrategy?: VersionMatchStrategy;
  /** Default `Reject`. */
  failureStrategy?: VersionFailureStrategy;
}

/** Thrown by an orchestration step that a `Reject` strategy leaves to another worker. */
export class VersionRejectedError extends TaskHubError {
  constructor(
    readonly instanceVersion: string,
    readonly workerVersion: string,
    readonly matchStrategy: VersionMatchStrategy,
  ) {
    super("VersionMismatch", mismatchMessage(instanceVersion, workerVersion, matchStrategy));
    this.name = "VersionRejectedError";
  }
}

/** Checks the strategies' names (they come from configuration files); throws InvalidArgument. */
export function validateVersioning(options: VersioningOptions): void {
  if (options.matchStrategy !== undefined && !VERSION_MATCH_STRATEGIES.includes(options.matchStrategy))
    throw new InvalidArgumentError(
      `versionMatchStrategy must be one of ${VERSION_MATCH_STRATEGIES.join(", ")}, got ${JSON.stringify(options.matchStrategy)}`,
    );
  if (options.failureStrategy !== undefined && !VERSION_FAILURE_STRATEGIES.includes(options.failureStrategy))
    throw new InvalidArgumentError(
      `versionFailureStrategy must be one of ${VERSION_FAILURE_STRATEGIES.join(", ")}, got ${JSON.stringify(options.failureStrategy)}`,
    );
  for (const key of ["version", "defaultVersion"] as const)
    if (options[key] !== undefined && typeof options[key] !== "string")
      throw new InvalidArgumentError(`${key} must be a string`);
}

/**
 * Compares versions as DurableTask.Core does: two empty (or blank) versions are equal and an empty one is
 * older than any other; two versions of 2 to 4 numeric parts (.NET's `System.Version`: "1.0", "2.1.3") compare
 * part by part, a missing part below 0; anything else compares as case-insensitive ordinal strings.
 */
export function compareVersions(a: string | undefined, b: string | undefined): number {
  const blankA = !a || a.trim() === "";
  const blankB = !b || b.trim() === "";
  if (blankA || blankB) return blankA && blankB ? 0 : blankA ? -1 : 1;
  const va = dotnetVersion(a!);
  const vb = dotnetVersion(b!);
  if (va && vb) {
    for (let i = 0; i < 4; i++) if (va[i] !== vb[i]) return va[i]! < vb[i]! ? -1 : 1;
    return 0;
  }
  const ua = a!.toUpperCase();
  const ub = b!.toUpperCase();
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/** Whether a worker with these options runs an instance of `instanceVersion`. */
export function versionMatches(options: VersioningOptions, instanceVersion: string | undefined): boolean {
  switch (options.matchStrategy ?? "None") {
    case "None":
      return true;
    case "Strict":
      return (options.version ?? "") === (instanceVersion ?? "");
    case "CurrentOrOlder":
      return compareVersions(instanceVersion, options.version) <= 0;
  }
}

/** The completion a `Fail` strategy gives an instance of another version. */
export function versionMismatchFailure(
  options: VersioningOptions,
  instanceVersion: string | undefined,
): CompleteOrchestrationAction {
  return {
    type: "CompleteOrchestration",
    id: 0,
    status: "Failed",
    failureDetails: {
      errorType: "VersionMismatch",
      errorMessage: mismatchMessage(
        instanceVersion ?? "",
        options.version ?? "",
        options.matchStrategy ?? "None",
      ),
      isNonRetriable: true,
    },
  };
}

function mismatchMessage(instance: string, worker: string, strategy: VersionMatchStrategy): string {
  return `the orchestration's version '${instance}' does not match this worker's version '${worker}' (versionMatchStrategy ${strategy})`;
}

/** `System.Version.TryParse`: 2 to 4 non-negative integer parts; absent parts are -1. */
function dotnetVersion(v: string): number[] | undefined {
  const s = v.trim();
  if (!/^\d+(\.\d+){1,3}$/.test(s)) return undefined;
  const parts = s.split(".").map(Number);
  if (parts.some((p) => p > 2147483647)) return undefined;
  while (parts.length < 4) parts.push(-1);
  return parts;
}
