/**
 * Rewind of a Failed instance as DT.AS's client does it (its service's `RewindTaskOrchestrationAsync`): the
 * failure rows of the instance's latest execution are rewritten in place, the Instances row goes back to
 * Pending, and the caller wakes each returned instance with a `GenericEvent` message whose `Data` is the
 * reason. Replay ignores GenericEvent rows, so the orchestrator re-issues the failed work as new actions;
 * any runtime's worker (DT.AS's, taskhub's) carries it out without knowing a rewind happened.
 *
 * Rows rewritten, each keeping its row key and other columns, with `Reason = "Rewound: <old EventType>"`:
 * - `ExecutionCompleted` with `OrchestrationStatus = Failed`, every `TaskFailed` and every
 *   `SubOrchestrationInstanceFailed` become `GenericEvent`;
 * - the `TaskScheduled` each `TaskFailed` answers becomes `GenericEvent`;
 * - the `SubOrchestrationInstanceCreated` each `SubOrchestrationInstanceFailed` answers keeps its type (the
 *   child is rewound in place, recursively, and answers it again) and gets only the `Reason`.
 * taskhub also rewrites the timers that fired after the first failure (retry back-off timers): DT.AS leaves
 * them, and a replay then meets a `TimerCreated` the orchestrator no longer issues (a rewound retried
 * activity ends in a non-determinism failure on DT.AS). The sentinel row is left alone, as DT.AS does.
 *
 * Tracing: taskhub also gives the rewound run a new span identity in its ExecutionStarted row
 * (`ParentTraceContext` Id, SpanId and ActivityStartTime), and a rewound child a new client span (the parent's
 * `ClientSpanId`, the child's TraceParent), as DTF's dispatcher does when it processes an ExecutionRewound.
 * DT.AS leaves them, and every worker then exports the rewound run's span under the failed run's id again.
 *
 * Returned: the instances to wake, the deepest failed ones on each failed branch (an instance with a failed
 * sub-orchestration is woken by its child's completion instead).
 */
import type { TableClient, TableEntity } from "@azure/data-tables";
import {
  encodeField,
  rewoundClientSpanId,
  rewoundTraceContext,
  TaskHubError,
  type ExecutionStartedEvent,
} from "@taskhub/core";
import { partitionFilter } from "./key-sanitation.js";
import { rawValue, rowToEvent, SENTINEL_ROW_KEY } from "./history-row.js";
import type { InstancesTable } from "./instances-table.js";

type Row = TableEntity<Record<string, unknown>> & { etag?: string };

const TABLE_JSON = { eventType: "name", typeNames: false } as const;

const text = (v: unknown): string | undefined => {
  const r = rawValue(v);
  return r === undefined || r === null ? undefined : String(r);
};
const num = (v: unknown): number | undefined => {
  const t = text(v);
  return t === undefined ? undefined : Number(t);
};

/** Rows of the instance's partition, with their EDM types kept, so that a Replace writes them back unchanged. */
async function readRows(history: TableClient, instanceId: string): Promise<Row[]> {
  const filter = partitionFilter(instanceId);
  const rows: Row[] = [];
  for await (const r of history.listEntities<Record<string, unknown>>({
    queryOptions: { filter },
    disableTypeConversion: true,
  }))
    rows.push(r as Row);
  return rows;
}

/** Writes `row` back with `changes`, every other column as read. */
async function replaceRow(history: TableClient, row: Row, changes: Record<string, unknown>): Promise<void> {
  const { etag, ...entity } = row;
  const updated: Record<string, unknown> = { ...entity, ...changes };
  // Drop read-only metadata the SDK returned with the row.
  for (const k of Object.keys(updated))
    if (k.startsWith("odata.") || k === "timestamp" || k === "Timestamp") delete updated[k];
  await history.updateEntity(updated as TableEntity, "Replace", etag ? { etag } : undefined);
}

async function markRewound(
  history: TableClient,
  row: Row,
  toGeneric: boolean,
  changes: Record<string, unknown> = {},
): Promise<void> {
  const oldType = text(row.EventType) ?? "";
  await replaceRow(history, row, {
    Reason: { value: `Rewound: ${oldType}`, type: "String" },
    ...(toGeneric ? { EventType: { value: "GenericEvent", type: "String" } } : {}),
    ...changes,
  });
}

/**
 * The rewound run is a new span (tracing/execution-trace.ts `rewoundTraceContext`): the start row's stored
 * span identity is replaced, its parent kept (or, for a child rewound with its parent, replaced by the
 * parent's new client span). Returns the new span id; undefined when the execution is not traced.
 */
