/**
 * `TaskHubWorker`: runs the orchestrators, activities and entities of its `TaskRegistry` over any
 * `OrchestrationService`.
 * One dispatcher for orchestration work items, one for activity work items, each with its own
 * concurrency limit. Unknown names fail the instance or the task with a clear error; a step that throws
 * (storage error, lost lock) is abandoned with back-off and redelivered, never dropped.
 */
import { randomUUID } from "node:crypto";
import { availableParallelism } from "node:os";
import type {
  ActivityWorkItem,
  OrchestrationService,
  OrchestrationServiceClient,
  OrchestrationWorkItem,
} from "./backend/service.js";
import type { TaskMessage } from "./backend/task-message.js";
import { executeOrchestrationWorkItemAsync, type ExecuteResult } from "./dispatch/orchestration-executor.js";
import { executeEntityWorkItem } from "./entities/entity-executor.js";
import type { EntityImplementation } from "./entities/entity-context.js";
import { isEntityInstanceId } from "./entities/entity-id.js";
import { WorkItemDispatcher } from "./dispatch/work-item-dispatcher.js";
import { keepLocked, type LockKeeper } from "./dispatch/lock-keeper.js";
import { TaskHubError, toFailureDetails } from "./errors/errors.js";
import type { TaskScheduledEvent } from "./history/events.js";
import { newEvent } from "./history/factories.js";
import { logEvent } from "./logging/log-event.js";
import { serializePayload } from "./replay/payload.js";
import { decodeActivityInput } from "./dispatch/activity-input.js";
import { childLogger, silentLogger, type Logger } from "./replay/logger.js";
import type { Orchestrator } from "./replay/replay.js";
import {
  TaskRegistry,
  type Activity,
  type ActivityContext,
  type OrchestratorRegistration,
  type TaskRegistrar,
} from "./registry.js";
import { validateVersioning, VersionRejectedError, type VersioningOptions } from "./dispatch/versioning.js";
import { workerInstruments } from "./metrics/instruments.js";
import { MetricAttr } from "./metrics/schema.js";
import { recordStep } from "./metrics/step-metrics.js";
import { startActivitySpan } from "./tracing/activity-span.js";
import { registerBulkOperations } from "./bulk/bulk-activities.js";
import { emitEntitySpans } from "./tracing/entity-spans.js";
import { emitStepSpans } from "./tracing/step-spans.js";

export interface TaskHubWorkerOptions {
  /** Concurrent orchestration work items (DTF default 100). */
  maxConcurrentOrchestrations?: number;
  /** Concurrent activity work items (default 10 per CPU, as Durable Functions' maxConcurrentActivityFunctions). */
  maxConcurrentActivities?: number;
  logger?: Logger;
  /** Keep activity/sub-orchestration inputs in history events (DTF's IncludeParameters, default false). */
  includeParameters?: boolean;
  /** Back-off before a failed orchestration step is redelivered (default 1 s, doubling per dequeue up to 60 s). */
  abandonDelayMs?: number;
  /** Entity operations per batch (DTF's MaxEntityOperationBatchSize, default 5000). */
  maxEntityOperationBatchSize?: number;
  /** Window for reordering and de-duplicating entity messages (DTF's EntityMessageReorderWindow, default 30 min). */
  entityMessageReorderWindowMs?: number;
  /** The functions to run, filled already or by `add*` (default: a new, empty registry). Sealed by `start()`. */
  registry?: TaskRegistry;
  /**
   * The worker's version, the version of sub-orchestrations started without one, and what it does with
   * instances of another version (DurableTask.Core's VersioningSettings; default: any version runs).
   */
  versioning?: VersioningOptions;
}

export class TaskHubWorker implements TaskRegistrar {
  /** The orchestrators, activities and entities this worker runs; `add*` below fill it. */
  readonly registry: TaskRegistry;
  private readonly logger: Logger;
  private orchestrationDispatcher: WorkItemDispatcher<OrchestrationWorkItem> | undefined;
  private activityDispatcher: WorkItemDispatcher<ActivityWorkItem> | undefined;
  private started = false;
  /**
   * Version rejections so far per instance (oldest evicted first): a rejected work item does not count its
   * deliveries, so its back-off grows from this count instead of its dequeue count.
   */
  private readonly rejections = new Map<string, number>();

