/**
 * One instance: its status, input, output, custom status and failure details; what it waits for now; the
 * actions; its parent and its sub-orchestrations as links; its current execution and what earlier executions
 * left; its history as a timeline, a table or JSON (the tab is in the URL); its large-payload blobs when the
 * host lists them. Refreshes itself while the instance is live.
 *
 * The history comes from the host's History rows (`historySkeleton`: every event, the scheduling ones included,
 * so calls in flight show; the Table and JSON tabs read full rows by pages, and while live only the rows added
 * since). A host without that endpoint gives the management API's condensed history instead, where calls in
 * flight do not appear.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import {
  NOT_AVAILABLE,
  type InstanceBlob,
  type InstanceStatus,
  type ManagementClient,
  type Optional,
} from "../api/management-client.js";
import { emptyListQuery } from "../model/instance-filter.js";
import type { HistoryEvent } from "../model/history-event.js";
import { parseTime } from "../model/history-event.js";
import { formatDuration } from "../model/duration.js";
import { fromRawHistory, type HistoryPage, type HistorySkeleton } from "../model/raw-history.js";
import { layoutTimeline } from "../model/timeline.js";
import { computeWaitsFor } from "../model/waits-for.js";
import { isLive } from "../model/runtime-status.js";
import { HISTORY_TABS, instanceHref, routeHref, type HistoryTab } from "../model/route.js";
import { usePoll } from "../hooks/use-poll.js";
import { ActionsPanel } from "./actions-panel.js";
import { BulkInstancePanel } from "./bulk-progress.js";
import { HistoryTable } from "./history-table.js";
import { JsonBlock } from "./json-block.js";
import { StatusBadge } from "./status-badge.js";
import { TimelineView } from "./timeline-view.js";
import { formatTime } from "./instances-view.js";
import { Generations } from "./generations.js";
import { navigate } from "./navigate.js";

const REFRESH_MS = 3000;
const TAB_LABELS: Record<HistoryTab, string> = { timeline: "Timeline", table: "Table", json: "JSON" };

export function InstanceView({
  api,
  id,
  tab,
  onError,
}: {
  api: ManagementClient;
  id: string;
  tab: HistoryTab;
  onError: (e: unknown) => void;
}) {
  const [instance, setInstance] = useState<InstanceStatus | null | undefined>(undefined);
  /** The History rows' skeleton; undefined while unknown or when the host has no history endpoint. */
  const [skeleton, setSkeleton] = useState<HistorySkeleton | undefined>();
  /** Full rows read so far for the Table and JSON tabs. */
  const [pages, setPages] = useState<HistoryPage | undefined>();
  const [blobs, setBlobs] = useState<Optional<{ blobs: InstanceBlob[] }> | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [now, setNow] = useState(Date.now());
  /** Whether the host answers the history endpoint: unknown until the first load. */
  const rawHistory = useRef<boolean | undefined>(undefined);
  const pagesRef = useRef<HistoryPage | undefined>(undefined);
  pagesRef.current = pages;
  const readingPage = useRef(false);

  const load = useCallback(async () => {
    try {
      if (rawHistory.current !== false) {
        const [status, rows] = await Promise.all([api.getInstanceStatus(id), api.historySkeleton(id)]);
        if (rows !== NOT_AVAILABLE || status === undefined) {
          // NOT_AVAILABLE with no status: no such instance (the endpoint answers 404 for it too).
          if (rows !== NOT_AVAILABLE) rawHistory.current = true;
          setInstance(status ?? null);
          setSkeleton(rows === NOT_AVAILABLE ? undefined : rows);
          setNow(Date.now());
          return;
        }
        rawHistory.current = false; // the instance exists: the host has no history endpoint
      }
      const i = await api.getInstance(id);
      setInstance(i ?? null);
      setNow(Date.now());
    } catch (e) {
      onError(e);
    }
  }, [api, id, onError]);

  /** Full rows: from the start (`fresh`), the next page, or (while live) the rows added since the last read. */
  const readPage = useCallback(
    async (fresh: boolean) => {
      if (readingPage.current) return;
      readingPage.current = true;
      try {
        const have = fresh ? undefined : pagesRef.current;
        const page = await api.historyPage(id, have ? (have.next ?? have.lastIndex) : undefined);
        if (page === NOT_AVAILABLE) return;
        if (have && page.executionId !== have.executionId) {
          setPages(undefined); // a new execution meanwhile: the next refresh reads it from the start
          return;
        }
        const events = [...(have?.events ?? []), ...page.events];
        const next: HistoryPage = { ...page, events };
        if (page.lastIndex === undefined && have?.lastIndex !== undefined) next.lastIndex = have.lastIndex;
        setPages(next);
      } catch (e) {
        onError(e);
      } finally {
        readingPage.current = false;
      }
    },
    [api, id, onError],
  );

  useEffect(() => {
    setInstance(undefined);
    setSkeleton(undefined);
    setPages(undefined);
    setNotice(undefined);
    rawHistory.current = undefined;
    void load();
    api.blobs(id).then(setBlobs, () => setBlobs(NOT_AVAILABLE));
  }, [api, id, load]);
  usePoll(load, REFRESH_MS, instance ? isLive(instance.runtimeStatus) : false);

  // The Table and JSON tabs: the first page when opened (or after the execution changed), then, once every row
  // is read, only the rows the skeleton shows were added since.
  useEffect(() => {
    if (!skeleton || tab === "timeline") return;
    const have = pagesRef.current;
    if (!have || have.executionId !== skeleton.executionId || have.events.length > skeleton.events.length)
      void readPage(true);
    else if (have.next === undefined && have.events.length < skeleton.events.length) void readPage(false);
  }, [skeleton, tab, readPage]);

  const events: HistoryEvent[] = useMemo(
    () => (skeleton ? fromRawHistory(skeleton.events) : (instance?.historyEvents ?? [])),
    [skeleton, instance],
  );
  const tableEvents: HistoryEvent[] | undefined = useMemo(
    () => (skeleton ? (pages ? fromRawHistory(pages.events) : undefined) : events),
    [skeleton, pages, events],
  );
  const live = instance ? isLive(instance.runtimeStatus) : false;
  const timeline = useMemo(() => layoutTimeline(events, { now, live }), [events, now, live]);
  const waits = useMemo(() => computeWaitsFor(events, instance?.runtimeStatus ?? ""), [events, instance]);
  const subOrchestrations = useMemo(() => {
    const ids = new Map<string, string>();
    for (const e of events)
      if (e.EventType.startsWith("SubOrchestration") && e.InstanceId)
        ids.set(e.InstanceId, e.FunctionName ?? "");
    return [...ids];
  }, [events]);
  const failure = useMemo(
    () => events.find((e) => e.EventType === "ExecutionCompleted" && e.FailureDetails)?.FailureDetails,
    [events],
  );

  if (instance === undefined) return <p aria-live="polite">Loading {id}…</p>;
  if (instance === null)
    return (
      <section>
        <h1>Instance not found</h1>
        <p>
          No instance <code>{id}</code> in this task hub{notice ? ` (${notice})` : ""}.{" "}
          <a href="#/instances">Back to the list</a>
        </p>
      </section>
    );

  return (
    <section aria-labelledby="instance-title" class="instance">
      <p>
        <a href="#/instances">← Instances</a>
      </p>
      <h1 id="instance-title">
        <span class="id">{instance.instanceId}</span> <StatusBadge status={instance.runtimeStatus} />
      </h1>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <dl class="facts">
        <dt>Name</dt>
        <dd>{instance.name}</dd>
        <dt>Created</dt>
        <dd>{formatTime(instance.createdTime)}</dd>
        <dt>Last updated</dt>
        <dd>{formatTime(instance.lastUpdatedTime)}</dd>
        {skeleton?.parent && (
          <>
            <dt>Parent</dt>
            <dd>
              <a href={instanceHref(skeleton.parent.instanceId)} data-parent>
                {skeleton.parent.instanceId}
              </a>{" "}
              {skeleton.parent.name && <span class="muted">({skeleton.parent.name})</span>}
            </dd>
          </>
        )}
        {skeleton?.executionId && (
          <>
            <dt>Execution</dt>
            <dd>
              <code>{skeleton.executionId}</code>{" "}
              <span class="muted">
                (current; started{" "}
                {formatTime(events.find((e) => e.EventType === "ExecutionStarted")?.Timestamp)})
              </span>
            </dd>
          </>
        )}
        {subOrchestrations.length > 0 && (
          <>
            <dt>Sub-orchestrations</dt>
            <dd>
              <ul class="plain">
                {subOrchestrations.map(([sid, name]) => (
                  <li key={sid}>
                    <a href={instanceHref(sid)}>{sid}</a> {name && <span class="muted">({name})</span>}
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
      </dl>

      <BulkInstancePanel instance={instance} />

      <section aria-labelledby="waits-title" class="waits">
        <h2 id="waits-title">Waiting for</h2>
        {waits.length === 0 ? (
          <p class="muted">Nothing: the instance has ended.</p>
        ) : (
          <ul>
            {waits.map((w, i) => (
              <li key={i} data-wait={w.kind}>
                {w.kind === "subOrchestration" && w.instanceId ? (
                  <a href={instanceHref(w.instanceId)}>{w.label}</a>
                ) : (
                  w.label
                )}
                {w.since && (
                  <span class="muted">
                    {" "}
                    since {formatTime(w.since)}
                    {Number.isFinite(parseTime(w.since)) &&
                      ` (${formatDuration(Math.max(0, now - parseTime(w.since)))})`}
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>

      <ActionsPanel
        api={api}
        instanceId={instance.instanceId}
        runtimeStatus={instance.runtimeStatus}
        onDone={(message, next) => {
          setNotice(message);
          if (next?.purged) navigate({ view: "instances", query: emptyListQuery() });
          else if (next?.restartedAs && next.restartedAs !== instance.instanceId)
            navigate({ view: "instance", id: next.restartedAs, tab });
          else {
            setPages(undefined); // a rewind rewrites rows in place
            void load();
          }
        }}
      />

      <div class="io">
        <section aria-labelledby="input-title">
          <h2 id="input-title">Input</h2>
          <JsonBlock value={instance.input} label="Input" />
        </section>
        <section aria-labelledby="output-title">
          <h2 id="output-title">Output</h2>
          <JsonBlock value={instance.output} label="Output" />
        </section>
        <section aria-labelledby="custom-title">
          <h2 id="custom-title">Custom status</h2>
          <JsonBlock value={instance.customStatus} label="Custom status" />
        </section>
        {failure && (
          <section aria-labelledby="failure-title" class="failure">
            <h2 id="failure-title">Failure</h2>
            <p>
              <strong>{failure.errorType}</strong>: {failure.errorMessage}
            </p>
            {failure.stackTrace && <JsonBlock value={failure.stackTrace} label="Stack trace" />}
            {failure.innerFailure && <JsonBlock value={failure.innerFailure} label="Inner failure" />}
          </section>
        )}
      </div>

      <section aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        <nav class="tabs" aria-label="History views">
          {HISTORY_TABS.map((t) => (
            <a
              key={t}
              href={routeHref({ view: "instance", id, tab: t })}
              aria-current={t === tab ? "page" : undefined}
            >
              {TAB_LABELS[t]}
            </a>
          ))}
        </nav>
        {events.length === 0 ? (
          <p class="muted">No history yet.</p>
        ) : tab === "timeline" ? (
          <TimelineView timeline={timeline} />
        ) : tableEvents === undefined ? (
          <p aria-live="polite">Loading the history rows…</p>
        ) : (
          <>
            {tab === "table" ? (
              <HistoryTable events={tableEvents} />
            ) : (
              <JsonBlock value={pages ? pages.events : tableEvents} label="History as JSON" />
            )}
            {pages?.next !== undefined && (
              <p>
                <button type="button" onClick={() => void readPage(false)}>
                  Load more rows
                </button>{" "}
                <span class="muted">
                  ({pages.events.length} of {skeleton?.events.length ?? "?"})
                </span>
              </p>
            )}
          </>
        )}
      </section>

      {skeleton && <Generations fragments={skeleton.fragments} />}

      {blobs !== undefined && blobs !== NOT_AVAILABLE && (
        <section aria-labelledby="blobs-title">
          <h2 id="blobs-title">Large payloads</h2>
          {blobs.blobs.length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <ul>
              {blobs.blobs.map((b) => (
                <li key={b.name}>
                  {b.name}{" "}
                  <span class="muted">
                    ({b.size} bytes, {formatTime(b.lastModified)})
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </section>
  );
}
