/**
 * An activity's input on the wire, as DurableTask.Core writes it: the JSON array of the scheduling call's
 * parameters (`ScheduleTask(name, version, params object[])`), so `[<input>]` for one input and `[]` for none.
 * DTF Core's typed activities read exactly that, and the .NET isolated SDK strips the brackets; a taskhub
 * activity gets the one parameter back. Reading also accepts what taskhub wrote before it wrapped inputs (a
 * bare JSON value); such a value that was itself a one-element array is read as its element.
 */
import { parsePayload } from "../replay/payload.js";

export function encodeActivityInput(input: string | undefined): string {
  return input === undefined ? "[]" : `[${input}]`;
}

export function decodeActivityInput(text: string | undefined): unknown {
  const value = parsePayload(text);
  if (!Array.isArray(value) || value.length > 1) return value;
  return value.length === 0 ? undefined : value[0];
}
