// A sub-orchestration's execution id is derived from its creation (parent execution, task id, rewinds), so a
// parent step executed twice — its worker died between sending the child's start and writing its history —
// sends the same start, which the child drops as a duplicate instead of starting over (found by the chaos
// suite, issue 9). A rewind re-issues a failed child under a new id.
import { describe, expect, it } from "vitest";
import {
  executeOrchestrationWorkItem,
  newEvent,
  type HistoryEvent,
  type Orchestrator,
  type OrchestrationWorkItem,
  type TaskMessage,
} from "../../src/index.js";

const parent: Orchestrator = function* (ctx) {
  return (yield ctx.callSubOrchestrator("Child", 1)) as unknown;
};
const child: Orchestrator = (_ctx, n: number) => n + 1;
let ids = 0;
const opts = (now: Date) => ({
  resolveOrchestrator: (name: string) => (name === "Parent" ? parent : child),
  now,
  newExecutionId: () => `random${ids++}`,
});
const start = (instanceId: string, executionId: string): TaskMessage => ({
  event: newEvent("ExecutionStarted", {
    timestamp: new Date(0),
    orchestrationInstance: { instanceId, executionId },
    name: "Parent",
    version: "",
  }),
  orchestrationInstance: { instanceId, executionId },
});

function childStart(wi: OrchestrationWorkItem, now: Date): TaskMessage {
  const commit = executeOrchestrationWorkItem(wi, opts(now))!;
  const m = commit.orchestratorMessages.find((x) => x.event.type === "ExecutionStarted");
  expect(m).toBeDefined();
  return m!;
}

describe("sub-orchestration execution ids", () => {
  it("are the same when the parent's step runs again, and the child drops the second start", () => {
    const wi: OrchestrationWorkItem = { instanceId: "p", pastEvents: [], newMessages: [start("p", "e1")] };
    const a = childStart(wi, new Date(1000));
    const b = childStart(wi, new Date(2000));
    expect(a.orchestrationInstance.executionId).toBe(b.orchestrationInstance.executionId);
    expect(a.orchestrationInstance.executionId).toMatch(/^[0-9a-f]{32}$/);
    // The child ran the first start; the second arrives afterwards: nothing happens.
    const first = executeOrchestrationWorkItem(
      { instanceId: a.orchestrationInstance.instanceId, pastEvents: [], newMessages: [a] },
      opts(new Date(3000)),
    )!;
    expect(first.state.runtimeStatus).toBe("Completed");
    const again = executeOrchestrationWorkItem(
      { instanceId: a.orchestrationInstance.instanceId, pastEvents: first.newEvents, newMessages: [b] },
      opts(new Date(4000)),
    );
    expect(again).toBeUndefined();
  });

  it("differ between parent executions and after a rewind", () => {
    const a = childStart(
      { instanceId: "p", pastEvents: [], newMessages: [start("p", "e1")] },
      new Date(1000),
    );
    const other = childStart(
      { instanceId: "p", pastEvents: [], newMessages: [start("p", "e2")] },
      new Date(1000),
    );
    expect(other.orchestrationInstance.executionId).not.toBe(a.orchestrationInstance.executionId);
    // The child failed, the parent failed with it, and is rewound: the child is started again, under a new id.
    const first = executeOrchestrationWorkItem(
      { instanceId: "p", pastEvents: [], newMessages: [start("p", "e1")] },
      opts(new Date(1000)),
    )!;
    const failed = executeOrchestrationWorkItem(
      {
        instanceId: "p",
        pastEvents: first.newEvents,
        newMessages: [
          {
            event: newEvent("SubOrchestrationInstanceFailed", {
              timestamp: new Date(1500),
              taskScheduledId: 0,
              reason: "boom",
              failureDetails: { errorType: "Error", errorMessage: "boom" },
            }),
            orchestrationInstance: { instanceId: "p", executionId: "e1" },
          },
        ],
      },
      opts(new Date(2000)),
    )!;
    expect(failed.state.runtimeStatus).toBe("Failed");
    const history: HistoryEvent[] = [...first.newEvents, ...failed.newEvents];
    const rewound = executeOrchestrationWorkItem(
      {
        instanceId: "p",
        pastEvents: history,
        newMessages: [
          {
            event: newEvent("ExecutionRewound", { timestamp: new Date(3000), reason: "again" }),
            orchestrationInstance: { instanceId: "p", executionId: "e1" },
          },
        ],
      },
      opts(new Date(3000)),
    )!;
    const again = rewound.orchestratorMessages.find((m) => m.event.type === "ExecutionStarted")!;
    expect(again.orchestrationInstance.instanceId).toBe(a.orchestrationInstance.instanceId);
    expect(again.orchestrationInstance.executionId).not.toBe(a.orchestrationInstance.executionId);
  });
});
