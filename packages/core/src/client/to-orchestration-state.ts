/**
 * The client's view of an instance record: its serialized input, output and custom status parsed (a value
 * that is not JSON is shown as the text it is), or left out when payloads were not fetched.
 */
import {
  withoutPayloads,
  type InstanceRecord,
  type OrchestrationState,
} from "../state/orchestration-state.js";

function parseLenient(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text; // not JSON (a payload written by another SDK as plain text): shown as is
  }
}

export function toOrchestrationState(r: InstanceRecord, fetchPayloads: boolean): OrchestrationState {
  if (!fetchPayloads) return withoutPayloads(r);
  const s: OrchestrationState = { ...r };
  s.input = parseLenient(r.serializedInput);
  s.output = r.runtimeStatus === "Failed" ? undefined : parseLenient(r.serializedOutput);
  s.customStatus = parseLenient(r.serializedCustomStatus);
  return s;
}
