/**
 * An Instances row's Input or Output column: the value inline, or, over the table property limit, the URL of
 * a blob holding it, preferably the blob the history row of the same value already wrote (DT.AS never writes a
 * large value twice). docs/storage-layout.md lists the columns and blob names.
 */
import type { HistoryEvent } from "@taskhub/core";
import {
  instancePropertyBlobName,
  MAX_TABLE_PROPERTY_BYTES,
  utf16ByteLength,
  type LargePayloadStore,
} from "../payloads/large-payloads.js";
import { escapePartitionKey } from "./key-sanitation.js";

/** Where the history keeps an Instances column's value: event type, event field, history column. */
export type HistorySource = readonly [type: HistoryEvent["type"], field: string, column: string];
export const INPUT_SOURCES: readonly HistorySource[] = [["ExecutionStarted", "input", "Input"]];
export const OUTPUT_SOURCES: readonly HistorySource[] = [
  ["ExecutionCompleted", "result", "Result"],
  ["ContinueAsNew", "result", "Result"],
];

/**
 * Where in `events` the history holds exactly `value`: the last event of a `sources` type, if its field is
 * `value` (a failure's output, for one, is not its Result), else undefined.
 */
export function historyPlaceOf(
  events: readonly HistoryEvent[],
  value: string,
  sources: readonly HistorySource[],
): { index: number; source: HistorySource } | undefined {
  for (let index = events.length - 1; index >= 0; index--) {
    const e = events[index]! as unknown as Record<string, unknown>;
    const source = sources.find(([type]) => type === e.type);
    if (source) return e[source[1]] === value ? { index, source } : undefined;
  }
  return undefined;
}

/**
 * An Instances column value: inline, or, over the table property limit, the URL of a blob holding it (docs/storage-layout.md):
 * the blob `historyBlob` names (the history row's own copy), else one written here under DT.AS's name for
 * an Instances-row property.
 */
export async function instanceColumnValue(
  payloads: LargePayloadStore,
  instanceId: string,
  column: "Input" | "Output",
  value: string | undefined,
  historyBlob: () => string | undefined | Promise<string | undefined>,
): Promise<string | undefined> {
  if (value === undefined || utf16ByteLength(value) <= MAX_TABLE_PROPERTY_BYTES) return value;
  let blobName = await historyBlob();
  if (blobName === undefined) {
    blobName = instancePropertyBlobName(escapePartitionKey(instanceId), column);
    await payloads.upload(blobName, value);
  }
  return payloads.urlOf(blobName);
}
