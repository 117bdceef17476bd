// The checkpoint's Instances write on a real Azurite, when the row changed after the worker last saw it. The
// write is conditional (If-Match of the version this worker read or wrote); a 412 is written over only while
// the step's history append is still the newest. (A write that reaches storage late is refused: see
// e2e/test/reliability-fault-points.test.ts, which holds one on the wire.)
import { afterEach, describe, expect, it } from "vitest";
import { TaskHubClient, TaskHubWorker, type Logger } from "@taskhub/core";
import type { AzureStorageOrchestrationService } from "../../src/index.js";
import type { CheckpointTestHooks } from "../../src/tracking/checkpoint-test-hooks.js";
import { escapePartitionKey } from "../../src/tracking/key-sanitation.js";
import { newService } from "../service/helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const events: { event: unknown; instanceId: unknown }[] = [];
const logger: Logger = {
  debug() {},
  info(fields) {
    if (typeof fields === "object")
      events.push({
        event: (fields as Record<string, unknown>).event,
        instanceId: (fields as Record<string, unknown>).instanceId,
      });
  },
  warn() {},
  error() {},
};

async function start(hooks: CheckpointTestHooks): Promise<{
  service: AzureStorageOrchestrationService;
  worker: AzureStorageOrchestrationService;
  client: TaskHubClient;
}> {
  const service = newService({ testHooks: hooks, logger });
  const worker = new TaskHubWorker(service);
  worker.addActivity("Double", (_ctx, n: number) => n * 2);
  worker.addOrchestrator("Twice", function* (ctx, n: number) {
    return (yield ctx.callActivity("Double", n)) as number;
  });
  await worker.start();
  cleanups.push(() => service.deleteTaskHub());
  cleanups.push(() => worker.stop());
  // The client and the test's own writes go through another service object: the worker's requests are counted apart.
  const clientService = newService({ taskHubName: service.names.hub });
  return { service: clientService, worker: service, client: new TaskHubClient(clientService) };
}

/** Merges columns into a row with no ETag, as DT.AS (or any other writer) does. */
async function mergeBehindItsBack(
  service: AzureStorageOrchestrationService,
  table: string,
  instanceId: string,
  rowKey: string,
  columns: Record<string, unknown>,
): Promise<void> {
  await service.clients
    .table(table)
    .upsertEntity({ partitionKey: escapePartitionKey(instanceId), rowKey, ...columns }, "Merge");
}

describe("the checkpoint's Instances write after the row changed", () => {
  it("writes the final step again when it is still the newest in history", async () => {
    const hooks: CheckpointTestHooks = {};
    const { service, worker, client } = await start(hooks);
    let touched = 0;
    hooks.beforeInstanceWrite = async (wi, commit) => {
      if (commit.state.runtimeStatus !== "Completed") return;
      touched++;
      await mergeBehindItsBack(service, service.names.instancesTable, wi.instanceId, "", {
        RuntimeStatus: "Running",
      });
    };
    const before = worker.requestCounter.snapshot();
    const id = await client.scheduleNewOrchestration("Twice", 21);
    const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 });
    expect(touched).toBe(1);
    expect(s.runtimeStatus).toBe("Completed");
    expect(s.output).toBe(42);
    // The worker's row writes: the first step's, the final step's (refused: 412), the final step's again.
    const after = worker.requestCounter.snapshot();
    const merges = (c: typeof after): number => c.byOperation["table.MergeEntity"] ?? 0;
    expect(merges(after) - merges(before)).toBe(3);
  });

  it("leaves the row to a newer step when the history moved on meanwhile", async () => {
    const hooks: CheckpointTestHooks = {};
    const { service, client } = await start(hooks);
    let touched = 0;
    hooks.beforeInstanceWrite = async (wi, commit) => {
      if (commit.state.runtimeStatus !== "Completed") return;
      touched++;
      // Another worker's newer step: its history append moved the sentinel, its row write came first.
      await mergeBehindItsBack(service, service.names.historyTable, wi.instanceId, "sentinel", {
        NewerStep: true,
      });
      await mergeBehindItsBack(service, service.names.instancesTable, wi.instanceId, "", {
        CustomStatus: '"written by the newer step"',
      });
    };
    const id = await client.scheduleNewOrchestration("Twice", 21);
    await expect.poll(() => touched, { timeout: 30_000 }).toBe(1);
    await expect
      .poll(() => events.some((e) => e.event === "instance.rowWriteSuperseded" && e.instanceId === id), {
        timeout: 30_000,
      })
      .toBe(true);
    const s = await client.getOrchestrationState(id);
    expect(s?.runtimeStatus).toBe("Running");
    expect(s?.customStatus).toBe("written by the newer step");
  });
});
