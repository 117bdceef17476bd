/**
 * `TaskHubClient`: starts, queries and manages orchestration instances over any
 * `OrchestrationServiceClient` (names follow the Durable Task SDKs; option bags in client/options.ts).
 * Every verb takes an `abortSignal`: once it aborts, the verb rejects promptly with an `AbortError`.
 * The class holds the verbs and the instances it knows to exist; longer verbs are beside it (client/start-event.ts,
 * wait-for-state.ts, instance-queries.ts, purge.ts; bulk/bulk-client.ts; entities/entity-client.ts).
 */
import {
  supportsRewind,
  type InstanceCounts,
  type InstanceFilter,
  type OrchestrationServiceClient,
  type PurgeFilter,
  type PurgeResult,
} from "./backend/service.js";
import type { TaskMessage } from "./backend/task-message.js";
import { abortable, throwIfAborted, type OperationOptions } from "./errors/abort.js";
import { InstanceNotFoundError, InvalidArgumentError, TaskHubError } from "./errors/errors.js";
import { isTerminalStatus, type HistoryEvent, type OrchestrationRuntimeStatus } from "./history/events.js";
import { newEvent } from "./history/factories.js";
import { serializePayload } from "./replay/payload.js";
import type { InstanceRecord, OrchestrationState } from "./state/orchestration-state.js";
import type { EntityInstanceId } from "./entities/entity-id.js";
import {
  cleanEntityStorage,
  getEntity,
  queryEntities,
  signalEntity,
  type CleanEntityStorageResult,
  type EntityMetadata,
} from "./entities/entity-client.js";
import { validateInstanceId } from "./client/instance-id.js";
import { KnownInstances } from "./client/known-instances.js";
import type {
  CleanEntityStorageOptions,
  CountInstancesOptions,
  GetEntityOptions,
  GetOrchestrationHistoryOptions,
  GetOrchestrationStateOptions,
  PurgeInstancesOptions,
  QueryEntitiesOptions,
  QueryInstancesOptions,
  RaiseEventOptions,
  RestartOrchestrationOptions,
  ResumeOrchestrationOptions,
  RewindOrchestrationOptions,
  SignalEntityOptions,
  StartBulkOperationOptions,
  StartOrchestrationOptions,
  SuspendOrchestrationOptions,
  TaskHubClientOptions,
  TerminateOrchestrationOptions,
  WaitForOrchestrationOptions,
} from "./client/options.js";
import { countInstancesByStatus, listInstances } from "./client/instance-queries.js";
import { purgeOrchestration } from "./client/purge.js";
import { newExecutionStarted } from "./client/start-event.js";
import { pagedAsyncIterable, type PagedAsyncIterable } from "./client/paging.js";
import { toOrchestrationState } from "./client/to-orchestration-state.js";
import { waitForState } from "./client/wait-for-state.js";
import { countBulkTargets, getBulkOperation, startBulkOperation } from "./bulk/bulk-client.js";
import type { BulkOperationRequest } from "./bulk/bulk-request.js";
import type { BulkProgress } from "./bulk/bulk-progress.js";
import { endAfter, startCreateOrchestrationSpan, startRaiseEventSpan } from "./tracing/client-spans.js";

export { validateInstanceId } from "./client/instance-id.js";
export { toOrchestrationState } from "./client/to-orchestration-state.js";
export type * from "./client/options.js";
export type { PagedAsyncIterable, PageSettings } from "./client/paging.js";

const DEFAULT_DEDUPE: readonly OrchestrationRuntimeStatus[] = [
  "Pending",
  "Running",
  "Suspended",
  "ContinuedAsNew",
];

export class TaskHubClient {
  /** Instances this client knows to exist: `raiseEvent` reads an instance once, not before every event. */
  private readonly known = new KnownInstances();

  constructor(
    readonly service: OrchestrationServiceClient,
    private readonly options: TaskHubClientOptions = {},
  ) {}

  private now(): Date {
    return this.options.now?.() ?? (this.service as { now?: () => Date }).now?.() ?? new Date();
  }

