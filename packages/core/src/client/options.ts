/**
 * The option bags of `TaskHubClient`'s verbs, one named type each (as the Azure SDKs name theirs). Every one
 * takes an `abortSignal` (`OperationOptions`): once it aborts, the verb rejects promptly with an `AbortError`.
 */
import type { InstanceFilter, InstanceQuery, PurgeFilter } from "../backend/service.js";
import type { OperationOptions } from "../errors/abort.js";
import type { OrchestrationRuntimeStatus, Tags } from "../history/events.js";
import type { CleanEntityStorageRequest, EntityQuery } from "../entities/entity-client.js";

export interface TaskHubClientOptions {
  /** First poll interval of the wait methods (default 10 ms, doubling up to `maxPollIntervalMs`). */
  minPollIntervalMs?: number;
  /** Default 1000 ms. */
  maxPollIntervalMs?: number;
  /** The system clock unless a backend has a virtual one. */
  now?: () => Date;
  /** As the worker's: empty entities idle longer than this may be removed by `cleanEntityStorage` (default 30 min). */
  entityMessageReorderWindowMs?: number;
  /** The version of instances scheduled without one (Durable Functions' `defaultVersion`; default ""). */
  defaultVersion?: string;
}

export interface StartOrchestrationOptions extends OperationOptions {
  instanceId?: string;
  /** Start no earlier than this time (DTF's ScheduledStartTime). */
  startAt?: Date;
  tags?: Tags;
  version?: string;
  /**
   * Refuse (`OrchestrationAlreadyExists`) when an instance with this id exists in one of these statuses.
   * Default: the non-terminal statuses (Pending, Running, Suspended, ContinuedAsNew), as Durable Functions.
   * `[]` always replaces an existing instance with a new generation.
   */
  dedupeStatuses?: readonly OrchestrationRuntimeStatus[];
}

/** The former name of `StartOrchestrationOptions`. */
export type ScheduleOptions = StartOrchestrationOptions;

export interface GetOrchestrationStateOptions extends OperationOptions {
  /** Parse and include input, output and custom status (default true). */
  fetchPayloads?: boolean;
}

export interface WaitForOrchestrationOptions extends GetOrchestrationStateOptions {
  /** Give up with `Timeout` after this long (default 60 s). */
  timeoutMs?: number;
  /** @deprecated The former name of `abortSignal` (honoured when `abortSignal` is not given). */
  signal?: AbortSignal;
}

export type RaiseEventOptions = OperationOptions;

export interface TerminateOrchestrationOptions extends OperationOptions {
  output?: unknown;
  /** Terminate its running sub-orchestrations too. */
  recursive?: boolean;
}

export type SuspendOrchestrationOptions = OperationOptions;
export type ResumeOrchestrationOptions = OperationOptions;
export type RewindOrchestrationOptions = OperationOptions;

export interface RestartOrchestrationOptions extends OperationOptions {
  /** Start under a new id instead of replacing the instance. */
  newInstanceId?: boolean;
}

export type PurgeInstancesOptions = OperationOptions;

export interface StartBulkOperationOptions extends OperationOptions {
  /** The bulk operation's instance id (default: a new one). */
  instanceId?: string;
}

/**
 * Which instances `listInstances` lists (`maxPageSize`: at most this many per page, default 100; a page may
 * hold fewer, even none, while it has a continuation token). The filter's conditions: `InstanceFilter`.
 */
export type QueryInstancesOptions = Omit<InstanceQuery, "excludeEntities"> & OperationOptions;

/** Which instances `countInstancesByStatus` counts: the same filter as `listInstances`, without paging. */
export type CountInstancesOptions = Omit<InstanceFilter, "excludeEntities"> & OperationOptions;

export type GetOrchestrationHistoryOptions = OperationOptions;

export interface SignalEntityOptions extends OperationOptions {
  /** Not delivered before this time. */
  scheduledTime?: Date;
}

export interface GetEntityOptions extends OperationOptions {
  /** Include the entity's state (default true). */
  includeState?: boolean;
}

/** Which entities `listEntities` lists (`maxPageSize`: at most this many records read per page). */
export type QueryEntitiesOptions = EntityQuery & OperationOptions;

export type CleanEntityStorageOptions = CleanEntityStorageRequest & OperationOptions;

export type { PurgeFilter };
