/**
 * One instance: its status, input, output, custom status and failure details; what it waits for now; the
 * actions; its sub-orchestrations as links; its history as a timeline, a table or JSON (the tab is in the URL);
 * its large-payload blobs when the host lists them. Refreshes itself while the instance is live.
 */
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import {
  NOT_AVAILABLE,
  type InstanceBlob,
  type InstanceStatus,
  type ManagementClient,
  type Optional,
} from "../api/management-client.js";
import { emptyListQuery } from "../model/instance-filter.js";
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
  const [blobs, setBlobs] = useState<Optional<{ blobs: InstanceBlob[] }> | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [now, setNow] = useState(Date.now());

  const load = useCallback(async () => {
    try {
      const i = await api.getInstance(id);
      setInstance(i ?? null);
      setNow(Date.now());
    } catch (e) {
      onError(e);
    }
  }, [api, id, onError]);

  useEffect(() => {
    setInstance(undefined);
    setNotice(undefined);
    void load();
    api.blobs(id).then(setBlobs, () => setBlobs(NOT_AVAILABLE));
  }, [api, id, load]);
  usePoll(() => void load(), REFRESH_MS, instance ? isLive(instance.runtimeStatus) : false);

  const events = instance?.historyEvents ?? [];
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
                {w.since && <span class="muted"> since {formatTime(w.since)}</span>}
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
          else void load();
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
        ) : tab === "table" ? (
          <HistoryTable events={events} />
        ) : (
          <JsonBlock value={events} label="History as JSON" />
        )}
      </section>

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