  /** Schedule a new instance; returns its id. */
  async scheduleNewOrchestration(
    name: string,
    input?: unknown,
    options: StartOrchestrationOptions = {},
  ): Promise<string> {
    const started = newExecutionStarted(name, input, options, () => this.now(), this.options.defaultVersion);
    const { instanceId, executionId } = started.orchestrationInstance;
    throwIfAborted(options.abortSignal, `starting '${instanceId}'`);
    // The orchestration's span is a child of this one, in whichever process runs it.
    const { span, parentTraceContext } = startCreateOrchestrationSpan(started);
    const start: TaskMessage = {
      event: parentTraceContext ? { ...started, parentTraceContext } : started,
      orchestrationInstance: { instanceId, executionId },
      orchestrationTags: options.tags,
    };
    await endAfter(span, () =>
      this.service.createTaskOrchestration(start, {
        dedupeStatuses: options.dedupeStatuses ?? DEFAULT_DEDUPE,
        abortSignal: options.abortSignal,
      }),
    );
    this.known.remember(instanceId);
    return instanceId;
  }

  /** The instance's state, or undefined when there is no such instance. */
  async getOrchestrationState(
    instanceId: string,
    options: GetOrchestrationStateOptions = {},
  ): Promise<OrchestrationState | undefined> {
    validateInstanceId(instanceId);
    const fetchPayloads = options.fetchPayloads ?? true;
    const { abortSignal } = options;
    const record = await abortable(abortSignal, `reading '${instanceId}'`, () =>
      this.service.getOrchestrationState(instanceId, { fetchPayloads, abortSignal }),
    );
    if (record) this.known.remember(instanceId);
    else this.known.forget(instanceId);
    return record && toOrchestrationState(record, fetchPayloads);
  }

  /** Resolves once the instance left Pending. Throws `Timeout` (default 60 s). */
  waitForOrchestrationStart(
    instanceId: string,
    options: WaitForOrchestrationOptions = {},
  ): Promise<OrchestrationState> {
    return this.waitFor(instanceId, (s) => s.runtimeStatus !== "Pending", "start", options);
  }

  private waitFor(
    instanceId: string,
    done: (s: OrchestrationState) => boolean,
    what: string,
    options: WaitForOrchestrationOptions,
  ): Promise<OrchestrationState> {
    const read = (o: GetOrchestrationStateOptions) => this.getOrchestrationState(instanceId, o);
    return waitForState(read, instanceId, done, what, options, this.options);
  }

  /** Resolves once the instance is Completed, Failed, Terminated or Canceled. Throws `Timeout` (default 60 s). */
  waitForOrchestrationCompletion(
    instanceId: string,
    options: WaitForOrchestrationOptions = {},
  ): Promise<OrchestrationState> {
    return this.waitFor(instanceId, (s) => isTerminalStatus(s.runtimeStatus), "completion", options);
  }

  /**
   * Deliver an external event. Throws `InstanceNotFound` for an unknown instance. The instance is read once per
   * client (client/known-instances.ts), not before every event: an instance this client started, read or
   * raised to before is not read again, and events raised at once to an unknown one share one read.
   */
  async raiseEvent(
    instanceId: string,
    eventName: string,
    data?: unknown,
    options: RaiseEventOptions = {},
  ): Promise<void> {
    if (typeof eventName !== "string" || eventName.length === 0)
      throw new InvalidArgumentError("event name must be a non-empty string");
    validateInstanceId(instanceId);
    const { abortSignal } = options;
    const exists = await this.known.exists(
      instanceId,
      async (signal) =>
        (await this.service.getOrchestrationState(instanceId, {
          fetchPayloads: false,
          abortSignal: signal,
        })) !== undefined,
      abortSignal,
    );
    if (!exists) throw new InstanceNotFoundError(instanceId);
    const input = serializePayload(data, `data of event '${eventName}'`);
    const event = newEvent("EventRaised", { timestamp: this.now(), name: eventName, input });
    await endAfter(startRaiseEventSpan(eventName, instanceId), () => this.send(instanceId, event, options));
  }

