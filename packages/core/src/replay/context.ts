/**
 * The orchestration context: the implementation of the API an orchestrator function sees
 * (`orchestration-context.ts`), and the bookkeeping replay needs to match the code's actions against history.
 *
 * Invariant: nothing here reads the clock, random numbers or I/O. Time is the latest OrchestratorStarted
 * timestamp, ids are a per-execution sequence, GUIDs are name-based.
 */
import type { CompleteOrchestrationAction, OrchestratorAction } from "../actions/actions.js";
import { InvalidArgumentError, TaskFailedError } from "../errors/errors.js";
import type {
  DtfDateTime,
  EventRaisedEvent,
  ExecutionStartedEvent,
  FailureDetails,
  HistoryEvent,
  Tags,
} from "../history/events.js";
import { dateTimeToTicks, dtfTimeMs, toDtfDateTime } from "../history/time.js";

export { parsePayload, serializePayload };
import type { Logger } from "./logger.js";
import { entityRequestId, newDeterministicGuid } from "./new-guid.js";
import { parsePayload, serializePayload } from "./payload.js";
import { OrchestrationEntities } from "../entities/orchestration-entities.js";
import { ExternalEvents } from "./external-events.js";
import { RecordedSchedule } from "./recorded-schedule.js";
import type { RetryPolicy } from "./retry.js";
import { retryingTask } from "./retry-loop.js";
import { CompletableTask, DurableTask, TimerTask, WhenAllTask, WhenAnyTask } from "./tasks.js";
import type {
  ActivityOptions,
  ContinueAsNewOptions,
  OrchestrationContext,
  ParentOrchestrationInfo,
  SubOrchestrationOptions,
} from "./orchestration-context.js";

/** Largest custom status, in UTF-16 bytes of its JSON (Durable Functions: 16 KB). */
export const MAX_CUSTOM_STATUS_BYTES = 16 * 1024;

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
  private readonly events = new ExternalEvents();
  completion: CompleteOrchestrationAction | undefined;
  customStatus: string | undefined;
  private guidCounter = 0;
  private preserveEventsOnContinue = true;
  /**
   * This execution's scheduling events (TaskScheduled, TimerCreated, ...) by event id. Where DTF, Durable
   * Functions and older taskhub decided differently (retry timers, long timer chunks), what history did next
   * decides, so histories of every such writer replay.
   */
  private recorded = new RecordedSchedule();

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
        this.recorded.requestIdAt(this.sequence) ??
        entityRequestId(this.instanceId, this.executionId, this.nextActionId),
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
    this.recorded = new RecordedSchedule(events);
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
    this.events.deliver(e);
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
    return this.preserveEventsOnContinue ? [...this.events.buffered] : [];
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
    return this.scheduleTask<T>("activity", name, options.retry, (id) => ({
      type: "ScheduleTask",
      id,
      name,
      version: options.version,
      input: serialized,
      tags: options.tags,
    }));
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
    return this.scheduleTask<T>("subOrchestration", name, options.retry, (id) => ({
      type: "CreateSubOrchestration",
      id,
      name,
      instanceId: options.instanceId ?? `${this.executionId}:${id}`,
      version: options.version,
      input: serialized,
      tags: options.tags,
    }));
  }

  /**
   * Schedules an activity or a sub-orchestration: the action under the next sequence number and its open task,
   * once, or again on each retry of `retry` (a retry takes a new sequence number, as DTF's).
   */
  private scheduleTask<T>(
    kind: "activity" | "subOrchestration",
    name: string,
    retry: RetryPolicy | undefined,
    action: (id: number) => OrchestratorAction,
  ): DurableTask<T> {
    const schedule = (): CompletableTask<T> => {
      const id = this.nextId();
      this.addAction(action(id));
      const task = new CompletableTask<T>();
      this.openTasks.set(id, { kind, name, task });
      return task;
    };
    return retry ? this.withRetry(retry, schedule) : schedule();
  }

  /** DTF's retry loop around `schedule` (see `retryingTask`). */
  private withRetry<T>(policy: RetryPolicy, schedule: () => CompletableTask<T>): DurableTask<T> {
    return retryingTask(policy, schedule, {
      nowMs: () => this._now.getTime(),
      allowsRetryTimer: (nowMs, delayMs) =>
        this.recorded.allowsRetryTimer(this.sequence, nowMs, delayMs, this.maxTimerIntervalMs),
      createTimer: (fireAt) => this.createTimer(fireAt),
    });
  }

  /**
   * A timer further away than the backend's limit (`maxTimerIntervalMs`) is a long timer: a chain of chunks,
   * each at most the limit, as Durable Functions does. It is due when a chunk fires and the orchestration's
   * time has reached the requested time, however the chunks were cut (Durable Functions cuts them at
   * `longRunningTimerInterval`, taskhub at its limit, which may have changed since). Whether a timer is long is
   * what history recorded for its first chunk, else the limit now. See `RecordedSchedule.chunkEndsTimer` for histories written
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
          const firstRecorded = this.recorded.fireMs(firstChunkId!);
          const long = firstRecorded !== undefined ? firstRecorded < finalMs : longByLimit;
          const chunkFireMs = this.recorded.fireMs(id) ?? chunkEnd;
          if (this.recorded.chunkEndsTimer(this.sequence, long, this._now.getTime(), finalMs, chunkFireMs))
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

  waitForExternalEvent<T = any>(name: string, options: { timeoutMs?: number } = {}): DurableTask<T> {
    requireName(name, "event name");
    const timeoutMs = options.timeoutMs;
    // Validate before registering a waiter or consuming a buffered event, so a bad call has no effect.
    if (timeoutMs !== undefined && !(timeoutMs >= 0))
      throw new InvalidArgumentError("timeoutMs must be >= 0");
    return this.events.wait<T>(name, timeoutMs, (delayMs) => this.createTimer(delayMs));
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
    const traceBehavior = options.traceBehavior;
    if (
      traceBehavior !== undefined &&
      traceBehavior !== "preserveTraceContext" &&
      traceBehavior !== "startNewTrace"
    )
      throw new InvalidArgumentError(
        `traceBehavior must be "preserveTraceContext" or "startNewTrace", not ${JSON.stringify(traceBehavior)}`,
      );
    this.preserveEventsOnContinue = options.preserveUnprocessedEvents ?? true;
    this.completeWith({
      status: "ContinuedAsNew",
      result,
      newVersion: options.newVersion,
      ...(traceBehavior === "startNewTrace" ? { continueAsNewTraceBehavior: traceBehavior } : {}),
    });
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
