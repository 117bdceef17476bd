/**
 * The in-memory backend's client side: create an instance (its Pending record and start message), send it a
 * message, read its record and history, list, count and purge instances. As DTF's provider, a terminate of an
 * instance that has not started yet ends it at once (its start is then dropped on arrival by the delivery
 * rules), and a rewound instance reads Pending until the rewind is processed.
 */
import { maxPageSizeOf } from "../backend/service.js";
import { countInstance, emptyInstanceCounts, matchesInstanceFilter } from "../backend/instance-filter.js";
import type {
  CreateInstanceOptions,
  InstanceCounts,
  InstanceFilter,
  InstanceQuery,
  Page,
  PurgeFilter,
  PurgeResult,
} from "../backend/service.js";
import type { TaskMessage } from "../backend/task-message.js";
import { entityMessageDueTime } from "../entities/messages.js";
import { OrchestrationAlreadyExistsError, TaskHubError } from "../errors/errors.js";
import {
  isTerminalStatus,
  TERMINAL_STATUSES,
  type ExecutionStartedEvent,
  type HistoryEvent,
} from "../history/events.js";
import { parseDtfDateTime } from "../history/time.js";
import { withoutPayloads, type InstanceRecord } from "../state/orchestration-state.js";
import type { InMemoryStore, InstanceData } from "./in-memory-store.js";

export class InMemoryClient {
  constructor(private readonly store: InMemoryStore) {}

  createTaskOrchestration(start: TaskMessage, options: CreateInstanceOptions = {}): void {
    const event = start.event;
    if (event.type !== "ExecutionStarted")
      throw new TaskHubError("InvalidArgument", "start message must carry ExecutionStarted");
    const instanceId = start.orchestrationInstance.instanceId;
    const existing = this.store.instances.get(instanceId);
    const prior = existing?.record;
    if (prior && (options.dedupeStatuses ?? []).includes(prior.runtimeStatus))
      throw new OrchestrationAlreadyExistsError(instanceId, prior.runtimeStatus);
    const generation = prior ? prior.generation + 1 : 0;
    const startEvent: ExecutionStartedEvent = { ...event, generation };
    const now = this.store.clock.now();
    const data: InstanceData = existing ?? { history: [], messages: [] };
    // A new generation: stale messages of the old execution are dropped on arrival.
    data.record = {
      instanceId,
      executionId: startEvent.orchestrationInstance.executionId ?? "",
      name: startEvent.name,
      version: startEvent.version,
      runtimeStatus: "Pending",
      createdAt: new Date(now),
      lastUpdatedAt: new Date(now),
      scheduledStartAt: startEvent.scheduledStartTime
        ? parseDtfDateTime(startEvent.scheduledStartTime)
        : undefined,
      serializedInput: startEvent.input,
      tags: startEvent.tags,
      generation,
    };
    this.store.instances.set(instanceId, data);
    const visibleAt = startEvent.scheduledStartTime
      ? parseDtfDateTime(startEvent.scheduledStartTime).getTime()
      : now;
    this.store.enqueue({ ...start, event: startEvent }, visibleAt);
    this.store.wake();
  }

  sendTaskOrchestrationMessage(message: TaskMessage): void {
    const data = this.store.instances.get(message.orchestrationInstance.instanceId);
    const record = data?.record;
    // Terminate before start (e.g. a scheduled start not yet due): the instance ends without running.
    if (
      message.event.type === "ExecutionTerminated" &&
      data &&
      record?.runtimeStatus === "Pending" &&
      data.history.length === 0
    ) {
      const now = new Date(this.store.clock.now());
      data.record = {
        ...record,
        runtimeStatus: "Terminated",
        completedAt: now,
        lastUpdatedAt: now,
        serializedOutput: message.event.input,
      };
      return;
    }
    // As DTF's provider: a rewound instance reads Pending until the rewind is processed.
    if (message.event.type === "ExecutionRewound" && data && record?.runtimeStatus === "Failed")
      data.record = { ...record, runtimeStatus: "Pending", lastUpdatedAt: new Date(this.store.clock.now()) };
    this.store.enqueue(message, entityMessageDueTime(message)?.getTime() ?? this.store.clock.now());
    this.store.wake();
  }

  getOrchestrationState(
    instanceId: string,
    options: { fetchPayloads?: boolean } = {},
  ): InstanceRecord | undefined {
    const r = this.store.instances.get(instanceId)?.record;
    if (!r) return undefined;
    return options.fetchPayloads === false ? withoutPayloads(r) : { ...r };
  }

  getOrchestrationHistory(instanceId: string): HistoryEvent[] {
    return (this.store.instances.get(instanceId)?.history ?? []).map((e) => ({ ...e }));
  }

  queryInstances(query: InstanceQuery, continuationToken?: string): Page<InstanceRecord> {
    const pageSize = maxPageSizeOf(query);
    const all = this.matching(query)
      .filter((r) => continuationToken === undefined || r.instanceId > continuationToken)
      .sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
    const items = all
      .slice(0, pageSize)
      .map((r) => (query.fetchPayloads === false ? withoutPayloads(r) : { ...r }));
    const more = all.length > pageSize;
    return { items, continuationToken: more ? items[items.length - 1]!.instanceId : undefined };
  }

  countInstancesByStatus(filter: InstanceFilter): InstanceCounts {
    const counts = emptyInstanceCounts();
    for (const r of this.matching(filter)) countInstance(counts, r.runtimeStatus);
    return counts;
  }

  private matching(filter: InstanceFilter): InstanceRecord[] {
    return [...this.store.instances.values()]
      .map((d) => d.record)
      .filter((r): r is InstanceRecord => r !== undefined && matchesInstanceFilter(r, filter));
  }

  purgeInstance(instanceId: string): PurgeResult {
    const data = this.store.instances.get(instanceId);
    if (!data?.record) return { deletedInstanceCount: 0 };
    this.store.instances.delete(instanceId);
    return { deletedInstanceCount: 1 };
  }

  purgeInstances(filter: PurgeFilter): PurgeResult {
    const statuses = (filter.statuses ?? TERMINAL_STATUSES).filter((s) => isTerminalStatus(s));
    let deleted = 0;
    for (const [id, data] of [...this.store.instances]) {
      const r = data.record;
      if (!r || !statuses.includes(r.runtimeStatus)) continue;
      if (filter.createdFrom && r.createdAt < filter.createdFrom) continue;
      if (filter.createdTo && r.createdAt > filter.createdTo) continue;
      this.store.instances.delete(id);
      deleted++;
    }
    return { deletedInstanceCount: deleted };
  }
}