  /** Terminate an instance (and, with `recursive`, its running sub-orchestrations). No-op when already finished. */
  async terminateOrchestration(
    instanceId: string,
    options: TerminateOrchestrationOptions = {},
  ): Promise<void> {
    const state = await this.requireInstance(instanceId, options);
    const input = serializePayload(options.output, "termination output");
    if (!isTerminalStatus(state.runtimeStatus))
      await this.send(instanceId, newEvent("ExecutionTerminated", { timestamp: this.now(), input }), options);
    if (!options.recursive) return;
    const { abortSignal } = options;
    for (const e of await this.service.getOrchestrationHistory(instanceId, { abortSignal })) {
      if (e.type !== "SubOrchestrationInstanceCreated") continue;
      const child = await this.service.getOrchestrationState(e.instanceId, {
        fetchPayloads: false,
        abortSignal,
      });
      if (child && !isTerminalStatus(child.runtimeStatus))
        await this.terminateOrchestration(e.instanceId, options);
    }
  }

  async suspendOrchestration(
    instanceId: string,
    reason?: string,
    options: SuspendOrchestrationOptions = {},
  ): Promise<void> {
    await this.requireInstance(instanceId, options);
    await this.send(instanceId, newEvent("ExecutionSuspended", { timestamp: this.now(), reason }), options);
  }

  async resumeOrchestration(
    instanceId: string,
    reason?: string,
    options: ResumeOrchestrationOptions = {},
  ): Promise<void> {
    await this.requireInstance(instanceId, options);
    await this.send(instanceId, newEvent("ExecutionResumed", { timestamp: this.now(), reason }), options);
  }

  /** Re-run the failed parts of a Failed instance. Throws `InvalidOperation` for any other status. */
  async rewindOrchestration(
    instanceId: string,
    reason?: string,
    options: RewindOrchestrationOptions = {},
  ): Promise<void> {
    const state = await this.requireInstance(instanceId, options);
    if (state.runtimeStatus !== "Failed")
      throw new TaskHubError(
        "InvalidOperation",
        `only Failed instances can be rewound; '${instanceId}' is ${state.runtimeStatus}`,
      );
    if (supportsRewind(this.service))
      await this.service.rewindTaskOrchestration(instanceId, reason, { abortSignal: options.abortSignal });
    else {
      const event = newEvent("ExecutionRewound", { timestamp: this.now(), reason, instanceId });
      await this.send(instanceId, event, options, state.executionId);
    }
  }

  /** Start the instance again with its original name, input and version; returns the id used. */
  async restartOrchestration(instanceId: string, options: RestartOrchestrationOptions = {}): Promise<string> {
    const state = await this.requireInstance(instanceId, options, true);
    const input = state.serializedInput === undefined ? undefined : JSON.parse(state.serializedInput);
    return this.scheduleNewOrchestration(state.name, input, {
      instanceId: options.newInstanceId ? undefined : instanceId,
      version: state.version,
      tags: state.tags,
      dedupeStatuses: options.newInstanceId ? DEFAULT_DEDUPE : [],
      abortSignal: options.abortSignal,
    });
  }

  /** Purge one instance or every terminal instance matching a filter. */
  async purgeOrchestration(
    target: string | PurgeFilter,
    options: PurgeInstancesOptions = {},
  ): Promise<PurgeResult> {
    return purgeOrchestration(this.service, this.known, target, options);
  }

  /**
   * All instances matching the query, as an async iterator; `.byPage()` yields pages of at most `maxPageSize`
   * (a page may hold fewer, even none, and still have a continuation token). Throws `InvalidArgument` at once
   * for a malformed filter (`validateInstanceFilter`).
   */
  listInstances(query: QueryInstancesOptions = {}): PagedAsyncIterable<OrchestrationState> {
    return listInstances(this.service, query);
  }

  /**
   * How many orchestration instances match the filter, in all and per runtime status (entities are not
   * counted). Throws `InvalidArgument` for a malformed filter.
   */
  async countInstancesByStatus(filter: CountInstancesOptions = {}): Promise<InstanceCounts> {
    return countInstancesByStatus(this.service, filter);
  }

  // ---- bulk operations (bulk/) ---------------------------------------------------------------------

