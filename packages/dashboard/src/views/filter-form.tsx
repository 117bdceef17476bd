/**
 * The instance list's filter form: a draft of the list query that "Apply filters" puts in the URL (the list
 * follows the URL), folded under its summary on a narrow screen.
 */
import { useEffect, useState } from "preact/hooks";
import {
  fromLocalInput,
  PAGE_SIZES,
  TEXT_FILTERS,
  toLocalInput,
  type ListQuery,
} from "../model/instance-filter.js";
import { RUNTIME_STATUSES } from "../model/runtime-status.js";
import { navigate } from "./navigate.js";

type TextFilter = (typeof TEXT_FILTERS)[number];
type TimeFilter = Extract<TextFilter, `${string}Time${string}`>;
interface Bound {
  draft: ListQuery;
  set: (patch: Partial<ListQuery>) => void;
}

/** A text filter, as typed. */
function TextField({
  label,
  field,
  placeholder,
  draft,
  set,
}: Bound & { label: string; field: Exclude<TextFilter, TimeFilter>; placeholder?: string }) {
  return (
    <label>
      {label}
      <input
        value={draft[field]}
        onInput={(e) => set({ [field]: e.currentTarget.value })}
        placeholder={placeholder}
      />
    </label>
  );
}

/** A time bound: typed in local time, kept in the query as an ISO instant. */
function TimeField({ label, field, draft, set }: Bound & { label: string; field: TimeFilter }) {
  return (
    <label>
      {label}
      <input
        type="datetime-local"
        value={toLocalInput(draft[field])}
        onInput={(e) => set({ [field]: fromLocalInput(e.currentTarget.value) })}
      />
    </label>
  );
}

export function FilterForm({ query }: { query: ListQuery }) {
  const [draft, setDraft] = useState(query);
  useEffect(() => setDraft(query), [query]);
  const set = (patch: Partial<ListQuery>): void => setDraft((d) => ({ ...d, ...patch }));
  // Open on a wide screen; on a phone the form starts folded under its summary.
  const [wide] = useState(() => window.matchMedia("(min-width: 700px)").matches);
  const active =
    (query.runtimeStatus.length > 0 ? 1 : 0) + TEXT_FILTERS.filter((k) => query[k] !== "").length;
  const bind = { draft, set };
  return (
    <details class="filters" open={wide}>
      <summary>Filters{active > 0 ? ` (${active} active)` : ""}</summary>
      <form
        aria-label="Filters"
        onSubmit={(e) => {
          e.preventDefault();
          navigate({ view: "instances", query: draft });
        }}
      >
        <fieldset class="statuses">
          <legend>Runtime status</legend>
          {RUNTIME_STATUSES.map((s) => (
            <label key={s} class="inline">
              <input
                type="checkbox"
                name="runtimeStatus"
                value={s}
                checked={draft.runtimeStatus.includes(s)}
                onChange={(e) =>
                  set({
                    runtimeStatus: e.currentTarget.checked
                      ? RUNTIME_STATUSES.filter((x) => x === s || draft.runtimeStatus.includes(x))
                      : draft.runtimeStatus.filter((x) => x !== s),
                  })
                }
              />{" "}
              {s}
            </label>
          ))}
        </fieldset>
        <div class="fields">
          <TextField label="Name" field="name" placeholder="exact orchestration name" {...bind} />
          <TextField label="Instance ID prefix" field="instanceIdPrefix" {...bind} />
          <TimeField label="Created from" field="createdTimeFrom" {...bind} />
          <TimeField label="Created to" field="createdTimeTo" {...bind} />
          <TimeField label="Last updated from" field="lastUpdatedTimeFrom" {...bind} />
          <TimeField label="Last updated to" field="lastUpdatedTimeTo" {...bind} />
          <TextField label="Custom status contains" field="customStatusContains" {...bind} />
          <label>
            Page size
            <select
              value={String(draft.pageSize)}
              onChange={(e) => set({ pageSize: Number(e.currentTarget.value) })}
            >
              {PAGE_SIZES.map((n) => (
                <option key={n} value={String(n)}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div class="form-buttons">
          <button type="submit" class="primary">
            Apply filters
          </button>
          <a class="button" href="#/instances">
            Clear
          </a>
        </div>
      </form>
    </details>
  );
}
