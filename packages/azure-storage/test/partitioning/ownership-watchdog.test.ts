// The DTF bug "partition owned but never polled" cannot persist: the watchdog notices and repairs it.
import { describe, expect, it } from "vitest";
import { TaskHubClient, TaskHubWorker } from "@taskhub/core";
import { RecordingLogger } from "@taskhub/core/testing";
import type { PartitionListener, PartitionManager } from "../../src/index.js";
import { newService } from "../helpers.js";

/** Owns every partition but tells the provider about none of them: the state the watchdog must repair. */
class ForgetfulManager implements PartitionManager {
  constructor(private readonly n: number) {}
  async start(_listener: PartitionListener): Promise<void> {}
  async stop(): Promise<void> {}
  ownedPartitions(): readonly number[] {
    return Array.from({ length: this.n }, (_, i) => i);
  }
}

describe("ownership watchdog", () => {
  it("starts polling partitions that are owned but not polled, and stops polling ones not owned", async () => {
    const logger = new RecordingLogger();
    const service = newService({ partitionManagement: new ForgetfulManager(4), logger });
    const worker = new TaskHubWorker(service);
    worker.addOrchestrator("Hi", () => "hi");
    await worker.start();
    try {
      expect(service.polledPartitions()).toEqual([]);
      expect(service.checkOwnership().repaired).toEqual([0, 1, 2, 3]);
      expect(service.polledPartitions()).toEqual([0, 1, 2, 3]);
      const context = { workerId: service.workerId, taskHub: service.names.hub };
      expect(logger.events("partition.ownedNotPolled")).toEqual(
        [0, 1, 2, 3].map((partition) => ({ ...context, partition })),
      );
      expect(logger.events("service.started")).toEqual([{ ...context, partitions: [0, 1, 2, 3] }]);
      expect(service.checkOwnership().repaired).toEqual([]);
      const client = new TaskHubClient(service);
      const id = await client.scheduleNewOrchestration("Hi");
      expect((await client.waitForOrchestrationCompletion(id, { timeoutMs: 20_000 })).output).toBe("hi");
    } finally {
      await worker.stop();
      await service.deleteTaskHub();
    }
  });

  it("runs by itself every few seconds", async () => {
    const service = newService({ partitionManagement: new ForgetfulManager(2), partitionCount: 2 });
    await service.start();
    try {
      const deadline = Date.now() + 10_000;
      while (service.polledPartitions().length < 2 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(service.polledPartitions()).toEqual([0, 1]);
    } finally {
      await service.stop();
      await service.deleteTaskHub();
    }
  });
});
