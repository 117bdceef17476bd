// The seam's renew/complete/abandon take an `abortSignal`: aborted, they reject with AbortError and leave the
// work item as it was (still locked by its holder, its messages not consumed).
import { describe, expect, it } from "vitest";
import { newEvent, OrchestrationRuntimeState, TaskHubClient, type TaskMessage } from "../../src/index.js";
import { InMemoryOrchestrationService, rejectionName } from "../../src/testing/index.js";

describe("in-memory seam calls with an abortSignal", () => {
  it("aborted renew, complete and abandon of an orchestration work item change nothing", async () => {
    const service = new InMemoryOrchestrationService();
    await new TaskHubClient(service).scheduleNewOrchestration("O", 1, { instanceId: "o" });
    const wi = (await service.lockNextOrchestrationWorkItem({ abortSignal: new AbortController().signal }))!;
    const abortSignal = AbortSignal.abort();
    const start = wi.newMessages[0]!.event;
    const events = [newEvent("OrchestratorStarted", { timestamp: new Date() }), start];
    const commit = {
      newEvents: events,
      replacesHistory: false,
      state: new OrchestrationRuntimeState(events).toInstanceRecord({}),
      activityMessages: [],
      orchestratorMessages: [],
      timerMessages: [],
    };
    expect(await rejectionName(service.renewOrchestrationWorkItemLock(wi, { abortSignal }))).toBe(
      "AbortError",
    );
    expect(await rejectionName(service.completeOrchestrationWorkItem(wi, commit, { abortSignal }))).toBe(
      "AbortError",
    );
    expect(await rejectionName(service.abandonOrchestrationWorkItem(wi, { abortSignal }))).toBe("AbortError");
    expect(await service.getOrchestrationHistory("o")).toEqual([]);
    // Still held by this work item: renewing and completing work.
    await service.renewOrchestrationWorkItemLock(wi);
    await service.completeOrchestrationWorkItem(wi, commit);
    expect((await service.getOrchestrationHistory("o")).map((e) => e.type)).toEqual([
      "OrchestratorStarted",
      "ExecutionStarted",
    ]);
  });

  it("aborted renew, complete and abandon of an activity work item change nothing", async () => {
    const service = new InMemoryOrchestrationService();
    await new TaskHubClient(service).scheduleNewOrchestration("O", 1, { instanceId: "a" });
    const wi = (await service.lockNextOrchestrationWorkItem({ abortSignal: new AbortController().signal }))!;
    const events = [newEvent("OrchestratorStarted", { timestamp: new Date() }), wi.newMessages[0]!.event];
    const scheduled = newEvent("TaskScheduled", {
      eventId: 0,
      timestamp: new Date(),
      name: "Act",
      input: "1",
    });
    await service.completeOrchestrationWorkItem(wi, {
      newEvents: [...events, scheduled],
      replacesHistory: false,
      state: new OrchestrationRuntimeState(events).toInstanceRecord({}),
      activityMessages: [{ event: scheduled, orchestrationInstance: { instanceId: "a" } }],
      orchestratorMessages: [],
      timerMessages: [],
    });
    const activity = (await service.lockNextActivityWorkItem({ abortSignal: new AbortController().signal }))!;
    const abortSignal = AbortSignal.abort();
    const response: TaskMessage = {
      event: newEvent("TaskCompleted", { timestamp: new Date(), taskScheduledId: 0, result: "2" }),
      orchestrationInstance: { instanceId: "a" },
    };
    expect(await rejectionName(service.renewActivityWorkItemLock(activity, { abortSignal }))).toBe(
      "AbortError",
    );
    expect(await rejectionName(service.completeActivityWorkItem(activity, response, { abortSignal }))).toBe(
      "AbortError",
    );
    expect(await rejectionName(service.abandonActivityWorkItem(activity, { abortSignal }))).toBe(
      "AbortError",
    );
    // Not completed (no result sent), not given back: still this worker's to renew and complete.
    await service.renewActivityWorkItemLock(activity);
    await service.completeActivityWorkItem(activity, response);
    const next = (await service.lockNextOrchestrationWorkItem({
      abortSignal: new AbortController().signal,
    }))!;
    expect(next.newMessages.map((m) => m.event.type)).toEqual(["TaskCompleted"]);
  });
});
