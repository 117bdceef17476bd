/**
 * App settings of the samples, read from the environment when used (as a function app reads its settings), so
 * that a test or `npm start` can shorten the waits. Orchestrators never read them: the HTTP starters put the
 * values into the orchestration's input, which keeps replay deterministic.
 */

function seconds(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`${name} must be a number of seconds, got ${JSON.stringify(raw)}`);
  return n;
}

/** How long the human interaction sample waits for `ApprovalEvent` (APPROVAL_TIMEOUT_SECONDS, default 72 hours). */
export function approvalTimeoutSeconds(): number {
  return seconds("APPROVAL_TIMEOUT_SECONDS", 72 * 3600);
}

/** How long the async HTTP API sample's report takes to build (REPORT_WORK_SECONDS, default 3). */
export function reportWorkSeconds(): number {
  return seconds("REPORT_WORK_SECONDS", 3);
}
