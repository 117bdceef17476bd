// waitForCompletionOrCreateCheckStatusResponse polls like the client's waits: an abort ends it at once.
import { describe, expect, it } from "vitest";
import { TaskHubClient, type GetInstanceOptions, type OrchestrationServiceClient } from "../../src/index.js";
import { waitForCompletionOrCreateCheckStatusResponse } from "../../src/management/index.js";
import { InMemoryOrchestrationService } from "../../src/testing/index.js";

describe("waitForCompletionOrCreateCheckStatusResponse with an abortSignal", () => {
  it("an abort during its pause between polls rejects with AbortError at once", async () => {
    const service = new InMemoryOrchestrationService();
    const controller = new AbortController();
    const observed: OrchestrationServiceClient = {
      createTaskOrchestration: (m, o) => service.createTaskOrchestration(m, o),
      sendTaskOrchestrationMessage: (m, o) => service.sendTaskOrchestrationMessage(m, o),
      getOrchestrationHistory: (id, o) => service.getOrchestrationHistory(id, o),
      async getOrchestrationState(id: string, o?: GetInstanceOptions) {
        const r = await service.getOrchestrationState(id, o);
        setImmediate(() => controller.abort());
        return r;
      },
    };
    const client = new TaskHubClient(observed);
    await client.scheduleNewOrchestration("Never", 1, { instanceId: "w" });
    // Polls an hour apart: only the abort can end the pause before the test's own timeout.
    const err = await waitForCompletionOrCreateCheckStatusResponse(undefined, client, "w", {
      origin: "http://localhost",
      taskHubName: "hub",
      timeoutMs: 7_200_000,
      retryIntervalMs: 3_600_000,
      abortSignal: controller.signal,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "AbortError" });
  });
});
