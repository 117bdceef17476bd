/**
 * The identity of an orchestration execution's span, kept in its ExecutionStarted event as DTF keeps it:
 * `ParentTraceContext.TraceParent` names the parent (the client's create_orchestration span, or the parent
 * orchestration's client span for a sub-orchestration); `Id` and `SpanId` are the execution span's own
 * traceparent and span id, and `ActivityStartTime` its start, all three written by the execution's first step.
 * Every later step (on any worker, DTF's included) parents its spans to that id, and the step that completes
 * the execution emits the span under it with that start time: one span per execution, whatever the number of
 * replays. Continue-as-new copies the whole context to the next generation (as DTF does), so a chain of
 * generations is one span too.
 */
import { TraceFlags, type SpanContext } from "@opentelemetry/api";
import type { DistributedTraceContext, ExecutionStartedEvent, HistoryEvent } from "../history/events.js";
import { parseDtfDateTime, toDtfDateTime } from "../history/time.js";
import { deriveSpanId, deriveTraceId } from "./derived-span-id.js";
import { formatTraceParent, parseTraceParent } from "./trace-parent.js";

export interface ExecutionTrace {
  /** The execution span's context: the parent's trace id, the execution's own span id. */
  span: SpanContext;
  /** The span the execution span is a child of. */
  parent: SpanContext;
  startTime: Date;
}

/** The identity stored in a start event by an earlier step; undefined when there is none (or no parent). */
export function storedExecutionTrace(start: ExecutionStartedEvent): ExecutionTrace | undefined {
  const tc = start.parentTraceContext;
  const parent = parseTraceParent(tc?.traceParent, tc?.traceState);
  if (!tc || !parent || !tc.spanId || !/^[0-9a-f]{16}$/.test(tc.spanId)) return undefined;
  const own = parseTraceParent(tc.id, tc.traceState);
  const span: SpanContext = {
    traceId: own?.traceId ?? parent.traceId,
    spanId: tc.spanId,
    traceFlags: own?.traceFlags ?? parent.traceFlags,
    isRemote: true,
    ...(parent.traceState ? { traceState: parent.traceState } : {}),
  };
  let startTime: Date;
  try {
    startTime = parseDtfDateTime(tc.activityStartTime ?? start.timestamp);
  } catch {
    startTime = parseDtfDateTime(start.timestamp);
  }
  return { span, parent, startTime };
}

/**
 * For a start event written by this step: the event with the execution's span identity added (a derived span
 * id, see derived-span-id.ts; `now` as its start), and that identity. Undefined when the event names no valid
 * parent (its creator traced nothing: DTF then traces nothing for the execution either).
 */
export function newExecutionTrace(
  start: ExecutionStartedEvent,
  now: Date,
  /** The execution's rewinds so far: a rewound run is a new span, its failed run's span already exported. */
  rewinds = 0,
): { start: ExecutionStartedEvent; trace: ExecutionTrace } | undefined {
  const tc = start.parentTraceContext;
  const parent = parseTraceParent(tc?.traceParent, tc?.traceState);
  if (!tc || !parent) return undefined;
  const instance = start.orchestrationInstance;
  const spanId = deriveSpanId(
    "orchestration",
    tc.traceParent!,
    instance.instanceId,
    instance.executionId ?? "",
    ...(rewinds > 0 ? [`rewind ${rewinds}`] : []),
  );
  const stamped: DistributedTraceContext = {
    traceParent: tc.traceParent,
    ...(tc.traceState !== undefined ? { traceState: tc.traceState } : {}),
    id: formatTraceParent(parent.traceId, spanId, parent.traceFlags),
    spanId,
    activityStartTime: toDtfDateTime(now),
  };
  const span: SpanContext = {
    traceId: parent.traceId,
    spanId,
    traceFlags: parent.traceFlags,
    isRemote: true,
    ...(parent.traceState ? { traceState: parent.traceState } : {}),
  };
  return { start: { ...start, parentTraceContext: stamped }, trace: { span, parent, startTime: now } };
}

/**
 * The execution's span identity: stored by an earlier step in its start event, or added to the start event
 * this step writes (replaced in `newEvents`). Undefined when the execution is not traced, or when its start
 * event is already written without an identity (one could not be kept).
 */
