/**
 * An instance's large-payload blobs in `<hub>-largemessages`, in the DT.AS layout: messages to it under
 * `<instance id>/` and its table properties (history, input, output) under `<escaped instance id>/` (the
 * Instances and History tables' PartitionKey). Read only; a hub without the container has none.
 */
import type { AzureStorageOrchestrationService } from "@taskhub/azure-storage";
import { escapePartitionKey, isNotFound } from "@taskhub/azure-storage";

export interface BlobView {
  name: string;
  /** Bytes as stored (gzipped). */
  size: number;
  lastModified?: string;
}

export async function listInstanceBlobs(
  service: AzureStorageOrchestrationService,
  instanceId: string,
): Promise<BlobView[]> {
  const container = service.payloads.container;
  const prefixes = [...new Set([`${instanceId}/`, `${escapePartitionKey(instanceId)}/`])];
  const blobs: BlobView[] = [];
  try {
    for (const prefix of prefixes)
      for await (const b of container.listBlobsFlat({ prefix }))
        blobs.push({
          name: b.name,
          size: b.properties.contentLength ?? 0,
          ...(b.properties.lastModified ? { lastModified: b.properties.lastModified.toISOString() } : {}),
        });
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
  return blobs.sort((a, b) => a.name.localeCompare(b.name));
}
