// The entity step on hand-written work items: auto-start, the 3-event history, responses, dedupe, errors.
import { describe, expect, it } from "vitest";
import {
  SchedulerState,
  executeEntityWorkItem,
  newEvent,
  serializeRequest,
  type EntityExecuteOptions,
  type HistoryEvent,
  type OrchestrationWorkItem,
  type TaskMessage,
} from "../../src/index.js";

const now = new Date("2024-05-06T07:08:09.000Z");
let n = 0;
const discarded: string[] = [];
const opts: EntityExecuteOptions = {
  resolveEntity: (name) =>
    name === "counter"
      ? (ctx) => {
          const v = ctx.getState(() => 0) ?? 0;
          if (ctx.operationName === "add") ctx.setState(v + (ctx.getInput<number>() ?? 1));
          if (ctx.operationName === "boom") throw new Error("boom");
          if (ctx.operationName === "spawn")
            ctx.startNewOrchestration("Spawned", 1, { instanceId: "spawned" });
          return v;
        }
      : undefined,
  now,
  newExecutionId: () => `exec-${++n}`,
  newGuid: () => `guid-${++n}`,
  onDiscard: (_m, reason) => discarded.push(reason),
};

function request(op: string, id: string, extra: Record<string, unknown> = {}): TaskMessage {
  return {
    event: newEvent("EventRaised", {
      timestamp: now,
      name: "op",
      input: serializeRequest({ op, id, timestamp: 0n, predecessor: 0n, ...extra }),
    }),
    orchestrationInstance: { instanceId: "@counter@k" },
  };
}

function workItem(past: HistoryEvent[], messages: TaskMessage[], settled = true): OrchestrationWorkItem {
  return { instanceId: "@counter@k", pastEvents: past, newMessages: messages, previousStepSettled: settled };
}

