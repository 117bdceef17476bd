/**
 * `TaskHubClient`'s queries over orchestration instances, on a backend's optional capabilities: a listing
 * page by page (`InstanceQueryCapability`), and counts per runtime status (the backend's own count,
 * `InstanceCountCapability`, else its listing read page by page without payloads). Entities are instances
 * too, but not orchestrations: both leave them out (`listEntities` shows them).
 */
import {
  supportsInstanceCounts,
  supportsQuery,
  type InstanceCounts,
  type OrchestrationServiceClient,
} from "../backend/service.js";
import { countInstance, emptyInstanceCounts, validateInstanceFilter } from "../backend/instance-filter.js";
import { throwIfAborted } from "../errors/abort.js";
import { TaskHubError } from "../errors/errors.js";
import type { OrchestrationState } from "../state/orchestration-state.js";
import type { CountInstancesOptions, QueryInstancesOptions } from "./options.js";
import { pagedAsyncIterable, type PagedAsyncIterable } from "./paging.js";
import { toOrchestrationState } from "./to-orchestration-state.js";

/** `TaskHubClient.listInstances`: throws `InvalidArgument` at once for a malformed filter. */
export function listInstances(
  service: OrchestrationServiceClient,
  query: QueryInstancesOptions,
): PagedAsyncIterable<OrchestrationState> {
  if (!supportsQuery(service))
    throw new TaskHubError("InvalidOperation", "this backend cannot list instances");
  const { abortSignal, ...filter } = query;
  validateInstanceFilter(filter);
  const fetchPayloads = query.fetchPayloads ?? true;
  return pagedAsyncIterable(async (token, maxPageSize) => {
    throwIfAborted(abortSignal, "listing instances");
    const q = { ...filter, maxPageSize: maxPageSize ?? filter.maxPageSize, excludeEntities: true };
    const page = await service.queryInstances(q, token, { abortSignal });
    const items = page.items.filter((r) => !r.instanceId.startsWith("@"));
    return {
      items: items.map((r) => toOrchestrationState(r, fetchPayloads)),
      continuationToken: page.continuationToken,
    };
  });
}

/** `TaskHubClient.countInstancesByStatus`: rejects with `InvalidArgument` for a malformed filter. */
export async function countInstancesByStatus(
  service: OrchestrationServiceClient,
  filter: CountInstancesOptions,
): Promise<InstanceCounts> {
  const { abortSignal, ...f } = filter;
  validateInstanceFilter(f);
  throwIfAborted(abortSignal, "counting instances");
  const q = { ...f, excludeEntities: true };
  if (supportsInstanceCounts(service)) return service.countInstancesByStatus(q, { abortSignal });
  if (!supportsQuery(service))
    throw new TaskHubError("InvalidOperation", "this backend cannot list instances");
  // A backend that only lists: count its pages, read without payloads.
  const counts = emptyInstanceCounts();
  let token: string | undefined;
  do {
    const page = await service.queryInstances({ ...q, fetchPayloads: false, maxPageSize: 1000 }, token, {
      abortSignal,
    });
    for (const r of page.items) if (!r.instanceId.startsWith("@")) countInstance(counts, r.runtimeStatus);
    token = page.continuationToken;
  } while (token);
  return counts;
}
