/**
 * A confirmation as a modal `<dialog>`: focus moves into it, Escape and Cancel close it, Enter confirms; the
 * confirm button is a real submit button, disabled while the request runs or while the form is invalid. With
 * `typeToConfirm`, the operator must also type that text (a count, for an operation on many instances).
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

export interface ConfirmDialogProps {
  title: string;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  busy?: boolean;
  error?: string | undefined;
  confirmDisabled?: boolean;
  danger?: boolean;
  /** Text the operator must type before the confirm button works. */
  typeToConfirm?: string | undefined;
  children?: ComponentChildren;
}

export function ConfirmDialog(p: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState("");
  const typedRef = useRef<HTMLInputElement>(null);
  // A new text to type (a new count): empty, and the focus goes there, the next thing to do.
  useEffect(() => {
    setTyped("");
    if (p.typeToConfirm !== undefined) typedRef.current?.focus();
  }, [p.typeToConfirm]);
  const unconfirmed = p.typeToConfirm !== undefined && typed.trim() !== p.typeToConfirm;
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="dialog-title" onCancel={(e) => (e.preventDefault(), p.onCancel())}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!p.busy && !p.confirmDisabled && !unconfirmed) p.onConfirm();
        }}
      >
        <h2 id="dialog-title">{p.title}</h2>
        {p.children}
        {p.typeToConfirm !== undefined && (
          <label>
            Type {p.typeToConfirm} to confirm
            <input
              ref={typedRef}
              value={typed}
              autoComplete="off"
              inputMode={/^\d+$/.test(p.typeToConfirm) ? "numeric" : undefined}
              aria-invalid={typed !== "" && unconfirmed}
              onInput={(e) => setTyped(e.currentTarget.value)}
            />
          </label>
        )}
        {p.error && (
          <p class="error" role="alert">
            {p.error}
          </p>
        )}
        <div class="dialog-buttons">
          <button type="button" onClick={p.onCancel}>
            Cancel
          </button>
          <button
            type="submit"
            class={p.danger ? "danger" : "primary"}
            disabled={p.busy || p.confirmDisabled || unconfirmed}
          >
            {p.busy ? "Working…" : p.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
