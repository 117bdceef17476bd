/**
 * The orchestration context: the API an orchestrator function sees (names follow the Durable Task SDKs),
 * and the bookkeeping replay needs to match the code's actions against history.
 *
 * Invariant: nothing here reads the clock, random numbers or I/O. Time is the latest OrchestratorStarted
 * timestamp, ids are a per-execution sequence, GUIDs are name-based.
 */
import type { CompleteOrchestrationAction, OrchestratorAction } from "../actions/actions.js";
import { InvalidArgumentError, TaskFailedError, TimeoutError } from "../errors/errors.js";
import type {
  DtfDateTime,
  EventRaisedEvent,
  ExecutionStartedEvent,
  FailureDetails,
  HistoryEvent,
  ScheduledHistoryEvent,
  Tags,
} from "../history/events.js";
import { dateTimeToTicks, dtfTimeMs, toDtfDateTime } from "../history/time.js";

export { parsePayload, serializePayload };
import type { Logger } from "./logger.js";
import { entityRequestId, newDeterministicGuid } from "./new-guid.js";
import { parsePayload, serializePayload } from "./payload.js";
import {
  OrchestrationEntities,
  type OrchestrationEntityFeature,
} from "../entities/orchestration-entities.js";
import { olderTaskhubRetried, retryTimerDelayMs, validateRetryPolicy, type RetryPolicy } from "./retry.js";
import { CompletableTask, DrivenTask, DurableTask, TimerTask, WhenAllTask, WhenAnyTask } from "./tasks.js";

/** Largest custom status, in UTF-16 bytes of its JSON (Durable Functions: 16 KB). */
export const MAX_CUSTOM_STATUS_BYTES = 16 * 1024;

export interface ParentOrchestrationInfo {
  name: string;
  instanceId: string;
  /** The parent's SubOrchestrationInstanceCreated event id. */
  taskScheduledId: number;
}

export interface ActivityOptions {
  retry?: RetryPolicy;
  tags?: Tags;
  version?: string;
}

export interface SubOrchestrationOptions extends ActivityOptions {
  /** Defaults to DTF Core's `<parent executionId>:<sequence id>`. */
  instanceId?: string;
}

export interface ContinueAsNewOptions {
  /** Re-deliver external events that were received but not consumed to the next generation (default true). */
  preserveUnprocessedEvents?: boolean;
  /** Version of the next generation (default: unchanged). */
  newVersion?: string;
}

export interface OrchestrationContext {
  readonly instanceId: string;
  readonly executionId: string;
  readonly name: string;
  readonly version: string;
  readonly parent: ParentOrchestrationInfo | undefined;
  readonly tags: Readonly<Tags>;
  /** Time of the current episode (its OrchestratorStarted event); never moves backwards. */
  readonly currentUtcDateTime: Date;
  /** True while the orchestrator re-executes code whose effects are already in history. */
  readonly isReplaying: boolean;
  callActivity<T = any>(name: string, input?: unknown, options?: ActivityOptions): DurableTask<T>;
  callSubOrchestrator<T = any>(
    name: string,
    input?: unknown,
    options?: SubOrchestrationOptions,
  ): DurableTask<T>;
  /** A durable timer firing at `fireAt` (a `Date`, or a delay in milliseconds from `currentUtcDateTime`). */
  createTimer(fireAt: Date | number): TimerTask;
  /** Completes with the payload of the next event of that name (case-insensitive; early events are buffered). */
  waitForExternalEvent<T = any>(name: string, options?: { timeoutMs?: number }): DurableTask<T>;
  /** Raises an event on another instance (fire and forget; recorded as EventSent). */
  sendEvent(instanceId: string, eventName: string, data?: unknown): void;
  /** Completes with every result once all tasks complete; if any failed, fails with all failures. */
  whenAll<T>(tasks: DurableTask<T>[]): DurableTask<T[]>;
  /** Completes with the first task to complete (the task itself, which may have failed). */
  whenAny<T>(tasks: DurableTask<T>[]): DurableTask<DurableTask<T>>;
  /** Ends this execution and starts a new one of the same instance with `input` (after the next yield). */
  continueAsNew(input: unknown, options?: ContinueAsNewOptions): void;
  setCustomStatus(value: unknown): void;
  /** Deterministic UUIDv5, identical to DTF's .NET SDKs for the same history. */
  newGuid(): string;
  /** A logger that is silent while replaying. */
  createReplaySafeLogger(logger: Logger): Logger;
  /** Durable entities: call, signal, and lock in critical sections. */
  readonly entities: OrchestrationEntityFeature;
}

