// An entity whose scheduler state outgrows a table column (many calling orchestrations, or a large state)
// is offloaded to a blob like any payload, and clients still read it.
import { TableClient } from "@azure/data-tables";
import pLimit from "p-limit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskHubClient, TaskHubWorker, type EntityContext } from "@taskhub/core";
import type { AzureStorageOrchestrationService } from "../../src/index.js";
import { connectionString, newService } from "../helpers.js";

let service: AzureStorageOrchestrationService;
let worker: TaskHubWorker;
let client: TaskHubClient;

beforeAll(async () => {
  service = newService();
  worker = new TaskHubWorker(service);
  worker.addEntity("Counter", (ctx: EntityContext<number>) => {
    const v = ctx.getState(() => 0) ?? 0;
    if (ctx.operationName === "add") ctx.setState(v + (ctx.getInput<number>() ?? 1));
    return v;
  });
  worker.addEntity("Blob", (ctx: EntityContext<string>) => {
    if (ctx.operationName === "set") ctx.setState(ctx.getInput<string>()!);
    return ctx.getState()?.length;
  });
  worker.addOrchestrator("Call", function* (ctx) {
    return (yield ctx.entities.callEntity({ name: "counter", key: "many" }, "add", 1)) as number;
  });
  await worker.start();
  client = new TaskHubClient(service);
});

afterAll(async () => {
  await worker.stop();
  await service.deleteTaskHub();
});

describe("entity scheduler state larger than a table column", () => {
  it("many calling orchestrations with long instance ids: the count is read back", async () => {
    // The scheduler state keeps an entry per caller (the message sorter's ReceivedFromInstance, keyed by instance
    // id): 120 callers with 240-character ids make it larger than a table column (60 KB of UTF-16), as 400
    // callers with 40-character ids did, with a third of the work. Started a few at a time: 400 starts at once
    // were 800 storage requests in flight from this process, and with the machine busy Azurite answered some only
    // after the client's 30 s per-request timeout (ETIMEDOUT on a start, before any entity ran).
    const callers = 120;
    const starting = pLimit(8);
    const ids = await Promise.all(
      Array.from({ length: callers }, (_, i) =>
        starting(() =>
          client.scheduleNewOrchestration("Call", undefined, {
            instanceId: `caller-${"x".repeat(230)}-${String(i).padStart(3, "0")}`,
          }),
        ),
      ),
    );
    for (const id of ids)
      expect((await client.waitForOrchestrationCompletion(id, { timeoutMs: 120_000 })).runtimeStatus).toBe(
        "Completed",
      );
    const e = await client.getEntity<number>({ name: "counter", key: "many" });
    expect(e?.state).toBe(callers);
    // The premise: the scheduler state (a sorter entry per caller) is in a blob, the row's Input its URL.
    const row = await TableClient.fromConnectionString(connectionString(), service.names.instancesTable, {
      allowInsecureConnection: true,
    }).getEntity<Record<string, unknown>>("@counter@many", "");
    expect(row.Input).toMatch(/^https?:\/\/\S+-largemessages\//);
  }, 180_000);

  it("a 100 KB state is read back", async () => {
    const big = "x".repeat(100_000);
    await client.signalEntity({ name: "blob", key: "k" }, "set", big);
    // Polled until a deadline, not a number of reads: on a busy machine each read takes longer.
    const deadline = Date.now() + 50_000;
    let state: string | undefined;
    while (state === undefined && Date.now() < deadline) {
      state = (await client.getEntity<string>({ name: "blob", key: "k" }))?.state;
      if (state === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe(big);
  }, 60_000);
});