  constructor(
    readonly service: OrchestrationService,
    private readonly options: TaskHubWorkerOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.registry = options.registry ?? new TaskRegistry();
    if (options.versioning) validateVersioning(options.versioning);
  }

  /** With `{ version }`, the function runs instances of that version only (side by side with others). */
  addOrchestrator<TIn = any, TOut = any>(
    name: string,
    fn: Orchestrator<TIn, TOut>,
    options?: OrchestratorRegistration,
  ): this {
    this.registry.addOrchestrator(name, fn, options);
    return this;
  }

  addActivity<TIn = any, TOut = any>(name: string, fn: Activity<TIn, TOut>): this {
    this.registry.addActivity(name, fn);
    return this;
  }

  /**
   * Register an entity: a function `(ctx) => ...` or a class whose methods are its operations. The name is
   * lower-cased (as the Durable Task SDKs do) and must not contain '@'.
   */
  addEntity(name: string, impl: EntityImplementation): this {
    this.registry.addEntity(name, impl);
    return this;
  }

  /** Names of the registered entities (lower-cased), with their style. */
  entityNames(): { name: string; style: "function" | "class" }[] {
    return this.registry.entityNames();
  }

  /** Names of the registered orchestrators. */
  orchestratorNames(): string[] {
    return this.registry.orchestratorNames();
  }

  /** The worker's versioning (its clients stamp `defaultVersion` on instances started without a version). */
  get versioning(): VersioningOptions | undefined {
    return this.options.versioning;
  }

  /** The registered orchestrator of that name (e.g. to replay a stored history against current code). */
  getOrchestrator(name: string, version?: string): Orchestrator | undefined {
    return this.registry.getOrchestrator(name, version);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    // The built-in bulk operations (bulk/), run by every worker of the hub.
    if (typeof (this.service as Partial<OrchestrationServiceClient>).createTaskOrchestration === "function")
      registerBulkOperations(this.registry, this.service as unknown as OrchestrationServiceClient);
    this.registry.seal("the worker started");
    await this.service.createIfNotExists();
    await this.service.start();
    this.orchestrationDispatcher = new WorkItemDispatcher({
      name: "orchestrations",
      maxConcurrent: this.options.maxConcurrentOrchestrations ?? 100,
      fetch: (signal, capacity) =>
        this.service.lockNextOrchestrationWorkItem({ abortSignal: signal, capacity }),
      process: (wi) => this.processOrchestration(wi),
      abandon: (wi) => this.service.abandonOrchestrationWorkItem(wi, { reason: "worker stopping" }),
      logger: this.logger,
    });
    this.activityDispatcher = new WorkItemDispatcher({
      name: "activities",
      maxConcurrent: this.options.maxConcurrentActivities ?? 10 * availableParallelism(),
      fetch: (signal, capacity) => this.service.lockNextActivityWorkItem({ abortSignal: signal, capacity }),
      process: (wi, signal) => this.processActivity(wi, signal),
      abandon: (wi) => this.service.abandonActivityWorkItem(wi, { reason: "worker stopping" }),
      logger: this.logger,
    });
    this.orchestrationDispatcher.start();
    this.activityDispatcher.start();
    logEvent(this.logger, "worker.started", {}, "worker started");
  }

  /** Stop fetching, let in-flight work items finish (up to `drainTimeoutMs`, default 30 s), stop the service. */
  async stop(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    if (!this.started) return;
    const drain = options.drainTimeoutMs ?? 30_000;
    await Promise.all([this.orchestrationDispatcher?.stop(drain), this.activityDispatcher?.stop(drain)]);
    await this.service.stop();
    this.started = false;
    this.registry.unseal();
    logEvent(this.logger, "worker.stopped", {}, "worker stopped");
  }

  private now(): Date {
    return this.service.now?.() ?? new Date();
  }