export function stepExecutionTrace(
  past: readonly HistoryEvent[],
  newEvents: HistoryEvent[],
  now: Date,
  /** Called when the start event asked the worker for a new trace (below): the root span to emit. */
  onNewTrace?: (root: NewTraceRoot) => void,
): ExecutionTrace | undefined {
  const pastStart = past.find((e): e is ExecutionStartedEvent => e.type === "ExecutionStarted");
  if (pastStart) return storedExecutionTrace(pastStart);
  const i = newEvents.findIndex((e) => e.type === "ExecutionStarted");
  const start = newEvents[i] as ExecutionStartedEvent | undefined;
  if (start && asksForNewTrace(start) && !storedExecutionTrace(start)) {
    const requested = requestedTrace(start, now);
    if (!requested) return undefined;
    newEvents[i] = requested.start;
    onNewTrace?.(requested.root);
    return requested.trace;
  }
  if (!start?.parentTraceContext) return undefined;
  const stored = storedExecutionTrace(start);
  if (stored) return stored;
  const fresh = newExecutionTrace(start, now);
  if (fresh) newEvents[i] = fresh.start;
  return fresh?.trace;
}

/** The context a child of the execution span is parented to, for a client span whose id is `spanId`. */
export function childTraceContext(trace: ExecutionTrace, spanId: string): DistributedTraceContext {
  const traceState = trace.span.traceState?.serialize();
  return {
    traceParent: formatTraceParent(trace.span.traceId, spanId, trace.span.traceFlags),
    ...(traceState && traceState.length <= 513 ? { traceState } : {}),
  };
}

/**
 * For a backend that rewinds in place (Azure Storage, as DT.AS: the failure rows are rewritten, the start row
 * stays): the trace context the rewound execution's start event must carry so that the rewound run is a new
 * span, as DTF's dispatcher makes it for an ExecutionRewound (it clears Id, SpanId and ActivityStartTime and
 * starts a new activity). Without it every worker, DTF's included, restores the failed run's span id, and the
 * rewound run's span is exported a second time under the id the failed run's already has.
 *
 * `rewind` numbers the rewinds of this execution (1 for the first): the same number gives the same id, so a
 * rewind that is retried after a partial write writes the same. `parentSpanId`, for a child rewound with its
 * parent, replaces the parent span its traceparent names (the parent's new client span for it,
 * `rewoundClientSpanId`). Undefined when the start event names no valid parent (the execution is not traced).
 */
export function rewoundTraceContext(
  start: ExecutionStartedEvent,
  rewind: number,
  now: Date,
  parentSpanId?: string,
): DistributedTraceContext | undefined {
  const tc = start.parentTraceContext;
  const parent = parseTraceParent(tc?.traceParent, tc?.traceState);
  if (!tc || !parent) return undefined;
  const traceParent =
    parentSpanId === undefined
      ? tc.traceParent
      : formatTraceParent(parent.traceId, parentSpanId, parent.traceFlags);
  return newExecutionTrace({ ...start, parentTraceContext: { ...tc, traceParent } }, now, rewind)?.start
    .parentTraceContext;
}

/**
 * The new id of the client span of a failed sub-orchestration (task `taskId`) that is rewound in place with its
 * parent, the parent's rewound span being `parentSpanId` (DTF's rewind draws a new `ClientSpanId` for it: the
 * old one's span was exported when the child failed).
 */
export function rewoundClientSpanId(parentSpanId: string, taskId: number, rewind: number): string {
  return deriveSpanId("orchestration", parentSpanId, taskId, "rewind", rewind);
}

/**
 * Continue-as-new into a new trace (DTF's `ContinueAsNewTraceBehavior.StartNewTrace`): the next generation's
 * start event stamped with a new root, as DTF's dispatcher stamps it in the same work item. The trace id and
 * the root `create_orchestration` span's id are derived from the new execution (so a step that runs again
 * writes the same), the trace flags are the ending generation's (a sampled chain stays sampled), and there is
 * no tracestate (it belonged to the old trace). The execution span is the root span's child, as any other.
 * `generateNewTrace` is never written: a stored `true` would make every later DTF replay start yet another trace.
 */
