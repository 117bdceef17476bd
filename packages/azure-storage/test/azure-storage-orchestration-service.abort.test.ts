// The seam's renew/complete/abandon on Azure Storage take an `abortSignal`: aborted, they reject with
// AbortError and leave the work item as it was (still locked by its holder, nothing checkpointed, its
// messages not given back).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  newEvent,
  OrchestrationRuntimeState,
  TaskHubClient,
  type OrchestrationCommit,
  type TaskMessage,
} from "@taskhub/core";
import { rejectionName } from "@taskhub/core/testing";
import type { AzureStorageOrchestrationService } from "../src/index.js";
import { newService, nextOrchestrationWorkItem } from "./helpers.js";

describe("seam calls on Azure Storage with an abortSignal", () => {
  let service: AzureStorageOrchestrationService;
  const lockSignal = new AbortController();

  beforeAll(async () => {
    service = newService({ partitionCount: 1 });
    await service.createIfNotExists();
    await new TaskHubClient(service).scheduleNewOrchestration("O", 1, { instanceId: "seam" });
    await service.start();
  });
  afterAll(async () => {
    lockSignal.abort();
    await service.stop();
    await service.deleteTaskHub();
  });

  it("aborted renew, complete and abandon of orchestration and activity work items change nothing", async () => {
    const wi = await nextOrchestrationWorkItem(service, lockSignal.signal);
    expect(wi.instanceId).toBe("seam");
    const events = [newEvent("OrchestratorStarted", { timestamp: new Date() }), wi.newMessages[0]!.event];
    const scheduled = newEvent("TaskScheduled", {
      eventId: 0,
      timestamp: new Date(),
      name: "Act",
      input: "1",
    });
    const commit: OrchestrationCommit = {
      newEvents: [...events, scheduled],
      replacesHistory: false,
      state: new OrchestrationRuntimeState([...events, scheduled]).toInstanceRecord({}),
      activityMessages: [{ event: scheduled, orchestrationInstance: { instanceId: "seam" } }],
      orchestratorMessages: [],
      timerMessages: [],
    };
    const abortSignal = AbortSignal.abort();
    expect(await rejectionName(service.renewOrchestrationWorkItemLock(wi, { abortSignal }))).toBe(
      "AbortError",
    );
    expect(await rejectionName(service.completeOrchestrationWorkItem(wi, commit, { abortSignal }))).toBe(
      "AbortError",
    );
    expect(await rejectionName(service.abandonOrchestrationWorkItem(wi, { abortSignal }))).toBe("AbortError");
    expect(await service.getOrchestrationHistory("seam")).toEqual([]);
    // Still this worker's: renewing and completing work.
    await service.renewOrchestrationWorkItemLock(wi);
    await service.completeOrchestrationWorkItem(wi, commit);
    expect((await service.getOrchestrationHistory("seam")).map((e) => e.type)).toEqual([
      "OrchestratorStarted",
      "ExecutionStarted",
      "TaskScheduled",
    ]);

    const activity = (await service.lockNextActivityWorkItem({ abortSignal: lockSignal.signal }))!;
    expect(activity.message.event.type).toBe("TaskScheduled");
    const response: TaskMessage = {
      event: newEvent("TaskCompleted", { timestamp: new Date(), taskScheduledId: 0, result: "2" }),
      orchestrationInstance: {
        instanceId: "seam",
        executionId: wi.newMessages[0]!.orchestrationInstance.executionId,
      },
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
    const next = await nextOrchestrationWorkItem(service, lockSignal.signal);
    expect(next.newMessages.map((m) => m.event.type)).toEqual(["TaskCompleted"]);
    await service.abandonOrchestrationWorkItem(next);
  });
});
