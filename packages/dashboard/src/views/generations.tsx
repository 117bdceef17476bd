/**
 * The instance's executions as the History table keeps them: the current one, and the rows older executions
 * left behind. DT.AS writes a new execution (continue-as-new, or a client starting the same id again) over the
 * previous one from row 0, so an earlier execution is not kept: only its rows beyond the current execution's
 * length survive, and nothing records how many executions came before. Shown as they are, as fragments.
 */
import type { HistoryFragment } from "../model/raw-history.js";
import { formatTime } from "./instances-view.js";
import { JsonBlock } from "./json-block.js";

export function Generations({ fragments }: { fragments: readonly HistoryFragment[] }) {
  if (fragments.length === 0) return null;
  const rows = fragments.reduce((n, f) => n + f.events.length, 0);
  return (
    <section aria-labelledby="generations-title" class="generations">
      <h2 id="generations-title">Earlier executions</h2>
      <p>
        {rows} row{rows === 1 ? "" : "s"} of {fragments.length} earlier execution
        {fragments.length === 1 ? "" : "s"} remain. An execution that continued as new (or a restart of this
        id) was written over by the next one: only its rows beyond the current execution's length are left,
        and how many executions came before is not recorded.
      </p>
      <ul class="plain">
        {fragments.map((f) => {
          const types = [...new Set(f.events.map((e) => e.EventType))].join(", ");
          return (
            <li key={f.executionId} data-execution-id={f.executionId}>
              <details>
                <summary>
                  Execution <code>{f.executionId}</code>: rows {f.fromIndex}–{f.toIndex},{" "}
                  {formatTime(f.events[0]?.Timestamp)} to {formatTime(f.events.at(-1)?.Timestamp)}{" "}
                  <span class="muted">({types})</span>
                </summary>
                <JsonBlock value={f.events} label={`Rows of execution ${f.executionId}`} />
              </details>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
