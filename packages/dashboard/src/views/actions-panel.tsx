/**
 * The actions on one instance, each behind a confirmation dialog: raise event (name and a JSON payload checked
 * as it is typed), terminate, suspend, resume, rewind (with a reason), restart (same or new id), purge. Actions
 * that the instance's status does not allow are disabled, and the host's refusal, if any, is shown as is.
 */
import { useState } from "preact/hooks";
import type { ManagementClient } from "../api/management-client.js";
import { checkJsonInput } from "../model/json-input.js";
import { isLive } from "../model/runtime-status.js";
import { ConfirmDialog } from "./confirm-dialog.js";

type Action = "raiseEvent" | "terminate" | "suspend" | "resume" | "rewind" | "restart" | "purge";

const LABELS: Record<Action, string> = {
  raiseEvent: "Raise event",
  terminate: "Terminate",
  suspend: "Suspend",
  resume: "Resume",
  rewind: "Rewind",
  restart: "Restart",
  purge: "Purge",
};

export interface ActionsPanelProps {
  api: ManagementClient;
  instanceId: string;
  runtimeStatus: string;
  /** After an action: a message, and for restart with a new id or purge, where to go. */
  onDone: (message: string, next?: { restartedAs?: string; purged?: boolean }) => void;
}

function allowed(action: Action, status: string): boolean {
  switch (action) {
    case "raiseEvent":
    case "terminate":
      return isLive(status);
    case "suspend":
      return status === "Running" || status === "Pending";
    case "resume":
      return status === "Suspended";
    case "rewind":
      return status === "Failed";
    case "restart":
      return true;
    case "purge":
      return !isLive(status);
  }
}

export function ActionsPanel({ api, instanceId, runtimeStatus, onDone }: ActionsPanelProps) {
  const [open, setOpen] = useState<Action | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [eventName, setEventName] = useState("");
  const [payload, setPayload] = useState("");
  const [reason, setReason] = useState("");
  const [newId, setNewId] = useState(false);
  const json = checkJsonInput(payload);

  const start = (a: Action): void => {
    setError(undefined);
    setReason("");
    setOpen(a);
  };
  const run = async (): Promise<void> => {
    if (!open) return;
    setBusy(true);
    setError(undefined);
    try {
      switch (open) {
        case "raiseEvent":
          if (!json.ok) return;
          await api.raiseEvent(instanceId, eventName, json.body);
          onDone(`Event "${eventName}" raised.`);
          break;
        case "terminate":
        case "suspend":
        case "resume":
        case "rewind":
          await api.instanceAction(instanceId, open, reason);
          onDone(`${LABELS[open]} requested.`);
          break;
        case "restart": {
          const id = await api.restart(instanceId, newId);
          onDone(newId ? `Restarted as ${id}.` : "Restarted.", { restartedAs: id });
          break;
        }
        case "purge":
          await api.purge(instanceId);
          onDone(`Instance ${instanceId} purged.`, { purged: true });
          break;
      }
      setOpen(undefined);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const actions = Object.keys(LABELS) as Action[];
  return (
    <section class="actions" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      <div class="action-buttons">
        {actions.map((a) => (
          <button
            key={a}
            type="button"
            class={a === "terminate" || a === "purge" ? "danger" : ""}
            disabled={!allowed(a, runtimeStatus)}
            onClick={() => start(a)}
          >
            {LABELS[a]}
          </button>
        ))}
      </div>
      {open && (
        <ConfirmDialog
          title={`${LABELS[open]}: ${instanceId}`}
          confirmLabel={LABELS[open]}
          danger={open === "terminate" || open === "purge"}
          busy={busy}
          error={error}
          confirmDisabled={open === "raiseEvent" && (!json.ok || eventName.trim() === "")}
          onCancel={() => setOpen(undefined)}
          onConfirm={() => void run()}
        >
          {open === "raiseEvent" && (
            <>
              <label>
                Event name
                <input required value={eventName} onInput={(e) => setEventName(e.currentTarget.value)} />
              </label>
              <label>
                Payload (JSON; empty for none)
                <textarea
                  rows={6}
                  spellcheck={false}
                  value={payload}
                  aria-invalid={!json.ok}
                  aria-describedby="payload-check"
                  onInput={(e) => setPayload(e.currentTarget.value)}
                />
              </label>
              <p id="payload-check" class={json.ok ? "muted" : "error"}>
                {json.ok ? (payload.trim() ? "Valid JSON." : "No payload (null).") : json.error}
              </p>
            </>
          )}
          {(open === "terminate" || open === "suspend" || open === "resume" || open === "rewind") && (
            <label>
              Reason (optional)
              <input value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
            </label>
          )}
          {open === "restart" && (
            <label class="inline">
              <input type="checkbox" checked={newId} onChange={(e) => setNewId(e.currentTarget.checked)} />{" "}
              With a new instance id
            </label>
          )}
          {open === "purge" && <p>The instance's history and state are deleted. This cannot be undone.</p>}
          {open === "terminate" && <p>The instance stops at once and ends as Terminated.</p>}
        </ConfirmDialog>
      )}
    </section>
  );
}
