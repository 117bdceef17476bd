/**
 * What every management verb shares: exit codes (0 ok, 1 runtime failure, 2 bad usage or configuration, 3 not
 * found), the errors that choose them, `verb()` which maps a thrown error to its exit code, and the common options.
 */
import type { Command } from "commander";
import { TaskHubError } from "@taskhub/core";

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_NOT_FOUND = 3;

export interface Common {
  json?: boolean;
  taskHub?: string;
}

export class UsageError extends Error {}
export class NotFoundError extends Error {}

export function parseInput(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--input must be JSON (quote strings: '"text"'), got ${text}`);
  }
}

/** Runs a verb: exit 0 on success, 1 on a failure, 2 on bad usage or configuration, 3 when not found. */
export function verb<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      const usage =
        err instanceof UsageError || (err instanceof TaskHubError && err.code === "InvalidArgument");
      const notFound =
        err instanceof NotFoundError || (err instanceof TaskHubError && err.code === "InstanceNotFound");
      console.error(`taskhub: ${(err as Error).message}`);
      process.exit(usage ? EXIT_USAGE : notFound ? EXIT_NOT_FOUND : EXIT_FAILURE);
    }
  };
}

export const withCommon = (c: Command): Command =>
  c
    .option("--json", "machine-readable output")
    .option("--task-hub <name>", "task hub (default from configuration)");
