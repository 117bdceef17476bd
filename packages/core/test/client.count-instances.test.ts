// countInstancesByStatus on a backend that can list but has no count of its own: the client counts the pages,
// with the same filter and the same answer as a backend that counts.
import { describe, expect, it } from "vitest";
import { TaskHubClient, TaskHubWorker, type OrchestrationServiceClient } from "../src/index.js";
import { InMemoryOrchestrationService } from "../src/testing/index.js";

/** The service's client side with `queryInstances` but without `countInstancesByStatus`. */
function listingOnly(service: InMemoryOrchestrationService): OrchestrationServiceClient & {
  queryInstances: InMemoryOrchestrationService["queryInstances"];
} {
  return {
    createTaskOrchestration: (m, o) => service.createTaskOrchestration(m, o),
    sendTaskOrchestrationMessage: (m, o) => service.sendTaskOrchestrationMessage(m, o),
    getOrchestrationState: (id, o) => service.getOrchestrationState(id, o),
    getOrchestrationHistory: (id, o) => service.getOrchestrationHistory(id, o),
    queryInstances: (q, t, o) => service.queryInstances(q, t, o),
  };
}

describe("countInstancesByStatus", () => {
  it("counts listed pages when the backend has no count, as the backend's own count does", async () => {
    const service = new InMemoryOrchestrationService();
    const worker = new TaskHubWorker(service);
    worker.addOrchestrator("Done", () => "done");
    worker.addOrchestrator("Waits", function* (ctx) {
      ctx.setCustomStatus("waiting for approval");
      yield ctx.waitForExternalEvent("go");
    });
    worker.addEntity("counter", (ctx) => ctx.setState(1));
    await worker.start();
    const counting = new TaskHubClient(service);
    const listing = new TaskHubClient(listingOnly(service));
    try {
      for (let i = 0; i < 1203; i++)
        await counting.scheduleNewOrchestration("Done", null, { instanceId: `d${i}` });
      await counting.scheduleNewOrchestration("Waits", null, { instanceId: "w" });
      await counting.signalEntity("@counter@x", "set");
      for (const id of ["d1202", "w"]) await counting.waitForOrchestrationStart(id);
      await counting.waitForOrchestrationCompletion("d1202");
      while ((await counting.getOrchestrationState("w"))?.customStatus === undefined)
        await new Promise((r) => setTimeout(r, 10));
      while ((await counting.getEntity("@counter@x")) === undefined)
        await new Promise((r) => setTimeout(r, 10));
      while ((await counting.countInstancesByStatus({ statuses: ["Completed"] })).total < 1203)
        await new Promise((r) => setTimeout(r, 10));

      for (const filter of [
        {},
        { customStatusContains: "APPROVAL" },
        { names: ["Done"], instanceIdPrefix: "d12" },
      ]) {
        const own = await counting.countInstancesByStatus(filter);
        expect(await listing.countInstancesByStatus(filter), JSON.stringify(filter)).toEqual(own);
      }
      const all = await listing.countInstancesByStatus();
      expect(all.total).toBe(1204);
      expect(all.byStatus).toMatchObject({ Completed: 1203, Running: 1, Pending: 0 });
      expect((await listing.countInstancesByStatus({ customStatusContains: "approval" })).total).toBe(1);
      await expect(listing.countInstancesByStatus({ statuses: ["Nope" as never] })).rejects.toMatchObject({
        code: "InvalidArgument",
      });
    } finally {
      await worker.stop();
    }
  });
});
