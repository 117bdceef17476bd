/**
 * When the dashboard reads again (live refresh by polling): the next poll comes after the previous one has
 * answered, never sooner than the view's interval and three times as long as the last answer took, so a slow
 * host is asked less often and requests never pile up; and the instance list's counts per status (a scan of the
 * whole Instances table, the dearest read) are read again only every `COUNTS_REFRESH_MS`, or at once when the
 * first page shows that something changed, or when the operator asks (a filter, *Refresh*). Pure: the clock
 * and the rows are given.
 */

/** The instance list's first page. */
export const LIST_REFRESH_MS = 5_000;
/** The counts per status, when nothing on the first page changed. */
export const COUNTS_REFRESH_MS = 30_000;
/** No poll waits longer than this, however slow the last answer. */
export const MAX_POLL_DELAY_MS = 60_000;

/** The wait before the next poll, after one that took `lastDurationMs` to answer. */
export function nextPollDelay(baseMs: number, lastDurationMs: number): number {
  const slow = Number.isFinite(lastDurationMs) && lastDurationMs > 0 ? 3 * lastDurationMs : 0;
  return Math.min(Math.max(baseMs, slow), Math.max(baseMs, MAX_POLL_DELAY_MS));
}

interface RowState {
  instanceId: string;
  runtimeStatus: string;
  lastUpdatedTime: string;
}

/** What the first page shows, as one string: it differs when a row came, went, or changed status or time. */
export function pageSignature(rows: readonly RowState[]): string {
  return rows.map((r) => `${r.instanceId}\u0000${r.runtimeStatus}\u0000${r.lastUpdatedTime}`).join("\u0001");
}

/** Why the list reads again: a new filter or the first load, *Refresh*, or live refresh. */
export type RefreshReason = "load" | "manual" | "poll";

export interface CountsPlanInput {
  reason: RefreshReason;
  now: number;
  /** When the counts were last read (ms), undefined if never for this filter. */
  countsReadAt: number | undefined;
  /** The first page's signature when the counts were last read, and now. */
  previousSignature: string | undefined;
  signature: string;
}

/** Whether this refresh reads the counts too. */
export function shouldReadCounts(i: CountsPlanInput): boolean {
  if (i.reason !== "poll" || i.countsReadAt === undefined) return true;
  if (i.signature !== i.previousSignature) return true;
  return i.now - i.countsReadAt >= COUNTS_REFRESH_MS;
}
