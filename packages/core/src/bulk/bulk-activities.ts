/**
 * The bulk orchestration's activities, over a `TaskHubClient` of the worker's own hub, and their registration
 * with the orchestration (`registerBulkOperations`, called by every worker when it starts).
 *
 * The page activity reads one page of the filter's matches, leaving out bulk operations (the running one and
 * every other). The act activity applies the verb to one target and reports the outcome; it never throws, so
 * a target whose action fails is reported and the others go on. An activity can run twice for one task (a
 * worker died after acting, before its result was recorded); the act activity then acts once where the target
 * shows it: a terminate, suspend, resume or purge repeated changes nothing; a restart is not repeated once the
 * target runs another execution than the page read; a rewind is not repeated once the target is no longer
 * Failed; a raise-event is not repeated when the target's history has an event of that name raised since the
 * bulk operation started (an event still queued, not yet in history, is not seen).
 */
import { supportsQuery, type OrchestrationServiceClient } from "../backend/service.js";
import { TaskHubClient } from "../client.js";
import { TaskHubError } from "../errors/errors.js";
import { isTerminalStatus } from "../history/events.js";
import { dtfTimeMs } from "../history/time.js";
import type { ActivityContext, TaskRegistry } from "../registry.js";
import {
  bulkOrchestration,
  type BulkActInput,
  type BulkActResult,
  type BulkPage,
  type BulkPageInput,
} from "./bulk-orchestration.js";
import {
  BULK_ACT_ACTIVITY,
  BULK_ORCHESTRATION,
  BULK_PAGE_ACTIVITY,
  filterFromBulkInput,
} from "./bulk-request.js";

/** One page of targets: the filter's matches on this page, bulk operations left out. */
export async function readBulkPage(
  client: TaskHubClient,
  input: BulkPageInput,
  signal?: AbortSignal,
): Promise<BulkPage> {
  const service = client.service;
  if (!supportsQuery(service))
    throw new TaskHubError("InvalidOperation", "this backend cannot list instances for a bulk operation");
  const page = await service.queryInstances(
    {
      ...filterFromBulkInput(input.filter),
      excludeEntities: true,
      fetchPayloads: false,
      maxPageSize: input.pageSize,
    },
    input.continuationToken,
    { abortSignal: signal },
  );
  const targets = page.items
    .filter(
      (r) => r.name !== BULK_ORCHESTRATION && r.instanceId !== input.self && !r.instanceId.startsWith("@"),
    )
    .map((r) => ({ instanceId: r.instanceId, executionId: r.executionId, runtimeStatus: r.runtimeStatus }));
  return { targets, continuationToken: page.continuationToken };
}

/** Apply the verb to one target; a failure is the result, never thrown. */
export async function actOnBulkTarget(
  client: TaskHubClient,
  input: BulkActInput,
  signal?: AbortSignal,
): Promise<BulkActResult> {
  const id = input.target.instanceId;
  const abortSignal = signal;
  try {
    switch (input.verb) {
      case "terminate":
        await client.terminateOrchestration(id, { output: input.reason, abortSignal });
        break;
      case "suspend":
        await client.suspendOrchestration(id, input.reason, { abortSignal });
        break;
      case "resume":
        await client.resumeOrchestration(id, input.reason, { abortSignal });
        break;
      case "raise-event": {
        const since = new Date(input.since).getTime();
        const history = await client.getOrchestrationHistory(id, { abortSignal });
        const raised = history.some(
          (e) => e.type === "EventRaised" && e.name === input.eventName && dtfTimeMs(e.timestamp) >= since,
        );
        if (!raised) await client.raiseEvent(id, input.eventName!, input.eventData, { abortSignal });
        break;
      }
      case "rewind": {
        const s = await client.getOrchestrationState(id, { fetchPayloads: false, abortSignal });
        // Rewound since the page read it Failed (by an earlier run of this task): the same execution, no longer Failed.
        if (
          input.target.runtimeStatus === "Failed" &&
          s?.executionId === input.target.executionId &&
          s?.runtimeStatus !== "Failed"
        )
          break;
        await client.rewindOrchestration(id, input.reason, { abortSignal });
        break;
      }
      case "restart": {
        const s = await client.getOrchestrationState(id, { fetchPayloads: false, abortSignal });
        if (s && input.target.executionId !== undefined && s.executionId !== input.target.executionId) break;
        await client.restartOrchestration(id, { abortSignal });
        break;
      }
      case "purge": {
        const s = await client.getOrchestrationState(id, { fetchPayloads: false, abortSignal });
        if (!s) break; // purged already
        if (!isTerminalStatus(s.runtimeStatus))
          return { ok: false, error: `'${id}' is ${s.runtimeStatus}: only finished instances are purged` };
        await client.purgeOrchestration(id, { abortSignal });
        break;
      }
    }
    return { ok: true };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { ok: false, error: `${e.code ? `${e.code}: ` : ""}${e.message ?? String(err)}` };
  }
}

/**
 * Register the bulk orchestration and its activities (acting through a client of `service`) unless the
 * registry has them already.
 */
export function registerBulkOperations(registry: TaskRegistry, service: OrchestrationServiceClient): void {
  if (registry.getOrchestrator(BULK_ORCHESTRATION)) return;
  const client = new TaskHubClient(service);
  registry.addBuiltIns((r) => {
    r.addOrchestrator(BULK_ORCHESTRATION, bulkOrchestration);
    r.addActivity(BULK_PAGE_ACTIVITY, (ctx: ActivityContext, input: BulkPageInput) =>
      readBulkPage(client, input, ctx.signal),
    );
    r.addActivity(BULK_ACT_ACTIVITY, (ctx: ActivityContext, input: BulkActInput) =>
      actOnBulkTarget(client, input, ctx.signal),
    );
  });
}