export function newRootExecutionTrace(
  start: ExecutionStartedEvent,
  now: Date,
  traceFlags: number,
): { start: ExecutionStartedEvent; trace: ExecutionTrace; createSpan: SpanContext } {
  const instance = start.orchestrationInstance;
  const traceId = deriveTraceId(instance.instanceId, instance.executionId ?? "");
  const spanId = deriveSpanId("create_orchestration", instance.instanceId, instance.executionId ?? "");
  const { parentTraceContext: _old, generateNewTrace: _flag, ...rest } = start;
  const fresh = newExecutionTrace(
    { ...rest, parentTraceContext: { traceParent: formatTraceParent(traceId, spanId, traceFlags) } },
    now,
  )!;
  return { ...fresh, createSpan: fresh.trace.parent };
}

/** The tags by which DTF's clients ask the worker to trace a start (DurableTask.Core's `OrchestrationTags`). */
export const CREATE_TRACE_TAG = "MS_CreateTrace";
export const REQUEST_TIME_TAG = "MS_Entities_RequestTime";

/** The `create_orchestration` span a worker emits for a start that asked for it. */
export interface NewTraceRoot {
  createSpan: SpanContext;
  /** Its parent (none: the root of a new trace). */
  parent?: SpanContext | undefined;
  /** When the client asked (the request-time tag), else the step's time. */
  startTime?: Date | undefined;
}

function asksForNewTrace(start: ExecutionStartedEvent): boolean {
  return start.generateNewTrace === true || (start.tags !== undefined && CREATE_TRACE_TAG in start.tags);
}

/**
 * A start that asks the worker to create its `create_orchestration` span (DTF's `GenerateNewTrace`, or the
 * `MS_CreateTrace` tag durabletask-dotnet's client sets): as DTF's `StartActivityForNewOrchestration`, the
 * span is a child of the start's context when it has one, else the root of a new trace; a context that is
 * there but does not parse gets none (undefined: the execution is not traced). The start is stamped with the
 * span as its parent and written without the request (no tag, `GenerateNewTrace` false), so that later steps
 * and DTF's replays continue this span rather than create another. The ids are derived, as elsewhere.
 */
function requestedTrace(
  start: ExecutionStartedEvent,
  now: Date,
): { start: ExecutionStartedEvent; trace: ExecutionTrace; root: NewTraceRoot } | undefined {
  const tc = start.parentTraceContext;
  const parent = parseTraceParent(tc?.traceParent, tc?.traceState);
  if (tc?.traceParent && !parent) return undefined;
  const instance = start.orchestrationInstance;
  const traceId = parent?.traceId ?? deriveTraceId(instance.instanceId, instance.executionId ?? "");
  const spanId = deriveSpanId("create_orchestration", instance.instanceId, instance.executionId ?? "");
  const flags = parent?.traceFlags ?? TraceFlags.SAMPLED;
  const { [CREATE_TRACE_TAG]: _asked, ...tags } = start.tags ?? {};
  const { generateNewTrace: _flag, tags: _tags, parentTraceContext: _tc, ...rest } = start;
  const traceState = parent?.traceState?.serialize();
  const fresh = newExecutionTrace(
    {
      ...rest,
      ...(start.tags !== undefined ? { tags } : {}),
      parentTraceContext: {
        traceParent: formatTraceParent(traceId, spanId, flags),
        ...(traceState ? { traceState } : {}),
      },
    },
    now,
  )!;
  return {
    ...fresh,
    root: {
      createSpan: fresh.trace.parent,
      parent,
      startTime: requestTimeTag(start.tags?.[REQUEST_TIME_TAG]),
    },
  };
}

/**
 * The request-time tag: `DateTimeOffset.ToString(CultureInfo.InvariantCulture)` as durabletask-dotnet's client
 * writes it (`12/06/2026 21:00:00 +00:00`), or ISO 8601; undefined when it is neither.
 */
function requestTimeTag(raw: string | undefined): Date | undefined {
  if (!raw) return undefined;
  const m = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))? ([+-]\d{2}:\d{2})$/.exec(
    raw.trim(),
  );
  if (m) raw = `${m[3]}-${m[1]}-${m[2]}T${m[4]}:${m[5]}:${m[6]}${m[7] ? `.${m[7]}` : ""}${m[8]}`;
  try {
    const t = parseDtfDateTime(raw);
    return Number.isNaN(t.getTime()) ? undefined : t;
  } catch {
    return undefined;
  }
}
