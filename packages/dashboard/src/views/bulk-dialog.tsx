/**
 * "Act on all matching…": one verb on every instance the list's filter matches, as one durable bulk operation
 * on the host (`POST /bulk/{verb}`). First the verb and its arguments; then a dry run counts the targets (per
 * status, with what the verb will do to them); then a confirmation that names the count (typed in, for many
 * instances or for the whole hub). Any change of the verb or its arguments asks for a new count. The targets are
 * pinned to the instances created before the count when the filter has no "created to" of its own.
 */
import { useState } from "preact/hooks";
import type { BulkDryRun, ManagementClient } from "../api/management-client.js";
import type { ListQuery } from "../model/instance-filter.js";
import {
  BULK_VERB_LABELS,
  BULK_VERBS,
  bulkBody,
  confirmLabel,
  createdBefore,
  describeCount,
  emptyBulkArgs,
  isEmptyFilter,
  takesReason,
  typeToConfirm,
  verbNotes,
  type BulkArgs,
  type BulkVerb,
} from "../model/bulk.js";
import { checkJsonInput } from "../model/json-input.js";
import { ConfirmDialog } from "./confirm-dialog.js";
import { formatTime } from "./instances-view.js";

export interface BulkDialogProps {
  api: ManagementClient;
  query: ListQuery;
  onCancel: () => void;
  /** Started: the bulk instance's id and the dry run's count. */
  onStarted: (instanceId: string, expected: number) => void;
}

interface Counted extends BulkDryRun {
  /** The pin: instances created up to this instant. */
  createdBefore: string;
}

/** The filter in words, for the dialog. */
function describeFilter(q: ListQuery): string {
  const parts: string[] = [];
  if (q.runtimeStatus.length > 0) parts.push(`status ${q.runtimeStatus.join(" or ")}`);
  if (q.name) parts.push(`name ${q.name}`);
  if (q.instanceIdPrefix) parts.push(`id starting with ${q.instanceIdPrefix}`);
  if (q.createdTimeFrom) parts.push(`created from ${formatTime(q.createdTimeFrom)}`);
  if (q.createdTimeTo) parts.push(`created to ${formatTime(q.createdTimeTo)}`);
  if (q.lastUpdatedTimeFrom) parts.push(`updated from ${formatTime(q.lastUpdatedTimeFrom)}`);
  if (q.lastUpdatedTimeTo) parts.push(`updated to ${formatTime(q.lastUpdatedTimeTo)}`);
  if (q.customStatusContains) parts.push(`custom status containing "${q.customStatusContains}"`);
  return parts.join("; ");
}

export function BulkDialog({ api, query, onCancel, onStarted }: BulkDialogProps) {
  const [verb, setVerb] = useState<BulkVerb>("terminate");
  const [args, setArgs] = useState<BulkArgs>(emptyBulkArgs);
  const [counted, setCounted] = useState<Counted | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const empty = isEmptyFilter(query);
  const check = bulkBody(query, verb, args);
  const eventData = checkJsonInput(args.eventData);
  const change = (patch: Partial<BulkArgs>): void => {
    setArgs((a) => ({ ...a, ...patch }));
    setCounted(undefined);
    setError(undefined);
  };

  const count = async (): Promise<void> => {
    if (!check.ok) return;
    setBusy(true);
    setError(undefined);
    try {
      const r = await api.bulkDryRun(verb, check.body);
      setCounted({ ...r, createdBefore: createdBefore(Date.now(), r.serverDate) });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const start = async (): Promise<void> => {
    if (!counted) return;
    const body = bulkBody(query, verb, args, { createdBefore: counted.createdBefore });
    if (!body.ok) return setError(body.error);
    setBusy(true);
    setError(undefined);
    try {
      onStarted(await api.startBulk(verb, body.body), counted.matched);
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };

  const label = BULK_VERB_LABELS[verb];
  const pinned = counted && query.createdTimeTo === "";
  return (
    <ConfirmDialog
      title="Act on all matching instances"
      confirmLabel={counted ? confirmLabel(verb, counted.matched) : "Count matching instances"}
      danger={counted !== undefined && (verb === "terminate" || verb === "purge")}
      busy={busy}
      error={error}
      confirmDisabled={!check.ok || counted?.matched === 0}
      typeToConfirm={counted ? typeToConfirm(verb, counted.matched, empty) : undefined}
      onCancel={onCancel}
      onConfirm={() => void (counted ? start() : count())}
    >
      <p>
        {empty ? (
          <strong>No filter: every instance of the task hub.</strong>
        ) : (
          <>
            Instances with <span data-bulk-filter>{describeFilter(query)}</span>.
          </>
        )}{" "}
        <span class="muted">Bulk operations themselves are never taken.</span>
      </p>
      <label>
        Action
        <select
          value={verb}
          onChange={(e) => {
            setVerb(e.currentTarget.value as BulkVerb);
            setCounted(undefined);
            setError(undefined);
          }}
        >
          {BULK_VERBS.map((v) => (
            <option key={v} value={v}>
              {BULK_VERB_LABELS[v]}
            </option>
          ))}
        </select>
      </label>
      {takesReason(verb) && (
        <label>
          Reason (optional)
          <input value={args.reason} onInput={(e) => change({ reason: e.currentTarget.value })} />
        </label>
      )}
      {verb === "raise-event" && (
        <>
          <label>
            Event name
            <input
              required
              value={args.eventName}
              onInput={(e) => change({ eventName: e.currentTarget.value })}
            />
          </label>
          <label>
            Event data (JSON; empty for none)
            <textarea
              rows={5}
              spellcheck={false}
              value={args.eventData}
              aria-invalid={!eventData.ok}
              aria-describedby="bulk-data-check"
              onInput={(e) => change({ eventData: e.currentTarget.value })}
            />
          </label>
          <p id="bulk-data-check" class={eventData.ok ? "muted" : "error"}>
            {eventData.ok ? (args.eventData.trim() ? "Valid JSON." : "No data (null).") : eventData.error}
          </p>
        </>
      )}
      {!check.ok && (
        <p class="error" id="bulk-check">
          {check.error}
        </p>
      )}
      <details>
        <summary>Advanced</summary>
        <label>
          Page size (instances read and acted on together, 1–1000)
          <input
            type="number"
            min={1}
            max={1000}
            value={String(args.pageSize)}
            onInput={(e) => change({ pageSize: Number(e.currentTarget.value) })}
          />
        </label>
      </details>
      {counted && (
        <div class="bulk-count" role="status">
          <p>
            <strong data-bulk-matched={counted.matched}>
              {describeCount(counted.matched, counted.byStatus)}
            </strong>
            {pinned && (
              <span class="muted">
                {" "}
                (created before {new Date(counted.createdBefore).toLocaleTimeString()}; later ones are not
                taken)
              </span>
            )}
            .
          </p>
          {verbNotes(verb, counted.byStatus).map((n) => (
            <p key={n} class="muted">
              {n}
            </p>
          ))}
          {counted.matched === 0 ? (
            <p>Nothing to do.</p>
          ) : (
            <p>
              {label} runs on the host as one bulk operation, page by page; it goes on if this page is closed.
              {verb === "purge" ? " Purged instances cannot be brought back." : ""}
            </p>
          )}
        </div>
      )}
    </ConfirmDialog>
  );
}
