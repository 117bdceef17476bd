// The trace context a step writes into history and messages (DTF's ParentTraceContext fields), and what it
// records for the worker to emit spans for. The spans themselves: test/scenarios/tracing.test.ts.
import { describe, expect, it } from "vitest";
import {
  executeOrchestrationWorkItem,
  newEvent,
  type ExecutionStartedEvent,
  type HistoryEvent,
  type Orchestrator,
  type OrchestrationWorkItem,
  type SubOrchestrationInstanceCreatedEvent,
  type TaskMessage,
  type TaskScheduledEvent,
} from "../../src/index.js";

const TRACE = "0af7651916cd43dd8448eb211c80319c";
const CLIENT_SPAN = "b7ad6b7169203331";

const orchestrators: Record<string, Orchestrator> = {
  Parent: function* (ctx) {
    const a = (yield ctx.callActivity("Hello", "a")) as string;
    ctx.sendEvent("other", "Ping", 1);
    yield ctx.callSubOrchestrator("Child", a, { instanceId: "child" });
    return a;
  },
  Again: function* (ctx, n: number) {
    yield ctx.callActivity("Hello", n);
    if (n < 2) ctx.continueAsNew(n + 1);
    return n;
  },
  Fresh: function* (ctx, n: number) {
    yield ctx.callActivity("Hello", n);
    if (n < 2) ctx.continueAsNew(n + 1, { traceBehavior: "startNewTrace" });
    return n;
  },
};
const opts = (now: Date) => ({ resolveOrchestrator: (name: string) => orchestrators[name], now });

function startMessage(name: string, traced: boolean, input?: string): TaskMessage {
  const instance = { instanceId: "p", executionId: "e1" };
  return {
    event: newEvent("ExecutionStarted", {
      timestamp: new Date(0),
      orchestrationInstance: instance,
      name,
      version: "",
      input,
      ...(traced ? { parentTraceContext: { traceParent: `00-${TRACE}-${CLIENT_SPAN}-01` } } : {}),
    }),
    orchestrationInstance: instance,
  };
}

const startOf = (events: readonly HistoryEvent[]) =>
  events.find((e): e is ExecutionStartedEvent => e.type === "ExecutionStarted")!;
const scheduledOf = (events: readonly HistoryEvent[]) =>
  events.find((e): e is TaskScheduledEvent => e.type === "TaskScheduled")!;

