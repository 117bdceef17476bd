/**
 * One history event ↔ one `<hub>History` row, with DTF's columns and Edm types
 * (docs/storage-layout.md#event-rows):
 * PascalCase members, `_Timestamp` for the event's Timestamp, `EventType` as the enum name, ints as Int32,
 * instants as Edm.DateTime (raw text kept, 100 ns precision survives), complex members as plain JSON
 * strings without `$type`, `ExecutionId` on every row. Readers accept absent and `"null"` for complex members.
 */
import type { TableEntity } from "@azure/data-tables";
import {
  decodeField,
  encodeField,
  EVENT_FIELDS,
  TaskHubError,
  type EventTypeName,
  type HistoryEvent,
} from "@taskhub/core";

const TABLE_JSON = { eventType: "name", typeNames: false } as const;

/** Members per event type (shared with the queue JSON codec). */
export const HISTORY_COLUMNS = EVENT_FIELDS;

/** Columns that may be offloaded to blobs when large (DT.AS's list; docs/storage-layout.md#large-payloads). */
export const VARIABLE_SIZE_COLUMNS = new Set([
  "Name",
  "Input",
  "Result",
  "Output",
  "Reason",
  "Details",
  "Correlation",
  "FailureDetails",
  "Tags",
]);

/** Row keys: the event's index within its execution as 16 upper-case hex digits. */
export function historyRowKey(index: number): string {
  return index.toString(16).toUpperCase().padStart(16, "0");
}

export const SENTINEL_ROW_KEY = "sentinel";

type Row = TableEntity<Record<string, unknown>>;

const SCALAR_KINDS = new Set(["string", "status", "int", "bool", "datetime"]);

/** The typed entity for one event (without offloading). */
export function eventToRow(e: HistoryEvent, partitionKey: string, rowKey: string, executionId: string): Row {
  const row: Row = {
    partitionKey,
    rowKey,
    EventType: e.type,
    EventId: { value: e.eventId, type: "Int32" },
    IsPlayed: e.isPlayed,
    _Timestamp: { value: e.timestamp, type: "DateTime" },
    ExecutionId: executionId,
  };
  const values = e as unknown as Record<string, unknown>;
  for (const [field, column, kind] of HISTORY_COLUMNS[e.type]) {
    const v = values[field];
    if (v === undefined) {
      // As DT.AS: an absent object member is the JSON text "null", an absent bool is false; absent strings,
      // numbers and instants (nullable in .NET) have no column.
      if (kind === "bool") row[column] = false;
      else if (!SCALAR_KINDS.has(kind)) row[column] = "null";
      continue;
    }
    switch (kind) {
      case "string":
      case "status":
        row[column] = String(v);
        break;
      case "int":
        row[column] = { value: v as number, type: "Int32" };
        break;
      case "bool":
        row[column] = Boolean(v);
        break;
      case "datetime":
        row[column] = { value: v as string, type: "DateTime" };
        break;
      default:
        // Complex members: plain Newtonsoft JSON without $type.
        row[column] = JSON.stringify(encodeField(kind, v, TABLE_JSON));
        break;
    }
  }
  return row;
}

/** A property as read with `disableTypeConversion` (`{ value, type }`) or converted; returns the raw value. */
export function rawValue(p: unknown): unknown {
  if (p !== null && typeof p === "object" && "value" in (p as object) && "type" in (p as object))
    return (p as { value: unknown }).value;
  return p;
}

function asString(p: unknown): string | undefined {
  const v = rawValue(p);
  if (v === undefined || v === null) return undefined;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

/** Inverse of `eventToRow`; offloaded properties must already be substituted into `row`. */
export function rowToEvent(row: Record<string, unknown>): HistoryEvent {
  const type = asString(row.EventType) as EventTypeName | undefined;
  if (!type || !(type in HISTORY_COLUMNS))
    throw new TaskHubError(
      "Serialization",
      `history row ${asString(row.rowKey) ?? "?"} has unknown EventType ${JSON.stringify(type)}`,
    );
  const e: Record<string, unknown> = {
    type,
    eventId: Number(rawValue(row.EventId) ?? -1),
    isPlayed: String(rawValue(row.IsPlayed)) === "true",
    timestamp: asString(row._Timestamp) ?? new Date(0).toISOString(),
  };
  for (const [field, column, kind] of HISTORY_COLUMNS[type]) {
    const text = asString(row[column]);
    if (text === undefined) continue;
    switch (kind) {
      case "string":
      case "status":
      case "datetime":
        e[field] = text;
        break;
      case "int":
        e[field] = Number(text);
        break;
      case "bool":
        e[field] = text === "true";
        break;
      default: {
        // v2 writes the text "null" for null complex members; v1 omits them.
        if (text === "null" || text === "") break;
        const v = decodeField(kind, JSON.parse(text), `${type}.${column}`);
        if (v !== undefined) e[field] = v;
        break;
      }
    }
  }
  return e as unknown as HistoryEvent;
}