  /** Renew the work item's lock while it is processed (see lock-keeper.ts); a failed renewal is logged. */
  private keepLocked(
    log: Logger,
    kind: "orchestration" | "activity",
    wi: { lockedUntil?: Date | undefined },
    renew: () => Promise<void>,
  ): LockKeeper {
    return keepLocked({
      lockedUntil: () => wi.lockedUntil,
      renew,
      onError: (err) =>
        logEvent(
          log,
          "workItem.renewFailed",
          { kind, err, lockedUntil: wi.lockedUntil?.toISOString() },
          `renewing the ${kind} work item's lock failed; it may be delivered again before it is done`,
        ),
    });
  }

  private async processOrchestration(wi: OrchestrationWorkItem): Promise<void> {
    const log = childLogger(this.logger, { instanceId: wi.instanceId });
    // Metrics: nothing is measured while no OpenTelemetry SDK is registered (`metrics` undefined).
    const metrics = workerInstruments();
    const t0 = metrics ? performance.now() : 0;
    metrics?.workItemsInFlight.add(1, ORCHESTRATION_WORK_ITEM);
    let commit: ExecuteResult;
    const lock = this.keepLocked(log, "orchestration", wi, () =>
      this.service.renewOrchestrationWorkItemLock(wi),
    );
    try {
      const onDiscard = (m: TaskMessage, reason: string): void =>
        logEvent(
          log,
          "orchestration.messageDiscarded",
          { eventType: m.event.type, reason },
          "message discarded",
        );
      commit = isEntityInstanceId(wi.instanceId)
        ? await executeEntityWorkItem(wi, {
            resolveEntity: (name) => this.registry.getEntity(name),
            now: this.now(),
            newExecutionId: () => randomUUID().replaceAll("-", ""),
            newGuid: () => randomUUID(),
            maxBatchSize: this.options.maxEntityOperationBatchSize,
            reorderWindowMs: this.options.entityMessageReorderWindowMs,
            maxSignalDelayMs: this.service.maxTimerIntervalMs,
            onDiscard,
          })
        : await executeOrchestrationWorkItemAsync(wi, {
            resolveOrchestrator: (name, version) => this.registry.getOrchestrator(name, version),
            now: this.now(),
            maxTimerIntervalMs: this.service.maxTimerIntervalMs,
            includeParameters: this.options.includeParameters,
            onDiscard,
            versioning: this.options.versioning,
          });
      await lock.stop();
      await this.service.completeOrchestrationWorkItem(wi, commit);
      // Spans only for a written step: one abandoned and run again emits them once.
      if (commit?.trace) emitStepSpans(commit.trace, this.now());
      if (commit?.entityTrace) emitEntitySpans(commit.entityTrace, this.now());
      if (metrics)
        recordStep(metrics, wi, commit, commit ? "committed" : "dropped", (performance.now() - t0) / 1000);
      this.rejections.delete(wi.instanceId);
      if (commit)
        logEvent(
          log,
          "orchestration.checkpoint",
          {
            executionId: commit.state.executionId,
            status: commit.state.runtimeStatus,
            newEvents: commit.newEvents.length,
          },
          "checkpoint",
        );
    } catch (err) {
      await lock.stop();
      if (metrics) recordStep(metrics, wi, undefined, "abandoned", (performance.now() - t0) / 1000);
      const backoff = (n: number): number => Math.min((this.options.abandonDelayMs ?? 1000) * 2 ** n, 60_000);
      const dequeues = wi.dequeueCount ?? 0;
      if (err instanceof VersionRejectedError) {
        // Not a failure: the instance waits for a worker whose version matches (versionFailureStrategy Reject).
        // The messages go back uncounted (they never reach the poison store this way), with a back-off that
        // grows with this worker's rejections of the instance so that it does not spin on them.
        const rejected = this.rejections.get(wi.instanceId) ?? 0;
        this.rejections.delete(wi.instanceId); // re-insert: the map is evicted oldest first
        this.rejections.set(wi.instanceId, rejected + 1);
        while (this.rejections.size > 10_000) this.rejections.delete(this.rejections.keys().next().value!);
        const delayMs = backoff(rejected);
        logEvent(
          log,
          "orchestration.versionRejected",
          {
            instanceVersion: err.instanceVersion,
            workerVersion: err.workerVersion,
            matchStrategy: err.matchStrategy,
            delayMs,
          },
          `${err.message}; left for another worker`,
        );
        await this.service.abandonOrchestrationWorkItem(wi, {
          delayMs,
          reason: err.message,
          uncounted: true,
        });
        return;
      }
      const delayMs = backoff(dequeues);
      logEvent(
        log,
        "orchestration.abandoned",
        { err, delayMs, dequeueCount: dequeues },
        "orchestration step failed; abandoned",
      );
      await this.service.abandonOrchestrationWorkItem(wi, { delayMs, reason: (err as Error)?.message });
    } finally {
      metrics?.workItemsInFlight.add(-1, ORCHESTRATION_WORK_ITEM);
    }
  }

