// The provider's client verbs on Azurite: an `abortSignal` reaches the storage requests (an aborted one is
// never answered), an aborted wait ends at once and leaves nothing behind, and `maxPageSize` bounds the
// pages of a listing (the table query's page size).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueServiceClient } from "@azure/storage-queue";
import { TaskHubClient } from "@taskhub/core";
import { abortAfterFirstStateRead, rejectionName, watchLongTimers } from "@taskhub/core/testing";
import type { AzureStorageOrchestrationService } from "../src/index.js";
import { connectionString, newService } from "./helpers.js";

describe("client verbs on Azure Storage with an abortSignal", () => {
  let service: AzureStorageOrchestrationService;
  let client: TaskHubClient;

  beforeAll(async () => {
    service = newService();
    await service.createIfNotExists();
    client = new TaskHubClient(service);
    for (let i = 0; i < 5; i++)
      await client.scheduleNewOrchestration("Never", i, { instanceId: `page-${i}` });
  });
  afterAll(() => service.deleteTaskHub());

  it("each storage part passes the signal to its requests: an aborted signal gets the SDK's AbortError", async () => {
    const abortSignal = AbortSignal.abort();
    expect(await rejectionName(service.instances.get("page-0", { abortSignal }))).toBe("AbortError");
    expect(await rejectionName(service.instances.query({}, undefined, { abortSignal }))).toBe("AbortError");
    expect(await rejectionName(service.history.read("page-0", undefined, { abortSignal }))).toBe(
      "AbortError",
    );
    expect(await rejectionName(service.history.deleteAll("page-0", { abortSignal }))).toBe("AbortError");
    expect(await rejectionName(service.payloads.download("x", { abortSignal }))).toBe("AbortError");
    expect(await rejectionName(service.payloads.upload("x", "y", { abortSignal }))).toBe("AbortError");
    expect(await rejectionName(service.payloads.deleteByPrefix("x", { abortSignal }))).toBe("AbortError");
    expect(await rejectionName(service.instances.delete("page-0", { abortSignal }))).toBe("AbortError");
    expect((await service.getOrchestrationState("page-0"))?.runtimeStatus).toBe("Pending");
  });

  it("every client verb with an aborted signal rejects with AbortError and changes nothing", async () => {
    const abortSignal = AbortSignal.abort();
    const before = service.requestCounter.snapshot();
    const calls: [string, Promise<unknown>][] = [
      [
        "createTaskOrchestration",
        client.scheduleNewOrchestration("Never", 1, { instanceId: "x", abortSignal }),
      ],
      ["getOrchestrationState", service.getOrchestrationState("page-0", { abortSignal })],
      ["getOrchestrationHistory", service.getOrchestrationHistory("page-0", { abortSignal })],
      ["queryInstances", service.queryInstances({}, undefined, { abortSignal })],
      ["purgeInstance", service.purgeInstance("page-0", { abortSignal })],
      ["purgeInstances", service.purgeInstances({}, { abortSignal })],
      ["rewindTaskOrchestration", service.rewindTaskOrchestration("page-0", "r", { abortSignal })],
      ["raiseEvent", client.raiseEvent("page-0", "E", 1, { abortSignal })],
      ["terminateOrchestration", client.terminateOrchestration("page-0", { abortSignal })],
    ];
    for (const [name, p] of calls) expect(await rejectionName(p), name).toBe("AbortError");
    expect(service.requestCounter.diff(before).total).toBe(0);
    expect(await service.getOrchestrationState("x")).toBeUndefined();
  });

  it("an abort during waitForOrchestrationCompletion's pause rejects at once and leaves nothing behind", async () => {
    const aborting = abortAfterFirstStateRead(service);
    // Polls an hour apart: only the abort can end the pause before the test's own timeout.
    const waiting = new TaskHubClient(aborting.client, {
      minPollIntervalMs: 3_600_000,
      maxPollIntervalMs: 3_600_000,
    });
    const timers = watchLongTimers(3_600_000);
    const before = service.requestCounter.snapshot();
    let err: unknown;
    try {
      err = await waiting
        .waitForOrchestrationCompletion("page-0", { abortSignal: aborting.signal, timeoutMs: 7_200_000 })
        .catch((e: unknown) => e);
    } finally {
      timers.stop();
    }
    expect(err).toMatchObject({ name: "AbortError", code: "Aborted" });
    // The wait paused with an hour-long timer, and the abort cleared it.
    expect(timers.started()).toBeGreaterThan(0);
    expect(timers.pending()).toBe(0);
    // One read (the Instances row), nothing written; the control queues hold the five start messages only.
    expect(service.requestCounter.diff(before).total).toBe(1);
    const queues = QueueServiceClient.fromConnectionString(connectionString());
    let messages = 0;
    for (const q of service.names.controlQueues)
      messages += (await queues.getQueueClient(q).getProperties()).approximateMessagesCount ?? 0;
    expect(messages).toBe(5);
  });

  it("maxPageSize gives pages of at most N from the Instances table, every instance once", async () => {
    const sizes: number[] = [];
    const ids: string[] = [];
    for await (const page of client.listInstances({ instanceIdPrefix: "page-", maxPageSize: 2 }).byPage()) {
      sizes.push(page.items.length);
      ids.push(...page.items.map((s) => s.instanceId));
    }
    expect(sizes.every((n) => n <= 2)).toBe(true);
    expect(ids.sort()).toEqual(["page-0", "page-1", "page-2", "page-3", "page-4"]);
    const first = await service.queryInstances({ instanceIdPrefix: "page-", maxPageSize: 3 });
    expect(first.items).toHaveLength(3);
    expect(first.continuationToken).toBeDefined();
    const bySettings = client.listInstances({ instanceIdPrefix: "page-" }).byPage({ maxPageSize: 4 });
    expect((await bySettings.next()).value?.items).toHaveLength(4);
    await expect(service.queryInstances({ maxPageSize: 1001 })).rejects.toMatchObject({
      code: "InvalidArgument",
    });
  });
});
