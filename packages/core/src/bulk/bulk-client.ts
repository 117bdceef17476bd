/**
 * `TaskHubClient`'s bulk verbs, over the client's own start, count and read: start a bulk operation (the
 * built-in bulk orchestration with the request as its input), count what it would take (a dry run that starts
 * nothing), and read its progress.
 */
import type { TaskHubClient } from "../client.js";
import type { StartBulkOperationOptions } from "../client/options.js";
import type { InstanceCounts, InstanceFilter } from "../backend/service.js";
import type { OperationOptions } from "../errors/abort.js";
import type { OrchestrationRuntimeStatus } from "../history/events.js";
import { asBulkProgress, type BulkProgress } from "./bulk-progress.js";
import {
  BULK_ORCHESTRATION,
  toBulkInput,
  validateBulkRequest,
  type BulkOperationRequest,
} from "./bulk-request.js";

/** `TaskHubClient.startBulkOperation`: rejects with `InvalidArgument` before anything starts. */
export async function startBulkOperation(
  client: TaskHubClient,
  request: BulkOperationRequest,
  options: StartBulkOperationOptions,
): Promise<string> {
  validateBulkRequest(request);
  return client.scheduleNewOrchestration(BULK_ORCHESTRATION, toBulkInput(request), {
    instanceId: options.instanceId,
    abortSignal: options.abortSignal,
  });
}

/** `TaskHubClient.countBulkTargets`: the client's counts less those of the bulk operations themselves. */
export async function countBulkTargets(
  client: TaskHubClient,
  filter: InstanceFilter,
  options: OperationOptions,
): Promise<InstanceCounts> {
  const counts = await client.countInstancesByStatus({ ...filter, abortSignal: options.abortSignal });
  if (filter.names?.length && !filter.names.includes(BULK_ORCHESTRATION)) return counts;
  const bulk = await client.countInstancesByStatus({
    ...filter,
    names: [BULK_ORCHESTRATION],
    abortSignal: options.abortSignal,
  });
  counts.total -= bulk.total;
  for (const s of Object.keys(bulk.byStatus) as OrchestrationRuntimeStatus[])
    counts.byStatus[s] -= bulk.byStatus[s];
  return counts;
}

/** `TaskHubClient.getBulkOperation`: undefined when the instance is missing or not a bulk operation. */
export async function getBulkOperation(
  client: TaskHubClient,
  instanceId: string,
  options: OperationOptions,
): Promise<(BulkProgress & { runtimeStatus: OrchestrationRuntimeStatus }) | undefined> {
  const s = await client.getOrchestrationState(instanceId, { abortSignal: options.abortSignal });
  if (!s || s.name !== BULK_ORCHESTRATION) return undefined;
  const progress = asBulkProgress(s.output) ?? asBulkProgress(s.customStatus);
  return progress && { ...progress, runtimeStatus: s.runtimeStatus };
}
