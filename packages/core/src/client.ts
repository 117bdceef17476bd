/**
 * `TaskHubClient`: starts, queries and manages orchestration instances over any
 * `OrchestrationServiceClient` (names follow the Durable Task SDKs).
 */
import { randomUUID } from "node:crypto";
import {
  supportsPurge,
  supportsQuery,
  supportsRewind,
  type InstanceQuery,
  type InstanceQueryCapability,
  type OrchestrationServiceClient,
  type Page,
  type PurgeFilter,
  type PurgeResult,
} from "./backend/service.js";
import type { TaskMessage } from "./backend/task-message.js";
import { InstanceNotFoundError, InvalidArgumentError, TaskHubError, TimeoutError } from "./errors/errors.js";
import {
  isTerminalStatus,
  TERMINAL_STATUSES,
  type HistoryEvent,
  type OrchestrationRuntimeStatus,
  type Tags,
} from "./history/events.js";
import { newEvent } from "./history/factories.js";
import { serializePayload } from "./replay/payload.js";
import {
  withoutPayloads,
  type InstanceRecord,
  type OrchestrationState,
} from "./state/orchestration-state.js";
import type { EntityInstanceId } from "./entities/entity-id.js";
import {
  cleanEntityStorage,
  getEntity,
  queryEntities,
  signalEntity,
  type CleanEntityStorageRequest,
  type CleanEntityStorageResult,
  type EntityMetadata,
  type EntityQuery,
} from "./entities/entity-client.js";