describe("entity step", () => {
  it("starts a new entity and writes DTF's three-event history with the scheduler state as input", async () => {
    const commit = (await executeEntityWorkItem(
      workItem([], [request("add", "r1", { input: "5", signal: true })]),
      opts,
    ))!;
    expect(commit.replacesHistory).toBe(true);
    expect(commit.newEvents.map((e) => e.type)).toEqual([
      "OrchestratorStarted",
      "ExecutionStarted",
      "OrchestratorCompleted",
    ]);
    const start = commit.newEvents[1] as Extract<HistoryEvent, { type: "ExecutionStarted" }>;
    expect(start.name).toBe("@counter@k");
    expect(start.version).toBe("");
    expect(JSON.parse(start.input!)).toEqual({
      exists: true,
      state: "5",
      sorter: {},
      processed: [{ at: now.toISOString(), ids: ["r1"] }],
    });
    expect(commit.state.runtimeStatus).toBe("Running");
    expect(commit.state.serializedCustomStatus).toBe('{"entityExists":true}');
    expect(commit.orchestratorMessages).toEqual([]);
  });

  it("answers calls to their caller's execution, failures with the error, and rolls back only the failed one", async () => {
    const first = (await executeEntityWorkItem(
      workItem([], [request("add", "r1", { input: "5", signal: true })]),
      opts,
    ))!;
    const commit = (await executeEntityWorkItem(
      workItem(first.newEvents, [
        request("boom", "r2", { parent: "orch", parentExecution: "e9", timestamp: 4n }),
        request("add", "r3", {
          input: "2",
          parent: "orch",
          parentExecution: "e9",
          timestamp: 5n,
          predecessor: 4n,
        }),
      ]),
      opts,
    ))!;
    const responses = commit.orchestratorMessages.map((m) => ({
      to: m.orchestrationInstance,
      name: (m.event as { name: string }).name,
      body: JSON.parse((m.event as { input: string }).input),
    }));
    expect(responses[0]!.to).toEqual({ instanceId: "orch", executionId: "e9" });
    expect(responses[0]!.name).toBe("r2");
    expect(responses[0]!.body.exceptionType).toBe("Error");
    expect(responses[0]!.body.failureDetails.ErrorMessage).toBe("boom");
    expect(responses[1]!.body).toEqual({ result: "5" });
    expect(SchedulerState.parse((commit.newEvents[1] as { input: string }).input).state).toBe("7");
  });

  it("starts an orchestration as DTF Core 3.11 does: FireAndForget tag, the entity and its execution as parent", async () => {
    const first = (await executeEntityWorkItem(
      workItem([], [request("add", "r1", { input: "5", signal: true })]),
      opts,
    ))!;
    const entityExecution = (first.newEvents[1] as Extract<HistoryEvent, { type: "ExecutionStarted" }>)
      .orchestrationInstance;
    const commit = (await executeEntityWorkItem(
      workItem(first.newEvents, [request("spawn", "r2", { signal: true })]),
      opts,
    ))!;
    const start = commit.orchestratorMessages.find((m) => m.event.type === "ExecutionStarted")!
      .event as Extract<HistoryEvent, { type: "ExecutionStarted" }>;
    expect(start.orchestrationInstance.instanceId).toBe("spawned");
    expect(start.tags).toEqual({ FireAndForget: "" });
    expect(start.parentInstance).toEqual({
      name: "@counter@k",
      version: "",
      orchestrationInstance: { instanceId: "@counter@k", executionId: entityExecution.executionId },
      taskScheduleId: 0,
    });
    // A new entity's first batch has no execution before it: the one this batch writes stands in.
    const fresh = (await executeEntityWorkItem(
      workItem([], [request("spawn", "r3", { signal: true })]),
      opts,
    ))!;
    const freshStart = fresh.orchestratorMessages.find((m) => m.event.type === "ExecutionStarted")!
      .event as Extract<HistoryEvent, { type: "ExecutionStarted" }>;
    const written = (fresh.newEvents[1] as Extract<HistoryEvent, { type: "ExecutionStarted" }>)
      .orchestrationInstance;
    expect(freshStart.parentInstance?.orchestrationInstance).toEqual(written);
  });

  it("drops a redelivered request whose id it recorded, unless the backend vouches the step settled", async () => {
    const first = (await executeEntityWorkItem(
      workItem([], [request("add", "r1", { signal: true })]),
      opts,
    ))!;
    discarded.length = 0;
    expect(
      await executeEntityWorkItem(
        workItem(first.newEvents, [request("add", "r1", { signal: true })], false),
        opts,
      ),
    ).toBeUndefined();
    expect(discarded).toEqual(["duplicate request r1"]);
    // Settled: the record of the earlier batch is dropped; only this batch's ids are kept.
    const next = (await executeEntityWorkItem(
      workItem(first.newEvents, [request("add", "r5", { signal: true })], true),
      opts,
    ))!;
    expect(
      SchedulerState.parse((next.newEvents[1] as { input: string }).input).processed.map((p) => p.ids),
    ).toEqual([["r5"]]);
  });

  it("a settled step vouches only for its own record: an older one (a dead worker's step) keeps its redeliveries out", async () => {
    const at = (ms: number): Date => new Date(now.getTime() - ms);
    // Step 1 by a worker that died before deleting its messages; step 2 by the survivor (not settled).
    const dead = (await executeEntityWorkItem(workItem([], [request("add", "r1", { signal: true })]), {
      ...opts,
      now: at(2000),
    }))!;
    const survivor = (await executeEntityWorkItem(
      workItem(dead.newEvents, [request("add", "r2", { signal: true })], false),
      { ...opts, now: at(1000) },
    ))!;
    // Step 3 on the survivor, whose step 2 settled; r1 comes back in the same batch as r3.
    discarded.length = 0;
    const third = (await executeEntityWorkItem(
      workItem(
        survivor.newEvents,
        [request("add", "r1", { signal: true }), request("add", "r3", { signal: true })],
        true,
      ),
      opts,
    ))!;
    expect(discarded).toEqual(["duplicate request r1"]);
    const state = SchedulerState.parse((third.newEvents[1] as { input: string }).input);
    expect(state.state).toBe("3");
    expect(state.processed.map((p) => p.ids)).toEqual([["r1"], ["r3"]]);
  });

  it("discards what is not an entity message and malformed requests, with reasons", async () => {
    discarded.length = 0;
    const bad: TaskMessage = {
      event: newEvent("EventRaised", { timestamp: now, name: "op", input: "{oops" }),
      orchestrationInstance: { instanceId: "@counter@k" },
    };
    const other: TaskMessage = {
      event: newEvent("EventRaised", { timestamp: now, name: "approval" }),
      orchestrationInstance: { instanceId: "@counter@k" },
    };
    expect(await executeEntityWorkItem(workItem([], [bad, other]), opts)).toBeUndefined();
    expect(discarded[0]).toMatch(/malformed entity request/);
    expect(discarded[1]).toMatch(/'approval' is not an entity message/);
  });

  it("throws EntityNotRegistered for an unknown entity so the message is retried, then quarantined", async () => {
    const wi: OrchestrationWorkItem = {
      instanceId: "@nobody@k",
      pastEvents: [],
      newMessages: [{ ...request("add", "r1"), orchestrationInstance: { instanceId: "@nobody@k" } }],
    };
    await expect(executeEntityWorkItem(wi, opts)).rejects.toMatchObject({ code: "EntityNotRegistered" });
  });

  it("grants a lock, forwards multi-entity lock requests, and queues others until release", async () => {
    const lock = request("", "L1", {
      op: undefined,
      parent: "orch",
      parentExecution: "e1",
      lockset: [
        { name: "counter", key: "k" },
        { name: "counter", key: "z" },
      ],
      timestamp: 10n,
    });
    const c1 = (await executeEntityWorkItem(workItem([], [lock]), opts))!;
    const fwd = c1.orchestratorMessages[0]!;
    expect(fwd.orchestrationInstance.instanceId).toBe("@counter@z");
    expect(JSON.parse((fwd.event as { input: string }).input)).toMatchObject({
      id: "L1",
      pos: 1,
      IsLockRequest: true,
    });
    expect(c1.state.serializedCustomStatus).toBe('{"lockedBy":"orch"}');
    const c2 = (await executeEntityWorkItem(
      workItem(c1.newEvents, [request("add", "r7", { signal: true })]),
      opts,
    ))!;
    expect(c2.state.serializedCustomStatus).toBe('{"queueSize":1,"lockedBy":"orch"}');
    const release: TaskMessage = {
      event: newEvent("EventRaised", {
        timestamp: now,
        name: "release",
        input: '{"parent":"orch","id":"L1"}',
      }),
      orchestrationInstance: { instanceId: "@counter@k" },
    };
    const c3 = (await executeEntityWorkItem(workItem(c2.newEvents, [release]), opts))!;
    expect(c3.state.serializedCustomStatus).toBe('{"entityExists":true}');
  });
});
