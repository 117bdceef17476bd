// The act activity run twice for one task (a worker died after acting, before its result was recorded): where the
// target shows the first run's effect, the second acts no more; purge leaves unfinished targets alone.
import { afterEach, describe, expect, it } from "vitest";
import { TaskHubClient, TaskHubWorker } from "../../src/index.js";
import { actOnBulkTarget } from "../../src/bulk/bulk-activities.js";
import { InMemoryOrchestrationService } from "../../src/testing/index.js";

let worker: TaskHubWorker | undefined;
afterEach(async () => {
  await worker?.stop({ drainTimeoutMs: 100 });
  worker = undefined;
});

async function setup(): Promise<TaskHubClient> {
  const service = new InMemoryOrchestrationService();
  worker = new TaskHubWorker(service);
  worker.addOrchestrator("CountEvents", function* (ctx) {
    for (let count = 0; ; count++)
      if (((yield ctx.waitForExternalEvent("echo")) as unknown) === "stop") return count;
  });
  worker.addOrchestrator("Done", (_ctx, v: unknown) => v);
  await worker.start();
  return new TaskHubClient(service, { maxPollIntervalMs: 20 });
}

async function until(cond: () => Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 10));
}

describe("actOnBulkTarget run again for the same task", () => {
  it("raise-event: not raised again once the target's history has the event", async () => {
    const client = await setup();
    await client.scheduleNewOrchestration("CountEvents", null, { instanceId: "t" });
    const s = await client.waitForOrchestrationStart("t");
    const since = new Date(Date.now() - 1000).toISOString();
    const input = {
      verb: "raise-event" as const,
      target: { instanceId: "t", executionId: s.executionId, runtimeStatus: s.runtimeStatus },
      eventName: "echo",
      eventData: 1,
      since,
    };
    expect(await actOnBulkTarget(client, input)).toEqual({ ok: true });
    await until(async () =>
      (await client.getOrchestrationHistory("t")).some((e) => e.type === "EventRaised"),
    );
    expect(await actOnBulkTarget(client, input)).toEqual({ ok: true });
    await client.raiseEvent("t", "echo", "stop");
    expect((await client.waitForOrchestrationCompletion("t")).output).toBe(1);
  });

  it("restart: not restarted again once the target runs another execution", async () => {
    const client = await setup();
    await client.scheduleNewOrchestration("Done", 5, { instanceId: "r" });
    const first = await client.waitForOrchestrationCompletion("r");
    const input = {
      verb: "restart" as const,
      target: { instanceId: "r", executionId: first.executionId, runtimeStatus: first.runtimeStatus },
      since: new Date().toISOString(),
    };
    expect(await actOnBulkTarget(client, input)).toEqual({ ok: true });
    await until(async () => (await client.getOrchestrationState("r"))?.executionId !== first.executionId);
    const restarted = await client.waitForOrchestrationCompletion("r");
    expect(await actOnBulkTarget(client, input)).toEqual({ ok: true });
    expect((await client.getOrchestrationState("r"))?.executionId).toBe(restarted.executionId);
  });

  it("purge: an unfinished target is a failure and stays; a purged one is done", async () => {
    const client = await setup();
    await client.scheduleNewOrchestration("CountEvents", null, { instanceId: "p" });
    await client.waitForOrchestrationStart("p");
    const input = { verb: "purge" as const, target: { instanceId: "p" }, since: new Date().toISOString() };
    expect(await actOnBulkTarget(client, input)).toEqual({
      ok: false,
      error: "'p' is Running: only finished instances are purged",
    });
    expect(await client.getOrchestrationState("p")).toBeDefined();
    expect(await actOnBulkTarget(client, { ...input, target: { instanceId: "gone" } })).toEqual({ ok: true });
  });
});
