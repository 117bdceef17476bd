// @taskhub/core: the DTF history model, replay engine, orchestration API, backend seam, worker and client.
export * from "./history/events.js";
export * from "./history/time.js";
export * from "./history/factories.js";
export * from "./history/fields.js";
export * from "./history/codec.js";
export * from "./actions/actions.js";
export * from "./errors/errors.js";
export * from "./errors/abort.js";
export * from "./state/orchestration-state.js";
export * from "./state/runtime-state.js";
export * from "./replay/tasks.js";
export * from "./replay/retry.js";
export * from "./replay/logger.js";
export * from "./logging/log-events.js";
export * from "./logging/log-event.js";
export * from "./replay/new-guid.js";
// Tracing (docs/tracing.md): the tracer's name and DTF's span attribute names, for samplers and processors.
export { TRACER_NAME, Attr as TraceAttributes } from "./tracing/schema.js";
export type { OrchestrationStepTrace, StepTraceEntry } from "./tracing/step-trace.js";
export type { ExecutionTrace } from "./tracing/execution-trace.js";
// For backends that rewind in place (the Azure Storage provider): the rewound run's new span identity.
export { rewoundTraceContext, rewoundClientSpanId } from "./tracing/execution-trace.js";
// Metrics (docs/tracing.md, "Metrics"): the meter's name, every metric's name and attribute keys, and the
// per-provider instrument cache the storage provider records its own metrics with.
export { METER_NAME, instrumentsPerProvider } from "./metrics/meter.js";
export { Metric, MetricAttr } from "./metrics/schema.js";
export type {
  OrchestrationContext,
  ActivityOptions,
  SubOrchestrationOptions,
  ContinueAsNewOptions,
  ContinueAsNewTraceBehavior,
  ParentOrchestrationInfo,
} from "./replay/orchestration-context.js";
export {
  replayOrchestration,
  replayOrchestrationAsync,
  type Orchestrator,
  type ReplayOptions,
  type ReplayResult,
} from "./replay/replay.js";
export * from "./entities/entity-id.js";
export * from "./entities/messages.js";
export { MessageSorter, DEFAULT_REORDER_WINDOW_MS } from "./entities/message-sorter.js";
export {
  SchedulerState,
  serializeEntityStatus,
  parseEntityStatus,
  type EntityStatus,
  type ProcessedBatch,
} from "./entities/scheduler-state.js";
export {
  executeOperationBatch,
  isEntityClass,
  type EntityContext,
  type EntityFunction,
  type EntityClass,
  type EntityImplementation,
  type EntitySignalOptions,
  type OperationRequest,
  type OperationResult,
  type OperationAction,
  type OperationBatchResult,
} from "./entities/entity-context.js";
export { executeEntityWorkItem, type EntityExecuteOptions } from "./entities/entity-executor.js";
export { releaseMessage } from "./entities/entity-output.js";
export type {
  OrchestrationEntityFeature,
  LockHandle,
  CriticalSectionInfo,
} from "./entities/orchestration-entities.js";
export type {
  EntityMetadata,
  EntityQuery,
  CleanEntityStorageRequest,
  CleanEntityStorageResult,
} from "./entities/entity-client.js";
export { parsePayload, serializePayload } from "./replay/payload.js";
export * from "./backend/task-message.js";
export * from "./backend/service.js";
export * from "./backend/instance-filter.js";
export {
  executeOrchestrationWorkItem,
  executeOrchestrationWorkItemAsync,
  type ExecuteOptions,
} from "./dispatch/orchestration-executor.js";
export { rewindHistory } from "./dispatch/rewind.js";
export { WorkItemDispatcher, type DispatcherOptions } from "./dispatch/work-item-dispatcher.js";
export { sleep, startWait, WakeUp, type Wait } from "./dispatch/wait.js";
export * from "./dispatch/delivery-rules.js";
export { TaskHubWorker, type TaskHubWorkerOptions } from "./worker.js";
export {
  TaskRegistry,
  RESERVED_PREFIX,
  type TaskRegistrar,
  type Activity,
  type ActivityContext,
  type OrchestratorRegistration,
} from "./registry.js";
export {
  compareVersions,
  validateVersioning,
  versionMatches,
  VersionRejectedError,
  VERSION_FAILURE_STRATEGIES,
  VERSION_MATCH_STRATEGIES,
  type VersionFailureStrategy,
  type VersioningOptions,
  type VersionMatchStrategy,
} from "./dispatch/versioning.js";
export {
  TaskHubClient,
  validateInstanceId,
  toOrchestrationState,
  type PagedAsyncIterable,
  type PageSettings,
} from "./client.js";
export type * from "./client/options.js";
// Bulk operations (docs/http-api.md, docs/cli.md): the built-in taskhub:bulk orchestration, its request and progress.
export * from "./bulk/bulk-request.js";
export * from "./bulk/bulk-progress.js";
export type { BulkTarget, BulkActResult } from "./bulk/bulk-orchestration.js";
