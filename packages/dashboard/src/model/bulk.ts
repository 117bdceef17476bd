/**
 * A bulk operation started from the instance list: the body of the host's `POST /bulk/{verb}` built from the
 * list's filter and the verb's arguments, what the dry run's count means for the chosen verb, when the operator
 * must type the count to confirm, and the progress the bulk instance carries (its custom status while it runs,
 * its output when done). Pure: no requests, no DOM.
 */
import type { BulkProgress, BulkTargetError, BulkVerb } from "@taskhub/core";
import { TEXT_FILTERS, type InstanceFilter } from "./instance-filter.js";
import { checkJsonInput } from "./json-input.js";
import { RUNTIME_STATUSES, type RuntimeStatus } from "./runtime-status.js";

export type { BulkProgress, BulkTargetError, BulkVerb };

/** The host's bulk verbs, in the order the dialog offers them. */
export const BULK_VERBS = [
  "terminate",
  "suspend",
  "resume",
  "raise-event",
  "rewind",
  "restart",
  "purge",
] as const satisfies readonly BulkVerb[];

export const BULK_VERB_LABELS: Record<BulkVerb, string> = {
  terminate: "Terminate",
  suspend: "Suspend",
  resume: "Resume",
  "raise-event": "Raise event",
  rewind: "Rewind",
  restart: "Restart",
  purge: "Purge",
};

/** The bulk orchestration's name: the list shows the bulk operations with `name=taskhub:bulk`. */
export const BULK_ORCHESTRATION_NAME = "taskhub:bulk";

/** The host's default page size (targets read and acted on together). */
export const DEFAULT_BULK_PAGE_SIZE = 100;

/** Statuses of instances that have ended (purge takes only these). */
export const FINISHED_STATUSES: readonly RuntimeStatus[] = ["Completed", "Failed", "Terminated", "Canceled"];

/** Above this many targets, terminate and purge ask the operator to type the count. */
export const TYPE_TO_CONFIRM_ABOVE = 100;

export interface BulkArgs {
  /** terminate (its output), suspend, resume, rewind: the reason recorded; "" for none. */
  reason: string;
  /** raise-event: the event's name and its data as JSON text ("" for null). */
  eventName: string;
  eventData: string;
  pageSize: number;
}

export function emptyBulkArgs(): BulkArgs {
  return { reason: "", eventName: "", eventData: "", pageSize: DEFAULT_BULK_PAGE_SIZE };
}

export function takesReason(verb: BulkVerb): boolean {
  return verb === "terminate" || verb === "suspend" || verb === "resume" || verb === "rewind";
}

/** True when the filter sets no condition: the operation would take every instance of the hub. */
export function isEmptyFilter(f: InstanceFilter): boolean {
  return f.runtimeStatus.length === 0 && TEXT_FILTERS.every((k) => f[k] === "");
}

export type BulkBody = { ok: true; body: Record<string, unknown> } | { ok: false; error: string };

export interface BulkBodyOptions {
  dryRun?: boolean;
  /**
   * An ISO instant sent as `createdTimeTo` when the filter has no upper bound of its own, so that instances
   * created after the dry run are not taken.
   */
  createdBefore?: string | undefined;
}

/**
 * The JSON body of `POST /bulk/{verb}`: the filter under the list's parameter names (the route takes the same
 * names), `all: true` when the filter is empty, and the verb's arguments. An argument that cannot be sent
 * (raise-event without a name, event data that is not JSON, a page size outside 1..1000, purge of statuses that
 * have not finished) is an error here, before any request.
 */
export function bulkBody(
  filter: InstanceFilter,
  verb: BulkVerb,
  args: BulkArgs,
  options: BulkBodyOptions = {},
): BulkBody {
  const body: Record<string, unknown> = {};
  if (filter.runtimeStatus.length > 0) body.runtimeStatus = [...filter.runtimeStatus];
  for (const k of TEXT_FILTERS) if (filter[k] !== "") body[k] = filter[k];
  if (isEmptyFilter(filter)) body.all = true;
  if (options.createdBefore && filter.createdTimeTo === "") body.createdTimeTo = options.createdBefore;
  if (verb === "purge") {
    const notFinished = filter.runtimeStatus.filter((s) => !FINISHED_STATUSES.includes(s));
    if (notFinished.length > 0)
      return {
        ok: false,
        error: `Only finished instances can be purged, and the filter takes ${notFinished.join(", ")}: choose ${FINISHED_STATUSES.join(", ")} (or no status).`,
      };
  }
  if (verb === "raise-event") {
    if (args.eventName.trim() === "") return { ok: false, error: "Raise event needs an event name." };
    const data = checkJsonInput(args.eventData);
    if (!data.ok) return { ok: false, error: data.error };
    body.eventName = args.eventName;
    if (data.body !== "") body.eventData = JSON.parse(data.body) as unknown;
  }
  if (takesReason(verb) && args.reason !== "") body.reason = args.reason;
  if (!(Number.isInteger(args.pageSize) && args.pageSize >= 1 && args.pageSize <= 1000))
    return { ok: false, error: `The page size must be a whole number from 1 to 1000, not ${args.pageSize}.` };
  if (args.pageSize !== DEFAULT_BULK_PAGE_SIZE) body.pageSize = args.pageSize;
  if (options.dryRun) body.dryRun = true;
  return { ok: true, body };
}

/**
 * The instant to pin the operation's targets to: the later of the browser's clock and the host's (its `Date`
 * header has whole seconds, so one second is added), so that every instance the dry run counted is still taken
 * whichever clock is behind.
 */
