// A step or an activity that runs longer than its messages' visibility timeout keeps them locked: the worker
// renews the lock while it runs (as DurableTask.Core's dispatchers do), so the messages are not delivered
// again meanwhile and nothing runs twice. Here both timeouts are 4 s and the activity and the entity operation
// take 9 s; without renewals the worker receives each message again after 4 s and runs it a second time. A
// message that waits in the buffer behind a running step for longer than its lock runs once too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskHubClient, TaskHubWorker, type EntityContext } from "@taskhub/core";
import type { AzureStorageOrchestrationService } from "../../src/index.js";
import { newService } from "../helpers.js";

const LOCK_MS = 4000;
const WORK_MS = 9000;

let service: AzureStorageOrchestrationService;
let worker: TaskHubWorker;
let client: TaskHubClient;
const activityRuns: string[] = [];
const operationRuns: string[] = [];
const warnings: object[] = [];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  const logger = {
    debug: () => {},
    info: () => {},
    warn: (fields: object | string) => void (typeof fields === "object" && warnings.push(fields)),
    error: (fields: object | string) => void (typeof fields === "object" && warnings.push(fields)),
  };
  service = newService({
    partitionCount: 1,
    controlQueueVisibilityTimeoutMs: LOCK_MS,
    workItemQueueVisibilityTimeoutMs: LOCK_MS,
    // Through the shared queue, which this worker polls every 250 ms at most: a message whose lock ran out
    // would be received again at once.
    localActivityDispatch: false,
    localActivityResults: false,
    logger,
  });
  worker = new TaskHubWorker(service, { logger });
  worker.addActivity("Slow", async (_ctx, input: string) => {
    activityRuns.push(input);
    await sleep(WORK_MS);
    return `${input} done`;
  });
  worker.addOrchestrator("CallSlow", function* (ctx) {
    const result: string = yield ctx.callActivity("Slow", ctx.instanceId);
    return result;
  });
  worker.addEntity("SlowCounter", async (ctx: EntityContext<number>) => {
    operationRuns.push(ctx.operationName);
    await sleep(WORK_MS);
    ctx.setState((ctx.getState(() => 0) ?? 0) + 1);
  });
  await worker.start();
  client = new TaskHubClient(service, { minPollIntervalMs: 100 });
});

afterAll(async () => {
  await worker?.stop();
  await service?.deleteTaskHub();
});

describe("lock renewal", () => {
  it("an activity and an entity operation longer than the visibility timeout run once", async () => {
    const entity = { name: "SlowCounter", key: "k" };
    await client.scheduleNewOrchestration("CallSlow", undefined, { instanceId: "slow-1" });
    await client.signalEntity(entity, "add");
    // A second signal arrives while the first runs: it waits in the buffer for longer than its lock, then runs.
    await sleep(1000);
    await client.signalEntity(entity, "add");

    const done = await client.waitForOrchestrationCompletion("slow-1", { timeoutMs: 60_000 });
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toBe("slow-1 done");
    for (const until = Date.now() + 60_000; Date.now() < until; await sleep(200))
      if ((await client.getEntity<number>(entity))?.state === 2) break;
    expect((await client.getEntity<number>(entity))?.state).toBe(2);
    // Long enough for a message whose lock had run out to be received and run again.
    await sleep(LOCK_MS + 2000);

    expect(activityRuns).toEqual(["slow-1"]);
    expect(operationRuns).toEqual(["add", "add"]);
    expect((await client.getEntity<number>(entity))?.state).toBe(2);
    expect(warnings.filter((w) => /renew/i.test(String((w as { event?: unknown }).event)))).toEqual([]);
  }, 120_000);
});
