/**
 * The instance filter of `get-instances` and `count-instances`: `--runtime-status`, `--name` (repeatable),
 * `--prefix`, `--custom-status`, `--created-after` / `--created-before`, `--last-updated-after` /
 * `--last-updated-before`. A malformed value is a usage error (exit 2) naming the option.
 */
import type { Command } from "commander";
import { parseRuntimeStatus, RUNTIME_STATUSES, type InstanceFilter } from "@taskhub/core";
import { UsageError } from "./verb.js";

export interface InstanceFilterOptions {
  runtimeStatus?: string;
  name?: string[];
  prefix?: string;
  customStatus?: string;
  createdAfter?: string;
  createdBefore?: string;
  lastUpdatedAfter?: string;
  lastUpdatedBefore?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function withInstanceFilterOptions(c: Command): Command {
  return c
    .option("--runtime-status <statuses>", "comma-separated, e.g. Running,Failed")
    .option("--name <name>", "orchestration name, exactly (repeat for several)", collect)
    .option("--prefix <instanceIdPrefix>")
    .option("--custom-status <text>", "custom status (its JSON) contains this text, ignoring case")
    .option("--created-after <date>")
    .option("--created-before <date>")
    .option("--last-updated-after <date>")
    .option("--last-updated-before <date>");
}

function date(v: string | undefined, what: string): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (v === "" || Number.isNaN(d.getTime())) throw new UsageError(`${what} is not a date: ${v}`);
  return d;
}

export function instanceFilterOf(o: InstanceFilterOptions): Omit<InstanceFilter, "excludeEntities"> {
  const statuses = o.runtimeStatus
    ?.split(",")
    .map((x) => x.trim())
    .filter(Boolean)
    .map((x) => {
      const s = parseRuntimeStatus(x);
      if (!s) throw new UsageError(`unknown --runtime-status '${x}' (one of ${RUNTIME_STATUSES.join(", ")})`);
      return s;
    });
  if (o.customStatus === "") throw new UsageError("--custom-status needs a text to look for");
  return {
    statuses: statuses?.length ? statuses : undefined,
    names: o.name,
    instanceIdPrefix: o.prefix,
    customStatusContains: o.customStatus,
    createdFrom: date(o.createdAfter, "--created-after"),
    createdTo: date(o.createdBefore, "--created-before"),
    lastUpdatedFrom: date(o.lastUpdatedAfter, "--last-updated-after"),
    lastUpdatedTo: date(o.lastUpdatedBefore, "--last-updated-before"),
  };
}
