// An orchestration step that runs again — its worker died between sending entity requests and writing its
// history — sends the same requests with the same ids, and the entity applies each once (found by the chaos
// soak, issue 9: 361 for 360 entity calls). Later requests from that sender still flow in order.
import { describe, expect, it } from "vitest";
import {
  SchedulerState,
  executeEntityWorkItem,
  executeOrchestrationWorkItem,
  newEvent,
  parseRequest,
  type EntityExecuteOptions,
  type HistoryEvent,
  type Orchestrator,
  type OrchestrationWorkItem,
  type TaskMessage,
} from "../../src/index.js";

const counter = { name: "counter", key: "c" };
const caller: Orchestrator = function* (ctx) {
  ctx.entities.signalEntity(counter, "add", 1);
  const seen = (yield ctx.entities.callEntity<number>(counter, "add", 10)) as number;
  const lock = (yield ctx.entities.lockEntities(counter)) as { release(): void };
  lock.release();
  return seen;
};
const orchestrationOpts = (now: Date) => ({
  resolveOrchestrator: () => caller,
  now,
  newExecutionId: () => "unused",
});
const start: TaskMessage = {
  event: newEvent("ExecutionStarted", {
    timestamp: new Date(0),
    orchestrationInstance: { instanceId: "o", executionId: "e1" },
    name: "Caller",
    version: "",
  }),
  orchestrationInstance: { instanceId: "o", executionId: "e1" },
};
const entityOpts = (now: Date): EntityExecuteOptions => ({
  resolveEntity: () => (ctx) => {
    const v = ctx.getState(() => 0) ?? 0;
    ctx.setState(v + (ctx.getInput<number>() ?? 0));
    return v + (ctx.getInput<number>() ?? 0);
  },
  now,
  newExecutionId: () => `x${now.getTime()}`,
  newGuid: () => "g",
});

function requestsTo(commit: { orchestratorMessages: TaskMessage[] }): TaskMessage[] {
  return commit.orchestratorMessages.filter((m) => m.orchestrationInstance.instanceId === "@counter@c");
}
const ids = (ms: TaskMessage[]): string[] =>
  ms.map((m) => parseRequest((m.event as { input: string }).input).id);

describe("entity requests repeated by a step that ran again", () => {
  it("carry the same ids, whatever the step's time, and differ between executions", () => {
    const wi: OrchestrationWorkItem = { instanceId: "o", pastEvents: [], newMessages: [start] };
    const first = requestsTo(executeOrchestrationWorkItem(wi, orchestrationOpts(new Date(1000)))!);
    const again = requestsTo(executeOrchestrationWorkItem(wi, orchestrationOpts(new Date(2000)))!);
    expect(first).toHaveLength(2); // the signal and the call
    expect(ids(again)).toEqual(ids(first));
    const otherStart = {
      ...start,
      event: { ...start.event, orchestrationInstance: { instanceId: "o", executionId: "e2" } },
      orchestrationInstance: { instanceId: "o", executionId: "e2" },
    } as TaskMessage;
    const other = requestsTo(
      executeOrchestrationWorkItem(
        { instanceId: "o", pastEvents: [], newMessages: [otherStart] },
        orchestrationOpts(new Date(1000)),
      )!,
    );
    expect(ids(other)).not.toEqual(ids(first));
    expect(new Set([...ids(first), ...ids(other)]).size).toBe(4);
  });

  it("are applied once by the entity, and the sender's later requests are not held back", async () => {
    const wi: OrchestrationWorkItem = { instanceId: "o", pastEvents: [], newMessages: [start] };
    const original = executeOrchestrationWorkItem(wi, orchestrationOpts(new Date(1000)))!;
    const rerun = executeOrchestrationWorkItem(wi, orchestrationOpts(new Date(5000)))!; // this one commits
    // The entity takes the dead step's requests, then the re-run's (same ids, later timestamps).
    const e1 = (await executeEntityWorkItem(
      { instanceId: "@counter@c", pastEvents: [], newMessages: requestsTo(original) },
      entityOpts(new Date(6000)),
    ))!;
    const e2 = await executeEntityWorkItem(
      { instanceId: "@counter@c", pastEvents: e1.newEvents, newMessages: requestsTo(rerun) },
      entityOpts(new Date(7000)),
    );
    const stateAfter = (events: HistoryEvent[]): SchedulerState =>
      SchedulerState.parse((events.find((e) => e.type === "ExecutionStarted") as { input: string }).input);
    // Nothing new happened: no step at all, or one that leaves the state at 11.
    const last = e2 ? e2.newEvents : e1.newEvents;
    expect(JSON.parse(stateAfter(last).state!)).toBe(11);

    // The orchestration goes on from the re-run's history: the response to its call, then the lock request,
    // whose predecessor is the re-run's call. The entity must grant it now, not buffer it.
    const response = e1.orchestratorMessages.find((m) => m.orchestrationInstance.instanceId === "o")!;
    expect(response).toBeDefined();
    const next = executeOrchestrationWorkItem(
      { instanceId: "o", pastEvents: rerun.newEvents, newMessages: [response] },
      orchestrationOpts(new Date(8000)),
    )!;
    const lockRequests = requestsTo(next);
    expect(lockRequests).toHaveLength(1);
    const e3 = (await executeEntityWorkItem(
      { instanceId: "@counter@c", pastEvents: last, newMessages: lockRequests },
      entityOpts(new Date(9000)),
    ))!;
    const granted = e3.orchestratorMessages.filter((m) => m.orchestrationInstance.instanceId === "o");
    expect(granted).toHaveLength(1);
    expect(stateAfter(e3.newEvents).lockedBy).toBe("o");
    expect(stateAfter(e3.newEvents).sorter.bufferedCount).toBe(0);
  });
});
