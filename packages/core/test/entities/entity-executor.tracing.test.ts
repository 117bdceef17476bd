// The entity step's tracing: a createTrace signal gets its Producer span at receipt and is queued continuing
// it (as DTF's dispatcher re-points it); what a traced operation sends carries its own Producer span under the
// operation's span; untraced requests trace nothing.
import { describe, expect, it } from "vitest";
import {
  SchedulerState,
  executeEntityWorkItem,
  newEvent,
  serializeRequest,
  type EntityExecuteOptions,
  type ExecutionStartedEvent,
  type HistoryEvent,
  type OrchestrationWorkItem,
  type TaskMessage,
} from "../../src/index.js";
import { parseRequest, type EntityRequestMessage } from "../../src/entities/messages.js";

const TRACE = "0af7651916cd43dd8448eb211c80319c";
const SENDER = "b7ad6b7169203331";
const senderContext = { traceParent: `00-${TRACE}-${SENDER}-01` };
const now = new Date("2024-05-06T07:08:09.000Z");
let n = 0;
const opts: EntityExecuteOptions = {
  resolveEntity: (name) =>
    name === "counter"
      ? (ctx) => {
          if (ctx.operationName === "relay") {
            ctx.signalEntity("@counter@other", "add", 1);
            ctx.startNewOrchestration("Spawned", 1, { instanceId: "spawned" });
          }
          ctx.setState((ctx.getState(() => 0) ?? 0) + 1);
        }
      : undefined,
  now,
  newExecutionId: () => `exec-${++n}`,
  newGuid: () => `guid-${++n}`,
};

function message(name: string, input: unknown): TaskMessage {
  return {
    event: newEvent("EventRaised", { timestamp: now, name, input: JSON.stringify(input) }),
    orchestrationInstance: { instanceId: "@counter@k" },
  };
}
function request(op: string | undefined, id: string, extra: Partial<EntityRequestMessage> = {}): TaskMessage {
  return {
    event: newEvent("EventRaised", {
      timestamp: now,
      name: "op",
      input: serializeRequest({ op, id, timestamp: 0n, predecessor: 0n, ...extra }),
    }),
    orchestrationInstance: { instanceId: "@counter@k" },
  };
}
const workItem = (past: HistoryEvent[], messages: TaskMessage[]): OrchestrationWorkItem => ({
  instanceId: "@counter@k",
  pastEvents: past,
  newMessages: messages,
  previousStepSettled: true,
});
const queued = (events: HistoryEvent[]) =>
  SchedulerState.parse((events.find((e) => e.type === "ExecutionStarted") as ExecutionStartedEvent).input)
    .queue;
const spanIdOf = (traceParent: string | undefined) => traceParent?.split("-")[2];

describe("entity step tracing", () => {
  it("a createTrace signal received while locked: Producer at receipt, queued continuing it, no second Producer when run", async () => {
    const lock = request(undefined, "L1", {
      parent: "orch",
      parentExecution: "e1",
      lockset: [{ name: "counter", key: "k" }],
      timestamp: 10n,
    });
    const c1 = (await executeEntityWorkItem(workItem([], [lock]), opts))!;
    const signal = request("add", "s1", {
      signal: true,
      parentTraceContext: senderContext,
      createTrace: true,
      requestTime: "2024-05-06T07:08:08.5+00:00",
    });
    const c2 = (await executeEntityWorkItem(workItem(c1.newEvents, [signal]), opts))!;
    const received = c2.entityTrace!.received;
    expect(received).toHaveLength(1);
    expect(received[0]!.receivedAt).toEqual(now);
    expect(received[0]!.request.parentTraceContext?.traceParent).toBe(senderContext.traceParent);
    const [waiting] = queued(c2.newEvents);
    expect(waiting!.parentTraceContext?.traceParent).toBe(`00-${TRACE}-${received[0]!.spanId}-01`);
    expect(c2.entityTrace!.operations).toEqual([]);

    const c3 = (await executeEntityWorkItem(
      workItem(c2.newEvents, [message("release", { parent: "orch", id: "L1" })]),
      opts,
    ))!;
    expect(c3.entityTrace!.received).toEqual([]);
    expect(c3.entityTrace!.operations).toHaveLength(1);
    expect(spanIdOf(c3.entityTrace!.operations[0]!.request.parentTraceContext?.traceParent)).toBe(
      received[0]!.spanId,
    );
  });

  it("what a traced operation sends continues a Producer span under the operation's span", async () => {
    const c = (await executeEntityWorkItem(
      workItem([], [request("relay", "r1", { signal: true, parentTraceContext: senderContext })]),
      opts,
    ))!;
    const [op] = c.entityTrace!.operations;
    expect(op!.startTime.getTime()).toBeLessThanOrEqual(op!.endTime.getTime());
    const sent = c.entityTrace!.sent;
    expect(sent.map((s) => [s.kind, s.target, s.operation])).toEqual([
      ["signal", "@counter@other", "add"],
      ["startOrchestration", "spawned", undefined],
    ]);
    const opSpan = sent[0]!.parent.spanId;
    expect(opSpan).not.toBe(SENDER);
    expect(sent[1]!.parent.spanId).toBe(opSpan);
    expect(new Set([opSpan, sent[0]!.spanId, sent[1]!.spanId]).size).toBe(3);
    const toEntity = c.orchestratorMessages.find(
      (m) => m.orchestrationInstance.instanceId === "@counter@other",
    )!;
    const signal = parseRequest((toEntity.event as { input: string }).input);
    expect(signal.parentTraceContext?.traceParent).toBe(`00-${TRACE}-${sent[0]!.spanId}-01`);
    expect(signal.createTrace).toBeUndefined();
    expect(signal.requestTime).toBeUndefined();
    const start = c.orchestratorMessages.find((m) => m.event.type === "ExecutionStarted")!
      .event as ExecutionStartedEvent;
    expect(start.parentTraceContext?.traceParent).toBe(`00-${TRACE}-${sent[1]!.spanId}-01`);
  });

  it("untraced requests trace nothing, and what they send carries no trace context", async () => {
    const c = (await executeEntityWorkItem(workItem([], [request("relay", "r1", { signal: true })]), opts))!;
    expect(c.entityTrace).toBeUndefined();
    const start = c.orchestratorMessages.find((m) => m.event.type === "ExecutionStarted")!
      .event as ExecutionStartedEvent;
    expect(start.parentTraceContext).toBeUndefined();
  });
});
