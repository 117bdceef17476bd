// Storage requests per minute of one idle worker with each partition manager (DTF's default timings and
// DF's 30 s maximum polling interval), split queue / table / blob / lease. Measured over 60 s once idle: after
// IDLE_AFTER_MS, when every control queue's back-off (growing by pollingBackoffFactor, 1.25, from 50 ms) has reached
// its 30 s maximum (about 150 s). The file runs beside the rest of the e2e suite (scripts/test.mjs), so the wait
// costs no wall time.
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
const IDLE_AFTER_MS = 160_000;

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
      await new Promise((r) => setTimeout(r, IDLE_AFTER_MS)); // ownership settles, polling backs off to its maximum
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
    }, 330_000);
  }

  // Beside another worker, a worker polls the shared work-item queue every idleWorkItemPollingIntervalMs
  // (2 s) whatever its back-off, so that activities another worker cannot start reach it: the most a worker
  // pays for that, with the default 4 partitions split 2/2 (the most any worker holds beside another).
  it("each of two idle workers with the table manager", async () => {
    const hub = `idlepair${Date.now().toString(36)}`;
    const services = [0, 1].map(
      () =>
        new AzureStorageOrchestrationService({
          taskHubName: hub,
          storage: { connectionString: azurite.connectionString },
          partitionManagement: "table",
        }),
    );
    const workers = services.map((service) => {
      const worker = new TaskHubWorker(service);
      worker.addOrchestrator("Noop", () => 1);
      return worker;
    });
    for (const w of workers) await w.start();
    await new Promise((r) => setTimeout(r, IDLE_AFTER_MS)); // the partitions split 2/2, polling backs off
    const before = services.map((s) => [s.requestCounter.snapshot(), s.leaseRequestCounter.snapshot()]);
    await new Promise((r) => setTimeout(r, MEASURE_MS));
    const perMin = services.map((s, i) => {
      const d = RequestCounter.diff(before[i]![0]!, s.requestCounter.snapshot());
      const lease = RequestCounter.diff(before[i]![1]!, s.leaseRequestCounter.snapshot());
      return {
        owned: s.ownedPartitions().length,
        queue: Math.round(((d.byService.queue ?? 0) * 60_000) / MEASURE_MS),
        all: Math.round(((d.total + lease.total) * 60_000) / MEASURE_MS),
      };
    });
    for (const w of workers) await w.stop();
    await services[0]!.deleteTaskHub();
    console.log(
      `two idle workers, table manager, requests per minute: ${perMin
        .map((p) => `${p.owned} partitions: queue ${p.queue}, all ${p.all}`)
        .join("; ")}`,
    );
    expect(perMin.map((p) => p.owned).sort()).toEqual([2, 2]);
    for (const p of perMin) expect(p.all).toBeLessThanOrEqual(60);
  }, 330_000);
});
