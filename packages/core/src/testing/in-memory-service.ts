/**
 * `InMemoryOrchestrationService`: the whole backend seam (service, client, query, purge) in process memory,
 * with an optional virtual clock. It keeps DTF's delivery semantics where tests need them: messages are
 * at-least-once (abandon redelivers), delayed messages become visible at their time, one worker at a time
 * holds an instance, and a message that keeps failing is quarantined after `maxDequeueCount` deliveries
 * (listed by `poisonMessages()`, re-sent by `replayPoisonMessage()`), never dropped.
 */
import type {
  AbandonOptions,
  ActivityWorkItem,
  CreateInstanceOptions,
  GetInstanceOptions,
  InstanceQuery,
  InstanceQueryCapability,
  LockOptions,
  OrchestrationCommit,
  OrchestrationService,
  OrchestrationServiceClient,
  OrchestrationWorkItem,
  Page,
  PurgeCapability,
  PurgeFilter,
  PurgeResult,
} from "../backend/service.js";
import { maxPageSizeOf } from "../backend/service.js";
import { throwIfAborted, type OperationOptions } from "../errors/abort.js";
import type { TaskMessage } from "../backend/task-message.js";
import { OrchestrationAlreadyExistsError, TaskHubError } from "../errors/errors.js";
import {
  isTerminalStatus,
  TERMINAL_STATUSES,
  type ExecutionStartedEvent,
  type HistoryEvent,
} from "../history/events.js";
import { parseDtfDateTime } from "../history/time.js";
import { entityMessageDueTime } from "../entities/messages.js";
import { withoutPayloads, type InstanceRecord } from "../state/orchestration-state.js";
import { SystemClock, VirtualClock, type Clock } from "./clock.js";

export interface InMemoryServiceOptions {
  /** A `VirtualClock` (or `"virtual"` for one starting at 2026-01-01) makes time move only when told. */
  clock?: Clock | "virtual";
  /** With a virtual clock: when no work is ready or in flight, jump to the next delayed message. */
  autoAdvanceTime?: boolean;
  /** Timer chunk limit reported to the engine (default: none). */
  maxTimerIntervalMs?: number;
  /** Longest real-time wait of a lock call before it returns undefined (default 250 ms). */
  pollIntervalMs?: number;
  /** Deliveries before a message is quarantined (default 10). */
  maxDequeueCount?: number;
}

interface Queued {
  seq: number;
  message: TaskMessage;
  visibleAt: number;
  dequeueCount: number;
  locked: boolean;
  /** Why the last delivery was given back, if it was. */
  lastError?: string | undefined;
}

interface InstanceData {
  record?: InstanceRecord;
  history: HistoryEvent[];
  messages: Queued[];
  lock?: object;
}

interface LockedOrchestration extends OrchestrationWorkItem {
  readonly token: object;
  readonly taken: Queued[];
}

interface LockedActivity extends ActivityWorkItem {
  readonly entry: Queued;
}

export interface PoisonMessage {
  id: number;
  message: TaskMessage;
  reason: string;
  dequeueCount: number;
}

