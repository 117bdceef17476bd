/**
 * The built-in bulk orchestration (`taskhub:bulk`): pages through the instances matching its filter with one
 * activity per page, acts on each page's targets with one activity per target (together), and keeps its
 * progress as its custom status. Being an orchestration, it survives a worker's crash: what it did is in its
 * history (the pages read with their continuation token, each target's result), so a replay repeats no read
 * and no action, and another worker resumes it where it was. Every `PAGES_PER_GENERATION` pages it continues
 * as new with its position and progress, so its history stays short however many targets there are.
 *
 * Each action is an activity, delivered at least once: when a worker dies after acting and before the result
 * is recorded, the action runs again. bulk-activities.ts makes such a repeat act at most once where the
 * target shows it (see there).
 */
import type { OrchestrationRuntimeStatus } from "../history/events.js";
import type { OrchestrationContext } from "../replay/orchestration-context.js";
import { newBulkProgress, type BulkProgress } from "./bulk-progress.js";
import {
  BULK_ACT_ACTIVITY,
  BULK_PAGE_ACTIVITY,
  MAX_REPORTED_ERRORS,
  PAGES_PER_GENERATION,
  filterFromBulkInput,
  validateBulkRequest,
  type BulkInput,
} from "./bulk-request.js";

/** One target as the page activity read it. */
export interface BulkTarget {
  instanceId: string;
  executionId?: string | undefined;
  runtimeStatus?: OrchestrationRuntimeStatus | undefined;
}

export interface BulkPageInput {
  filter: Record<string, unknown>;
  continuationToken?: string | undefined;
  pageSize: number;
  /** The bulk instance's id: never its own target. */
  self: string;
}

export interface BulkPage {
  targets: BulkTarget[];
  continuationToken?: string | undefined;
}

export interface BulkActInput {
  verb: BulkInput["verb"];
  target: BulkTarget;
  eventName?: string | undefined;
  eventData?: unknown;
  reason?: string | undefined;
  /** When the bulk operation started (its first step's time): a repeated raise-event looks for its event since. */
  since: string;
}

export type BulkActResult = { ok: true } | { ok: false; error: string };

/** The bulk orchestration's input across generations: the request, its position and its progress. */
export interface BulkGenerationInput extends BulkInput {
  continuationToken?: string | undefined;
  progress?: BulkProgress | undefined;
  since?: string | undefined;
}

export function* bulkOrchestration(
  ctx: OrchestrationContext,
  input: BulkGenerationInput,
): Generator<any, BulkProgress, any> {
  // Started without startBulkOperation (by name): the same checks, failing the instance before it acts.
  if (!input.progress) validateBulkRequest({ ...input, filter: filterFromBulkInput(input.filter ?? {}) });
  const progress = input.progress ?? newBulkProgress(input.verb, input.dryRun === true);
  const since = input.since ?? ctx.currentUtcDateTime.toISOString();
  let token = input.continuationToken;
  ctx.setCustomStatus(progress);
  for (let pagesHere = 0; ; pagesHere++) {
    if (pagesHere === PAGES_PER_GENERATION) {
      ctx.continueAsNew({ ...input, continuationToken: token, progress, since });
      return progress;
    }
    if (progress.pages > 0 && (input.pageDelayMs ?? 0) > 0) yield ctx.createTimer(input.pageDelayMs!);
    const pageInput: BulkPageInput = {
      filter: input.filter,
      continuationToken: token,
      pageSize: input.pageSize ?? 100,
      self: ctx.instanceId,
    };
    const page = (yield ctx.callActivity(BULK_PAGE_ACTIVITY, pageInput)) as BulkPage;
    progress.pages++;
    progress.matched += page.targets.length;
    if (input.dryRun) progress.done += page.targets.length;
    else if (page.targets.length > 0) {
      const results = (yield ctx.whenAll(
        page.targets.map((target) =>
          ctx.callActivity(BULK_ACT_ACTIVITY, {
            verb: input.verb,
            target,
            eventName: input.eventName,
            eventData: input.eventData,
            reason: input.reason,
            since,
          } satisfies BulkActInput),
        ),
      )) as BulkActResult[];
      results.forEach((r, i) => {
        if (r.ok) progress.done++;
        else {
          progress.failed++;
          if (progress.errors.length < MAX_REPORTED_ERRORS)
            progress.errors.push({ instanceId: page.targets[i]!.instanceId, error: r.error });
        }
      });
    }
    token = page.continuationToken;
    if (!token) break;
    ctx.setCustomStatus(progress);
  }
  progress.phase = "completed";
  ctx.setCustomStatus(progress);
  return progress;
}