  private async processActivity(wi: ActivityWorkItem, signal: AbortSignal): Promise<void> {
    const event = wi.message.event as TaskScheduledEvent;
    const target = wi.message.orchestrationInstance;
    const log = childLogger(this.logger, {
      instanceId: target.instanceId,
      activity: event.name,
      taskId: event.eventId,
    });
    const respond = (outcome: { result?: string } | { error: unknown }): TaskMessage => {
      if ("error" in outcome) {
        const failureDetails = toFailureDetails(outcome.error);
        return {
          event: newEvent("TaskFailed", {
            timestamp: this.now(),
            taskScheduledId: event.eventId,
            reason: failureDetails.errorMessage,
            details: failureDetails.stackTrace,
            failureDetails,
          }),
          orchestrationInstance: target,
          sender: target,
          episode: wi.message.episode,
        };
      }
      return {
        event: newEvent("TaskCompleted", {
          timestamp: this.now(),
          taskScheduledId: event.eventId,
          result: outcome.result,
        }),
        orchestrationInstance: target,
        sender: target,
        episode: wi.message.episode,
      };
    };
    let response: TaskMessage;
    const metrics = workerInstruments();
    metrics?.workItemsInFlight.add(1, ACTIVITY_WORK_ITEM);
    const t0 = metrics ? performance.now() : 0;
    const span = startActivitySpan(event, target);
    const lock = this.keepLocked(log, "activity", wi, () => this.service.renewActivityWorkItemLock(wi));
    const fn = this.registry.getActivity(event.name);
    if (!fn) {
      const err = new TaskHubError(
        "ActivityNotRegistered",
        `no activity named '${event.name}' is registered with this worker`,
      );
      (err as { isNonRetriable?: boolean }).isNonRetriable = true;
      // The failure's errorType, as OrchestratorNotRegistered is for orchestrators (a catch can test it).
      err.name = "ActivityNotRegistered";
      response = respond({ error: err });
    } else {
      try {
        const ctx: ActivityContext = {
          instanceId: target.instanceId,
          executionId: target.executionId,
          taskId: event.eventId,
          name: event.name,
          signal,
        };
        const output = await span.run(async () => fn(ctx, decodeActivityInput(event.input)));
        response = respond({ result: serializePayload(output, `output of activity '${event.name}'`) });
      } catch (err) {
        logEvent(log, "activity.failed", { err }, "activity failed");
        response = respond({ error: err });
      }
    }
    if (response.event.type === "TaskFailed" && response.event.failureDetails)
      span.fail(response.event.failureDetails);
    // Ended before the result is sent, as DTF: the span measures the activity, not the send.
    span.end();
    if (metrics) {
      const attrs = {
        [MetricAttr.activityName]: event.name,
        [MetricAttr.outcome]: response.event.type === "TaskFailed" ? "failure" : "success",
      };
      metrics.activityExecutions.add(1, attrs);
      metrics.activityDuration.record((performance.now() - t0) / 1000, attrs);
    }
    await lock.stop();
    try {
      await this.service.completeActivityWorkItem(wi, response);
    } catch (err) {
      logEvent(
        log,
        "activity.completeFailed",
        { err },
        "completing an activity work item failed; abandoning",
      );
      await this.service.abandonActivityWorkItem(wi, { delayMs: 1000, reason: (err as Error)?.message });
    } finally {
      metrics?.workItemsInFlight.add(-1, ACTIVITY_WORK_ITEM);
    }
  }
}

const ORCHESTRATION_WORK_ITEM = { [MetricAttr.kind]: "orchestration" } as const;
const ACTIVITY_WORK_ITEM = { [MetricAttr.kind]: "activity" } as const;
