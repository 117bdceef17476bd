/**
 * Client-side entity operations over any `OrchestrationServiceClient`: signal, read, list and clean up.
 * An entity's Instances record holds its scheduler state as input and its status as custom status; the
 * record's `createdAt` is the time of its last batch (DTF reports it as "last modified").
 */
import { randomUUID } from "node:crypto";
import { context, isSpanContextValid, trace } from "@opentelemetry/api";
import {
  supportsPurge,
  supportsQuery,
  type OrchestrationServiceClient,
  type Page,
} from "../backend/service.js";
import type { OperationOptions } from "../errors/abort.js";
import { InvalidArgumentError, TaskHubError } from "../errors/errors.js";
import { isTerminalStatus } from "../history/events.js";
import { newEvent } from "../history/factories.js";
import { dateTimeToTicks } from "../history/time.js";
import { parsePayload, serializePayload } from "../replay/payload.js";
import type { InstanceRecord } from "../state/orchestration-state.js";
import {
  entityInstanceIdString,
  parseEntityInstanceId,
  toEntityId,
  type EntityInstanceId,
} from "./entity-id.js";
import { releaseMessage } from "./entity-output.js";
import { DEFAULT_REORDER_WINDOW_MS } from "./message-sorter.js";
import {
  REQUEST_EVENT,
  formatRequestTime,
  scheduledRequestEventName,
  serializeRequest,
  type EntityRequestMessage,
} from "./messages.js";
import { SchedulerState } from "./scheduler-state.js";
import { toDistributedTraceContext } from "../tracing/trace-parent.js";

export interface EntityMetadata<T = unknown> {
  id: EntityInstanceId;
  /** Time of the entity's last batch. */
  lastModifiedTime: Date;
  /** Requests waiting in the entity's queue. */
  backlogQueueSize: number;
  /** The orchestration holding the entity's lock, if any. */
  lockedBy?: string | undefined;
  includesState: boolean;
  state?: T | undefined;
  serializedState?: string | undefined;
}

export interface EntityQuery {
  /** `counter`, `@counter` or `@counter@key-prefix`. */
  instanceIdStartsWith?: string;
  lastModifiedFrom?: Date;
  lastModifiedTo?: Date;
  /** Default true. */
  includeState?: boolean;
  /** Include entities that do not exist (no state) but still have a record, e.g. a queue or a lock. Default false. */
  includeTransient?: boolean;
  /** At most this many records are read per page (1 to 1000, default 100); a page may hold fewer entities. */
  maxPageSize?: number;
  /** @deprecated The former name of `maxPageSize` (honoured when `maxPageSize` is not given). */
  pageSize?: number;
}

export interface CleanEntityStorageRequest {
  /** Purge entities without state, queue or lock, idle longer than the reorder window (default true). */
  removeEmptyEntities?: boolean;
  /** Release locks held by orchestrations that finished or no longer exist (default true). */
  releaseOrphanedLocks?: boolean;
}

export interface CleanEntityStorageResult {
  emptyEntitiesRemoved: number;
  orphanedLocksReleased: number;
}

/** The largest delay of one scheduled-signal message (DTF, Azure Storage: 6 days); later signals hop. */
const MAX_SIGNAL_DELAY_MS = 6 * 24 * 3600_000;

export async function signalEntity(
  service: OrchestrationServiceClient,
  id: EntityInstanceId | string,
  operationName: string,
  input: unknown,
  options: OperationOptions & { scheduledTime?: Date | undefined; now: Date },
): Promise<void> {
  const target = entityInstanceIdString(toEntityId(id));
  if (typeof operationName !== "string" || operationName.length === 0)
    throw new InvalidArgumentError("operation name must be a non-empty string");
  const scheduled = options.scheduledTime;
  if (scheduled !== undefined && !(scheduled instanceof Date && !Number.isNaN(scheduled.getTime())))
    throw new InvalidArgumentError("scheduledTime must be a valid Date");
  const request: EntityRequestMessage = {
    op: operationName,
    signal: true,
    input: serializePayload(input, `input of operation '${operationName}'`),
    id: randomUUID(),
    due: scheduled?.toISOString(),
    // Client signals take no part in the sender/receiver ordering (DTF leaves these at DateTime.MinValue).
    timestamp: 0n,
    predecessor: 0n,
    ...signalTraceContext(options.now),
  };
  const name = scheduled
    ? scheduledRequestEventName(
        dateTimeToTicks(new Date(Math.min(scheduled.getTime(), options.now.getTime() + MAX_SIGNAL_DELAY_MS))),
      )
    : REQUEST_EVENT;
  await service.sendTaskOrchestrationMessage(
    {
      event: newEvent("EventRaised", { timestamp: options.now, name, input: serializeRequest(request) }),
      orchestrationInstance: { instanceId: target },
    },
    { abortSignal: options.abortSignal },
  );
}

/**
 * Under the caller's span, what DTF's .NET client (durabletask-dotnet's shim entity client) writes: the span as
 * the request's parent, `createTrace` (the entity's worker emits the signal's Producer span, from
 * `requestTime`) and the time of the call. With no span, nothing: a client that traces nothing writes no trace
 * context.
 */
function signalTraceContext(
  now: Date,
): Pick<EntityRequestMessage, "parentTraceContext" | "createTrace" | "requestTime"> {
  const caller = trace.getSpanContext(context.active());
  if (!caller || !isSpanContextValid(caller)) return {};
  return {
    parentTraceContext: toDistributedTraceContext(caller),
    createTrace: true,
    requestTime: formatRequestTime(now),
  };
}

