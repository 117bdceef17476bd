// A bulk operation survives its worker's crash (issue 22): a bulk raise-event on worker process a, which is
// killed (SIGKILL) after the first page, while the bulk operation waits for its next page; worker b takes over
// and finishes it. Every target receives exactly one event (none skipped, none repeated), the progress counts
// each target once, and the bulk operation is not its own target.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { newHub, type Hub } from "./worker-hub.js";

let azurite: AzuriteInstance;
let h: Hub | undefined;

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  for (const w of h?.workers ?? []) if (w.exitedAt === undefined) w.kill("SIGKILL");
  await azurite?.stop();
});

describe("bulk operation across a worker crash", () => {
  it("a worker killed mid-bulk: another finishes it, each target gets one event", async () => {
    h = newHub(azurite.connectionString, {
      partitions: 2,
      env: { TASKHUB_VISIBILITY_MS: "4000", TASKHUB_LEASE_MS: "4000" },
    });
    const hub = h;
    const a = await hub.start("a");
    const targets = Array.from({ length: 8 }, (_, i) => `bulk-target-${i}`);
    for (const id of targets)
      await hub.client.scheduleNewOrchestration("CountEvents", null, { instanceId: id });
    for (const id of targets) await hub.client.waitForOrchestrationStart(id, { timeoutMs: 60_000 });

    // Two pages of four; between them the bulk operation waits on a durable timer: worker a dies there.
    const bulkId = await hub.client.startBulkOperation({
      verb: "raise-event",
      filter: { instanceIdPrefix: "bulk-target-", statuses: ["Running"] },
      eventName: "echo",
      eventData: "once",
      pageSize: 4,
      pageDelayMs: 6000,
    });
    let atKill = await hub.client.getBulkOperation(bulkId);
    while ((atKill?.done ?? 0) < 4) {
      await new Promise((r) => setTimeout(r, 50));
      atKill = await hub.client.getBulkOperation(bulkId);
    }
    a.kill("SIGKILL");
    await a.exited(30_000);
    expect(atKill!.done).toBeLessThan(8);

    await hub.start("b");
    const s = await hub.client.waitForOrchestrationCompletion(bulkId, { timeoutMs: 120_000 });
    expect(s.runtimeStatus).toBe("Completed");
    expect(s.output).toMatchObject({ phase: "completed", matched: 8, done: 8, failed: 0, errors: [] });
    // Each target counts the events it got before the "stop" sent now: exactly one (a repeat would make it 2).
    for (const id of targets) await hub.client.raiseEvent(id, "echo", "stop");
    for (const id of targets) {
      const t = await hub.client.waitForOrchestrationCompletion(id, { timeoutMs: 60_000 });
      expect(t.output, id).toBe(1);
    }
    console.log(
      `bulk-crash: worker a killed at ${atKill!.done}/8 done (page ${atKill!.pages}); worker b finished the bulk operation`,
    );
  }, 180_000);
});
