// waitForCompletionOrCreateCheckStatusResponse polls like the client's waits: an abort ends it at once.
import { describe, expect, it } from "vitest";
import { TaskHubClient } from "../../src/index.js";
import { waitForCompletionOrCreateCheckStatusResponse } from "../../src/management/index.js";
import { abortAfterFirstStateRead, InMemoryOrchestrationService } from "../../src/testing/index.js";

describe("waitForCompletionOrCreateCheckStatusResponse with an abortSignal", () => {
  it("an abort during its pause between polls rejects with AbortError at once", async () => {
    const service = new InMemoryOrchestrationService();
    const aborting = abortAfterFirstStateRead(service);
    const client = new TaskHubClient(aborting.client);
    await client.scheduleNewOrchestration("Never", 1, { instanceId: "w" });
    // Polls an hour apart: only the abort can end the pause before the test's own timeout.
    const err = await waitForCompletionOrCreateCheckStatusResponse(undefined, client, "w", {
      origin: "http://localhost",
      taskHubName: "hub",
      timeoutMs: 7_200_000,
      retryIntervalMs: 3_600_000,
      abortSignal: aborting.signal,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "AbortError" });
  });
});