  /**
   * Start a bulk operation: the built-in `taskhub:bulk` orchestration applies `verb` to every orchestration
   * instance matching `filter` (never to a bulk operation), page by page, and keeps its progress
   * (`BulkProgress`) as its custom status, then as its output. Returns its instance id. Throws
   * `InvalidArgument` before anything starts for a request that cannot run (`validateBulkRequest`).
   */
  async startBulkOperation(
    request: BulkOperationRequest,
    options: StartBulkOperationOptions = {},
  ): Promise<string> {
    return startBulkOperation(this, request, options);
  }

  /**
   * How many instances a bulk operation with this filter would take now, in all and per status (a dry run
   * that starts nothing): `countInstancesByStatus` without the bulk operations themselves.
   */
  async countBulkTargets(filter: InstanceFilter, options: OperationOptions = {}): Promise<InstanceCounts> {
    return countBulkTargets(this, filter, options);
  }

  /** A bulk operation's progress (with its runtime status), or undefined when there is no such bulk operation. */
  async getBulkOperation(
    instanceId: string,
    options: OperationOptions = {},
  ): Promise<(BulkProgress & { runtimeStatus: OrchestrationRuntimeStatus }) | undefined> {
    return getBulkOperation(this, instanceId, options);
  }

  // ---- entities ------------------------------------------------------------------------------------

  /** Send an operation to an entity (fire and forget); with `scheduledTime`, not delivered before then. */
  async signalEntity(
    id: EntityInstanceId | string,
    operationName: string,
    input?: unknown,
    options: SignalEntityOptions = {},
  ): Promise<void> {
    throwIfAborted(options.abortSignal, `signalling '${String(id)}'`);
    await signalEntity(this.service, id, operationName, input, { ...options, now: this.now() });
  }

  /** The entity's metadata and (by default) state; undefined when it does not exist. */
  async getEntity<T = any>(
    id: EntityInstanceId | string,
    options: GetEntityOptions = {},
  ): Promise<EntityMetadata<T> | undefined> {
    throwIfAborted(options.abortSignal, `reading '${String(id)}'`);
    return getEntity<T>(this.service, id, options);
  }

  /** Entities matching the query, as an async iterator; `.byPage()` yields whole pages. */
  listEntities<T = any>(query: QueryEntitiesOptions = {}): PagedAsyncIterable<EntityMetadata<T>> {
    return pagedAsyncIterable((token, maxPageSize) => {
      throwIfAborted(query.abortSignal, "listing entities");
      return queryEntities<T>(
        this.service,
        { ...query, maxPageSize: maxPageSize ?? query.maxPageSize },
        token,
      );
    });
  }

  /** Remove empty entities and release locks held by finished orchestrations. */
  async cleanEntityStorage(request: CleanEntityStorageOptions = {}): Promise<CleanEntityStorageResult> {
    throwIfAborted(request.abortSignal, "cleaning entity storage");
    return cleanEntityStorage(this.service, request, {
      now: this.now(),
      reorderWindowMs: this.options.entityMessageReorderWindowMs,
    });
  }

  /** The committed history of the instance's current execution. */
  async getOrchestrationHistory(
    instanceId: string,
    options: GetOrchestrationHistoryOptions = {},
  ): Promise<HistoryEvent[]> {
    await this.requireInstance(instanceId, options);
    return this.service.getOrchestrationHistory(instanceId, { abortSignal: options.abortSignal });
  }

  private async requireInstance(
    instanceId: string,
    options: OperationOptions,
    fetchPayloads = false,
  ): Promise<InstanceRecord> {
    validateInstanceId(instanceId);
    const { abortSignal } = options;
    const s = await abortable(abortSignal, `reading '${instanceId}'`, () =>
      this.service.getOrchestrationState(instanceId, { fetchPayloads, abortSignal }),
    );
    if (!s) {
      this.known.forget(instanceId);
      throw new InstanceNotFoundError(instanceId);
    }
    this.known.remember(instanceId);
    return s;
  }

  private send(
    instanceId: string,
    event: HistoryEvent,
    options: OperationOptions,
    executionId?: string,
  ): Promise<void> {
    throwIfAborted(options.abortSignal, `sending to '${instanceId}'`);
    return this.service.sendTaskOrchestrationMessage(
      { event, orchestrationInstance: { instanceId, executionId } },
      { abortSignal: options.abortSignal },
    );
  }
}