describe("a traced orchestration step", () => {
  it("stores the execution's span in its start event and parents the scheduled activity to it", () => {
    const wi: OrchestrationWorkItem = {
      instanceId: "p",
      pastEvents: [],
      newMessages: [startMessage("Parent", true)],
    };
    const commit = executeOrchestrationWorkItem(wi, opts(new Date(1000)))!;
    const tc = startOf(commit.newEvents).parentTraceContext!;
    expect(tc).toMatchObject({
      traceParent: `00-${TRACE}-${CLIENT_SPAN}-01`,
      id: `00-${TRACE}-${tc.spanId}-01`,
    });
    expect(tc.activityStartTime).toBe(new Date(1000).toISOString());
    // The activity message and the history event carry one client span id, in the execution's trace.
    const message = commit.activityMessages[0]!.event as TaskScheduledEvent;
    const [, trace, clientSpan, flags] = message.parentTraceContext!.traceParent!.split("-");
    expect([trace, flags]).toEqual([TRACE, "01"]);
    expect(clientSpan).not.toBe(tc.spanId);
    expect(scheduledOf(commit.newEvents).parentTraceContext).toEqual(message.parentTraceContext);
    expect(commit.trace).toMatchObject({ execution: { span: { spanId: tc.spanId } }, entries: [] });
    expect(commit.trace!.completion).toBeUndefined();
  });

  it("writes the same ids when it runs again", () => {
    const wi: OrchestrationWorkItem = {
      instanceId: "p",
      pastEvents: [],
      newMessages: [startMessage("Parent", true)],
    };
    const a = executeOrchestrationWorkItem(wi, opts(new Date(1000)))!;
    const b = executeOrchestrationWorkItem(wi, opts(new Date(5000)))!;
    expect(startOf(b.newEvents).parentTraceContext!.spanId).toBe(
      startOf(a.newEvents).parentTraceContext!.spanId,
    );
    expect(scheduledOf(b.newEvents).parentTraceContext).toEqual(scheduledOf(a.newEvents).parentTraceContext);
  });

  it("continues in later steps: results recorded, sub-orchestration and event parented to the execution", () => {
    const first = executeOrchestrationWorkItem(
      { instanceId: "p", pastEvents: [], newMessages: [startMessage("Parent", true)] },
      opts(new Date(1000)),
    )!;
    const spanId = startOf(first.newEvents).parentTraceContext!.spanId!;
    const result: TaskMessage = {
      event: newEvent("TaskCompleted", { timestamp: new Date(1500), taskScheduledId: 0, result: '"A"' }),
      orchestrationInstance: { instanceId: "p", executionId: "e1" },
    };
    const second = executeOrchestrationWorkItem(
      { instanceId: "p", pastEvents: first.newEvents, newMessages: [result] },
      opts(new Date(2000)),
    )!;
    expect(second.trace!.execution.span.spanId).toBe(spanId);
    expect(second.trace!.entries).toEqual([
      { type: "activityResult", scheduled: scheduledOf(first.newEvents), failed: undefined },
      { type: "eventSent", name: "Ping", targetInstanceId: "other" },
    ]);
    const created = second.newEvents.find(
      (e): e is SubOrchestrationInstanceCreatedEvent => e.type === "SubOrchestrationInstanceCreated",
    )!;
    expect(created.clientSpanId).toMatch(/^[0-9a-f]{16}$/);
    const childStart = second.orchestratorMessages.find((m) => m.event.type === "ExecutionStarted")!
      .event as ExecutionStartedEvent;
    expect(childStart.parentTraceContext).toEqual({ traceParent: `00-${TRACE}-${created.clientSpanId}-01` });
    const raised = second.orchestratorMessages.find((m) => m.event.type === "EventRaised")!.event;
    expect(raised).toMatchObject({ parentTraceContext: { traceParent: `00-${TRACE}-${spanId}-01` } });
  });

  it("carries the whole context into a continued generation (one span for the chain)", () => {
    const first = executeOrchestrationWorkItem(
      { instanceId: "p", pastEvents: [], newMessages: [startMessage("Again", true, "1")] },
      opts(new Date(1000)),
    )!;
    const tc = startOf(first.newEvents).parentTraceContext!;
    const done: TaskMessage = {
      event: newEvent("TaskCompleted", { timestamp: new Date(1500), taskScheduledId: 0 }),
      orchestrationInstance: { instanceId: "p", executionId: "e1" },
    };
    const second = executeOrchestrationWorkItem(
      { instanceId: "p", pastEvents: first.newEvents, newMessages: [done] },
      opts(new Date(2000)),
    )!;
    expect(second.replacesHistory).toBe(true);
    const next = startOf(second.newEvents);
    expect(next.orchestrationInstance.executionId).not.toBe("e1");
    expect(next.parentTraceContext).toEqual(tc);
    expect(second.trace!.completion).toBeUndefined();
  });

  it("continue-as-new with startNewTrace: the chain's span ends, the next generation gets a new root trace", () => {
    const first = executeOrchestrationWorkItem(
      { instanceId: "p", pastEvents: [], newMessages: [startMessage("Fresh", true, "1")] },
      opts(new Date(1000)),
    )!;
    const tc = startOf(first.newEvents).parentTraceContext!;
    const done: TaskMessage = {
      event: newEvent("TaskCompleted", { timestamp: new Date(1500), taskScheduledId: 0 }),
      orchestrationInstance: { instanceId: "p", executionId: "e1" },
    };
    const step = () =>
      executeOrchestrationWorkItem(
        { instanceId: "p", pastEvents: first.newEvents, newMessages: [done] },
        opts(new Date(2000)),
      )!;
    const second = step();
    const next = startOf(second.newEvents);
    const ntc = next.parentTraceContext!;
    const [, traceId, createSpan, flags] = ntc.traceParent!.split("-");
    expect(traceId).not.toBe(TRACE);
    expect(flags).toBe("01");
    expect(ntc.id).toBe(`00-${traceId}-${ntc.spanId}-01`);
    expect(ntc.traceState).toBeUndefined();
    expect(next.generateNewTrace).not.toBe(true);
    // The ended chain: its span (the first generation's) ends ContinuedAsNew, with its activity's result.
    const ended = second.trace!.earlier!;
    expect(ended).toHaveLength(1);
    expect(ended[0]!.execution.span.spanId).toBe(tc.spanId);
    expect(ended[0]!.completion).toEqual({ status: "ContinuedAsNew" });
    expect(ended[0]!.entries.map((e) => e.type)).toEqual(["activityResult"]);
    // The new chain: its root, the execution under it, the activity it scheduled in this step under that.
    expect(second.trace!.newTrace!.createSpan).toMatchObject({ traceId, spanId: createSpan });
    expect(second.trace!.execution.span).toMatchObject({ traceId, spanId: ntc.spanId });
    expect(second.trace!.entries).toEqual([]);
    const scheduled = second.activityMessages[0]!.event as TaskScheduledEvent;
    expect(scheduled.parentTraceContext!.traceParent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    // A re-run of the step writes the same ids.
    const again = startOf(step().newEvents).parentTraceContext!;
    expect([again.traceParent, again.id, again.spanId]).toEqual([ntc.traceParent, ntc.id, ntc.spanId]);
  });

  it("continue-as-new with startNewTrace keeps an untraced orchestration untraced", () => {
    const first = executeOrchestrationWorkItem(
      { instanceId: "p", pastEvents: [], newMessages: [startMessage("Fresh", false, "1")] },
      opts(new Date(1000)),
    )!;
    const done: TaskMessage = {
      event: newEvent("TaskCompleted", { timestamp: new Date(1500), taskScheduledId: 0 }),
      orchestrationInstance: { instanceId: "p", executionId: "e1" },
    };
    const second = executeOrchestrationWorkItem(
      { instanceId: "p", pastEvents: first.newEvents, newMessages: [done] },
      opts(new Date(2000)),
    )!;
    expect(startOf(second.newEvents).orchestrationInstance.executionId).not.toBe("e1");
    expect(startOf(second.newEvents).parentTraceContext).toBeUndefined();
    expect(second.trace).toBeUndefined();
  });

  it("records the completion with its failure", () => {
    const failing: Orchestrator = () => {
      throw new TypeError("bad input");
    };
    const commit = executeOrchestrationWorkItem(
      { instanceId: "p", pastEvents: [], newMessages: [startMessage("Failing", true)] },
      { resolveOrchestrator: () => failing, now: new Date(1000) },
    )!;
    expect(commit.trace!.completion).toMatchObject({
      status: "Failed",
      failureDetails: { errorType: "TypeError", errorMessage: "bad input" },
    });
  });
});

describe("a start that asks the worker for its create_orchestration span (DTF's MS_CreateTrace, GenerateNewTrace)", () => {
  const asking = (extra: Partial<ExecutionStartedEvent>): TaskMessage => {
    const m = startMessage("Parent", false);
    return { ...m, event: { ...(m.event as ExecutionStartedEvent), ...extra } };
  };
  const run = (m: TaskMessage) =>
    executeOrchestrationWorkItem(
      { instanceId: "p", pastEvents: [], newMessages: [m] },
      opts(new Date(1000)),
    )!;

  it("under the caller's span: stamped under a create span from the request time; the request is not written", () => {
    const commit = run(
      asking({
        tags: { MS_CreateTrace: "true", MS_Entities_RequestTime: "01/01/1970 00:00:00 +00:00", mine: "x" },
        parentTraceContext: { traceParent: `00-${TRACE}-${CLIENT_SPAN}-01`, traceState: "a=1" },
      }),
    );
    const start = startOf(commit.newEvents);
    const tc = start.parentTraceContext!;
    const [, trace, createSpan] = tc.traceParent!.split("-");
    expect(trace).toBe(TRACE);
    expect(createSpan).not.toBe(CLIENT_SPAN);
    expect(tc).toMatchObject({ traceState: "a=1", id: `00-${TRACE}-${tc.spanId}-01` });
    expect(start.tags).toEqual({ MS_Entities_RequestTime: "01/01/1970 00:00:00 +00:00", mine: "x" });
    expect(commit.trace!.newTrace).toMatchObject({
      createSpan: { traceId: TRACE, spanId: createSpan },
      parent: { spanId: CLIENT_SPAN },
      startTime: new Date(0),
    });
    expect(commit.trace!.execution.parent.spanId).toBe(createSpan);
  });

  it("without a context: the root of a new trace; GenerateNewTrace is written false", () => {
    const commit = run(asking({ generateNewTrace: true }));
    const start = startOf(commit.newEvents);
    expect(start.generateNewTrace).not.toBe(true);
    const [, trace, createSpan, flags] = start.parentTraceContext!.traceParent!.split("-");
    expect(trace).toMatch(/^[0-9a-f]{32}$/);
    expect(flags).toBe("01");
    expect(commit.trace!.newTrace).toMatchObject({ createSpan: { traceId: trace, spanId: createSpan } });
    expect(commit.trace!.newTrace!.parent).toBeUndefined();
  });

  it("with a context that does not parse: not traced, the start written as it came", () => {
    const commit = run(
      asking({ tags: { MS_CreateTrace: "true" }, parentTraceContext: { traceParent: "junk" } }),
    );
    expect(startOf(commit.newEvents)).toMatchObject({
      tags: { MS_CreateTrace: "true" },
      parentTraceContext: { traceParent: "junk" },
    });
    expect(commit.trace).toBeUndefined();
  });
});

describe("an untraced orchestration step", () => {
  it("writes no trace context and records nothing", () => {
    const commit = executeOrchestrationWorkItem(
      { instanceId: "p", pastEvents: [], newMessages: [startMessage("Parent", false)] },
      opts(new Date(1000)),
    )!;
    expect(startOf(commit.newEvents).parentTraceContext).toBeUndefined();
    expect(scheduledOf(commit.newEvents).parentTraceContext).toBeUndefined();
    expect("parentTraceContext" in commit.activityMessages[0]!.event).toBe(false);
    expect(commit.trace).toBeUndefined();
  });
});
