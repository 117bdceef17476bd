/**
 * `taskhub bulk <verb>` (docs/cli.md, "Bulk operations"): start a bulk operation on every instance matching the
 * filter options, then follow its progress until it completes (`--no-wait`: print its id and return), or with
 * `--dry-run` only count what it would take. The request is checked before anything is read or started: an
 * unknown verb, raise-event without `--event-name`, an empty filter without `--all` are usage errors (exit 2).
 * Progress goes to stderr: one updating line on a terminal, a plain line per change otherwise; the result goes to
 * stdout (JSON with --json). Exit 1 when a target's action failed or the bulk operation did not complete.
 */
import type { Command } from "commander";
import {
  BULK_VERBS,
  validateBulkRequest,
  type BulkOperationRequest,
  type BulkProgress,
  type BulkVerb,
  type TaskHubClient,
} from "@taskhub/core";
import { connect } from "./connect.js";
import {
  instanceFilterOf,
  withInstanceFilterOptions,
  type InstanceFilterOptions,
} from "./instance-filter-options.js";
import { print } from "./output.js";
import { EXIT_FAILURE, UsageError, verb, withCommon, type Common } from "./verb.js";

interface BulkOptions extends Common, InstanceFilterOptions {
  status?: string;
  all?: boolean;
  dryRun?: boolean;
  eventName?: string;
  eventData?: string;
  reason?: string;
  pageSize?: string;
  wait: boolean;
  pollIntervalMs?: string;
}

/** The request the options ask for; a usage error for anything malformed. */
export function bulkRequestOf(verbName: string, o: BulkOptions): BulkOperationRequest {
  if (!BULK_VERBS.includes(verbName as BulkVerb))
    throw new UsageError(`unknown bulk verb '${verbName}' (one of ${BULK_VERBS.join(", ")})`);
  if (o.status !== undefined && o.runtimeStatus !== undefined)
    throw new UsageError("--status and --runtime-status are the same option: give one");
  const filter = instanceFilterOf({ ...o, runtimeStatus: o.status ?? o.runtimeStatus });
  for (const k of Object.keys(filter) as (keyof typeof filter)[])
    if (filter[k] === undefined) delete filter[k];
  let eventData: unknown;
  if (o.eventData !== undefined) {
    try {
      eventData = JSON.parse(o.eventData);
    } catch {
      throw new UsageError(`--event-data must be JSON (quote strings: '"text"'), got ${o.eventData}`);
    }
  }
  const pageSize = o.pageSize === undefined ? undefined : Number(o.pageSize);
  const request: BulkOperationRequest = {
    verb: verbName as BulkVerb,
    filter,
    ...(o.all ? { all: true } : {}),
    ...(o.dryRun ? { dryRun: true } : {}),
    ...(o.eventName !== undefined ? { eventName: o.eventName } : {}),
    ...(o.eventData !== undefined ? { eventData } : {}),
    ...(o.reason !== undefined ? { reason: o.reason } : {}),
    ...(pageSize !== undefined ? { pageSize } : {}),
  };
  try {
    validateBulkRequest(request);
  } catch (err) {
    throw new UsageError(
      (err as Error).message
        .replace("all: true (--all)", "--all")
        .replace("raise-event needs an event name", "raise-event needs --event-name"),
    );
  }
  return request;
}

const ACTIVE: string[] = ["Pending", "Running", "ContinuedAsNew", "Suspended"];

function line(p: BulkProgress, expected: number): string {
  const seen = p.done + p.failed;
  const total = Math.max(expected, p.matched, seen);
  return `bulk ${p.verb}: ${seen}/${total} (done ${p.done}, failed ${p.failed})`;
}

async function follow(
  client: TaskHubClient,
  id: string,
  expected: number,
  pollMs: number,
): Promise<BulkProgress & { runtimeStatus: string }> {
  const tty = process.stderr.isTTY === true;
  let last = "";
  for (;;) {
    const p = await client.getBulkOperation(id);
    const finished = p !== undefined && !ACTIVE.includes(p.runtimeStatus);
    if (p) {
      const text = line(p, expected);
      if (text !== last) {
        process.stderr.write(tty ? `\r\x1b[2K${text}` : `${text}\n`);
        last = text;
      }
    } else {
      // Pending (no custom status yet): go on waiting; gone or ended without progress: say so.
      const s = await client.getOrchestrationState(id, { fetchPayloads: false });
      if (!s) throw new Error(`the bulk operation '${id}' is gone (purged?)`);
      if (!ACTIVE.includes(s.runtimeStatus))
        throw new Error(`the bulk operation '${id}' ended ${s.runtimeStatus} without progress`);
    }
    if (finished) {
      if (tty) process.stderr.write("\n");
      return p;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export function addBulkCommands(program: Command): void {
  withInstanceFilterOptions(
    withCommon(
      program
        .command("bulk")
        .description(
          `act on every instance matching a filter, as a durable bulk operation (verbs: ${BULK_VERBS.join(", ")})`,
        )
        .argument("<verb>", BULK_VERBS.join(" | "))
        .option("--status <statuses>", "runtime statuses, comma-separated (same as --runtime-status)")
        .option("--all", "allow an empty filter: every instance of the task hub", false)
        .option("--dry-run", "count the instances it would take; start nothing", false)
        .option("--event-name <name>", "raise-event: the event's name")
        .option("--event-data <json>", "raise-event: the event's data (JSON)")
        .option("--reason <text>", "terminate: the output; suspend, resume, rewind: the reason")
        .option("--page-size <n>", "instances read and acted on together (1 to 1000, default 100)")
        .option("--no-wait", "print the bulk operation's id and return without following it")
        .option("--poll-interval-ms <ms>", "how often the progress is read (default 500)"),
    ),
  ).action(
    verb(async (verbName: string, o: BulkOptions) => {
      const request = bulkRequestOf(verbName, o);
      const { client } = await connect(o);
      const counts = await client.countBulkTargets(request.filter);
      if (request.dryRun) {
        const byStatus = Object.entries(counts.byStatus).filter(([, n]) => n > 0);
        print(o, { dryRun: true, verb: request.verb, matched: counts.total, byStatus: counts.byStatus }, () =>
          [
            `bulk ${request.verb} would take ${counts.total} instance${counts.total === 1 ? "" : "s"} (dry run: nothing started)`,
            ...byStatus.map(([s, n]) => `  ${s}: ${n}`),
          ].join("\n"),
        );
        return;
      }
      const id = await client.startBulkOperation(request);
      if (!o.wait) {
        print(o, { id }, () => `started bulk ${request.verb}: ${id}`);
        return;
      }
      if (!o.json) console.log(`started bulk ${request.verb}: ${id}`);
      const pollMs = o.pollIntervalMs === undefined ? 500 : Number(o.pollIntervalMs);
      if (!(pollMs > 0))
        throw new UsageError(`--poll-interval-ms must be a positive number, got ${o.pollIntervalMs}`);
      const p = await follow(client, id, counts.total, pollMs);
      print(o, { id, ...p }, () =>
        [
          `bulk ${p.verb} ${p.runtimeStatus}: ${p.matched} matched, ${p.done} done, ${p.failed} failed`,
          ...p.errors.map((e) => `  ${e.instanceId}: ${e.error}`),
          ...(p.failed > p.errors.length
            ? [`  (${p.failed - p.errors.length} more failures not listed)`]
            : []),
        ].join("\n"),
      );
      if (p.failed > 0 || p.runtimeStatus !== "Completed") process.exitCode = EXIT_FAILURE;
    }),
  );
}
