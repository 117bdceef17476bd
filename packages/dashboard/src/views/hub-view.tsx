/**
 * The task hub itself: partitions (owner, lease, queue depth, oldest message's age), the workers seen and when
 * they last renewed, and the poison store with a replay button per message. These come from the host's
 * `/dashboard/api/*` endpoints; a host without them answers 404, and the view says "not available".
 */
import { useCallback, useEffect, useState } from "preact/hooks";
import {
  NOT_AVAILABLE,
  type HubInfo,
  type ManagementClient,
  type Optional,
  type PoisonMessage,
} from "../api/management-client.js";
import { formatDuration } from "../model/duration.js";
import { instanceHref } from "../model/route.js";
import { usePoll } from "../hooks/use-poll.js";
import { ConfirmDialog } from "./confirm-dialog.js";
import { DataTable } from "./data-table.js";
import { formatTime } from "./instances-view.js";

const REFRESH_MS = 5000;

export function HubView({ api, onError }: { api: ManagementClient; onError: (e: unknown) => void }) {
  const [hub, setHub] = useState<Optional<HubInfo> | undefined>();
  const [poison, setPoison] = useState<Optional<{ messages: PoisonMessage[] }> | undefined>();
  const [replay, setReplay] = useState<PoisonMessage | undefined>();
  const [busy, setBusy] = useState(false);
  const [replayError, setReplayError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();

  const load = useCallback(async () => {
    try {
      const [h, p] = await Promise.all([api.hub(), api.poison()]);
      setHub(h);
      setPoison(p);
    } catch (e) {
      onError(e);
    }
  }, [api, onError]);
  useEffect(() => void load(), [load]);
  usePoll(load, REFRESH_MS, true);

  const doReplay = async (): Promise<void> => {
    if (!replay) return;
    setBusy(true);
    setReplayError(undefined);
    try {
      await api.replayPoison(replay.queueName, replay.messageId);
      setNotice(`Message ${replay.messageId} sent back to ${replay.queueName}.`);
      setReplay(undefined);
      void load();
    } catch (e) {
      setReplayError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="hub-title">
      <h1 id="hub-title">Task hub{hub && hub !== NOT_AVAILABLE ? `: ${hub.taskHub}` : ""}</h1>
      {notice && <p role="status">{notice}</p>}
      <h2>Partitions</h2>
      {hub === undefined ? (
        <p>Loading…</p>
      ) : hub === NOT_AVAILABLE ? (
        <p class="muted">Not available: this host does not serve the task hub's partitions.</p>
      ) : (
        <DataTable
          columns={[
            "Partition",
            "Owner",
            "Lease",
            "Lease expires",
            "Next owner",
            "Queue depth",
            "Oldest message",
          ]}
        >
          {hub.partitions.map((p) => (
            <tr key={p.partition} data-partition={p.partition}>
              <td>{p.partition}</td>
              <td>{p.owner ?? <span class="muted">none</span>}</td>
              <td>
                {p.leaseState ?? ""}
                {p.draining ? " (draining)" : ""}
              </td>
              <td>{formatTime(p.leaseExpiresAt)}</td>
              <td>{p.nextOwner ?? ""}</td>
              <td>{p.queueDepth ?? ""}</td>
              <td>{p.oldestMessageAgeMs !== undefined ? formatDuration(p.oldestMessageAgeMs) : ""}</td>
            </tr>
          ))}
        </DataTable>
      )}
      {hub !== undefined && hub !== NOT_AVAILABLE && (
        <p class="muted">
          {hub.partitionCount ?? hub.partitions.length} partitions
          {hub.partitions[0]?.manager ? `, ${hub.partitions[0].manager} leases` : ""}
          {hub.workItemQueue
            ? `; work items: ${hub.workItemQueue.queueName}, ${hub.workItemQueue.queueDepth} message(s)${
                hub.workItemQueue.oldestMessageAgeMs !== undefined
                  ? `, oldest ${formatDuration(hub.workItemQueue.oldestMessageAgeMs)}`
                  : ""
              }`
            : ""}
        </p>
      )}
      <h2>Workers</h2>
      {hub !== undefined && hub !== NOT_AVAILABLE && (
        <DataTable columns={["Worker", "Partitions", "Last renewed"]}>
          {hub.workers.map((w) => (
            <tr key={w.worker} data-worker={w.worker}>
              <td>{w.worker}</td>
              <td>{w.partitions.join(", ")}</td>
              <td>{formatTime(w.lastRenewedAt)}</td>
            </tr>
          ))}
          {hub.workers.length === 0 && (
            <tr>
              <td colSpan={3} class="muted">
                No worker holds a partition.
              </td>
            </tr>
          )}
        </DataTable>
      )}
      {hub === NOT_AVAILABLE && <p class="muted">Not available.</p>}
      <h2>Poison messages</h2>
      {poison === undefined ? (
        <p>Loading…</p>
      ) : poison === NOT_AVAILABLE ? (
        <p class="muted">Not available: this host does not serve the poison store.</p>
      ) : poison.messages.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <DataTable
          columns={[
            "Queue",
            "Message",
            "Instance",
            "Dequeued",
            "Event",
            "Reason",
            "Quarantined",
            <span class="visually-hidden">Actions</span>,
          ]}
        >
          {poison.messages.map((m) => (
            <tr key={`${m.queueName}/${m.messageId}`}>
              <td>{m.queueName}</td>
              <td class="id">{m.messageId}</td>
              <td>{m.instanceId ? <a href={instanceHref(m.instanceId)}>{m.instanceId}</a> : ""}</td>
              <td>{m.dequeueCount}</td>
              <td>{m.eventType ?? ""}</td>
              <td>{m.reason}</td>
              <td>{formatTime(m.quarantinedAt ?? m.insertedAt)}</td>
              <td>
                <button type="button" onClick={() => (setReplayError(undefined), setReplay(m))}>
                  Replay<span class="visually-hidden"> message {m.messageId}</span>
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {replay && (
        <ConfirmDialog
          title={`Replay message ${replay.messageId}`}
          confirmLabel="Replay"
          busy={busy}
          error={replayError}
          onCancel={() => setReplay(undefined)}
          onConfirm={() => void doReplay()}
        >
          <p>
            The message goes back to <code>{replay.queueName}</code> and is processed again.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
