/**
 * Instances: counts per status, the filter form (its state lives in the URL), and the list one page at a time
 * through the management API's continuation token ("Load more"; never everything at once). Columns sort the rows
 * loaded so far. Live refresh polls the first page, and the counts only when that page changed or every
 * `COUNTS_REFRESH_MS` (model/refresh-plan.ts). "Act on all matching…" starts a bulk operation on the filter's
 * matches and follows its progress here.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { sortRows, type ListQuery, type SortColumn } from "../model/instance-filter.js";
import { RUNTIME_STATUSES, type RuntimeStatus } from "../model/runtime-status.js";
import { instanceHref } from "../model/route.js";
import {
  COUNTS_REFRESH_MS,
  LIST_REFRESH_MS,
  pageSignature,
  shouldReadCounts,
  type RefreshReason,
} from "../model/refresh-plan.js";
import type { InstanceCounts, InstanceStatus, ManagementClient } from "../api/management-client.js";
import { usePoll } from "../hooks/use-poll.js";
import { BulkDialog } from "./bulk-dialog.js";
import { BulkProgressPanel } from "./bulk-progress.js";
import { FilterForm } from "./filter-form.js";
import { navigate } from "./navigate.js";
import { StatusBadge } from "./status-badge.js";

const COLUMNS: { column: SortColumn; label: string }[] = [
  { column: "instanceId", label: "Instance ID" },
  { column: "name", label: "Name" },
  { column: "runtimeStatus", label: "Status" },
  { column: "createdTime", label: "Created" },
  { column: "lastUpdatedTime", label: "Last updated" },
];

export function InstancesView({
  api,
  query,
  onError,
}: {
  api: ManagementClient;
  query: ListQuery;
  onError: (e: unknown) => void;
}) {
  const [rows, setRows] = useState<InstanceStatus[]>([]);
  const [token, setToken] = useState<string | undefined>();
  const [counts, setCounts] = useState<InstanceCounts | undefined>();
  const [loading, setLoading] = useState(false);
  const [live, setLive] = useState(true);
  const [updatedAt, setUpdatedAt] = useState<Date | undefined>();
  const [bulkOpen, setBulkOpen] = useState(false);
  const [bulk, setBulk] = useState<{ id: string; expected: number } | undefined>();
  // When the counts were last read, and what the first page showed then (the refresh plan's input).
  const countsRead = useRef<{ at: number; signature: string } | undefined>(undefined);
  // The filters without the sort: a new sort re-orders the rows, it does not load them again.
  const filterKey = JSON.stringify({ ...query, sort: undefined, direction: undefined });
  // The filter now: an answer for an earlier one (a poll still running when the filter changed) is dropped.
  const currentFilter = useRef(filterKey);
  currentFilter.current = filterKey;

  const loadFirst = useCallback(
    async (reason: RefreshReason) => {
      const keepMore = reason === "poll";
      setLoading(true);
      try {
        // A new filter or *Refresh* reads both at once; a poll reads the counts only when the plan says so.
        const both = reason !== "poll";
        const [page, eager] = await Promise.all([
          api.listInstances(query, query.pageSize),
          both ? api.countInstances(query) : undefined,
        ]);
        if (currentFilter.current !== filterKey) return;
        const signature = pageSignature(page.items);
        const now = Date.now();
        const c =
          eager ??
          (shouldReadCounts({
            reason,
            now,
            countsReadAt: countsRead.current?.at,
            previousSignature: countsRead.current?.signature,
            signature,
          })
            ? await api.countInstances(query)
            : undefined);
        if (currentFilter.current !== filterKey) return;
        if (c) {
          setCounts(c);
          countsRead.current = { at: now, signature };
        }
        setRows((old) => {
          if (!keepMore) return page.items;
          const first = new Set(page.items.map((r) => r.instanceId));
          return [...page.items, ...old.slice(page.items.length).filter((r) => !first.has(r.instanceId))];
        });
        if (!keepMore) setToken(page.continuationToken);
        setUpdatedAt(new Date());
      } catch (e) {
        onError(e);
      } finally {
        setLoading(false);
      }
    },
    [api, filterKey],
  );

  useEffect(() => {
    setRows([]);
    setToken(undefined);
    countsRead.current = undefined;
    void loadFirst("load");
  }, [loadFirst]);

  usePoll(() => loadFirst("poll"), LIST_REFRESH_MS, live);

  const loadMore = async (): Promise<void> => {
    if (!token) return;
    setLoading(true);
    try {
      const page = await api.listInstances(query, query.pageSize, token);
      setRows((old) => {
        const seen = new Set(old.map((r) => r.instanceId));
        return [...old, ...page.items.filter((r) => !seen.has(r.instanceId))];
      });
      setToken(page.continuationToken);
    } catch (e) {
      onError(e);
    } finally {
      setLoading(false);
    }
  };

  const sorted = sortRows(rows, query.sort, query.direction);
  const toggleStatus = (s: RuntimeStatus): void => {
    const only = query.runtimeStatus.length === 1 && query.runtimeStatus[0] === s;
    navigate({ view: "instances", query: { ...query, runtimeStatus: only ? [] : [s] } });
  };

  return (
    <section aria-labelledby="instances-title">
      <h1 id="instances-title">Instances</h1>
      <StatusCounts counts={counts} selected={query.runtimeStatus} onToggle={toggleStatus} />
      <FilterForm query={query} />
      {bulk && (
        <BulkProgressPanel
          key={bulk.id}
          api={api}
          instanceId={bulk.id}
          expected={bulk.expected}
          onDismiss={() => setBulk(undefined)}
          onEnded={() => void loadFirst("manual")}
        />
      )}
      <div class="toolbar">
        <label
          class="inline"
          title={`The counts every ${COUNTS_REFRESH_MS / 1000} s, or when the list changed`}
        >
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} /> Live
          refresh (every {LIST_REFRESH_MS / 1000} s)
        </label>
        <button type="button" onClick={() => void loadFirst("manual")} disabled={loading}>
          Refresh
        </button>
        <button type="button" onClick={() => setBulkOpen(true)}>
          Act on all matching…
        </button>
        <span class="muted" aria-live="polite">
          {loading
            ? "Loading…"
            : updatedAt
              ? `${rows.length} shown, updated ${updatedAt.toLocaleTimeString()}`
              : ""}
        </span>
      </div>
      <div class="table-wrap">
        <table class="instances">
          <caption class="visually-hidden">
            Instances matching the filters; the column buttons sort the rows shown
          </caption>
          <thead>
            <tr>
              {COLUMNS.map(({ column, label }) => {
                const active = query.sort === column;
                const next = active && query.direction === "asc" ? "desc" : "asc";
                return (
                  <th
                    key={column}
                    scope="col"
                    aria-sort={active ? (query.direction === "asc" ? "ascending" : "descending") : "none"}
                  >
                    <button
                      type="button"
                      class="sort"
                      onClick={() =>
                        navigate({ view: "instances", query: { ...query, sort: column, direction: next } })
                      }
                    >
                      {label}
                      <span aria-hidden="true">
                        {active ? (query.direction === "asc" ? " ▲" : " ▼") : ""}
                      </span>
                    </button>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {sorted.map((r) => (
              <tr key={r.instanceId} data-instance-id={r.instanceId}>
                <td class="id">
                  <a href={instanceHref(r.instanceId)}>{r.instanceId}</a>
                </td>
                <td>{r.name}</td>
                <td>
                  <StatusBadge status={r.runtimeStatus} />
                </td>
                <td>
                  <time dateTime={r.createdTime}>{formatTime(r.createdTime)}</time>
                </td>
                <td>
                  <time dateTime={r.lastUpdatedTime}>{formatTime(r.lastUpdatedTime)}</time>
                </td>
              </tr>
            ))}
            {!loading && rows.length === 0 && (
              <tr>
                <td colSpan={COLUMNS.length} class="muted">
                  {token ? "No instances on this page: load more to read on." : "No instances match."}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {token && (
        <button type="button" onClick={() => void loadMore()} disabled={loading}>
          Load more
        </button>
      )}
      {bulkOpen && (
        <BulkDialog
          api={api}
          query={query}
          onCancel={() => setBulkOpen(false)}
          onStarted={(id, expected) => {
            setBulkOpen(false);
            setBulk({ id, expected });
          }}
        />
      )}
    </section>
  );
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

function StatusCounts({
  counts,
  selected,
  onToggle,
}: {
  counts: InstanceCounts | undefined;
  selected: RuntimeStatus[];
  onToggle: (s: RuntimeStatus) => void;
}) {
  return (
    <div class="counts" role="group" aria-label="Instances per status (the other filters apply)">
      <span class="count-total">
        Total <strong>{counts?.total ?? "…"}</strong>
      </span>
      {RUNTIME_STATUSES.map((s) => (
        <button
          key={s}
          type="button"
          class={`count status-${s.toLowerCase()}`}
          aria-pressed={selected.length === 1 && selected[0] === s}
          title={`Show only ${s}`}
          onClick={() => onToggle(s)}
        >
          {s} <strong>{counts?.byStatus[s] ?? "…"}</strong>
        </button>
      ))}
    </div>
  );
}
