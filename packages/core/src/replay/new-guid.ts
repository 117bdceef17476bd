/**
 * Deterministic GUIDs, exactly as DTF's .NET SDKs make them (their `NewGuid`): RFC 4122 UUIDv5
 * over the name `<instanceId>_<CurrentUtcDateTime in .NET "o" format>_<counter>` in the namespace
 * `9e952958-5e33-4daf-827f-2fa12937b875`. The time comes from the stored OrchestratorStarted string, so
 * digits beyond milliseconds written by a .NET worker are kept and our GUIDs match theirs.
 */
import { createHash } from "node:crypto";
import type { DtfDateTime } from "../history/events.js";
import { toDotNetRoundTrip } from "../history/time.js";

const NAMESPACE = Buffer.from("9e9529585e334daf827f2fa12937b875", "hex");

/** An RFC 4122 version-5 UUID of `name` (UTF-8) in the 16-byte `namespace`. */
export function uuidV5(namespace: Uint8Array, name: string): string {
  const hash = createHash("sha1").update(namespace).update(Buffer.from(name, "utf8")).digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function newDeterministicGuid(
  instanceId: string,
  currentUtcDateTime: DtfDateTime | Date,
  counter: number,
): string {
  return uuidV5(NAMESPACE, `${instanceId}_${toDotNetRoundTrip(currentUtcDateTime)}_${counter}`);
}

const ENTITY_REQUEST_NAMESPACE = Buffer.from("6b1f8a0e4c2d4e7a9c3b5d1e2f4a6c8e", "hex");

/**
 * The id of an entity request (call, signal or lock) an orchestration sends: a UUIDv5 over its instance,
 * execution and the sequence id of the send. Unlike `newGuid` it does not depend on the step's time, so a
 * step that runs again after a crash between its sends and its history write sends the same ids, and the
 * entity recognises the repeats (DTF uses `NewGuid` here and applies them twice).
 */
export function entityRequestId(instanceId: string, executionId: string, sequenceId: number): string {
  return uuidV5(ENTITY_REQUEST_NAMESPACE, `${instanceId}\n${executionId}\n${sequenceId}`);
}
