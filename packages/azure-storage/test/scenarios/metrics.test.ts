// The provider's metrics on Azurite (docs/tracing.md, "Metrics"): storage requests (the same attempts the
// request counters count), message age per queue, partitions owned, lease acquisitions and losses, poison
// messages.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { QueueServiceClient } from "@azure/storage-queue";
import { TableClient } from "@azure/data-tables";
import { Metric, MetricAttr, TaskHubClient, TaskHubWorker } from "@taskhub/core";
import type { AzureStorageOrchestrationService } from "../../src/index.js";
import { connectionString, newService } from "../helpers.js";
import { installMetricCapture, type MetricCapture } from "@taskhub/core/testing/metric-capture";

let capture: MetricCapture;
const cleanups: (() => Promise<void>)[] = [];
beforeEach(() => {
  capture = installMetricCapture();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await capture.uninstall();
});

async function startHub(service: AzureStorageOrchestrationService): Promise<TaskHubClient> {
  const worker = new TaskHubWorker(service);
  worker.addActivity("Hello", (_ctx, n: string) => `Hello ${n}`);
  worker.addOrchestrator("Chain", function* (ctx) {
    for (const n of ["a", "b"]) yield ctx.callActivity("Hello", n);
    return "done";
  });
  cleanups.push(() => service.deleteTaskHub());
  await worker.start();
  cleanups.push(() => worker.stop({ drainTimeoutMs: 5000 }));
  return new TaskHubClient(service, { minPollIntervalMs: 50 });
}

describe("provider metrics", () => {
  it("storage requests as the request counters count them, message age per queue, partitions and leases", async () => {
    const service = newService({
      partitionCount: 2,
      localActivityDispatch: false,
      localActivityResults: false,
    });
    const client = await startHub(service);
    const id = await client.scheduleNewOrchestration("Chain");
    await client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 });

    expect(await capture.sum(Metric.partitionsOwned, { [MetricAttr.workerId]: service.workerId })).toBe(2);
    const ownership = { [MetricAttr.leaseKind]: "ownership", [MetricAttr.workerId]: service.workerId };
    expect(await capture.sum(Metric.leaseAcquired, ownership)).toBe(2);
    expect(await capture.sum(Metric.leaseLost)).toBe(0);

    // Dequeued: the start message and two results on the instance's control queue, two activity messages.
    let control = 0;
    for (const q of service.names.controlQueues)
      control += await capture.count(Metric.messageAge, { [MetricAttr.queueName]: q });
    expect(control).toBeGreaterThanOrEqual(3);
    expect(
      await capture.count(Metric.messageAge, { [MetricAttr.queueName]: service.names.workItemQueue }),
    ).toBe(2);

    await cleanups.pop()!(); // stop the worker: every request it makes is sent by then
    const counted = service.requestCounter.snapshot().total + service.leaseRequestCounter.snapshot().total;
    expect(await capture.sum(Metric.storageRequests)).toBe(counted);
    expect(await capture.count(Metric.storageRequestDuration)).toBe(counted);
    const ops = (await capture.attributeSets(Metric.storageRequests)).map(
      (a) => `${a[MetricAttr.storageService]}.${a[MetricAttr.storageOperation]}`,
    );
    expect(ops).toEqual(expect.arrayContaining(["queue.PutMessage", "queue.GetMessages", "table.Batch"]));
    // Stopping released both partitions.
    expect(await capture.sum(Metric.partitionsOwned, { [MetricAttr.workerId]: service.workerId })).toBe(0);
  });

  it("counts failed storage requests by error type", async () => {
    const service = newService();
    cleanups.push(() => service.deleteTaskHub());
    await service.createIfNotExists();
    // Reading an instance that does not exist: a point read answered 404.
    await expect(service.getOrchestrationState("no-such-instance")).resolves.toBeUndefined();
    const failed = (await capture.attributeSets(Metric.storageRequests)).filter(
      (a) => a[MetricAttr.errorType] !== undefined,
    );
    expect(failed).toContainEqual({
      [MetricAttr.storageService]: "table",
      [MetricAttr.storageOperation]: "QueryEntities",
      [MetricAttr.errorType]: "404",
    });
  });

  it("a partition taken by another worker counts as a lease lost", async () => {
    const service = newService({
      partitionCount: 1,
      tableLease: { leaseIntervalMs: 2000, acquireIntervalMs: 100 },
    });
    await startHub(service);
    await vi.waitFor(async () => expect(await capture.sum(Metric.partitionsOwned)).toBe(1), {
      timeout: 20_000,
      interval: 100,
    });
    const table = TableClient.fromConnectionString(connectionString(), service.names.partitionsTable, {
      allowInsecureConnection: true,
    });
    const queue = service.names.controlQueues[0]!;
    await table.updateEntity(
      {
        partitionKey: "",
        rowKey: queue,
        CurrentOwner: "intruder",
        ExpiresAt: new Date(Date.now() + 60_000),
      },
      "Merge",
    );
    await vi.waitFor(
      async () =>
        expect(
          await capture.sum(Metric.leaseLost, {
            [MetricAttr.partition]: queue,
            [MetricAttr.workerId]: service.workerId,
          }),
        ).toBe(1),
      { timeout: 20_000, interval: 100 },
    );
    expect(await capture.sum(Metric.partitionsOwned)).toBe(0);
  });

  it("counts messages moved to the poison store by queue", async () => {
    const service = newService({ maxDequeueCount: 1, maxPollingIntervalMs: 100 });
    await startHub(service);
    const control = QueueServiceClient.fromConnectionString(connectionString()).getQueueClient(
      service.names.controlQueues[0]!,
    );
    await control.sendMessage("this is not json", { messageTimeToLive: -1 });
    await vi.waitFor(
      async () =>
        expect(
          await capture.sum(Metric.poisonMessages, {
            [MetricAttr.queueName]: service.names.controlQueues[0]!,
          }),
        ).toBe(1),
      { timeout: 30_000, interval: 100 },
    );
  });
});
