/**
 * A bulk operation's progress: its custom status while it runs and its output when it is done, so any reader of
 * the instance's status (get-runtime-status, the HTTP API, the dashboard) sees it. `matched` counts the targets
 * read so far, `done` those acted on (or, in a dry run, only counted), `failed` those whose action failed;
 * `errors` keeps the first `MAX_REPORTED_ERRORS` failures.
 */
import type { BulkVerb } from "./bulk-request.js";

export interface BulkTargetError {
  instanceId: string;
  error: string;
}

export interface BulkProgress {
  kind: "taskhub:bulk";
  verb: BulkVerb;
  dryRun: boolean;
  /** "running" until the last page is done, then "completed". */
  phase: "running" | "completed";
  /** Targets read so far (each counted once). */
  matched: number;
  done: number;
  failed: number;
  errors: BulkTargetError[];
  /** Pages read so far. */
  pages: number;
}

export function newBulkProgress(verb: BulkVerb, dryRun: boolean): BulkProgress {
  return {
    kind: "taskhub:bulk",
    verb,
    dryRun,
    phase: "running",
    matched: 0,
    done: 0,
    failed: 0,
    errors: [],
    pages: 0,
  };
}

/** The progress in a custom status or output (parsed JSON), or undefined when it is not a bulk's. */
export function asBulkProgress(value: unknown): BulkProgress | undefined {
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const p = value as Partial<BulkProgress> | null;
  return p && typeof p === "object" && p.kind === "taskhub:bulk" ? (p as BulkProgress) : undefined;
}
