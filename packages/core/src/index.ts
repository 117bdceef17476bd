// @taskhub/core: the DTF history model, replay engine, orchestration API, backend seam, worker and client.
export * from "./history/events.js";
export * from "./history/time.js";
export * from "./history/factories.js";
export * from "./history/fields.js";
export * from "./history/codec.js";
export * from "./actions/actions.js";
export * from "./errors/errors.js";
export * from "./state/orchestration-state.js";
export * from "./state/runtime-state.js";
export * from "./replay/tasks.js";
export * from "./replay/retry.js";
export * from "./replay/logger.js";
export * from "./replay/new-guid.js";
export type {
  OrchestrationContext,
  ActivityOptions,
  SubOrchestrationOptions,
  ContinueAsNewOptions,
  ParentOrchestrationInfo,
} from "./replay/context.js";
export { replayOrchestration, type Orchestrator, type ReplayOptions, type ReplayResult } from "./replay/replay.js";
export * from "./backend/task-message.js";
export * from "./backend/service.js";
export { executeOrchestrationWorkItem, type ExecuteOptions } from "./dispatch/orchestration-executor.js";
export { rewindHistory } from "./dispatch/rewind.js";
export { WorkItemDispatcher, type DispatcherOptions } from "./dispatch/work-item-dispatcher.js";
export { TaskHubWorker, type Activity, type ActivityContext, type TaskHubWorkerOptions } from "./worker.js";
export {
  TaskHubClient,
  validateInstanceId,
  toOrchestrationState,
  type ScheduleOptions,
  type TaskHubClientOptions,
  type PagedAsyncIterable,
} from "./client.js";
