/** The history as a table: one row per event with its time, type, name and details. */
import type { HistoryEvent } from "../model/history-event.js";
import { parseTime } from "../model/history-event.js";
import { formatDuration } from "../model/duration.js";
import { instanceHref } from "../model/route.js";
import { DataTable } from "./data-table.js";

function summary(e: HistoryEvent): string {
  const parts: string[] = [];
  if (e.Input !== undefined && e.Input !== null) parts.push(`input ${JSON.stringify(e.Input)}`);
  if (e.Result !== undefined && e.Result !== null) parts.push(`result ${JSON.stringify(e.Result)}`);
  if (e.Reason) parts.push(`reason ${e.Reason}`);
  if (e.FailureDetails?.errorMessage)
    parts.push(`${e.FailureDetails.errorType ?? "error"}: ${e.FailureDetails.errorMessage}`);
  if (e.FireAt) parts.push(`fires at ${e.FireAt}`);
  if (e.OrchestrationStatus) parts.push(e.OrchestrationStatus);
  const text = parts.join("; ");
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

export function HistoryTable({ events }: { events: HistoryEvent[] }) {
  return (
    <DataTable class="history" columns={["Time", "Event", "Name", "Took", "Details"]}>
      {events.map((e, i) => {
        const took = parseTime(e.Timestamp) - parseTime(e.ScheduledTime);
        return (
          <tr key={i} class={e.EventType.endsWith("Failed") ? "failed" : ""}>
            <td>
              <time dateTime={e.Timestamp}>{e.Timestamp}</time>
            </td>
            <td>{e.EventType}</td>
            <td>
              {e.InstanceId ? (
                <a href={instanceHref(e.InstanceId)}>{e.FunctionName ?? e.Name ?? e.InstanceId}</a>
              ) : (
                (e.FunctionName ?? e.Name ?? "")
              )}
            </td>
            <td>{Number.isFinite(took) ? formatDuration(took) : ""}</td>
            <td class="details">{summary(e)}</td>
          </tr>
        );
      })}
    </DataTable>
  );
}
