// The table partition manager's lease loop on a real Azurite.
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { createStorageClients, taskHubNames, TablePartitionManager } from "../../src/index.js";
import { connectionString, uniqueHubName } from "../helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe("table partition manager", () => {
  it("its rounds do not pile up abort listeners on the loop's signal", async () => {
    const names = taskHubNames(uniqueHubName(), 2);
    const table = createStorageClients({ connectionString: connectionString() }).table(names.partitionsTable);
    cleanups.push(() => table.deleteTable());
    // Each round lists the table once: count the rounds through it.
    let rounds = 0;
    const counted = new Proxy(table, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (prop === "listEntities") rounds++;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const manager = new TablePartitionManager({
      table: counted,
      controlQueues: names.controlQueues,
      workerId: "a",
      acquireIntervalMs: 10,
    });
    await manager.start({ onPartitionGained: () => undefined, onPartitionLost: () => undefined });
    cleanups.push(() => manager.stop());
    for (const until = Date.now() + 60_000; rounds < 12 && Date.now() < until;)
      await new Promise((r) => setTimeout(r, 20));
    expect(rounds).toBeGreaterThanOrEqual(12);
    const signal = (manager as unknown as { controller: AbortController }).controller.signal;
    // The wait in progress holds one; finished waits hold none (each used to leave its listener behind).
    expect(getEventListeners(signal, "abort").length).toBeLessThanOrEqual(1);
  }, 90_000);
});
