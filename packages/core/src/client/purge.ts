/**
 * `TaskHubClient.purgeOrchestration` over a backend's `PurgeCapability`: one instance by id, or every finished
 * instance a filter takes (a filter naming a status that is not terminal is refused). What is purged is
 * forgotten by the client's known instances, so an event raised to it reads it again.
 */
import {
  supportsPurge,
  type OrchestrationServiceClient,
  type PurgeFilter,
  type PurgeResult,
} from "../backend/service.js";
import { throwIfAborted } from "../errors/abort.js";
import { InvalidArgumentError, TaskHubError } from "../errors/errors.js";
import { isTerminalStatus, TERMINAL_STATUSES } from "../history/events.js";
import { validateInstanceId } from "./instance-id.js";
import type { KnownInstances } from "./known-instances.js";
import type { PurgeInstancesOptions } from "./options.js";

export async function purgeOrchestration(
  service: OrchestrationServiceClient,
  known: KnownInstances,
  target: string | PurgeFilter,
  options: PurgeInstancesOptions,
): Promise<PurgeResult> {
  if (!supportsPurge(service))
    throw new TaskHubError("InvalidOperation", "this backend cannot purge instances");
  const { abortSignal } = options;
  throwIfAborted(abortSignal, "purging");
  if (typeof target === "string") {
    validateInstanceId(target);
    known.forget(target);
    return service.purgeInstance(target, { abortSignal });
  }
  const notFinished = (target.statuses ?? []).filter((s) => !isTerminalStatus(s));
  if (notFinished.length > 0)
    throw new InvalidArgumentError(
      `only finished instances can be purged; statuses takes ${TERMINAL_STATUSES.join(", ")}, got ${notFinished.join(", ")}`,
    );
  known.forgetAll();
  return service.purgeInstances(target, { abortSignal });
}
