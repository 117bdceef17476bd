/**
 * One instance record ↔ one `<hub>Instances` row, with DT.AS's columns (docs/storage-layout.md#instances-table):
 * PascalCase names, instants as Edm.DateTime, `Generation` as Int32, tags as JSON text ("null" when none), the
 * custom status as its JSON text ("null" when none). Readers take rows read without type conversion (raw
 * values), and rows read with only some columns (`$select`).
 */
import type { InstanceRecord, OrchestrationRuntimeStatus } from "@taskhub/core";
import { rawValue } from "./history-row.js";
import { unescapePartitionKey } from "./key-sanitation.js";

export interface InstanceRow {
  record: InstanceRecord;
  etag: string;
  /** Raw Input/Output columns (may be blob URLs), and offload columns when present. */
  input: string | undefined;
  output: string | undefined;
  inputBlobName: string | undefined;
}

const dt = (d: Date | undefined): { value: string; type: "DateTime" } | undefined =>
  d ? { value: d.toISOString(), type: "DateTime" } : undefined;

/** A column's value as text (an instant as ISO text); undefined when the row has no such column or it is null. */
export function columnText(p: unknown): string | undefined {
  const v = rawValue(p);
  if (v === undefined || v === null) return undefined;
  return v instanceof Date ? v.toISOString() : String(v);
}

function date(p: unknown): Date | undefined {
  const s = columnText(p);
  return s ? new Date(s) : undefined;
}

/** Columns written for a record (DTF's names). `undefined` values are omitted (Merge leaves them alone). */
export function recordColumns(
  r: InstanceRecord,
  taskHubName: string,
  io: { input?: string; output?: string },
): Record<string, unknown> {
  const cols: Record<string, unknown> = {
    Name: r.name,
    Version: r.version ?? "",
    ExecutionId: r.executionId,
    RuntimeStatus: r.runtimeStatus,
    CreatedTime: dt(r.createdAt),
    LastUpdatedTime: dt(r.lastUpdatedAt),
    CompletedTime: dt(r.completedAt),
    ScheduledStartTime: dt(r.scheduledStartAt),
    Input: io.input,
    Output: io.output,
    CustomStatus: r.serializedCustomStatus ?? "null",
    Generation: { value: r.generation, type: "Int32" },
    Tags: r.tags ? JSON.stringify(r.tags) : "null",
    TaskHubName: taskHubName,
    // DT.AS 2.11: the parent orchestration's id, "" for an instance without one (client starts, entities).
    ParentInstanceId: r.parentInstanceId ?? "",
  };
  for (const k of Object.keys(cols)) if (cols[k] === undefined) delete cols[k];
  return cols;
}

export function rowToRecord(row: Record<string, unknown>): InstanceRecord {
  const tags = columnText(row.Tags);
  const custom = columnText(row.CustomStatus);
  const status = (columnText(row.RuntimeStatus) ?? "Pending") as OrchestrationRuntimeStatus;
  const output = columnText(row.Output);
  return {
    instanceId: unescapePartitionKey(String(row.partitionKey)),
    executionId: columnText(row.ExecutionId) ?? "",
    name: columnText(row.Name) ?? "",
    version: columnText(row.Version),
    runtimeStatus: status,
    createdAt: date(row.CreatedTime) ?? new Date(0),
    lastUpdatedAt: date(row.LastUpdatedTime) ?? date(row.CreatedTime) ?? new Date(0),
    completedAt: date(row.CompletedTime),
    scheduledStartAt: date(row.ScheduledStartTime),
    serializedInput: columnText(row.Input),
    serializedOutput: output === "" ? undefined : output,
    serializedCustomStatus: custom === undefined || custom === "null" ? undefined : custom,
    tags: tags && tags !== "null" ? (JSON.parse(tags) as Record<string, string>) : undefined,
    generation: Number(rawValue(row.Generation) ?? 0),
    parentInstanceId: columnText(row.ParentInstanceId) || undefined,
  };
}

export function toInstanceRow(row: Record<string, unknown>): InstanceRow {
  return {
    record: rowToRecord(row),
    etag: String(row.etag),
    input: columnText(row.Input),
    output: columnText(row.Output),
    inputBlobName: columnText(row.InputBlobName),
  };
}
