/**
 * durable-functions v3's `newGuid(input)`, bit for bit: name `${input}_${epoch ms}_${counter}`; because v3
 * calls `uuid.v5(namespace, nameBytes)` with the arguments swapped, the result is UUIDv5 whose *namespace*
 * is the first 16 bytes of SHA-1(name) and whose *name* is the text of DF's namespace UUID. Reproducing it
 * keeps GUIDs (and whatever ids users derive from them) identical for histories recorded by v3.
 */
import { createHash } from "node:crypto";

const DF_NAMESPACE_TEXT = "9e952958-5e33-4daf-827f-2fa12937b875";

export function v3DeterministicGuid(name: string): string {
  const namespace = createHash("sha1").update(name).digest().subarray(0, 16);
  const bytes = createHash("sha1")
    .update(namespace)
    .update(Buffer.from(DF_NAMESPACE_TEXT, "utf8"))
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