export interface ScheduleOptions {
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

const DEFAULT_DEDUPE: readonly OrchestrationRuntimeStatus[] = [
  "Pending",
  "Running",
  "Suspended",
  "ContinuedAsNew",
];
/**
 * Same limits as the Durable Functions HTTP API: no control characters, `/`, `\`, `#`, `?`; at most 256 chars.
 * Also no U+FFFE/U+FFFF: ids become blob names, which storage lists in XML, where they are not allowed.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is rejected
const INVALID_ID = /[\u0000-\u001f\u007f-\u009f/\\#?\uFFFE\uFFFF]/;

/**
 * Only white space (.NET's `char.IsWhiteSpace`): DurableTask.Core's client takes such an id as no id at all
 * (`IsNullOrWhiteSpace`: it makes a new one), so no DTF task hub holds one; taskhub refuses it rather than
 * guess. White space around other characters is kept, as DTF and Durable Functions keep it.
 */
// eslint-disable-next-line no-control-regex -- tab, line feed and the like are white space in .NET too
const BLANK = /^[\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/;

/** A UTF-16 surrogate without its pair: such a string has no UTF-8 form (it would become U+FFFD). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const ID_RULES =
  "an instance id has 1 to 256 characters, is not only white space, has none of / \\ # ? or control characters (nor U+FFFE, U+FFFF, lone surrogates), and does not start with @ (reserved for entities)";

/** Throws `InvalidArgument` for an id that breaks a rule; one message for every rule: the reason, then the rules. */
export function validateInstanceId(id: unknown): asserts id is string {
  const reason =
    typeof id !== "string" || id.length === 0
      ? "it is empty"
      : BLANK.test(id)
        ? "it is only white space"
        : id.length > 256
          ? `it is longer than 256 characters (${id.length})`
          : INVALID_ID.test(id)
            ? "it contains a character that is not allowed"
            : id.startsWith("@")
              ? "it starts with '@'"
              : LONE_SURROGATE.test(id)
                ? "it is not well-formed Unicode (a lone surrogate; storage keys and URLs need UTF-8)"
                : undefined;
  if (reason === undefined) return;
  const shown =
    typeof id === "string" ? JSON.stringify(id.length > 100 ? `${id.slice(0, 100)}…` : id) : String(id);
  throw new InvalidArgumentError(`instance id ${shown} is not valid: ${reason}; ${ID_RULES}`);
}

export class TaskHubClient {
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
    options: ScheduleOptions = {},
  ): Promise<string> {
    if (typeof name !== "string" || name.length === 0)
      throw new InvalidArgumentError("orchestrator name must be a non-empty string");
    const instanceId = options.instanceId ?? randomUUID().replaceAll("-", "");
    validateInstanceId(instanceId);
    if (options.startAt !== undefined && Number.isNaN(options.startAt.getTime()))
      throw new InvalidArgumentError("startAt is not a valid date");
    const serialized = serializePayload(input, `input of orchestration '${name}'`);
    const executionId = randomUUID().replaceAll("-", "");
    const start: TaskMessage = {
      event: newEvent("ExecutionStarted", {
        timestamp: this.now(),
        orchestrationInstance: { instanceId, executionId },
        name,
        version: options.version ?? this.options.defaultVersion ?? "",
        input: serialized,
        tags: options.tags,
        scheduledStartTime: options.startAt?.toISOString(),
      }),
      orchestrationInstance: { instanceId, executionId },
      orchestrationTags: options.tags,
    };
    await this.service.createTaskOrchestration(start, {
      dedupeStatuses: options.dedupeStatuses ?? DEFAULT_DEDUPE,
    });
    return instanceId;
  }

  /** The instance's state, or undefined when there is no such instance. */
  async getOrchestrationState(
    instanceId: string,
    options: { fetchPayloads?: boolean } = {},
  ): Promise<OrchestrationState | undefined> {
    validateInstanceId(instanceId);
    const fetchPayloads = options.fetchPayloads ?? true;
    const record = await this.service.getOrchestrationState(instanceId, { fetchPayloads });
    return record && toOrchestrationState(record, fetchPayloads);
  }

  /** Resolves once the instance left Pending. Throws `Timeout` (default 60 s). */
  waitForOrchestrationStart(
    instanceId: string,
    options: { timeoutMs?: number; fetchPayloads?: boolean; signal?: AbortSignal } = {},
  ): Promise<OrchestrationState> {
    return this.waitFor(instanceId, (s) => s.runtimeStatus !== "Pending", "start", options);
  }

  /** Resolves once the instance is Completed, Failed, Terminated or Canceled. Throws `Timeout` (default 60 s). */
  waitForOrchestrationCompletion(
    instanceId: string,
    options: { timeoutMs?: number; fetchPayloads?: boolean; signal?: AbortSignal } = {},
  ): Promise<OrchestrationState> {
    return this.waitFor(instanceId, (s) => isTerminalStatus(s.runtimeStatus), "completion", options);
  }

  private async waitFor(
    instanceId: string,
    done: (s: OrchestrationState) => boolean,
    what: string,
    options: { timeoutMs?: number; fetchPayloads?: boolean; signal?: AbortSignal },
  ): Promise<OrchestrationState> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    let interval = this.options.minPollIntervalMs ?? 10;
    const max = this.options.maxPollIntervalMs ?? 1000;
    for (;;) {
      const s = await this.getOrchestrationState(instanceId, {
        fetchPayloads: options.fetchPayloads ?? true,
      });
      if (s && done(s)) return s;
      if (options.signal?.aborted)
        throw new TaskHubError("InvalidOperation", `waiting for ${what} of '${instanceId}' was aborted`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new TimeoutError(
          `instance '${instanceId}' did not reach ${what} within ${timeoutMs} ms (status: ${s?.runtimeStatus ?? "not found"})`,
        );
      await new Promise((r) => setTimeout(r, Math.min(interval, left)));
      interval = Math.min(interval * 2, max);
    }
  }

  /** Deliver an external event. Throws `InstanceNotFound` for an unknown instance. */
  async raiseEvent(instanceId: string, eventName: string, data?: unknown): Promise<void> {
    if (typeof eventName !== "string" || eventName.length === 0)
      throw new InvalidArgumentError("event name must be a non-empty string");
    await this.requireInstance(instanceId);
    const input = serializePayload(data, `data of event '${eventName}'`);
    await this.send(instanceId, newEvent("EventRaised", { timestamp: this.now(), name: eventName, input }));
  }

  /** Terminate an instance (and, with `recursive`, its running sub-orchestrations). No-op when already finished. */
  async terminateOrchestration(
    instanceId: string,
    options: { output?: unknown; recursive?: boolean } = {},
  ): Promise<void> {
    const state = await this.requireInstance(instanceId);
    const input = serializePayload(options.output, "termination output");
    if (!isTerminalStatus(state.runtimeStatus))
      await this.send(instanceId, newEvent("ExecutionTerminated", { timestamp: this.now(), input }));
    if (options.recursive) {
      for (const e of await this.service.getOrchestrationHistory(instanceId)) {
        if (e.type !== "SubOrchestrationInstanceCreated") continue;
        const child = await this.service.getOrchestrationState(e.instanceId, { fetchPayloads: false });
        if (child && !isTerminalStatus(child.runtimeStatus))
          await this.terminateOrchestration(e.instanceId, options);
      }
    }
  }

  async suspendOrchestration(instanceId: string, reason?: string): Promise<void> {
    await this.requireInstance(instanceId);
    await this.send(instanceId, newEvent("ExecutionSuspended", { timestamp: this.now(), reason }));
  }

  async resumeOrchestration(instanceId: string, reason?: string): Promise<void> {
    await this.requireInstance(instanceId);
    await this.send(instanceId, newEvent("ExecutionResumed", { timestamp: this.now(), reason }));
  }

  /** Re-run the failed parts of a Failed instance. Throws `InvalidOperation` for any other status. */
  async rewindOrchestration(instanceId: string, reason?: string): Promise<void> {
    const state = await this.requireInstance(instanceId);
    if (state.runtimeStatus !== "Failed")
      throw new TaskHubError(
        "InvalidOperation",
        `only Failed instances can be rewound; '${instanceId}' is ${state.runtimeStatus}`,
      );
    if (supportsRewind(this.service)) await this.service.rewindTaskOrchestration(instanceId, reason);
    else
      await this.send(
        instanceId,
        newEvent("ExecutionRewound", { timestamp: this.now(), reason, instanceId }),
        state.executionId,
      );
  }

  /** Start the instance again with its original name, input and version; returns the id used. */
  async restartOrchestration(instanceId: string, options: { newInstanceId?: boolean } = {}): Promise<string> {
    validateInstanceId(instanceId);
    const state = await this.service.getOrchestrationState(instanceId, { fetchPayloads: true });
    if (!state) throw new InstanceNotFoundError(instanceId);
    const input = state.serializedInput === undefined ? undefined : JSON.parse(state.serializedInput);
    return this.scheduleNewOrchestration(state.name, input, {
      instanceId: options.newInstanceId ? undefined : instanceId,
      version: state.version,
      tags: state.tags,
      dedupeStatuses: options.newInstanceId ? DEFAULT_DEDUPE : [],
    });
  }

  /** Purge one instance or every terminal instance matching a filter. */
  async purgeOrchestration(target: string | PurgeFilter): Promise<PurgeResult> {
    const service = this.service;
    if (!supportsPurge(service))
      throw new TaskHubError("InvalidOperation", "this backend cannot purge instances");
    if (typeof target === "string") {
      validateInstanceId(target);
      return service.purgeInstance(target);
    }
    const notFinished = (target.statuses ?? []).filter((s) => !isTerminalStatus(s));
    if (notFinished.length > 0)
      throw new InvalidArgumentError(
        `only finished instances can be purged; statuses takes ${TERMINAL_STATUSES.join(", ")}, got ${notFinished.join(", ")}`,
      );
    return service.purgeInstances(target);
  }

  /** All instances matching the query, as an async iterator; `.byPage()` yields whole pages. */
  listInstances(query: InstanceQuery = {}): PagedAsyncIterable<OrchestrationState> {
    const client = this.service;
    if (!supportsQuery(client))
      throw new TaskHubError("InvalidOperation", "this backend cannot list instances");
    const service: InstanceQueryCapability = client;
    const fetchPayloads = query.fetchPayloads ?? true;
    async function* pages(continuationToken?: string): AsyncGenerator<Page<OrchestrationState>> {
      let token = continuationToken;
      do {
        const page = await service.queryInstances({ ...query, excludeEntities: true }, token);
        // Entities are instances too, but not orchestrations: listEntities shows them.
        const items = page.items.filter((r) => !r.instanceId.startsWith("@"));
        yield {
          items: items.map((r) => toOrchestrationState(r, fetchPayloads)),
          continuationToken: page.continuationToken,
        };
        token = page.continuationToken;
      } while (token);
    }
    return {
      async *[Symbol.asyncIterator]() {
        for await (const page of pages()) yield* page.items;
      },
      byPage: (settings = {}) => pages(settings.continuationToken),
    };
  }

  // ---- entities ------------------------------------------------------------------------------------

  /** Send an operation to an entity (fire and forget); with `scheduledTime`, not delivered before then. */
  async signalEntity(
    id: EntityInstanceId | string,
    operationName: string,
    input?: unknown,
    options: { scheduledTime?: Date } = {},
  ): Promise<void> {
    await signalEntity(this.service, id, operationName, input, {
      scheduledTime: options.scheduledTime,
      now: this.now(),
    });
  }

  /** The entity's metadata and (by default) state; undefined when it does not exist. */
  getEntity<T = any>(
    id: EntityInstanceId | string,
    options: { includeState?: boolean } = {},
  ): Promise<EntityMetadata<T> | undefined> {
    return getEntity<T>(this.service, id, options);
  }

  /** Entities matching the query, as an async iterator; `.byPage()` yields whole pages. */
  listEntities<T = any>(query: EntityQuery = {}): PagedAsyncIterable<EntityMetadata<T>> {
    const service = this.service;
    async function* pages(continuationToken?: string): AsyncGenerator<Page<EntityMetadata<T>>> {
      let token = continuationToken;
      do {
        const page = await queryEntities<T>(service, query, token);
        yield page;
        token = page.continuationToken;
      } while (token);
    }
    return {
      async *[Symbol.asyncIterator]() {
        for await (const page of pages()) yield* page.items;
      },
      byPage: (settings = {}) => pages(settings.continuationToken),
    };
  }

  /** Remove empty entities and release locks held by finished orchestrations. */
  cleanEntityStorage(request: CleanEntityStorageRequest = {}): Promise<CleanEntityStorageResult> {
    return cleanEntityStorage(this.service, request, {
      now: this.now(),
      reorderWindowMs: this.options.entityMessageReorderWindowMs,
    });
  }

  /** The committed history of the instance's current execution. */
  async getOrchestrationHistory(instanceId: string): Promise<HistoryEvent[]> {
    await this.requireInstance(instanceId);
    return this.service.getOrchestrationHistory(instanceId);
  }

  private async requireInstance(instanceId: string): Promise<InstanceRecord> {
    validateInstanceId(instanceId);
    const s = await this.service.getOrchestrationState(instanceId, { fetchPayloads: false });
    if (!s) throw new InstanceNotFoundError(instanceId);
    return s;
  }

  private send(instanceId: string, event: HistoryEvent, executionId?: string): Promise<void> {
    return this.service.sendTaskOrchestrationMessage({
      event,
      orchestrationInstance: { instanceId, executionId },
    });
  }
}

export interface PagedAsyncIterable<T> extends AsyncIterable<T> {
  byPage(settings?: { continuationToken?: string }): AsyncIterableIterator<Page<T>>;
}

function parseLenient(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function toOrchestrationState(r: InstanceRecord, fetchPayloads: boolean): OrchestrationState {
  if (!fetchPayloads) return withoutPayloads(r);
  const s: OrchestrationState = { ...r };
  s.input = parseLenient(r.serializedInput);
  s.output = r.runtimeStatus === "Failed" ? undefined : parseLenient(r.serializedOutput);
  s.customStatus = parseLenient(r.serializedCustomStatus);
  return s;
}
