// The lease loops wait between rounds on one signal that lives as long as the worker. Each wait used to add an
// abort listener that stayed until the worker stopped: after 11 rounds Node printed MaxListenersExceededWarning
// (seen in every interop run), and the listeners piled up for the worker's lifetime.
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { TablePartitionManager } from "../../src/partitioning/table-partition-manager.js";
import { abortableSleep } from "../../src/partitioning/abortable-sleep.js";
import { newService } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe("waits on a long-lived signal leave no listener behind", () => {
  it("abortableSleep removes its listener when the time is up, and ends at once on abort", async () => {
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) await abortableSleep(1, controller.signal);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    const pending = abortableSleep(60_000, controller.signal);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    controller.abort();
    await pending;
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("the table partition manager's rounds", async () => {
    const service = newService();
    const table = service.clients.table(service.names.partitionsTable);
    let rounds = 0;
    const counted = new Proxy(table, {
      get(target, key, receiver) {
        if (key === "listEntities") rounds++;
        const v = Reflect.get(target, key, receiver) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const manager = new TablePartitionManager({
      table: counted,
      controlQueues: ["q-control-00"],
      workerId: "w",
      leaseIntervalMs: 30_000,
      acquireIntervalMs: 5,
    });
    await manager.start({ onPartitionGained: () => undefined, onPartitionLost: () => undefined });
    cleanups.push(async () => {
      await manager.stop();
      await table.deleteTable();
    });
    await expect.poll(() => rounds, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(15);
    const signal = (manager as unknown as { controller: AbortController }).controller.signal;
    expect(getEventListeners(signal, "abort").length).toBeLessThanOrEqual(1);
  });
});
