// Storage faults at chosen requests (the fault proxy's `choose`), on a real Azurite: one worker reaches storage
// through the proxy, the test's client goes straight to Azurite. Each case strikes one request of one
// checkpoint and checks what the random fault runs (reliability-faults.test.ts) can only hit by chance.
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TaskHubClient, TaskHubWorker, type EntityContext } from "@taskhub/core";
import { AzureStorageOrchestrationService, createStorageClients } from "@taskhub/azure-storage";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { startFaultProxies, type ChosenFault, type FaultKind } from "../src/fault-proxy.js";

type Target = (req: { method: string; url: string; body: Buffer }) => ChosenFault | undefined;

let azurite: AzuriteInstance;
let faults: Awaited<ReturnType<typeof startFaultProxies>>;
/** The rule the proxies apply now (undefined: no faults). */
let target: Target | undefined;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  azurite = await startAzurite();
  faults = await startFaultProxies(azurite, { faultRate: 0, choose: (req) => target?.(req) });
});
afterEach(async () => {
  target = undefined;
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});
afterAll(async () => {
  await faults?.stop();
  await azurite?.stop();
});

/** Two counters: `counter` keeps a number; `padded` also keeps 80 KB of padding, so its state lives in a blob. */
type Counter = "counter" | "padded";
const entityId = (name: Counter): string => `@${name}@points`;
/** Attempts per storage request of the worker (the first included). */
const TRIES = 3;

/**
 * A worker through the proxies and a client straight to Azurite, on a fresh one-partition hub. `tryTimeoutMs`:
 * how long the worker's client waits for one attempt of a request before it retries.
 */
async function hub(
  tryTimeoutMs?: number,
): Promise<{ client: TaskHubClient; clientService: AzureStorageOrchestrationService }> {
  const taskHubName = `fp${randomBytes(5).toString("hex")}`;
  const service = new AzureStorageOrchestrationService({
    taskHubName,
    storage: createStorageClients(
      { connectionString: faults.connectionString },
      { retry: { maxTries: TRIES, retryDelayMs: 100, maxRetryDelayMs: 400, tryTimeoutMs } },
    ),
    partitionCount: 1,
    minPollingIntervalMs: 10,
    maxPollingIntervalMs: 250,
  });
  const worker = new TaskHubWorker(service, { abandonDelayMs: 100 });
  worker.addEntity("counter", (ctx: EntityContext<number>) => {
    const v = ctx.getState(() => 0) ?? 0;
    if (ctx.operationName === "add") ctx.setState(v + (ctx.getInput<number>() ?? 1));
    return v;
  });
  worker.addEntity("padded", (ctx: EntityContext<{ count: number; pad: string }>) => {
    const v = ctx.getState(() => ({ count: 0, pad: "" }))!;
    if (ctx.operationName === "add")
      ctx.setState({ count: v.count + (ctx.getInput<number>() ?? 1), pad: "x".repeat(40_000) });
    return v.count;
  });
  worker.addActivity("Echo", (_ctx, input: unknown) => input);
  worker.addOrchestrator("TwoSteps", function* (ctx) {
    yield ctx.callActivity("Echo", 1);
    return "done";
  });
  worker.addOrchestrator("AddOne", function* (ctx, name: Counter) {
    return (yield ctx.entities.callEntity({ name, key: "points" }, "add", 1)) as number;
  });
  await worker.start();
  const clientService = new AzureStorageOrchestrationService({
    taskHubName,
    storage: { connectionString: azurite.connectionString },
    partitionCount: 1,
  });
  cleanups.push(() => clientService.deleteTaskHub());
  cleanups.push(() => worker.stop({ drainTimeoutMs: 2000 }));
  return { client: new TaskHubClient(clientService), clientService };
}

/** Runs one `AddOne` orchestration to completion; its output is the counter before its increment. */
async function addOne(client: TaskHubClient, name: Counter, instanceId: string): Promise<unknown> {
  await client.scheduleNewOrchestration("AddOne", name, { instanceId });
  const s = await client.waitForOrchestrationCompletion(instanceId, { timeoutMs: 60_000 });
  expect(s.runtimeStatus).toBe("Completed");
  return s.output;
}

/** Until the hub's control queue holds no message, visible or not: every message was processed and deleted. */
async function settled(service: AzureStorageOrchestrationService): Promise<void> {
  const queue = service.clients.queue(service.names.controlQueues[0]!);
  while ((await queue.getProperties()).approximateMessagesCount !== 0)
    await new Promise((r) => setTimeout(r, 200));
}

