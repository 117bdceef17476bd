// Storage requests per minute of one idle worker with each partition manager (DTF's default timings and
// DF's 30 s maximum polling interval), split queue / table / blob / lease. Measured over 60 s after a warm-up.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskHubWorker } from "@taskhub/core";
import { AzureStorageOrchestrationService, RequestCounter } from "@taskhub/azure-storage";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";

let azurite: AzuriteInstance;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite.stop();
});

const MEASURE_MS = 60_000;

// The two managers run side by side on one Azurite (separate task hubs), halving the wall time.
describe.concurrent("idle cost", () => {
  for (const management of ["blob", "table"] as const) {
    it(`one idle worker with the ${management} manager`, async () => {
      const service = new AzureStorageOrchestrationService({
        taskHubName: `idle${management}${Date.now().toString(36)}`,
        storage: { connectionString: azurite.connectionString },
        partitionManagement: management,
      });
      const worker = new TaskHubWorker(service);
      worker.addOrchestrator("Noop", () => 1);
      await worker.start();
      await new Promise((r) => setTimeout(r, 35_000)); // ownership settles, polling backs off to its maximum
      const before = service.requestCounter.snapshot();
      const leaseBefore = service.leaseRequestCounter.snapshot();
      await new Promise((r) => setTimeout(r, MEASURE_MS));
      const d = RequestCounter.diff(before, service.requestCounter.snapshot());
      const lease = RequestCounter.diff(leaseBefore, service.leaseRequestCounter.snapshot());
      await worker.stop();
      await service.deleteTaskHub();
      const perMin = (n: number | undefined): number => Math.round(((n ?? 0) * 60_000) / MEASURE_MS);
      console.log(
        `idle worker, ${management} manager, requests per minute: queue ${perMin(d.byService.queue)}, table ${perMin(d.byService.table)}, ` +
          `blob ${perMin(d.byService.blob)}, lease ${perMin(lease.total)} (${JSON.stringify(lease.byOperation)})`,
      );
      expect(service.ownedPartitions()).toHaveLength(0);
      // 5 queues polled at most every 30 s (±20%) once backed off: about 10-13 a minute.
      expect(perMin(d.byService.queue)).toBeLessThanOrEqual(40);
      expect(lease.total).toBeGreaterThan(0);
    }, 180_000);
  }
});