export function createdBefore(browserNow: number, serverDate: string | null | undefined): string {
  const server = serverDate ? Date.parse(serverDate) : NaN;
  return new Date(Number.isNaN(server) ? browserNow : Math.max(browserNow, server + 1000)).toISOString();
}

/** "200 instances match (Running 120, Pending 80)". */
export function describeCount(matched: number, byStatus: Record<string, number>): string {
  const parts = RUNTIME_STATUSES.filter((s) => (byStatus[s] ?? 0) > 0).map((s) => `${s} ${byStatus[s]}`);
  const n = `${matched} instance${matched === 1 ? "" : "s"} match${matched === 1 ? "es" : ""}`;
  return parts.length > 0 ? `${n} (${parts.join(", ")})` : n;
}

function countOf(byStatus: Record<string, number>, statuses: readonly string[]): number {
  return statuses.reduce((sum, s) => sum + (byStatus[s] ?? 0), 0);
}

/**
 * What the dry run's count means for the verb: which of the matching instances it will fail on (rewind needs
 * Failed, purge needs finished) or leave as they are. Empty when the verb applies to all of them.
 */
export function verbNotes(verb: BulkVerb, byStatus: Record<string, number>): string[] {
  const others = (keep: readonly string[]): number =>
    countOf(
      byStatus,
      RUNTIME_STATUSES.filter((s) => !keep.includes(s)),
    );
  const live = ["Pending", "Running", "Suspended"];
  const them = (n: number): string => (n === 1 ? "1 of them is" : `${n} of them are`);
  switch (verb) {
    case "rewind": {
      const n = others(["Failed"]);
      return n > 0 ? [`${them(n)} not Failed: rewind fails for them (counted as failed).`] : [];
    }
    case "purge": {
      const n = others(FINISHED_STATUSES);
      return n > 0 ? [`${them(n)} not finished: purge fails for them (counted as failed).`] : [];
    }
    case "terminate": {
      const n = others(live);
      return n > 0 ? [`${them(n)} already finished: terminate leaves them as they are.`] : [];
    }
    case "suspend": {
      const n = others(["Pending", "Running"]);
      return n > 0 ? [`${them(n)} not Pending or Running: suspend changes nothing for them.`] : [];
    }
    case "resume": {
      const n = others(["Suspended"]);
      return n > 0 ? [`${them(n)} not Suspended: resume changes nothing for them.`] : [];
    }
    case "raise-event": {
      const n = others(live);
      return n > 0 ? [`${them(n)} finished: they will not act on the event.`] : [];
    }
    case "restart":
      return [];
  }
}

/**
 * The text the operator must type to confirm, or undefined when the button alone confirms: the count, for an
 * empty filter (every instance of the hub) and for terminate or purge of more than `TYPE_TO_CONFIRM_ABOVE`.
 */
export function typeToConfirm(verb: BulkVerb, matched: number, filterEmpty: boolean): string | undefined {
  if (filterEmpty) return String(matched);
  if ((verb === "terminate" || verb === "purge") && matched > TYPE_TO_CONFIRM_ABOVE) return String(matched);
  return undefined;
}

/** The confirm button's text, with the count: "Terminate 200 instances". */
export function confirmLabel(verb: BulkVerb, matched: number): string {
  return `${BULK_VERB_LABELS[verb]} ${matched} instance${matched === 1 ? "" : "s"}`;
}

function count(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0;
}

/**
 * The progress in a bulk instance's custom status or output (parsed JSON, or its JSON text), or undefined when
 * it is not a bulk operation's. Missing or malformed fields read as 0 / none.
 */
export function parseBulkProgress(value: unknown): BulkProgress | undefined {
  if (typeof value === "string") {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return undefined;
    }
  }
  if (!value || typeof value !== "object") return undefined;
  const p = value as Record<string, unknown>;
  if (p.kind !== BULK_ORCHESTRATION_NAME) return undefined;
  const errors = Array.isArray(p.errors)
    ? p.errors.flatMap((e): BulkTargetError[] => {
        const r = e as Record<string, unknown> | null;
        return r && typeof r.instanceId === "string"
          ? [{ instanceId: r.instanceId, error: typeof r.error === "string" ? r.error : String(r.error) }]
          : [];
      })
    : [];
  return {
    kind: "taskhub:bulk",
    verb: (BULK_VERBS as readonly string[]).includes(p.verb as string) ? (p.verb as BulkVerb) : "terminate",
    dryRun: p.dryRun === true,
    phase: p.phase === "completed" ? "completed" : "running",
    matched: count(p.matched),
    done: count(p.done),
    failed: count(p.failed),
    errors,
    pages: count(p.pages),
  };
}

/** The bulk progress of an instance's status: the output once it is done, else the custom status. */
export function bulkProgressOf(status: {
  output?: unknown;
  customStatus?: unknown;
}): BulkProgress | undefined {
  return parseBulkProgress(status.output) ?? parseBulkProgress(status.customStatus);
}

export interface BulkMeter {
  /** Targets handled (done + failed). */
  value: number;
  /** What they are out of: the final count when completed, else the larger of the dry run's and those read. */
  max: number;
  /** "150 of about 200" while running, "200 of 200" when completed. */
  label: string;
}

/**
 * The progress bar's numbers. The bulk instance knows how many targets it has read so far, not how many there
 * are: while it runs the total is the dry run's count ("about"), and at the end it is the count it read.
 */
export function bulkMeter(p: BulkProgress, expected?: number): BulkMeter {
  const value = p.done + p.failed;
  if (p.phase === "completed") return { value, max: p.matched, label: `${value} of ${p.matched}` };
  const max = Math.max(expected ?? 0, p.matched, value);
  return { value, max, label: expected !== undefined ? `${value} of about ${max}` : `${value} so far` };
}
