/**
 * The ExecutionStarted event that starts a new instance: the orchestrator name and the instance id checked
 * (a new id, 32 hex digits, when none is given), a new execution id, the input serialized, the version (the
 * option, else the client's default, else none) and the scheduled start time (`startAt`).
 */
import { randomUUID } from "node:crypto";
import { InvalidArgumentError } from "../errors/errors.js";
import type { ExecutionStartedEvent } from "../history/events.js";
import { newEvent } from "../history/factories.js";
import { serializePayload } from "../replay/payload.js";
import { validateInstanceId } from "./instance-id.js";
import type { StartOrchestrationOptions } from "./options.js";

/** Throws `InvalidArgument` for an empty name, a malformed instance id or an invalid `startAt`. */
export function newExecutionStarted(
  name: string,
  input: unknown,
  options: StartOrchestrationOptions,
  now: () => Date,
  defaultVersion: string | undefined,
): ExecutionStartedEvent {
  if (typeof name !== "string" || name.length === 0)
    throw new InvalidArgumentError("orchestrator name must be a non-empty string");
  const instanceId = options.instanceId ?? randomUUID().replaceAll("-", "");
  validateInstanceId(instanceId);
  if (options.startAt !== undefined && Number.isNaN(options.startAt.getTime()))
    throw new InvalidArgumentError("startAt is not a valid date");
  const serialized = serializePayload(input, `input of orchestration '${name}'`);
  const executionId = randomUUID().replaceAll("-", "");
  return newEvent("ExecutionStarted", {
    timestamp: now(),
    orchestrationInstance: { instanceId, executionId },
    name,
    version: options.version ?? defaultVersion ?? "",
    input: serialized,
    tags: options.tags,
    scheduledStartTime: options.startAt?.toISOString(),
  });
}
