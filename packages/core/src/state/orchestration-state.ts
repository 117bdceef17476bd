/**
 * What a backend stores about an instance (DTF's Instances row) and what clients see.
 */
import type { FailureDetails, OrchestrationRuntimeStatus, Tags } from "../history/events.js";

/** The backend's record of an instance: payloads stay serialized JSON text. */
export interface InstanceRecord {
  instanceId: string;
  executionId: string;
  name: string;
  version?: string | undefined;
  runtimeStatus: OrchestrationRuntimeStatus;
  createdAt: Date;
  lastUpdatedAt: Date;
  completedAt?: Date | undefined;
  scheduledStartAt?: Date | undefined;
  serializedInput?: string | undefined;
  serializedOutput?: string | undefined;
  serializedCustomStatus?: string | undefined;
  failureDetails?: FailureDetails | undefined;
  tags?: Tags | undefined;
  /** The parent orchestration, when the backend records it (DT.AS's Instances table: `ParentInstanceId`). */
  parentInstanceId?: string | undefined;
  /** 0 for a new id, +1 each time a client re-creates the id. */
  generation: number;
}

/** What `TaskHubClient` returns: the record with payloads parsed (when fetched). */
export interface OrchestrationState extends InstanceRecord {
  input?: unknown;
  output?: unknown;
  customStatus?: unknown;
}

/** A copy of the record without its serialized payloads (input, output, custom status). */
export function withoutPayloads<R extends InstanceRecord>(r: R): R {
  const { serializedInput: _i, serializedOutput: _o, serializedCustomStatus: _c, ...rest } = r;
  return rest as R;
}
