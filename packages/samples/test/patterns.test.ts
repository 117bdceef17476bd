// The Durable Functions application patterns end to end on the in-memory backend, with virtual time
// where the pattern waits for hours.
import { afterEach, describe, expect, it } from "vitest";
import { TaskHubClient, TaskHubWorker, type OrchestrationState } from "@taskhub/core";
import { InMemoryOrchestrationService, VirtualClock } from "@taskhub/core/testing";
import { registerSamples } from "../src/patterns.js";

const HOUR = 3600_000;
let worker: TaskHubWorker | undefined;

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});

async function setup(
  options: ConstructorParameters<typeof InMemoryOrchestrationService>[0] = {},
  jobCompletesAfterPolls = 3,
) {
  const service = new InMemoryOrchestrationService({ pollIntervalMs: 50, ...options });
  const events: [string, unknown][] = [];
  worker = registerSamples(new TaskHubWorker(service), {
    jobCompletesAfterPolls,
    record: (k, v) => events.push([k, v]),
  });
  await worker.start();
  const client = new TaskHubClient(service);
  const wait = (id: string): Promise<OrchestrationState> =>
    client.waitForOrchestrationCompletion(id, { timeoutMs: 20_000 });
  return { service, client, wait, events };
}

describe("application patterns on the in-memory backend", () => {
  it("function chaining runs F1 to F4 in order", async () => {
    const { client, wait } = await setup();
    const s = await wait(await client.scheduleNewOrchestration("FunctionChaining", 5));
    expect(s.runtimeStatus).toBe("Completed");
    expect(s.output).toBe(((5 + 1) * 2 - 3) * 10);
    const h = await client.getOrchestrationHistory(s.instanceId);
    expect(h.filter((e) => e.type === "TaskScheduled").map((e) => (e as { name: string }).name)).toEqual([
      "F1",
      "F2",
      "F3",
      "F4",
    ]);
  });

  it("fans out over 100 items and fans in", async () => {
    const { client, wait } = await setup();
    const s = await wait(await client.scheduleNewOrchestration("FanOutFanIn", 100));
    expect(s.output).toBe((100 * 101 * 201) / 6);
    const h = await client.getOrchestrationHistory(s.instanceId);
    expect(h.filter((e) => e.type === "TaskScheduled")).toHaveLength(101);
    expect(h.filter((e) => e.type === "TaskCompleted")).toHaveLength(101);
  });

  it("monitor polls with timers until the job completes", async () => {
    const { client, wait, events } = await setup({ clock: new VirtualClock(), autoAdvanceTime: true }, 4);
    const start = Date.now();
    const s = await wait(
      await client.scheduleNewOrchestration("Monitor", {
        jobId: "j",
        pollingIntervalMs: 30 * 60_000,
        expiryMs: 6 * HOUR,
      }),
    );
    expect(s.output).toEqual({ status: "Completed", polls: 4 });
    expect(s.customStatus).toEqual({ polls: 4, status: "Completed" });
    expect(events).toContainEqual(["alert", "job j completed"]);
    expect(s.lastUpdatedAt.getTime() - s.createdAt.getTime()).toBeGreaterThanOrEqual(90 * 60_000);
    expect(Date.now() - start).toBeLessThan(10_000);
  });

  it("monitor gives up when it expires", async () => {
    const { client, wait } = await setup({ clock: new VirtualClock(), autoAdvanceTime: true }, 1000);
    const s = await wait(
      await client.scheduleNewOrchestration("Monitor", {
        jobId: "slow",
        pollingIntervalMs: HOUR,
        expiryMs: 6 * HOUR,
      }),
    );
    expect(s.output).toEqual({ status: "Expired", polls: 6 });
  });

  it("human interaction: the approval arrives before the 72-hour timeout", async () => {
    const clock = new VirtualClock();
    const { service, client, wait, events } = await setup({ clock });
    const id = await client.scheduleNewOrchestration("HumanInteraction", {
      requestId: "r1",
      timeoutMs: 72 * HOUR,
    });
    while (!events.some(([k]) => k === "approvalRequested")) await new Promise((r) => setTimeout(r, 10));
    service.advanceTime(24 * HOUR);
    await client.raiseEvent(id, "ApprovalEvent", true);
    const s = await wait(id);
    expect(s.output).toBe("approved");
    expect(events.some(([k]) => k === "escalated")).toBe(false);
  });

  it("human interaction: no approval within 72 hours escalates, in virtual time", async () => {
    const clock = new VirtualClock();
    const { service, client, wait, events } = await setup({ clock });
    const id = await client.scheduleNewOrchestration("HumanInteraction", {
      requestId: "r2",
      timeoutMs: 72 * HOUR,
    });
    while (!events.some(([k]) => k === "approvalRequested")) await new Promise((r) => setTimeout(r, 10));
    service.advanceTime(71 * HOUR);
    await new Promise((r) => setTimeout(r, 200));
    expect((await client.getOrchestrationState(id))?.runtimeStatus).toBe("Running");
    service.advanceTime(1 * HOUR);
    const s = await wait(id);
    expect(s.output).toBe("escalated");
    expect(events).toContainEqual(["escalated", "r2"]);
    expect(s.lastUpdatedAt.getTime() - s.createdAt.getTime()).toBeGreaterThanOrEqual(72 * HOUR);
  });

  it("eternal orchestration continues as new with a fresh history each time", async () => {
    const { client, wait, events } = await setup({ clock: new VirtualClock(), autoAdvanceTime: true });
    const s = await wait(
      await client.scheduleNewOrchestration("Eternal", { iteration: 0, stopAfter: 5, intervalMs: 6 * HOUR }),
    );
    expect(s.output).toBe(5);
    expect(events.filter(([k]) => k === "cleanup").map(([, v]) => v)).toEqual([0, 1, 2, 3, 4]);
    const h = await client.getOrchestrationHistory(s.instanceId);
    expect(h.filter((e) => e.type === "ExecutionStarted")).toHaveLength(1);
    expect(h.length).toBeLessThan(12);
  });

  it("aggregator: a counter entity signalled by clients, read by an orchestration and a client, reset and deleted", async () => {
    const { client, wait } = await setup();
    for (const n of [1, 2, 3]) await client.signalEntity({ name: "Counter", key: "k" }, "add", n);
    expect((await wait(await client.scheduleNewOrchestration("ReadCounter", "k"))).output).toBe(6);
    await client.signalEntity({ name: "Counter", key: "k" }, "reset");
    expect((await wait(await client.scheduleNewOrchestration("ReadCounter", "k"))).output).toBe(0);
    await client.signalEntity({ name: "Counter", key: "k" }, "delete");
    await client.signalEntity({ name: "CounterClass", key: "k" }, "add", 4);
    for (
      let i = 0;
      i < 200 &&
      ((await client.getEntity({ name: "Counter", key: "k" })) ||
        !(await client.getEntity({ name: "CounterClass", key: "k" })));
      i++
    )
      await new Promise((r) => setTimeout(r, 20));
    expect(await client.getEntity({ name: "Counter", key: "k" })).toBeUndefined();
    expect((await client.getEntity({ name: "CounterClass", key: "k" }))?.state).toEqual({ value: 4 });
  });

  it("the hello sample greets three cities", async () => {
    const { client, wait } = await setup();
    expect((await wait(await client.scheduleNewOrchestration("HelloCities"))).output).toEqual([
      "Hello Tokyo!",
      "Hello Seattle!",
      "Hello London!",
    ]);
  });
});
