/**
 * DTF's instance → partition mapping (DT.AS `Fnv1aHashHelper`; docs/storage-layout.md#partitions): FNV-1a
 * 32-bit over the UTF-8 bytes of the raw instance id, modulo the partition count. Case-sensitive, unsanitized;
 * lone surrogates encode as U+FFFD as in .NET.
 */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text, "utf8")) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function partitionIndex(instanceId: string, partitionCount: number): number {
  return fnv1a32(instanceId) % partitionCount;
}
