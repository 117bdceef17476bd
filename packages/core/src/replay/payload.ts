/** Payloads (inputs, outputs, events, state) are JSON text; `undefined` stays absent. */
import { TaskHubError } from "../errors/errors.js";

export function serializePayload(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new TaskHubError("Serialization", `${what} is not JSON-serializable: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (text === undefined) throw new TaskHubError("Serialization", `${what} is not JSON-serializable`);
  return text;
}

export function parsePayload(text: string | undefined): unknown {
  if (text === undefined || text === "") return undefined;
  return JSON.parse(text);
}
