// An entity whose scheduler state outgrows a table column (many calling orchestrations, or a large state)
// is offloaded to a blob like any payload, and clients still read it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskHubClient, TaskHubWorker, type EntityContext } from "@taskhub/core";
import type { AzureStorageOrchestrationService } from "../../src/index.js";
import { newService } from "../helpers.js";

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
  it("400 calling orchestrations: the count is read back", async () => {
    const ids = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        client.scheduleNewOrchestration("Call", undefined, {
          instanceId: `caller-with-a-longish-instance-id-${i}`,
        }),
      ),
    );
    for (const id of ids)
      expect((await client.waitForOrchestrationCompletion(id, { timeoutMs: 120_000 })).runtimeStatus).toBe(
        "Completed",
      );
    const e = await client.getEntity<number>({ name: "counter", key: "many" });
    expect(e?.state).toBe(400);
  }, 180_000);

  it("a 100 KB state is read back", async () => {
    const big = "x".repeat(100_000);
    await client.signalEntity({ name: "blob", key: "k" }, "set", big);
    let state: string | undefined;
    for (let i = 0; i < 200 && state === undefined; i++) {
      state = (await client.getEntity<string>({ name: "blob", key: "k" }))?.state;
      if (state === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe(big);
  }, 60_000);
});