type OpenTaskKind = "activity" | "subOrchestration" | "timer";
interface OpenTask {
  kind: OpenTaskKind;
  name: string;
  task: CompletableTask<any>;
}

function failureFrom(
  reason: string | undefined,
  details: string | undefined,
  fd: FailureDetails | undefined,
): FailureDetails {
  return (
    fd ?? { errorType: "TaskFailedException", errorMessage: reason ?? "task failed", stackTrace: details }
  );
}

export class OrchestrationContextImpl implements OrchestrationContext {
  instanceId = "";
  executionId = "";
  name = "";
  version = "";
  parent: ParentOrchestrationInfo | undefined;
  tags: Tags = {};
  isReplaying = true;
  private _now: Date = new Date(0);
  private nowRaw: DtfDateTime = new Date(0).toISOString();

  /** Next action id; becomes the EventId of the matching history event. */
  private sequence = 0;
  /** Actions issued by the code and not (yet) matched by history, in issue order. */
  readonly pendingActions = new Map<number, OrchestratorAction>();
  /** Tasks waiting for a result event, by the id of their scheduling action. */
  private readonly openTasks = new Map<number, OpenTask>();
  /** Ids whose results arrived already, to recognise duplicates. */
  private readonly completedIds = new Set<number>();
  private readonly eventWaiters = new Map<string, CompletableTask<any>[]>();
  /** External events received and not yet consumed, in arrival order. */
  readonly bufferedEvents: EventRaisedEvent[] = [];
  completion: CompleteOrchestrationAction | undefined;
  customStatus: string | undefined;
  private guidCounter = 0;
  private preserveEventsOnContinue = true;
  /**
   * This execution's scheduling events (TaskScheduled, TimerCreated, ...) by event id. Where DTF, Durable
   * Functions and older taskhub decided differently (retry timers, long timer chunks), what history did next
   * decides, so histories of every such writer replay.
   */
  private recorded: ReadonlyMap<number, ScheduledHistoryEvent> = new Map();

  readonly entities: OrchestrationEntities;