async function restampStart(
  history: TableClient,
  row: Row,
  rewind: number,
  now: Date,
  parentSpanId: string | undefined,
): Promise<string | undefined> {
  const raw = text(row.ParentTraceContext);
  if (raw === undefined || raw === "null" || raw === "") return undefined;
  const start = rowToEvent(row) as ExecutionStartedEvent;
  const tc = rewoundTraceContext(start, rewind, now, parentSpanId);
  if (!tc) return undefined;
  await replaceRow(history, row, {
    ParentTraceContext: JSON.stringify(encodeField("traceContext", tc, TABLE_JSON)),
  });
  return tc.spanId;
}

export async function rewindFailedHistory(
  history: TableClient,
  instances: InstancesTable,
  instanceId: string,
  now: () => Date = () => new Date(),
  visited: Set<string> = new Set(),
  /** For a child rewound with its parent: the parent's new client span for it. */
  parentSpanId?: string,
): Promise<string[]> {
  if (visited.has(instanceId)) return [];
  visited.add(instanceId);
  const rows = (await readRows(history, instanceId)).filter((r) => r.rowKey !== SENTINEL_ROW_KEY);
  // The latest execution is the one of the newest OrchestratorStarted row (DT.AS's choice).
  const started = rows.filter((r) => text(r.EventType) === "OrchestratorStarted");
  if (started.length === 0)
    throw new TaskHubError("InvalidOperation", `instance '${instanceId}' has no history to rewind`);
  const newest = started.reduce((a, b) => (b.rowKey > a.rowKey ? b : a));
  const executionId = text(newest.ExecutionId);
  const execution = rows
    .filter((r) => text(r.ExecutionId) === executionId)
    .sort((a, b) => (a.rowKey < b.rowKey ? -1 : 1));
  const ofType = (type: string, eventId: number): Row | undefined =>
    execution.find((r) => text(r.EventType) === type && num(r.EventId) === eventId);

  // This rewind's number among the execution's rewinds (counted from the rows, so a retried rewind counts the same).
  const isFailedCompletion = (r: Row): boolean =>
    text(r.EventType) === "ExecutionCompleted" && text(r.OrchestrationStatus) === "Failed";
  const rewind =
    execution.filter((r) => text(r.Reason) === "Rewound: ExecutionCompleted").length +
    (execution.some(isFailedCompletion) ? 1 : 0);
  const startRow = execution.find((r) => text(r.EventType) === "ExecutionStarted");
  const spanId = startRow && (await restampStart(history, startRow, rewind, now(), parentSpanId));

  const leaves: string[] = [];
  let hasFailedChildren = false;
  let firstFailureKey: string | undefined;
  for (const row of execution) {
    const type = text(row.EventType);
    const failedCompletion = isFailedCompletion(row);
    if (!failedCompletion && type !== "TaskFailed" && type !== "SubOrchestrationInstanceFailed") continue;
    const scheduledId = num(row.TaskScheduledId) ?? 0;
    if (type === "TaskFailed") {
      firstFailureKey ??= row.rowKey;
      const scheduled = ofType("TaskScheduled", scheduledId);
      if (scheduled) await markRewound(history, scheduled, true);
    } else if (type === "SubOrchestrationInstanceFailed") {
      firstFailureKey ??= row.rowKey;
      hasFailedChildren = true;
      const created = ofType("SubOrchestrationInstanceCreated", scheduledId);
      if (created) {
        // A traced child hangs off a new client span (its old one was exported when it failed), as DTF's rewind.
        const clientSpanId =
          spanId && text(created.ClientSpanId) ? rewoundClientSpanId(spanId, scheduledId, rewind) : undefined;
        await markRewound(history, created, false, clientSpanId ? { ClientSpanId: clientSpanId } : {});
        const childId = text(created.InstanceId);
        if (childId)
          leaves.push(
            ...(await rewindFailedHistory(history, instances, childId, now, visited, clientSpanId)),
          );
      }
    }
    await markRewound(history, row, true);
  }

  // Timers that fired after the first failure (retry back-off): the orchestrator does not issue them again
  // when it replays the rewound history, so they go too, with their TimerFired.
  if (firstFailureKey !== undefined) {
    for (const created of execution) {
      if (text(created.EventType) !== "TimerCreated" || created.rowKey < firstFailureKey) continue;
      const fired = execution.find(
        (r) => text(r.EventType) === "TimerFired" && num(r.TimerId) === num(created.EventId),
      );
      if (!fired) continue; // still pending: its TimerFired message will find it
      await markRewound(history, created, true);
      await markRewound(history, fired, true);
    }
  }

  await instances.merge(instanceId, {
    RuntimeStatus: "Pending",
    LastUpdatedTime: { value: now().toISOString(), type: "DateTime" },
  });
  if (!hasFailedChildren) leaves.push(instanceId);
  return leaves;
}
