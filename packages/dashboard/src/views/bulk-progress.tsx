/**
 * A bulk operation's progress: targets matched so far, done, failed (with the first per-target errors, as
 * links), pages read, and a progress bar over the dry run's count until the operation knows its own. The panel
 * on the instance list follows the bulk instance (its status alone, one point read per poll) until it ends; the
 * bulk instance's own page shows the same from the status it already reads.
 */
import { useCallback, useEffect, useState } from "preact/hooks";
import type { InstanceStatus, ManagementClient } from "../api/management-client.js";
import { BULK_VERB_LABELS, bulkMeter, bulkProgressOf, type BulkProgress } from "../model/bulk.js";
import { isLive } from "../model/runtime-status.js";
import { instanceHref } from "../model/route.js";
import { usePoll } from "../hooks/use-poll.js";
import { StatusBadge } from "./status-badge.js";

const REFRESH_MS = 1500;

export function BulkProgressView({
  progress,
  runtimeStatus,
  expected,
}: {
  progress: BulkProgress | undefined;
  runtimeStatus: string;
  expected?: number | undefined;
}) {
  if (!progress)
    return (
      <p class="muted">
        {isLive(runtimeStatus)
          ? "Starting…"
          : `The bulk operation ended (${runtimeStatus}) with no progress.`}
      </p>
    );
  const meter = bulkMeter(progress, expected);
  const completed = progress.phase === "completed";
  return (
    <div class="bulk-progress-body" data-phase={progress.phase}>
      <p>
        <strong>
          {BULK_VERB_LABELS[progress.verb]}
          {progress.dryRun ? " (dry run)" : ""}
        </strong>{" "}
        <StatusBadge status={runtimeStatus} />
        {!completed && !isLive(runtimeStatus) && " stopped before it was done"}
      </p>
      <progress value={meter.value} max={meter.max || 1} aria-label={`Handled ${meter.label}`} />
      <dl class="facts bulk-facts">
        <dt>Handled</dt>
        <dd data-bulk="handled">{meter.label}</dd>
        <dt>Matched</dt>
        <dd data-bulk="matched">
          {progress.matched}
          {completed ? "" : " so far"}
        </dd>
        <dt>Done</dt>
        <dd data-bulk="done">{progress.done}</dd>
        <dt>Failed</dt>
        <dd data-bulk="failed" class={progress.failed > 0 ? "error" : ""}>
          {progress.failed}
        </dd>
        <dt>Pages read</dt>
        <dd data-bulk="pages">{progress.pages}</dd>
      </dl>
      {progress.errors.length > 0 && (
        <details open={progress.errors.length <= 5}>
          <summary>
            Errors{progress.failed > progress.errors.length ? ` (the first ${progress.errors.length})` : ""}
          </summary>
          <ul class="bulk-errors">
            {progress.errors.map((e) => (
              <li key={e.instanceId}>
                <a href={instanceHref(e.instanceId)}>{e.instanceId}</a>: {e.error}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

/** On a bulk instance's page: its progress, from the status the page reads; nothing for other instances. */
export function BulkInstancePanel({ instance }: { instance: InstanceStatus }) {
  const progress = bulkProgressOf(instance);
  if (!progress) return null;
  return (
    <section aria-labelledby="bulk-progress-title" class="bulk-progress" aria-live="polite">
      <h2 id="bulk-progress-title">Bulk operation</h2>
      <BulkProgressView progress={progress} runtimeStatus={instance.runtimeStatus} />
    </section>
  );
}

/** On the instance list, after "Act on all matching…": follows the bulk instance until it ends. */
export function BulkProgressPanel({
  api,
  instanceId,
  expected,
  onDismiss,
  onEnded,
}: {
  api: ManagementClient;
  instanceId: string;
  expected: number;
  onDismiss: () => void;
  /** Called once when the operation has ended (the list then reads again). */
  onEnded?: () => void;
}) {
  const [status, setStatus] = useState<InstanceStatus | undefined>();
  const [error, setError] = useState<string | undefined>();
  const load = useCallback(async () => {
    try {
      const s = await api.getInstanceStatus(instanceId, false);
      setError(s ? undefined : "The bulk operation's instance was not found.");
      if (s) setStatus(s);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [api, instanceId]);
  useEffect(() => {
    setStatus(undefined);
    void load();
  }, [load]);
  const live = status === undefined || isLive(status.runtimeStatus);
  usePoll(load, REFRESH_MS, live);
  useEffect(() => {
    if (!live) onEnded?.();
  }, [live]);

  return (
    <section aria-labelledby="bulk-panel-title" class="bulk-progress" data-bulk-id={instanceId}>
      <h2 id="bulk-panel-title">
        Bulk operation <a href={instanceHref(instanceId)}>{instanceId}</a>
      </h2>
      <div aria-live="polite">
        {status ? (
          <BulkProgressView
            progress={bulkProgressOf(status)}
            runtimeStatus={status.runtimeStatus}
            expected={expected}
          />
        ) : (
          <p>Starting…</p>
        )}
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="button" onClick={onDismiss}>
        {live ? "Hide (it goes on)" : "Dismiss"}
      </button>
    </section>
  );
}
