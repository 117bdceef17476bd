// Listings take `maxPageSize` (on the query and on `byPage`), as the Azure SDKs' listings do; the former
// `pageSize` still works.
import { describe, expect, it } from "vitest";
import { TaskHubClient, TaskHubWorker, type EntityContext } from "../src/index.js";
import { InMemoryOrchestrationService } from "../src/testing/index.js";

async function pageSizes<T>(pages: AsyncIterable<{ items: T[] }>): Promise<number[]> {
  const sizes: number[] = [];
  for await (const p of pages) sizes.push(p.items.length);
  return sizes;
}

async function clientWith(n: number): Promise<TaskHubClient> {
  const client = new TaskHubClient(new InMemoryOrchestrationService());
  for (let i = 0; i < n; i++) await client.scheduleNewOrchestration("O", i, { instanceId: `i${i}` });
  return client;
}

/** `n` entities with state, written by a worker that is stopped again. */
async function clientWithEntities(n: number): Promise<TaskHubClient> {
  const service = new InMemoryOrchestrationService();
  const client = new TaskHubClient(service);
  const worker = new TaskHubWorker(service);
  worker.addEntity("counter", (ctx: EntityContext<number>) => ctx.setState(ctx.getInput<number>() ?? 0));
  await worker.start();
  try {
    for (let i = 0; i < n; i++) await client.signalEntity(`@counter@e${i}`, "set", i);
    for (let i = 0; i < n; i++)
      while ((await client.getEntity(`@counter@e${i}`)) === undefined) await new Promise(setImmediate);
  } finally {
    await worker.stop();
  }
  return client;
}

describe("maxPageSize", () => {
  it("listInstances gives pages of at most maxPageSize, every instance once", async () => {
    const client = await clientWith(5);
    expect(await pageSizes(client.listInstances({ maxPageSize: 2 }).byPage())).toEqual([2, 2, 1]);
    expect(await pageSizes(client.listInstances({ maxPageSize: 2 }).byPage({ maxPageSize: 3 }))).toEqual([
      3, 2,
    ]);
    expect(await pageSizes(client.listInstances({ pageSize: 4 }).byPage())).toEqual([4, 1]);
    const ids = [];
    for await (const s of client.listInstances({ maxPageSize: 2 })) ids.push(s.instanceId);
    expect(ids.sort()).toEqual(["i0", "i1", "i2", "i3", "i4"]);
  });

  it("listEntities reads at most maxPageSize records per page", async () => {
    const client = await clientWithEntities(3);
    expect(await pageSizes(client.listEntities({ maxPageSize: 2 }).byPage())).toEqual([2, 1]);
    expect(await pageSizes(client.listEntities({}).byPage({ maxPageSize: 1 }))).toEqual([1, 1, 1]);
  });

  it.each([0, 1001, 2.5, Number.NaN])("refuses maxPageSize %s with InvalidArgument", async (maxPageSize) => {
    const client = await clientWith(1);
    await expect(client.listInstances({ maxPageSize }).byPage().next()).rejects.toMatchObject({
      code: "InvalidArgument",
    });
  });
});
