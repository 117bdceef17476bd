// Entities across real worker processes on a real Azurite: exactly-once signals when a worker is killed
// mid-stream, and balance conservation under concurrent locked transfers (issue 6).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TaskHubClient } from "@taskhub/core";
import { AzureStorageOrchestrationService, partitionIndex } from "@taskhub/azure-storage";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { waitFor, WorkerProcess } from "./workers.js";

let azurite: AzuriteInstance;
const running: WorkerProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), "taskhub-e2e-entities-"));

beforeAll(async () => {
  azurite = await startAzurite();
});
afterEach(async () => {
  for (const w of running.splice(0)) if (w.exitedAt === undefined) w.kill("SIGKILL");
});
afterAll(async () => {
  await azurite.stop();
});

function setup(partitions: number): {
  client: TaskHubClient;
  service: AzureStorageOrchestrationService;
  start: (name: string) => Promise<WorkerProcess>;
} {
  const hub = `e2eent${randomBytes(4).toString("hex")}`;
  const env = {
    TASKHUB_CONNECTION_STRING: azurite.connectionString,
    TASKHUB_HUB: hub,
    TASKHUB_PARTITIONS: String(partitions),
    TASKHUB_MANAGEMENT: "table",
    TASKHUB_RUNS_FILE: join(dir, `${hub}.runs`),
  };
  const service = new AzureStorageOrchestrationService({
    taskHubName: hub,
    storage: { connectionString: azurite.connectionString },
    partitionCount: partitions,
  });
  return {
    service,
    client: new TaskHubClient(service),
    start: async (name) => {
      const w = new WorkerProcess(name, env);
      running.push(w);
      await w.ready();
      return w;
    },
  };
}

describe("entities across worker processes", () => {
  it("1,000 signals from 20 concurrent clients to one counter end at exactly 1,000 although a worker is killed", async () => {
    const { client, start } = setup(2);
    const workers = [await start("a"), await start("b")];
    const partition = partitionIndex("@counter@exact", 2);
    // Wait for the balanced split (one partition each), so the partition does not move by itself mid-test.
    await waitFor(
      () => workers.every((w) => w.owned().size === 1),
      60_000,
      () => "the two workers did not split the partitions",
    );
    const id = { name: "counter", key: "exact" };
    let sent = 0;
    const senders = Array.from({ length: 20 }, async () => {
      for (let i = 0; i < 50; i++) {
        await client.signalEntity(id, "add", 1);
        sent++;
      }
    });
    // Kill the worker that owns the counter's partition while signals are flowing; the other takes over
    // and the messages the dead one had locked come back after their visibility timeout.
    await waitFor(
      () => sent >= 300,
      60_000,
      () => `only ${sent} signals sent`,
    );
    let owner: WorkerProcess | undefined;
    await waitFor(
      () => (owner = workers.find((w) => w.owned().has(partition))) !== undefined,
      30_000,
      () => "nobody owns the counter's partition",
    );
    owner!.kill("SIGKILL");
    await Promise.all(senders);
    expect(sent).toBe(1000);
    let last: number | undefined;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      last = (await client.getEntity<number>(id))?.state;
      if (last !== undefined && last >= 1000) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    // Settle, then check it did not overshoot.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await client.getEntity<number>(id))?.state).toBe(1000);
  }, 240_000);

  it("200 concurrent transfers between two locked accounts lose nothing and conserve the total", async () => {
    const { client, start } = setup(4);
    await start("a");
    await start("b");
    await client.signalEntity({ name: "account", key: "A" }, "deposit", 1000);
    await client.signalEntity({ name: "account", key: "B" }, "deposit", 1000);
    const ids = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        client.scheduleNewOrchestration(
          "Transfer",
          i % 2 ? { from: "A", to: "B", amount: 3 } : { from: "B", to: "A", amount: 2 },
        ),
      ),
    );
    const started = Date.now();
    let completed = 0;
    for (const id of ids) {
      const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 300_000 });
      expect(s.runtimeStatus).toBe("Completed");
      completed++;
    }
    expect(completed).toBe(200);
    const a = (await client.getEntity<number>({ name: "account", key: "A" }))?.state ?? 0;
    const b = (await client.getEntity<number>({ name: "account", key: "B" }))?.state ?? 0;
    expect(a + b).toBe(2000);
    // 200 transfers x 2 calls each, all serialised by the locks.
    console.log(`200 locked transfers completed in ${Date.now() - started} ms (A=${a}, B=${b})`);
  }, 360_000);
});
