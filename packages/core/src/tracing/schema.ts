/**
 * The names DurableTask.Core gives its spans and attributes (its `Tracing/Schema` and
 * `TraceActivityConstants`), so that taskhub's spans sit next to those of DTF workers in one trace and
 * dashboards built for DTF read them unchanged. docs/tracing.md lists every span.
 */

/** The tracer's (DTF: ActivitySource's) name. */
export const TRACER_NAME = "DurableTask.Core";

/** Span attribute keys. */
export const Attr = {
  type: "durabletask.type",
  name: "durabletask.task.name",
  version: "durabletask.task.version",
  instanceId: "durabletask.task.instance_id",
  executionId: "durabletask.task.execution_id",
  status: "durabletask.task.status",
  taskId: "durabletask.task.task_id",
  eventTargetInstanceId: "durabletask.event.target_instance_id",
  fireAt: "durabletask.fire_at",
  operation: "durabletask.task.operation",
  scheduledTime: "durabletask.task.scheduled_time",
  entityErrorMessage: "durabletask.entity.error_message",
} as const;

/** Values of `durabletask.task.operation` on entity spans. */
export const EntityOperation = { call: "call_entity", signal: "signal_entity" } as const;

/** Values of `durabletask.type`, and the prefixes of span names. */
export const SpanType = {
  orchestration: "orchestration",
  activity: "activity",
  event: "event",
  timer: "timer",
  entity: "entity",
  createOrchestration: "create_orchestration",
  orchestrationEvent: "orchestration_event",
} as const;

/** `<prefix>:<name>`, or `<prefix>:<name>@(<version>)` when the version is not empty (DTF's format). */
export function spanName(prefix: string, name: string, version?: string): string {
  return version ? `${prefix}:${name}@(${version})` : `${prefix}:${name}`;
}

/** A timer's span: `orchestration:<orchestration name>:timer`. */
export function timerSpanName(orchestrationName: string): string {
  return `${SpanType.orchestration}:${orchestrationName}:${SpanType.timer}`;
}

/** An entity operation's span: `entity:<entity name>:<operation>`. */
export function entitySpanName(entityName: string, operation: string): string {
  return `${SpanType.entity}:${entityName}:${operation}`;
}

/** An entity's start of an orchestration: `<entity name>:create_orchestration` (DTF's name, without `entity:`). */
export function entityCreateOrchestrationSpanName(entityName: string): string {
  return spanName(entityName, SpanType.createOrchestration);
}
