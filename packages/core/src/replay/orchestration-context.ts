/**
 * The orchestration context as an orchestrator function sees it (names follow the Durable Task SDKs), and the
 * options of its calls. `context.ts` implements it.
 */
import type { OrchestrationEntityFeature } from "../entities/orchestration-entities.js";
import type { Tags } from "../history/events.js";
import type { Logger } from "./logger.js";
import type { RetryPolicy } from "./retry.js";
import type { DurableTask, TimerTask } from "./tasks.js";

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
  /**
   * The next generation's trace (DTF's `ContinueAsNewOptions.TraceBehavior`): `"preserveTraceContext"` (the
   * default) keeps one trace and one orchestration span for the whole chain; `"startNewTrace"` ends this
   * generation's span (status `ContinuedAsNew`) and starts the next one in a new trace, under a root
   * `create_orchestration` span. An untraced orchestration stays untraced either way.
   */
  traceBehavior?: ContinueAsNewTraceBehavior;
}

/** DTF's `ContinueAsNewTraceBehavior` (`PreserveTraceContext`, `StartNewTrace`). */
export type ContinueAsNewTraceBehavior = "preserveTraceContext" | "startNewTrace";

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
