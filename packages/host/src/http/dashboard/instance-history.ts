/**
 * An instance's history as its `<hub>History` rows hold it (DT.AS's layout, whoever wrote it), for the
 * dashboard's instance view: unlike the management API's condensed history, it keeps the scheduling events, so
 * activities, sub-orchestrations and timers still in flight show.
 *
 * - `readHistorySkeleton`: every row of the partition with a few columns (`SKELETON_COLUMNS`, no blob
 *   downloaded), plus the current execution's `EventSent` and `ExecutionCompleted` rows in full (entity lock
 *   requests, the failure). Answers the current execution's events, its parent (the Instances row's
 *   `ParentInstanceId`, else ExecutionStarted's `ParentInstance`), and the rows of other executions as
 *   fragments: DT.AS writes a new execution (continue-as-new, a restart) over the old one from index 0, so an
 *   older execution only survives as its rows beyond the current one's length.
 * - `readHistoryPage`: the current execution's full rows (blobs downloaded) in index order, `top` at a time
 *   after the index `after`, with `next` to pass as `after` while more remain.
 * Events are in DTF's JSON shape as the History table's columns hold them (PascalCase members, `EventType` by
 * name, complex members as objects, `Input`/`Result` as the JSON text stored). A row that cannot be read (an
 * unknown event type, malformed JSON) is kept as `{ EventType, EventId, Timestamp, Unreadable }`.
 */
import { toDtfJson } from "@taskhub/core";
import { rawValue, rowToEvent, type AzureStorageOrchestrationService } from "@taskhub/azure-storage";
import { HttpError } from "../http-error.js";

export type DtfEvent = Record<string, unknown>;

/** The columns the skeleton reads: enough for the timeline, what it waits for, and the links. */
export const SKELETON_COLUMNS = [
  "EventType",
  "EventId",
  "_Timestamp",
  "IsPlayed",
  "Name",
  "Version",
  "TaskScheduledId",
  "TimerId",
  "FireAt",
  "InstanceId",
  "OrchestrationInstance",
  "OrchestrationStatus",
  "ParentInstance",
  "Generation",
  "Reason",
] as const;

/** Event types read in full in the skeleton: lock requests (their Input) and the end (its failure). */
export const SKELETON_FULL_EVENT_TYPES = ["EventSent", "ExecutionCompleted"] as const;

export const DEFAULT_PAGE_SIZE = 200;
/** One Table page. */
export const MAX_PAGE_SIZE = 1000;

export interface ParentLink {
  instanceId: string;
  executionId?: string;
  /** The parent orchestration's name. */
  name?: string;
  /** The EventId of the parent's SubOrchestrationInstanceCreated. */
  taskScheduleId?: number;
}

export interface HistoryFragment {
  executionId: string;
  /** Row indexes (RowKey) of the first and last leftover row. */
  fromIndex: number;
  toIndex: number;
  events: DtfEvent[];
}

export interface HistorySkeleton {
  instanceId: string;
  /** The current execution (the sentinel's); null before any history was written. */
  executionId: string | null;
  events: DtfEvent[];
  parent?: ParentLink;
  fragments: HistoryFragment[];
}

export interface HistoryPage {
  instanceId: string;
  executionId: string | null;
  events: DtfEvent[];
  /** The index of the page's last row (pass it as `after` later to read only what was added). */
  lastIndex?: number;
  /** Set while more rows follow: the `after` of the next page. */
  next?: number;
}

type Row = Record<string, unknown>;

/** The row's index from its RowKey (16 hex digits); NaN for the sentinel or anything else. */
export function rowIndex(row: Row): number {
  const key = String(row.rowKey ?? "");
  return /^[0-9A-Fa-f]{16}$/.test(key) ? parseInt(key, 16) : NaN;
}

function text(v: unknown): string | undefined {
  const raw = rawValue(v);
  return raw === undefined || raw === null ? undefined : String(raw);
}

/**
 * One row as a DTF event. With `columns`, only those members are kept (the others were not read and must not
 * read as null).
 */
export function rowToDtfEvent(row: Row, columns?: readonly string[]): DtfEvent {
  let out: DtfEvent;
  try {
    out = toDtfJson(rowToEvent(row), { eventType: "name", typeNames: false });
  } catch (err) {
    return {
      EventType: text(row.EventType) ?? null,
      EventId: Number(text(row.EventId) ?? -1),
      Timestamp: text(row._Timestamp) ?? null,
      Unreadable: (err as Error).message,
    };
  }
  if (columns) {
    const kept = new Set(["EventType", "EventId", "Timestamp", "IsPlayed", ...columns]);
    for (const key of Object.keys(out)) if (!kept.has(key)) delete out[key];
  }
  return out;
}

/**
 * The parent: the Instances row's `ParentInstanceId` (DT.AS 2.11 and taskhub write it), else ExecutionStarted's
 * `ParentInstance` (every DTF version writes it; `null` for none). The details come from ParentInstance when it
 * names the same instance.
 */
