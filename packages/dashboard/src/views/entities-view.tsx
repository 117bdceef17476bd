/** Entities: read one entity's state by name and key, and signal an operation on it (with confirmation). */
import { useEffect, useState } from "preact/hooks";
import { NOT_AVAILABLE, type ManagementClient } from "../api/management-client.js";
import { checkJsonInput } from "../model/json-input.js";
import { ConfirmDialog } from "./confirm-dialog.js";
import { JsonBlock } from "./json-block.js";
import { navigate } from "./navigate.js";

export function EntitiesView({
  api,
  name,
  entityKey,
}: {
  api: ManagementClient;
  name: string;
  entityKey: string;
}) {
  const [draftName, setDraftName] = useState(name);
  const [draftKey, setDraftKey] = useState(entityKey);
  const [state, setState] = useState<{ value: unknown } | "none" | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [signalling, setSignalling] = useState(false);
  const [op, setOp] = useState("");
  const [payload, setPayload] = useState("");
  const [busy, setBusy] = useState(false);
  const [signalError, setSignalError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const json = checkJsonInput(payload);

  const read = async (): Promise<void> => {
    if (!name) return;
    setError(undefined);
    try {
      const v = await api.getEntity(name, entityKey);
      setState(v === NOT_AVAILABLE ? "none" : { value: v });
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => {
    setDraftName(name);
    setDraftKey(entityKey);
    setState(undefined);
    void read();
  }, [name, entityKey]);

  const signal = async (): Promise<void> => {
    setBusy(true);
    setSignalError(undefined);
    try {
      if (!json.ok) return;
      await api.signalEntity(name, entityKey, op, json.body);
      setSignalling(false);
      setNotice(`Operation "${op}" signalled; the state shows it once the entity has run it.`);
      setTimeout(() => void read(), 1000);
    } catch (e) {
      setSignalError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="entities-title">
      <h1 id="entities-title">Entities</h1>
      <form
        class="fields"
        onSubmit={(e) => {
          e.preventDefault();
          navigate({ view: "entities", name: draftName.trim(), key: draftKey });
          void read();
        }}
      >
        <label>
          Entity name
          <input required value={draftName} onInput={(e) => setDraftName(e.currentTarget.value)} />
        </label>
        <label>
          Key
          <input value={draftKey} onInput={(e) => setDraftKey(e.currentTarget.value)} />
        </label>
        <div class="form-buttons">
          <button type="submit" class="primary">
            Read state
          </button>
        </div>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {notice && <p role="status">{notice}</p>}
      {name && state !== undefined && (
        <section aria-labelledby="entity-state-title">
          <h2 id="entity-state-title">
            @{name}@{entityKey}
          </h2>
          {state === "none" ? (
            <p class="muted">No state (never set, or deleted).</p>
          ) : (
            <JsonBlock value={state.value} label="Entity state" />
          )}
          <button type="button" onClick={() => setSignalling(true)}>
            Signal an operation…
          </button>
        </section>
      )}
      {signalling && (
        <ConfirmDialog
          title={`Signal @${name}@${entityKey}`}
          confirmLabel="Signal"
          busy={busy}
          error={signalError}
          confirmDisabled={!json.ok || op.trim() === ""}
          onCancel={() => setSignalling(false)}
          onConfirm={() => void signal()}
        >
          <label>
            Operation
            <input required value={op} onInput={(e) => setOp(e.currentTarget.value)} />
          </label>
          <label>
            Input (JSON; empty for none)
            <textarea
              rows={5}
              spellcheck={false}
              value={payload}
              aria-invalid={!json.ok}
              onInput={(e) => setPayload(e.currentTarget.value)}
            />
          </label>
          <p class={json.ok ? "muted" : "error"}>
            {json.ok ? (payload.trim() ? "Valid JSON." : "No input.") : json.error}
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