/** Value of a counter read through getEntity. */
async function count(client: TaskHubClient, name: Counter): Promise<number | undefined> {
  const state = (await client.getEntity<number | { count: number }>({ name, key: "points" }))?.state;
  return typeof state === "object" ? state.count : state;
}

type Request = { method: string; url: string; body: Buffer };
const isHistoryBatch = (name: Counter, req: Request): boolean =>
  req.method === "POST" &&
  req.url.includes("$batch") &&
  req.body.includes(`"PartitionKey":"${entityId(name)}"`) &&
  req.body.includes('"RowKey":"sentinel"');
const isInstancesWriteOf = (instanceId: string, req: Request): boolean =>
  req.method !== "GET" && decodeURIComponent(req.url).includes(`Instances(PartitionKey='${instanceId}'`);
const isInstancesWrite = (name: Counter, req: Request): boolean => isInstancesWriteOf(entityId(name), req);

describe("an entity step whose history committed but whose checkpoint failed", () => {
  // The operation ran and its caller got the answer (responses are sent before the history write); the
  // request message comes back and is recognised as consumed by the committed history. The entity's state
  // must then be what its history says, although no later operation comes to rewrite the Instances row.
  const cases: {
    name: string;
    entity: Counter;
    strike: (struck: number, req: Request) => { kind: FaultKind; before: boolean } | undefined;
    strikes: number;
  }[] = [
    {
      // The client retries the batch; the retry finds the sentinel's ETag changed (412) and gives up.
      name: "the history batch is answered 500 after it committed",
      entity: "counter",
      strike: (struck, req) =>
        struck === 0 && isHistoryBatch("counter", req) ? { kind: "error500", before: false } : undefined,
      strikes: 1,
    },
    {
      name: "the connection drops after the history batch committed",
      entity: "counter",
      strike: (struck, req) =>
        struck === 0 && isHistoryBatch("counter", req) ? { kind: "drop", before: false } : undefined,
      strikes: 1,
    },
    {
      name: "every attempt of the Instances write fails",
      entity: "counter",
      strike: (struck, req) =>
        struck < TRIES && isInstancesWrite("counter", req) ? { kind: "error503", before: true } : undefined,
      strikes: TRIES,
    },
    {
      // The row's Input is then the URL of the blob the history row names.
      name: "the history batch of a state kept in a blob is answered 500 after it committed",
      entity: "padded",
      strike: (struck, req) =>
        struck === 0 && isHistoryBatch("padded", req) ? { kind: "error500", before: false } : undefined,
      strikes: 1,
    },
  ];
  for (const c of cases) {
    it(`getEntity reads every operation's effect when ${c.name}`, async () => {
      const { client, clientService } = await hub();
      expect(await addOne(client, c.entity, "first")).toBe(0);
      let struck = 0;
      target = (req) => {
        const fault = c.strike(struck, req);
        if (fault) struck++;
        return fault;
      };
      expect(await addOne(client, c.entity, "second")).toBe(1);
      await settled(clientService);
      expect(struck).toBe(c.strikes);
      expect(await count(client, c.entity)).toBe(2);
      // The entity still takes operations afterwards, once each.
      target = undefined;
      expect(await addOne(client, c.entity, "third")).toBe(2);
      await settled(clientService);
      expect(await count(client, c.entity)).toBe(3);
    }, 120_000);
  }
});

describe("an Instances write that reaches storage after the instance finished", () => {
  // The worker's client gives up on the first step's Instances write after a second and retries it; the
  // abandoned attempt reaches storage only after the final step wrote Completed (as seen under heavy load:
  // the instance was then listed Running for ever). It must not merge the older step over the final one.
  it("is refused (412) and the row keeps the final step's status", async () => {
    const { client } = await hub(1000);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let landed!: (status: number) => void;
    const lateStatus = new Promise<number>((r) => (landed = r));
    let struck = 0;
    target = (req) => {
      if (struck > 0 || !isInstancesWriteOf("late-write", req) || !req.body.includes('"Running"'))
        return undefined;
      struck++;
      return { kind: "late", before: true, release: released, forwarded: landed };
    };
    await client.scheduleNewOrchestration("TwoSteps", undefined, { instanceId: "late-write" });
    const done = await client.waitForOrchestrationCompletion("late-write", { timeoutMs: 60_000 });
    expect(done.runtimeStatus).toBe("Completed");
    expect(struck).toBe(1);
    release();
    expect(await lateStatus).toBe(412);
    const after = await client.getOrchestrationState("late-write");
    expect(after?.runtimeStatus).toBe("Completed");
    expect(after?.output).toBe("done");
  }, 120_000);
});