export function parentOf(
  started: DtfEvent | undefined,
  parentInstanceId: string | undefined,
): ParentLink | undefined {
  const p = started?.ParentInstance as
    | {
        Name?: string;
        TaskScheduleId?: number;
        OrchestrationInstance?: { InstanceId?: string; ExecutionId?: string };
      }
    | null
    | undefined;
  const fromHistory = p?.OrchestrationInstance?.InstanceId || undefined;
  const instanceId = parentInstanceId || fromHistory;
  if (!instanceId) return undefined;
  const link: ParentLink = { instanceId };
  if (p && fromHistory === instanceId) {
    if (p.OrchestrationInstance?.ExecutionId) link.executionId = p.OrchestrationInstance.ExecutionId;
    if (p.Name) link.name = p.Name;
    if (typeof p.TaskScheduleId === "number") link.taskScheduleId = p.TaskScheduleId;
  }
  return link;
}

/**
 * The skeleton from the rows read (pure): `rows` every event row of the partition with the skeleton's columns,
 * `fullRows` rows read with all their columns (they replace the same RowKey), `sentinel` the sentinel row.
 */
export function buildSkeleton(
  instanceId: string,
  rows: readonly Row[],
  fullRows: readonly Row[],
  sentinel: Row | undefined,
  parentInstanceId: string | undefined,
): HistorySkeleton {
  const sorted = [...rows].sort((a, b) => rowIndex(a) - rowIndex(b));
  const executionId = text(sentinel?.ExecutionId) ?? text(sorted[0]?.ExecutionId) ?? null;
  const full = new Map(fullRows.map((r) => [String(r.rowKey), r]));
  const events: DtfEvent[] = [];
  const others = new Map<string, HistoryFragment>();
  for (const row of sorted) {
    const exec = text(row.ExecutionId) ?? "";
    const whole = full.get(String(row.rowKey));
    const event =
      whole && text(whole.ExecutionId) === exec ? rowToDtfEvent(whole) : rowToDtfEvent(row, SKELETON_COLUMNS);
    if (exec === executionId) {
      events.push(event);
      continue;
    }
    const index = rowIndex(row);
    const f = others.get(exec);
    if (f) {
      f.toIndex = index;
      f.events.push(event);
    } else others.set(exec, { executionId: exec, fromIndex: index, toIndex: index, events: [event] });
  }
  const answer: HistorySkeleton = { instanceId, executionId, events, fragments: [...others.values()] };
  const parent = parentOf(
    events.find((e) => e.EventType === "ExecutionStarted"),
    parentInstanceId,
  );
  if (parent) answer.parent = parent;
  return answer;
}

/** `view`, `top` and `after` of `GET /dashboard/api/instances/{id}/history`; a bad value is a 400. */
export function parseHistoryQuery(
  params: URLSearchParams,
): { view: "skeleton" } | { view: "full"; top: number; after: number | undefined } {
  const view = params.get("view") ?? "skeleton";
  if (view === "skeleton") return { view };
  if (view !== "full") throw new HttpError(400, `view must be skeleton or full, not '${view.slice(0, 50)}'`);
  const integer = (name: string, min: number, max: number): number | undefined => {
    const v = params.get(name);
    if (v === null) return undefined;
    const n = /^\d{1,10}$/.test(v) ? Number(v) : NaN;
    if (!(n >= min && n <= max))
      throw new HttpError(400, `${name} must be an integer from ${min} to ${max}, not '${v.slice(0, 50)}'`);
    return n;
  };
  return {
    view,
    top: integer("top", 1, MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE,
    after: integer("after", 0, Number.MAX_SAFE_INTEGER),
  };
}

async function parentInstanceIdOf(
  service: AzureStorageOrchestrationService,
  instanceId: string,
): Promise<{ exists: boolean; parentInstanceId: string | undefined }> {
  const row = await service.instances.get(instanceId);
  return { exists: row !== undefined, parentInstanceId: row?.record.parentInstanceId };
}

/** The skeleton, or undefined when the instance has neither an Instances row nor history. */
export async function readHistorySkeleton(
  service: AzureStorageOrchestrationService,
  instanceId: string,
): Promise<HistorySkeleton | undefined> {
  const [skeleton, whole, instance] = await Promise.all([
    service.history.listRows(instanceId, { select: SKELETON_COLUMNS }),
    service.history.listRows(instanceId, { eventTypes: SKELETON_FULL_EVENT_TYPES }),
    parentInstanceIdOf(service, instanceId),
  ]);
  if (!instance.exists && skeleton.rows.length === 0) return undefined;
  return buildSkeleton(instanceId, skeleton.rows, whole.rows, skeleton.sentinel, instance.parentInstanceId);
}

/** One page of the current execution's full rows, or undefined when the instance has neither row nor history. */
export async function readHistoryPage(
  service: AzureStorageOrchestrationService,
  instanceId: string,
  top: number,
  after: number | undefined,
): Promise<HistoryPage | undefined> {
  const executionId = await service.history.currentExecutionId(instanceId);
  if (executionId === undefined)
    return (await service.instances.get(instanceId))
      ? { instanceId, executionId: null, events: [] }
      : undefined;
  const { rows, more } = await service.history.listRows(instanceId, {
    executionId,
    top,
    ...(after !== undefined ? { afterIndex: after } : {}),
  });
  const page: HistoryPage = { instanceId, executionId, events: rows.map((r) => rowToDtfEvent(r)) };
  const last = rows.at(-1);
  if (last) page.lastIndex = rowIndex(last);
  if (more && last) page.next = rowIndex(last);
  return page;
}