export class InMemoryOrchestrationService
  implements OrchestrationService, OrchestrationServiceClient, InstanceQueryCapability, PurgeCapability
{
  readonly clock: Clock;
  readonly maxTimerIntervalMs: number | undefined;
  private readonly instances = new Map<string, InstanceData>();
  private readonly activities: Queued[] = [];
  private readonly poison: PoisonMessage[] = [];
  private seq = 0;
  private wakers = new Set<() => void>();
  private readonly pollIntervalMs: number;
  private readonly maxDequeueCount: number;
  private readonly autoAdvance: boolean;
  private autoAdvanceScheduled = false;

  constructor(options: InMemoryServiceOptions = {}) {
    this.clock = options.clock === "virtual" ? new VirtualClock() : (options.clock ?? new SystemClock());
    this.autoAdvance = options.autoAdvanceTime ?? false;
    this.maxTimerIntervalMs = options.maxTimerIntervalMs;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.maxDequeueCount = options.maxDequeueCount ?? 10;
    if (this.autoAdvance && !(this.clock instanceof VirtualClock))
      throw new TaskHubError("InvalidArgument", "autoAdvanceTime needs a virtual clock");
  }

  now(): Date {
    return new Date(this.clock.now());
  }

  /** Move the virtual clock forward (throws with a system clock). */
  advanceTime(ms: number): void {
    if (!(this.clock instanceof VirtualClock))
      throw new TaskHubError("InvalidOperation", "advanceTime needs a virtual clock");
    this.clock.advanceTime(ms);
    this.wake();
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  async createIfNotExists(): Promise<void> {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {
    this.wake();
  }

  // ---- orchestration work items ------------------------------------------------------------------

  async lockNextOrchestrationWorkItem(options: LockOptions): Promise<OrchestrationWorkItem | undefined> {
    return this.waitFor(options.signal, () => this.tryLockOrchestration());
  }

  private tryLockOrchestration(): OrchestrationWorkItem | undefined {
    const now = this.clock.now();
    for (const [instanceId, data] of this.instances) {
      if (data.lock) continue;
      const visible = data.messages.filter((m) => !m.locked && m.visibleAt <= now);
      if (visible.length === 0) continue;
      const taken = visible.filter((m) => !this.quarantineIfPoison(m, data.messages));
      if (taken.length === 0) continue;
      const token = {};
      data.lock = token;
      for (const m of taken) {
        m.locked = true;
        m.dequeueCount++;
      }
      const wi: LockedOrchestration = {
        instanceId,
        pastEvents: data.history.map((e) => ({ ...e })),
        newMessages: taken.map((m) => m.message),
        customStatus: data.record?.serializedCustomStatus,
        generation: data.record?.generation,
        dequeueCount: Math.max(...taken.map((m) => m.dequeueCount)) - 1,
        // Completing a step deletes its messages atomically, so none can come back.
        previousStepSettled: true,
        token,
        taken,
      };
      return wi;
    }
    return undefined;
  }

  async renewOrchestrationWorkItemLock(wi: OrchestrationWorkItem, options?: OperationOptions): Promise<void> {
    throwIfAborted(options?.abortSignal, "renewing a lock");
    this.requireLock(wi as LockedOrchestration);
  }

  async completeOrchestrationWorkItem(
    wi: OrchestrationWorkItem,
    commit: OrchestrationCommit | undefined,
    options?: OperationOptions,
  ): Promise<void> {
    throwIfAborted(options?.abortSignal, "completing a work item");
    const locked = wi as LockedOrchestration;
    const data = this.requireLock(locked);
    if (commit) {
      for (const m of commit.activityMessages) this.activities.push(this.entry(m, this.clock.now()));
      for (const m of commit.orchestratorMessages)
        this.enqueue(m, entityMessageDueTime(m)?.getTime() ?? this.clock.now());
      for (const t of commit.timerMessages) this.enqueue(t.message, t.fireAt.getTime());
      data.history = commit.replacesHistory ? [...commit.newEvents] : [...data.history, ...commit.newEvents];
      data.record = { ...commit.state };
    }
    data.messages = data.messages.filter((m) => !locked.taken.includes(m));
    data.lock = undefined;
    this.wake();
  }

  async abandonOrchestrationWorkItem(wi: OrchestrationWorkItem, options: AbandonOptions = {}): Promise<void> {
    throwIfAborted(options.abortSignal, "abandoning a work item");
    const locked = wi as LockedOrchestration;
    const data = this.instances.get(wi.instanceId);
    if (!data || data.lock !== locked.token) return;
    const visibleAt = this.clock.now() + (options.delayMs ?? 0);
    for (const m of locked.taken) {
      m.locked = false;
      m.visibleAt = visibleAt;
      m.lastError = options.reason;
    }
    data.lock = undefined;
    this.wake();
  }

  private requireLock(wi: LockedOrchestration): InstanceData {
    const data = this.instances.get(wi.instanceId);
    if (!data || data.lock !== wi.token)
      throw new TaskHubError("WorkItemLockLost", `the lock on instance '${wi.instanceId}' is no longer held`);
    return data;
  }

  // ---- activity work items ------------------------------------------------------------------------

  async lockNextActivityWorkItem(options: LockOptions): Promise<ActivityWorkItem | undefined> {
    return this.waitFor(options.signal, () => {
      const now = this.clock.now();
      for (const entry of this.activities) {
        if (entry.locked || entry.visibleAt > now) continue;
        if (this.quarantineIfPoison(entry, this.activities)) continue;
        entry.locked = true;
        entry.dequeueCount++;
        const wi: LockedActivity = {
          id: String(entry.seq),
          message: entry.message,
          dequeueCount: entry.dequeueCount - 1,
          entry,
        };
        return wi;
      }
      return undefined;
    });
  }

  async renewActivityWorkItemLock(wi: ActivityWorkItem, options?: OperationOptions): Promise<void> {
    throwIfAborted(options?.abortSignal, "renewing a lock");
    if (!this.activities.includes((wi as LockedActivity).entry))
      throw new TaskHubError("WorkItemLockLost", `activity work item ${wi.id} is no longer held`);
  }

  async completeActivityWorkItem(
    wi: ActivityWorkItem,
    response: TaskMessage,
    options?: OperationOptions,
  ): Promise<void> {
    throwIfAborted(options?.abortSignal, "completing a work item");
    const entry = (wi as LockedActivity).entry;
    const idx = this.activities.indexOf(entry);
    if (idx < 0) throw new TaskHubError("WorkItemLockLost", `activity work item ${wi.id} is no longer held`);
    this.enqueue(response, this.clock.now());
    this.activities.splice(idx, 1);
    this.wake();
  }

  async abandonActivityWorkItem(wi: ActivityWorkItem, options: AbandonOptions = {}): Promise<void> {
    throwIfAborted(options.abortSignal, "abandoning a work item");
    const entry = (wi as LockedActivity).entry;
    entry.locked = false;
    entry.visibleAt = this.clock.now() + (options.delayMs ?? 0);
    this.wake();
  }

  // ---- client --------------------------------------------------------------------------------------

  async createTaskOrchestration(start: TaskMessage, options: CreateInstanceOptions = {}): Promise<void> {
    throwIfAborted(options.abortSignal, "createTaskOrchestration");
    const event = start.event;
    if (event.type !== "ExecutionStarted")
      throw new TaskHubError("InvalidArgument", "start message must carry ExecutionStarted");
    const instanceId = start.orchestrationInstance.instanceId;
    const existing = this.instances.get(instanceId);
    const prior = existing?.record;
    if (prior && (options.dedupeStatuses ?? []).includes(prior.runtimeStatus))
      throw new OrchestrationAlreadyExistsError(instanceId, prior.runtimeStatus);
    const generation = prior ? prior.generation + 1 : 0;
    const startEvent: ExecutionStartedEvent = { ...event, generation };
    const now = this.clock.now();
    const data: InstanceData = existing ?? { history: [], messages: [] };
    // A new generation: stale messages of the old execution are dropped by the dispatcher on arrival.
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
    this.instances.set(instanceId, data);
    const visibleAt = startEvent.scheduledStartTime
      ? parseDtfDateTime(startEvent.scheduledStartTime).getTime()
      : now;
    this.enqueue({ ...start, event: startEvent }, visibleAt);
    this.wake();
  }

  async sendTaskOrchestrationMessage(message: TaskMessage, options?: OperationOptions): Promise<void> {
    throwIfAborted(options?.abortSignal, "sendTaskOrchestrationMessage");
    const data = this.instances.get(message.orchestrationInstance.instanceId);
    const record = data?.record;
    // Terminate before start (e.g. a scheduled start not yet due): the instance ends without running.
    if (
      message.event.type === "ExecutionTerminated" &&
      data &&
      record?.runtimeStatus === "Pending" &&
      data.history.length === 0
    ) {
      const now = new Date(this.clock.now());
      data.record = {
        ...record,
        runtimeStatus: "Terminated",
        completedAt: now,
        lastUpdatedAt: now,
        serializedOutput: message.event.input,
      };
      data.messages = data.messages.filter((m) => m.message.event.type !== "ExecutionStarted" || m.locked);
      return;
    }
    // As DTF's provider: a rewound instance reads Pending until the rewind is processed.
    if (message.event.type === "ExecutionRewound" && data && record?.runtimeStatus === "Failed")
      data.record = { ...record, runtimeStatus: "Pending", lastUpdatedAt: new Date(this.clock.now()) };
    this.enqueue(message, entityMessageDueTime(message)?.getTime() ?? this.clock.now());
    this.wake();
  }

  async getOrchestrationState(
    instanceId: string,
    options: GetInstanceOptions = {},
  ): Promise<InstanceRecord | undefined> {
    throwIfAborted(options.abortSignal, "getOrchestrationState");
    const r = this.instances.get(instanceId)?.record;
    if (!r) return undefined;
    return options.fetchPayloads === false ? withoutPayloads(r) : { ...r };
  }

  async getOrchestrationHistory(instanceId: string, options?: OperationOptions): Promise<HistoryEvent[]> {
    throwIfAborted(options?.abortSignal, "getOrchestrationHistory");
    return (this.instances.get(instanceId)?.history ?? []).map((e) => ({ ...e }));
  }

  async queryInstances(
    query: InstanceQuery,
    continuationToken?: string,
    options?: OperationOptions,
  ): Promise<Page<InstanceRecord>> {
    const pageSize = maxPageSizeOf(query);
    throwIfAborted(options?.abortSignal, "queryInstances");
    const all = [...this.instances.values()]
      .map((d) => d.record)
      .filter((r): r is InstanceRecord => r !== undefined)
      .filter(
        (r) =>
          (!query.createdFrom || r.createdAt >= query.createdFrom) &&
          (!query.createdTo || r.createdAt <= query.createdTo) &&
          (!query.statuses || query.statuses.includes(r.runtimeStatus)) &&
          (!query.instanceIdPrefix || r.instanceId.startsWith(query.instanceIdPrefix)) &&
          (!query.excludeEntities || !r.instanceId.startsWith("@")) &&
          (continuationToken === undefined || r.instanceId > continuationToken),
      )
      .sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
    const items = all
      .slice(0, pageSize)
      .map((r) => (query.fetchPayloads === false ? withoutPayloads(r) : { ...r }));
    const more = all.length > pageSize;
    return { items, continuationToken: more ? items[items.length - 1]!.instanceId : undefined };
  }

  async purgeInstance(instanceId: string, options?: OperationOptions): Promise<PurgeResult> {
    throwIfAborted(options?.abortSignal, "purgeInstance");
    const data = this.instances.get(instanceId);
    if (!data?.record) return { deletedInstanceCount: 0 };
    this.instances.delete(instanceId);
    return { deletedInstanceCount: 1 };
  }

  async purgeInstances(filter: PurgeFilter, options?: OperationOptions): Promise<PurgeResult> {
    throwIfAborted(options?.abortSignal, "purgeInstances");
    const statuses = (filter.statuses ?? TERMINAL_STATUSES).filter((s) => isTerminalStatus(s));
    let deleted = 0;
    for (const [id, data] of [...this.instances]) {
      const r = data.record;
      if (!r || !statuses.includes(r.runtimeStatus)) continue;
      if (filter.createdFrom && r.createdAt < filter.createdFrom) continue;
      if (filter.createdTo && r.createdAt > filter.createdTo) continue;
      this.instances.delete(id);
      deleted++;
    }
    return { deletedInstanceCount: deleted };
  }

  // ---- poison store -------------------------------------------------------------------------------

  /** Messages quarantined after `maxDequeueCount` failed deliveries. */
  poisonMessages(): PoisonMessage[] {
    return this.poison.map((p) => ({ ...p }));
  }

  /** Put a quarantined message back on its queue with a fresh dequeue count. */
  replayPoisonMessage(id: number): boolean {
    const idx = this.poison.findIndex((p) => p.id === id);
    if (idx < 0) return false;
    const [p] = this.poison.splice(idx, 1);
    if (p!.message.event.type === "TaskScheduled")
      this.activities.push(this.entry(p!.message, this.clock.now()));
    else this.enqueue(p!.message, this.clock.now());
    this.wake();
    return true;
  }

  // ---- internals ----------------------------------------------------------------------------------

  private quarantineIfPoison(entry: Queued, from: Queued[]): boolean {
    if (entry.dequeueCount < this.maxDequeueCount) return false;
    from.splice(from.indexOf(entry), 1);
    this.poison.push({
      id: entry.seq,
      message: entry.message,
      dequeueCount: entry.dequeueCount,
      reason: `delivered ${entry.dequeueCount} times without being processed${entry.lastError ? `; last error: ${entry.lastError}` : ""}`,
    });
    return true;
  }

  private entry(message: TaskMessage, visibleAt: number): Queued {
    return { seq: ++this.seq, message, visibleAt, dequeueCount: 0, locked: false };
  }

  private enqueue(message: TaskMessage, visibleAt: number): void {
    const id = message.orchestrationInstance.instanceId;
    let data = this.instances.get(id);
    if (!data) this.instances.set(id, (data = { history: [], messages: [] }));
    data.messages.push(this.entry(message, visibleAt));
  }

  private wake(): void {
    const w = this.wakers;
    this.wakers = new Set();
    for (const f of w) f();
  }

  private nextDueAt(): number | undefined {
    let next: number | undefined;
    const now = this.clock.now();
    const consider = (q: Queued): void => {
      if (!q.locked && q.visibleAt > now && (next === undefined || q.visibleAt < next)) next = q.visibleAt;
    };
    for (const d of this.instances.values()) d.messages.forEach(consider);
    this.activities.forEach(consider);
    return next;
  }

  private isIdle(): boolean {
    const now = this.clock.now();
    for (const d of this.instances.values()) {
      if (d.lock) return false;
      if (d.messages.some((m) => m.visibleAt <= now)) return false;
    }
    return !this.activities.some((a) => a.locked || a.visibleAt <= now);
  }

  private scheduleAutoAdvance(): void {
    if (!this.autoAdvance || this.autoAdvanceScheduled) return;
    this.autoAdvanceScheduled = true;
    // Let in-flight promise chains settle first; only then is "nothing ready, nothing running" meaningful.
    setTimeout(() => {
      this.autoAdvanceScheduled = false;
      const next = this.nextDueAt();
      if (next !== undefined && this.isIdle()) {
        (this.clock as VirtualClock).advanceTo(next);
        this.wake();
      }
    }, 5);
  }

  private async waitFor<T>(signal: AbortSignal, attempt: () => T | undefined): Promise<T | undefined> {
    const deadline = Date.now() + this.pollIntervalMs;
    while (!signal.aborted) {
      const got = attempt();
      if (got !== undefined) return got;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      this.scheduleAutoAdvance();
      const inner = new AbortController();
      const onAbort = (): void => inner.abort();
      signal.addEventListener("abort", onAbort, { once: true });
      let waker: (() => void) | undefined;
      const waits: Promise<void>[] = [
        new Promise<void>((r) => this.wakers.add((waker = r))),
        new Promise<void>((r) => {
          const t = setTimeout(r, left);
          inner.signal.addEventListener("abort", () => clearTimeout(t), { once: true });
        }),
      ];
      const due = this.nextDueAt();
      if (due !== undefined) waits.push(this.clock.sleepUntil(due, inner.signal));
      await Promise.race([
        ...waits,
        new Promise<void>((r) => inner.signal.addEventListener("abort", () => r(), { once: true })),
      ]);
      inner.abort();
      if (waker) this.wakers.delete(waker);
      signal.removeEventListener("abort", onAbort);
    }
    return undefined;
  }

  /** Ids of all known instances (tests). */
  instanceIds(): string[] {
    return [...this.instances.entries()].filter(([, d]) => d.record).map(([id]) => id);
  }
}
