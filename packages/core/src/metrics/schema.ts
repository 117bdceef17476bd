/**
 * The names, units and attribute keys of taskhub's metrics. DurableTask.Core and Durable Functions define no
 * metrics, so these follow OpenTelemetry's conventions under a `taskhub.` prefix: durations in seconds
 * (histograms), counts with a `{thing}` unit, `error.type` on failures. docs/tracing.md lists every metric.
 */

export const Metric = {
  orchestrationStarted: "taskhub.orchestration.started",
  orchestrationCompleted: "taskhub.orchestration.completed",
  orchestrationFailed: "taskhub.orchestration.failed",
  orchestrationTerminated: "taskhub.orchestration.terminated",
  stepDuration: "taskhub.orchestration.step.duration",
  activityExecutions: "taskhub.activity.executions",
  activityDuration: "taskhub.activity.duration",
  workItemsInFlight: "taskhub.work_items.in_flight",
  // The storage provider's (@taskhub/azure-storage) metrics.
  messageAge: "taskhub.queue.message.age",
  partitionsOwned: "taskhub.partitions.owned",
  leaseAcquired: "taskhub.lease.acquired",
  leaseLost: "taskhub.lease.lost",
  poisonMessages: "taskhub.poison.messages",
  storageRequests: "taskhub.storage.requests",
  storageRequestDuration: "taskhub.storage.request.duration",
} as const;

/** Metric attribute keys. */
export const MetricAttr = {
  /** The orchestration's (or, for an entity's step, the entity's) name. */
  orchestrationName: "taskhub.orchestration.name",
  activityName: "taskhub.activity.name",
  /** `orchestration` or `entity` (a step), `orchestration` or `activity` (a work item). */
  kind: "taskhub.kind",
  /** `success` or `failure`. */
  outcome: "taskhub.outcome",
  /** The step's end: `committed`, `abandoned` (retried later) or `dropped` (every message was discarded). */
  stepResult: "taskhub.step.result",
  queueName: "taskhub.queue.name",
  workerId: "taskhub.worker.id",
  partition: "taskhub.partition",
  /** `ownership` or `intent` (the blob lease manager's two leases). */
  leaseKind: "taskhub.lease.kind",
  storageService: "taskhub.storage.service",
  storageOperation: "taskhub.storage.operation",
  /** OpenTelemetry's: the failure's class (an HTTP status code, an error code, an error's name). */
  errorType: "error.type",
} as const;
