// Activities spread over workers with local dispatch on: a step keeps only what its worker can start now,
// the rest waits on the shared work-item queue, a worker receives no more than it has free slots for, and
// a worker that does not poll every partition looks at the shared queue whatever its back-off.
import { afterEach, describe, expect, it } from "vitest";
import { TaskHubClient, TaskHubWorker, type Orchestrator } from "@taskhub/core";
import type { AzureStorageOrchestrationService, PartitionManager } from "../../src/index.js";
import { newService } from "../helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** A worker that owns no partition: it can only take activities from the shared work-item queue. */
const noPartitions: PartitionManager = {
  start: async () => undefined,
  stop: async () => undefined,
  ownedPartitions: () => [],
};

/** Ten minutes: after its first empty poll, a queue polled only by the back-off is not polled during a test. */
const NEVER_MS = 600_000;

/** Records each receive from the shared work-item queue: how many were asked for and how many came. */
function spyReceives(service: AzureStorageOrchestrationService): { asked: number; got: number }[] {
  const queue = service.clients.queue(service.names.workItemQueue);
  const receives: { asked: number; got: number }[] = [];
  const receive = queue.receiveMessages.bind(queue);
  queue.receiveMessages = async (options) => {
    const res = await receive(options);
    receives.push({ asked: options?.numberOfMessages ?? 1, got: res.receivedMessageItems.length });
    return res;
  };
  return receives;
}

const fanOut: Orchestrator<number, string[]> = function* (ctx, n) {
  return (yield ctx.whenAll(Array.from({ length: n }, (_, i) => ctx.callActivity("Work", i)))) as string[];
};

const sequence: Orchestrator<number, number> = function* (ctx, n) {
  for (let i = 0; i < n; i++) yield ctx.callActivity("Work", i);
  return n;
};

async function startWorker(
  service: AzureStorageOrchestrationService,
  maxConcurrentActivities: number,
  work: (n: number) => Promise<string> | string,
): Promise<TaskHubWorker> {
  const worker = new TaskHubWorker(service, { abandonDelayMs: 10, maxConcurrentActivities });
  worker.addActivity("Work", (_ctx, n: number) => work(n));
  worker.addOrchestrator("FanOut", fanOut);
  worker.addOrchestrator("Sequence", sequence);
  await worker.start();
  cleanups.push(() => worker.stop({ drainTimeoutMs: 2000 }));
  return worker;
}

describe("activities spread over workers", () => {
  it("a step keeps only the activities its worker can start now and receives no more than it has free slots for", async () => {
    const owner = newService({ partitionManagement: "all" });
    await owner.createIfNotExists();
    cleanups.push(() => owner.deleteTaskHub());
    const receives = spyReceives(owner);
    await startWorker(owner, 2, () => "owner");
    const client = new TaskHubClient(owner);
    // Quick activities one at a time first: a worker that judged its room by how many it could start within
    // a second would now keep a whole fan-out of them to itself.
    const warmUp = await client.scheduleNewOrchestration("Sequence", 15);
    expect((await client.waitForOrchestrationCompletion(warmUp, { timeoutMs: 60_000 })).output).toBe(15);
    expect(receives.reduce((a, r) => a + r.got, 0)).toBe(0); // one at a time: every one local

    receives.length = 0;
    const id = await client.scheduleNewOrchestration("FanOut", 20);
    const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 60_000 });
    expect(s.output).toEqual(Array.from({ length: 20 }, () => "owner"));
    // Two free slots: two kept, eighteen sent to the shared queue and received from it, two at most at a time.
    expect(receives.reduce((a, r) => a + r.got, 0)).toBe(18);
    expect(Math.max(...receives.map((r) => r.asked))).toBeLessThanOrEqual(2);
  });

  it("what the owner cannot start is taken by a worker whose back-off would not poll for minutes", async () => {
    const owner = newService({ partitionManagement: "all" });
    await owner.createIfNotExists();
    cleanups.push(() => owner.deleteTaskHub());
    const helper = newService({
      taskHubName: owner.names.hub,
      partitionManagement: noPartitions,
      minPollingIntervalMs: NEVER_MS,
      maxPollingIntervalMs: NEVER_MS,
    });
    // Each activity waits until both workers have run one (or a minute): the owner's two slots fill up with
    // waiting activities, so the test passes only if the other worker takes some from the shared queue,
    // however long that takes, and fails if it never looks.
    const ranOn = new Set<string>();
    const meet = async (name: string): Promise<string> => {
      ranOn.add(name);
      const until = Date.now() + 60_000;
      while (ranOn.size < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      return name;
    };
    await startWorker(owner, 2, () => meet("owner"));
    await startWorker(helper, 4, () => meet("helper"));
    // Both have polled the work-item queue once, empty: the helper's next poll by its back-off is minutes away.
    await new Promise((r) => setTimeout(r, 500));
    const client = new TaskHubClient(owner);
    const id = await client.scheduleNewOrchestration("FanOut", 8);
    const deadline = Date.now() + 30_000;
    while (ranOn.size < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect([...ranOn].sort()).toEqual(["helper", "owner"]);
    const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 60_000 });
    const split = (s.output as string[]).filter((w) => w === "helper").length;
    expect(split).toBeGreaterThan(0);
    expect(split).toBeLessThan(8);
  });
});