/** The entity's metadata (and state), or undefined when it does not exist. */
export async function getEntity<T = unknown>(
  service: OrchestrationServiceClient,
  id: EntityInstanceId | string,
  options: OperationOptions & { includeState?: boolean | undefined } = {},
): Promise<EntityMetadata<T> | undefined> {
  const entity = toEntityId(id);
  const record = await service.getOrchestrationState(entityInstanceIdString(entity), {
    fetchPayloads: true,
    abortSignal: options.abortSignal,
  });
  if (!record || !existsOf(record)) return undefined;
  return toEntityMetadata<T>(record, options.includeState ?? true);
}

/** Entities matching the query, page by page (a page may hold fewer than `maxPageSize` entities). */
export async function queryEntities<T = unknown>(
  service: OrchestrationServiceClient,
  query: EntityQuery & OperationOptions,
  continuationToken: string | undefined,
): Promise<Page<EntityMetadata<T>>> {
  if (!supportsQuery(service))
    throw new TaskHubError("InvalidOperation", "this backend cannot list entities");
  const page = await service.queryInstances(
    {
      instanceIdPrefix: normalisePrefix(query.instanceIdStartsWith),
      createdFrom: query.lastModifiedFrom,
      createdTo: query.lastModifiedTo,
      maxPageSize: query.maxPageSize ?? query.pageSize,
      fetchPayloads: true,
    },
    continuationToken,
    { abortSignal: query.abortSignal },
  );
  const includeState = query.includeState ?? true;
  const items: EntityMetadata<T>[] = [];
  for (const r of page.items) {
    if (!r.instanceId.startsWith("@")) continue;
    const m = toEntityMetadata<T>(r, includeState);
    if (!m) continue;
    if (!existsOf(r) && !query.includeTransient) continue;
    items.push(m);
  }
  return { items, continuationToken: page.continuationToken };
}

export async function cleanEntityStorage(
  service: OrchestrationServiceClient,
  request: CleanEntityStorageRequest & OperationOptions,
  options: { now: Date; reorderWindowMs?: number | undefined },
): Promise<CleanEntityStorageResult> {
  const { abortSignal } = request;
  const removeEmpty = request.removeEmptyEntities ?? true;
  const releaseOrphans = request.releaseOrphanedLocks ?? true;
  const window = options.reorderWindowMs ?? DEFAULT_REORDER_WINDOW_MS;
  const result: CleanEntityStorageResult = { emptyEntitiesRemoved: 0, orphanedLocksReleased: 0 };
  let token: string | undefined;
  do {
    const page = await queryEntities(
      service,
      { includeTransient: true, includeState: false, abortSignal },
      token,
    );
    for (const e of page.items) {
      const instanceId = entityInstanceIdString(e.id);
      const record = await service.getOrchestrationState(instanceId, { fetchPayloads: true, abortSignal });
      if (!record) continue;
      const scheduler = SchedulerState.parse(record.serializedInput);
      if (releaseOrphans && scheduler.lockedBy !== undefined) {
        const owner = await service.getOrchestrationState(scheduler.lockedBy, {
          fetchPayloads: false,
          abortSignal,
        });
        if (!owner || isTerminalStatus(owner.runtimeStatus)) {
          await service.sendTaskOrchestrationMessage(
            releaseMessage(instanceId, scheduler.lockedBy, "fix-orphaned-lock", options.now),
            { abortSignal },
          );
          result.orphanedLocksReleased++;
        }
      }
      if (
        removeEmpty &&
        scheduler.isEmpty &&
        options.now.getTime() - record.createdAt.getTime() > window &&
        supportsPurge(service)
      ) {
        result.emptyEntitiesRemoved += (
          await service.purgeInstance(instanceId, { abortSignal })
        ).deletedInstanceCount;
      }
    }
    token = page.continuationToken;
  } while (token);
  return result;
}

function normalisePrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === "" || prefix === "@") return "@";
  const p = prefix.startsWith("@") ? prefix.slice(1) : prefix;
  const at = p.indexOf("@");
  return at < 0 ? `@${p.toLowerCase()}` : `@${p.slice(0, at).toLowerCase()}${p.slice(at)}`;
}

/**
 * A record listings leave out: its id is no entity id (`InvalidArgument`) or its scheduler state cannot be
 * read (`Serialization`; the entity's next batch reports that). Anything else is a bug and is thrown.
 */
function isUnreadableRecord(err: unknown): boolean {
  return err instanceof TaskHubError && (err.code === "InvalidArgument" || err.code === "Serialization");
}

function existsOf(r: InstanceRecord): boolean {
  try {
    return SchedulerState.parse(r.serializedInput).exists;
  } catch (err) {
    if (isUnreadableRecord(err)) return false;
    throw err;
  }
}

function toEntityMetadata<T>(r: InstanceRecord, includeState: boolean): EntityMetadata<T> | undefined {
  let id: EntityInstanceId;
  let scheduler: SchedulerState;
  try {
    id = parseEntityInstanceId(r.instanceId);
    scheduler = SchedulerState.parse(r.serializedInput);
  } catch (err) {
    if (isUnreadableRecord(err)) return undefined;
    throw err;
  }
  const meta: EntityMetadata<T> = {
    id,
    lastModifiedTime: r.createdAt,
    backlogQueueSize: scheduler.queue.length,
    lockedBy: scheduler.lockedBy,
    includesState: includeState,
  };
  if (includeState && scheduler.exists) {
    meta.serializedState = scheduler.state;
    meta.state = parsePayload(scheduler.state) as T;
  }
  return meta;
}