  constructor(private readonly maxTimerIntervalMs: number | undefined) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the getters below read the live fields
    const self = this;
    this.entities = new OrchestrationEntities({
      get instanceId() {
        return self.instanceId;
      },
      get executionId() {
        return self.executionId;
      },
      get currentUtcDateTime() {
        return self.currentUtcDateTime;
      },
      nowTicks: () => dateTimeToTicks(this.nowRaw),
      newRequestId: () =>
        this.recordedRequestId() ?? entityRequestId(this.instanceId, this.executionId, this.nextActionId),
      sendRawEvent: (instanceId, name, input) => this.sendRawEvent(instanceId, name, input),
      waitForExternalEvent: (name) => this.waitForExternalEvent(name),
    });
  }

  get currentUtcDateTime(): Date {
    return new Date(this._now.getTime());
  }

  // ---- engine-facing ---------------------------------------------------------------------------

  /** @internal */
  setTime(raw: DtfDateTime): void {
    const t = dtfTimeMs(raw);
    if (t >= this._now.getTime()) {
      this._now = new Date(t);
      this.nowRaw = raw;
    }
  }

  /** @internal the events replay runs over (committed and new) */
  setHistory(events: Iterable<HistoryEvent>): void {
    const recorded = new Map<number, ScheduledHistoryEvent>();
    for (const e of events) {
      if (
        e.type === "TaskScheduled" ||
        e.type === "TimerCreated" ||
        e.type === "SubOrchestrationInstanceCreated" ||
        e.type === "EventSent"
      )
        recorded.set(e.eventId, e);
    }
    this.recorded = recorded;
  }

  /** @internal */
  initFromStart(e: ExecutionStartedEvent): void {
    this.instanceId = e.orchestrationInstance.instanceId;
    this.executionId = e.orchestrationInstance.executionId ?? "";
    this.name = e.name;
    this.version = e.version ?? "";
    this.tags = { ...(e.tags ?? {}) };
    this.parent = e.parentInstance
      ? {
          name: e.parentInstance.name,
          instanceId: e.parentInstance.orchestrationInstance.instanceId,
          taskScheduledId: e.parentInstance.taskScheduleId,
        }
      : undefined;
  }

  /** @internal result of an activity / sub-orchestration / timer. Unknown or duplicate ids are ignored. */
  resolveTask(
    kind: OpenTaskKind,
    id: number,
    outcome: { result?: string } | { failure: FailureDetails; reason?: string },
  ): boolean {
    const open = this.openTasks.get(id);
    if (!open || open.kind !== kind) return false;
    this.openTasks.delete(id);
    this.completedIds.add(id);
    if ("failure" in outcome) {
      const what = kind === "activity" ? "Activity" : "Sub-orchestration";
      const reason = outcome.reason ?? outcome.failure.errorMessage;
      open.task.fail(
        new TaskFailedError(`${what} '${open.name}' (task #${id}) failed: ${reason}`, outcome.failure, id),
      );
    } else {
      open.task.complete(kind === "timer" ? undefined : parsePayload(outcome.result));
    }
    return true;
  }

  /** @internal */
  failureOf(
    reason: string | undefined,
    details: string | undefined,
    fd: FailureDetails | undefined,
  ): FailureDetails {
    return failureFrom(reason, details, fd);
  }

  /** @internal */
  isDuplicateResult(id: number): boolean {
    return this.completedIds.has(id);
  }

  /** @internal deliver an external event to the oldest waiter of that name, or buffer it. */
  deliverEvent(e: EventRaisedEvent): void {
    const waiters = this.eventWaiters.get(e.name.toLowerCase());
    const waiter = waiters?.shift();
    if (waiter) waiter.complete(parsePayload(e.input));
    else this.bufferedEvents.push(e);
  }

  /** @internal */
  completeWith(action: Omit<CompleteOrchestrationAction, "type" | "id">): void {
    if (this.completion) return;
    // Locks still held are released when the orchestration completes (also by continue-as-new or failure).
    this.entities.releaseAll();
    this.completion = { type: "CompleteOrchestration", id: this.sequence++, ...action };
  }

  /** @internal external events to hand to the next generation. */
  carryoverEvents(): EventRaisedEvent[] {
    return this.preserveEventsOnContinue ? [...this.bufferedEvents] : [];
  }

  /** @internal the id the next action (or the completion) will get. */
  get nextActionId(): number {
    return this.sequence;
  }

  private nextId(): number {
    return this.sequence++;
  }

  private addAction(action: OrchestratorAction): void {
    // Once the execution has completed (continue-as-new called), further actions are dropped.
    if (this.completion) return;
    this.pendingActions.set(action.id, action);
  }

  // ---- user-facing -----------------------------------------------------------------------------

  callActivity<T = any>(name: string, input?: unknown, options: ActivityOptions = {}): DurableTask<T> {
    requireName(name, "activity name");
    const serialized = serializePayload(input, `input of activity '${name}'`);
    const schedule = (): CompletableTask<T> => {
      const id = this.nextId();
      this.addAction({
        type: "ScheduleTask",
        id,
        name,
        version: options.version,
        input: serialized,
        tags: options.tags,
      });
      const task = new CompletableTask<T>();
      this.openTasks.set(id, { kind: "activity", name, task });
      return task;
    };
    return options.retry ? this.withRetry(options.retry, schedule) : schedule();
  }

  callSubOrchestrator<T = any>(
    name: string,
    input?: unknown,
    options: SubOrchestrationOptions = {},
  ): DurableTask<T> {
    requireName(name, "orchestrator name");
    if (options.instanceId !== undefined) requireName(options.instanceId, "sub-orchestration instance id");
    this.entities.validateSubOrchestration();
    const serialized = serializePayload(input, `input of sub-orchestration '${name}'`);
    const schedule = (): CompletableTask<T> => {
      const id = this.nextId();
      const instanceId = options.instanceId ?? `${this.executionId}:${id}`;
      this.addAction({
        type: "CreateSubOrchestration",
        id,
        name,
        instanceId,
        version: options.version,
        input: serialized,
        tags: options.tags,
      });
      const task = new CompletableTask<T>();
      this.openTasks.set(id, { kind: "subOrchestration", name, task });
      return task;
    };
    return options.retry ? this.withRetry(options.retry, schedule) : schedule();
  }

  /**
   * DTF's retry loop (`RetryInterceptor`): after each failed attempt, the last one included, a retry timer
   * (see `retryTimerDelayMs`); when it fires, the next attempt starts, or, with the attempts used up, the call
   * fails with the last failure. Histories taskhub wrote before lack the timer after the last attempt (and
   * after a failure whose next attempt would have started past the retry timeout): where history recorded
   * something else at the timer's id, the failure surfaces at once, as it did then.
   */
  private withRetry<T>(policy: RetryPolicy, schedule: () => CompletableTask<T>): DurableTask<T> {
    validateRetryPolicy(policy);
    const firstAttemptAt = this._now.getTime();
    let attempt = 1;
    let lastFailure: Error | undefined;
    let current: DurableTask<unknown> = schedule();
    const driven = new DrivenTask<T>((inner, self) => {
      if (inner !== current || self.isComplete) return;
      if (inner instanceof TimerTask) {
        if (attempt >= policy.maxNumberOfAttempts) return self.fail(lastFailure!);
        attempt++;
        current = schedule();
        self.follow(current);
        return;
      }
      if (!inner.isFailed) return self.complete(inner.getResult() as T);
      const failure = inner.getException()!;
      if (!(failure instanceof TaskFailedError)) return self.fail(failure);
      const now = this._now.getTime();
      const delay = retryTimerDelayMs(policy, attempt, failure, now, firstAttemptAt);
      if (delay === undefined) return self.fail(failure);
      if (
        !olderTaskhubRetried(policy, attempt, delay, now, firstAttemptAt) &&
        !this.historyHasRetryTimer(now, delay)
      )
        return self.fail(failure);
      lastFailure = failure;
      current = this.createTimer(new Date(now + Math.round(delay)));
      self.follow(current);
    });
    driven.follow(current);
    return driven;
  }

  /**
   * Whether history allows a retry timer at the next id: nothing recorded there yet, or the TimerCreated a
   * retry timer of `delayMs` from `nowMs` writes (DTF: one timer; taskhub: its first chunk).
   */
  private historyHasRetryTimer(nowMs: number, delayMs: number): boolean {
    const next = this.recordedAtNextId();
    if (!next) return true;
    if (next.type !== "TimerCreated") return false;
    const at = dtfTimeMs(next.fireAt);
    const max = this.maxTimerIntervalMs;
    // DTF's fire time keeps sub-millisecond digits; ours are whole milliseconds.
    return (
      Math.abs(at - (nowMs + delayMs)) <= 1 ||
      (max !== undefined && delayMs > max && Math.abs(at - (nowMs + max)) <= 1)
    );
  }

  /**
   * A timer further away than the backend's limit (`maxTimerIntervalMs`) is a long timer: a chain of chunks,
   * each at most the limit, as Durable Functions does. It is due when a chunk fires and the orchestration's
   * time has reached the requested time, however the chunks were cut (Durable Functions cuts them at
   * `longRunningTimerInterval`, taskhub at its limit, which may have changed since). Whether a timer is long is
   * what history recorded for its first chunk, else the limit now. See `chunkEndsTimer` for histories written
   * by other rules.
   */
  createTimer(fireAt: Date | number): TimerTask {
    const target = typeof fireAt === "number" ? new Date(this._now.getTime() + fireAt) : fireAt;
    if (!(target instanceof Date) || Number.isNaN(target.getTime()))
      throw new InvalidArgumentError("createTimer needs a valid Date or a delay in milliseconds");
    const timer = new TimerTask(target);
    const finalMs = target.getTime();
    const max = this.maxTimerIntervalMs;
    const longByLimit = max !== undefined && finalMs - this._now.getTime() > max;
    let firstChunkId: number | undefined;
    let chunkId = -1;
    const scheduleChunk = (): void => {
      const now = this._now.getTime();
      const chunkEnd = max !== undefined && finalMs - now > max ? now + max : finalMs;
      const id = this.nextId();
      firstChunkId ??= id;
      chunkId = id;
      this.addAction({ type: "CreateTimer", id, fireAt: toDtfDateTime(new Date(chunkEnd)) });
      const chunk = new CompletableTask<void>();
      this.openTasks.set(id, { kind: "timer", name: "timer", task: chunk });
      chunk.addParent({
        onChildCompleted: () => {
          if (timer.isComplete) return;
          const firstRecorded = this.recordedFireMs(firstChunkId!);
          const long = firstRecorded !== undefined ? firstRecorded < finalMs : longByLimit;
          if (this.chunkEndsTimer(long, finalMs, this.recordedFireMs(id) ?? chunkEnd))
            timer.complete(undefined);
          else scheduleChunk();
        },
      });
    };
    scheduleChunk();
    timer.onCancel = () => {
      this.openTasks.delete(chunkId);
    };
    return timer;
  }

  /**
   * Whether the chunk of a timer that just fired ends it. Durable Functions and DTF: a plain timer ends when
   * it fires; a long one when the orchestration's time has reached the requested time. Older taskhub ended it
   * when the fired chunk reached the requested time. The two differ only for a chunk delivered early or late;
   * then what history recorded at the next id decides: a TimerCreated for exactly the requested time is
   * another chunk (written by the rule that wanted one), anything else means the timer had ended.
   */
  private chunkEndsTimer(long: boolean, finalMs: number, chunkFireMs: number): boolean {
    const due = !long || this._now.getTime() >= finalMs;
    const olderDue = chunkFireMs >= finalMs;
    if (due === olderDue) return due;
    const next = this.recordedAtNextId();
    if (!next) return due;
    return !(next.type === "TimerCreated" && dtfTimeMs(next.fireAt) === finalMs);
  }

  /** The fire time history recorded for timer `id`, if it recorded that TimerCreated. */
  private recordedFireMs(id: number): number | undefined {
    const e = this.recorded.get(id);
    return e?.type === "TimerCreated" ? dtfTimeMs(e.fireAt) : undefined;
  }

  /**
   * The request id of the entity message history recorded at the next id. Durable Functions names its
   * requests with its own GUIDs and its responses by them, so a replayed request keeps the recorded id.
   */
  private recordedRequestId(): string | undefined {
    const e = this.recordedAtNextId();
    if (e?.type !== "EventSent" || e.input === undefined) return undefined;
    let body: unknown;
    try {
      body = JSON.parse(e.input);
    } catch {
      return undefined; // not an entity message: the send's own checks report the mismatch
    }
    const id = body !== null && typeof body === "object" ? (body as { id?: unknown }).id : undefined;
    return typeof id === "string" && id.length > 0 ? id : undefined;
  }

  /** What history recorded at the id the next action gets, if it recorded anything there yet. */
  private recordedAtNextId(): ScheduledHistoryEvent | undefined {
    return this.recorded.get(this.sequence);
  }

  waitForExternalEvent<T = any>(name: string, options: { timeoutMs?: number } = {}): DurableTask<T> {
    requireName(name, "event name");
    const timeoutMs = options.timeoutMs;
    // Validate before registering a waiter or consuming a buffered event, so a bad call has no effect.
    if (timeoutMs !== undefined && !(timeoutMs >= 0))
      throw new InvalidArgumentError("timeoutMs must be >= 0");
    const key = name.toLowerCase();
    const task = new CompletableTask<T>();
    const idx = this.bufferedEvents.findIndex((e) => e.name.toLowerCase() === key);
    if (idx >= 0) {
      const [e] = this.bufferedEvents.splice(idx, 1);
      task.complete(parsePayload(e!.input) as T);
    } else {
      let q = this.eventWaiters.get(key);
      if (!q) this.eventWaiters.set(key, (q = []));
      q.push(task);
    }
    if (timeoutMs === undefined || task.isComplete) return task;
    const timer = this.createTimer(timeoutMs);
    const driven = new DrivenTask<T>((inner, self) => {
      if (self.isComplete) return;
      if (inner === task) {
        if (task.isFailed) self.fail(task.getException()!);
        else self.complete(task.getResult());
        timer.cancel();
      } else if (inner === timer && !timer.isCanceled) {
        const q = this.eventWaiters.get(key);
        if (q) q.splice(q.indexOf(task), 1);
        self.fail(new TimeoutError(`timed out after ${timeoutMs} ms waiting for external event '${name}'`));
      }
    });
    driven.follow(task);
    driven.follow(timer);
    return driven;
  }

  sendEvent(instanceId: string, eventName: string, data?: unknown): void {
    requireName(instanceId, "instance id");
    requireName(eventName, "event name");
    this.sendRawEvent(instanceId, eventName, serializePayload(data, `data of event '${eventName}'`));
  }

  /** @internal an EventSent whose input is already serialized (entity messages). */
  sendRawEvent(instanceId: string, eventName: string, input: string | undefined): void {
    this.addAction({ type: "SendEvent", id: this.nextId(), instanceId, name: eventName, input });
  }

  whenAll<T>(tasks: DurableTask<T>[]): DurableTask<T[]> {
    return new WhenAllTask(tasks);
  }

  whenAny<T>(tasks: DurableTask<T>[]): DurableTask<DurableTask<T>> {
    return new WhenAnyTask(tasks);
  }

  continueAsNew(input: unknown, options: ContinueAsNewOptions = {}): void {
    const result = serializePayload(input, "continue-as-new input");
    this.preserveEventsOnContinue = options.preserveUnprocessedEvents ?? true;
    this.completeWith({ status: "ContinuedAsNew", result, newVersion: options.newVersion });
  }

  setCustomStatus(value: unknown): void {
    const text = value === undefined || value === null ? undefined : serializePayload(value, "custom status");
    // Durable Functions' documented limit: the status is one Instances table column, never offloaded.
    // Larger, the row write fails and the status would be lost when the row is repaired from history.
    if (text !== undefined && text.length * 2 > MAX_CUSTOM_STATUS_BYTES)
      throw new InvalidArgumentError(
        `custom status is ${text.length * 2} bytes of UTF-16 JSON; the limit is ${MAX_CUSTOM_STATUS_BYTES / 1024} KB`,
      );
    this.customStatus = text;
  }

  newGuid(): string {
    return newDeterministicGuid(this.instanceId, this.nowRaw, this.guidCounter++);
  }

  createReplaySafeLogger(logger: Logger): Logger {
    const gate =
      (level: "debug" | "info" | "warn" | "error") =>
      (obj: object | string, msg?: string): void => {
        if (!this.isReplaying) logger[level](obj, msg);
      };
    return { debug: gate("debug"), info: gate("info"), warn: gate("warn"), error: gate("error") };
  }
}

function requireName(value: unknown, what: string): void {
  if (typeof value !== "string" || value.length === 0)
    throw new InvalidArgumentError(`${what} must be a non-empty string`);
}
