// The facade's client verbs that take options take an `abortSignal` too (taskhub's addition to v3's options).
import { describe, expect, it } from "vitest";
import { TaskHubClient } from "@taskhub/core";
import { abortAfterFirstStateRead, InMemoryOrchestrationService } from "@taskhub/core/testing";
import { DurableClient } from "../../src/index.js";

describe("DurableClient with an abortSignal", () => {
  it("startNew and getStatus with an aborted signal reject with AbortError; nothing is started", async () => {
    const service = new InMemoryOrchestrationService();
    const client = new DurableClient(new TaskHubClient(service), { taskHubName: "Hub" });
    const abortSignal = AbortSignal.abort();
    await expect(client.startNew("Any", { instanceId: "s", abortSignal })).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(service.instanceIds()).toEqual([]);
    await client.startNew("Any", { instanceId: "s" });
    await expect(client.getStatus("s", { abortSignal })).rejects.toMatchObject({ name: "AbortError" });
  });

  it("an abort ends waitForCompletionOrCreateCheckStatusResponse during its pause", async () => {
    const service = new InMemoryOrchestrationService();
    const aborting = abortAfterFirstStateRead(service);
    const client = new DurableClient(new TaskHubClient(aborting.client), { taskHubName: "Hub" });
    await client.startNew("Never", { instanceId: "w" });
    // Polls an hour apart: only the abort can end the pause before the test's own timeout.
    const err = await client
      .waitForCompletionOrCreateCheckStatusResponse(undefined, "w", {
        timeoutInMilliseconds: 7_200_000,
        retryIntervalInMilliseconds: 3_600_000,
        abortSignal: aborting.signal,
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "AbortError" });
  });
});
