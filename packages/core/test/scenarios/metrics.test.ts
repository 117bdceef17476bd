// The worker's metrics on the in-memory backend (docs/tracing.md, "Metrics"): a known workload gives known
// counts, and without an SDK nothing is measured.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Metric, MetricAttr, TaskHubClient, TaskHubWorker } from "../../src/index.js";
import { workerInstruments } from "../../src/metrics/instruments.js";
import { InMemoryOrchestrationService } from "../../src/testing/index.js";
import { installMetricCapture, type MetricCapture } from "../../src/testing/metric-capture.js";

let capture: MetricCapture | undefined;
const stops: (() => Promise<void>)[] = [];
beforeEach(() => {
  capture = installMetricCapture();
});
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
  await capture?.uninstall();
  capture = undefined;
});

async function startWorker(setup: (w: TaskHubWorker) => void): Promise<TaskHubClient> {
  const service = new InMemoryOrchestrationService({ pollIntervalMs: 10 });
  const worker = new TaskHubWorker(service);
  setup(worker);
  await worker.start();
  stops.push(() => worker.stop({ drainTimeoutMs: 2000 }));
  return new TaskHubClient(service);
}

const name = (n: string) => ({ [MetricAttr.orchestrationName]: n });

describe("worker metrics", () => {
  it("count orchestrations started and ended by name, activities by outcome, steps, work items in flight", async () => {
    const c = capture!;
    let boom = 0;
    const client = await startWorker((w) => {
      w.addActivity("Hello", (_ctx, n: string) => `Hello ${n}`);
      w.addActivity("Boom", () => {
        boom++;
        throw new RangeError("boom");
      });
      w.addOrchestrator("Chain", function* (ctx) {
        for (const n of ["a", "b", "c"]) yield ctx.callActivity("Hello", n);
        return "done";
      });
      w.addOrchestrator("Catches", function* (ctx) {
        try {
          yield ctx.callActivity("Boom");
        } catch {
          return "caught";
        }
        return "not reached";
      });
      w.addOrchestrator("Fails", function* () {
        yield* [];
        throw new Error("refused");
      });
      w.addOrchestrator("Waits", function* (ctx) {
        return (yield ctx.waitForExternalEvent("never")) as string;
      });
      w.addOrchestrator("Loops", function* (ctx, n: number) {
        yield ctx.callActivity("Hello", String(n));
        if (n < 2) ctx.continueAsNew(n + 1);
        return n;
      });
      w.addOrchestrator("Parent", function* (ctx) {
        return (yield ctx.callSubOrchestrator("Chain", undefined, { instanceId: "child-1" })) as string;
      });
    });
    const ids = [
      await client.scheduleNewOrchestration("Chain", undefined, { instanceId: "chain-1" }),
      await client.scheduleNewOrchestration("Chain", undefined, { instanceId: "chain-2" }),
      await client.scheduleNewOrchestration("Catches"),
      await client.scheduleNewOrchestration("Fails"),
      await client.scheduleNewOrchestration("Loops", 0),
      await client.scheduleNewOrchestration("Parent"),
    ];
    const waits = await client.scheduleNewOrchestration("Waits");
    await client.waitForOrchestrationStart(waits, { timeoutMs: 15_000 });
    await client.terminateOrchestration(waits, { output: "enough" });
    for (const id of [...ids, waits]) await client.waitForOrchestrationCompletion(id, { timeoutMs: 15_000 });
    // The worker records a step after the commit the client may already have seen: stop it first.
    for (const s of stops.splice(0)) await s();

    expect(await c.sum(Metric.orchestrationStarted, name("Chain"))).toBe(3); // two, and the child
    expect(await c.sum(Metric.orchestrationStarted, name("Loops"))).toBe(1); // generations are no new starts
    expect(await c.sum(Metric.orchestrationStarted)).toBe(8);
    expect(await c.sum(Metric.orchestrationCompleted, name("Chain"))).toBe(3);
    expect(await c.sum(Metric.orchestrationCompleted, name("Loops"))).toBe(1);
    expect(await c.sum(Metric.orchestrationCompleted)).toBe(6);
    expect(await c.sum(Metric.orchestrationFailed)).toBe(1);
    expect(await c.sum(Metric.orchestrationFailed, name("Fails"))).toBe(1);
    expect(await c.sum(Metric.orchestrationTerminated)).toBe(1);
    expect(await c.sum(Metric.orchestrationTerminated, name("Waits"))).toBe(1);

    const hello = { [MetricAttr.activityName]: "Hello" };
    expect(await c.sum(Metric.activityExecutions, { ...hello, [MetricAttr.outcome]: "success" })).toBe(12);
    expect(await c.sum(Metric.activityExecutions, { [MetricAttr.outcome]: "failure" })).toBe(boom);
    expect(boom).toBe(1);
    expect(await c.count(Metric.activityDuration, hello)).toBe(12);
    expect(await c.count(Metric.activityDuration, { [MetricAttr.activityName]: "Boom" })).toBe(1);

    // A chain's four steps: its start and one per activity result (results of a sequence come one by one).
    const chainSteps = await c.count(Metric.stepDuration, {
      ...name("Chain"),
      [MetricAttr.kind]: "orchestration",
      [MetricAttr.stepResult]: "committed",
    });
    expect(chainSteps).toBe(12);
    expect(await c.count(Metric.stepDuration, { [MetricAttr.stepResult]: "abandoned" })).toBe(0);

    // Every work item taken was given back.
    expect(await c.sum(Metric.workItemsInFlight, { [MetricAttr.kind]: "orchestration" })).toBe(0);
    expect(await c.sum(Metric.workItemsInFlight, { [MetricAttr.kind]: "activity" })).toBe(0);
    const kinds = (await c.attributeSets(Metric.workItemsInFlight)).map((a) => a[MetricAttr.kind]).sort();
    expect(kinds).toEqual(["activity", "orchestration"]);
  });

  it("an entity's steps count as steps of the entity, not as orchestrations", async () => {
    const c = capture!;
    const client = await startWorker((w) => {
      w.addEntity("Counter", (ctx) => {
        ctx.setState((ctx.getState<number>() ?? 0) + 1);
        return ctx.getState<number>();
      });
      w.addOrchestrator("UsesCounter", function* (ctx) {
        return (yield ctx.entities.callEntity({ name: "Counter", key: "k" }, "add")) as number;
      });
    });
    const id = await client.scheduleNewOrchestration("UsesCounter");
    await client.waitForOrchestrationCompletion(id, { timeoutMs: 15_000 });
    for (const s of stops.splice(0)) await s();
    // DTF keeps entity names lower-cased in their instance ids (`@counter@k`).
    expect(
      await c.count(Metric.stepDuration, { ...name("counter"), [MetricAttr.kind]: "entity" }),
    ).toBeGreaterThan(0);
    expect(await c.sum(Metric.orchestrationStarted)).toBe(1);
    expect(await c.sum(Metric.orchestrationCompleted)).toBe(1);
  });
});

describe("without an SDK", () => {
  it("makes no instruments", async () => {
    await capture!.uninstall();
    capture = undefined;
    expect(workerInstruments()).toBeUndefined();
    capture = installMetricCapture();
    expect(workerInstruments()).toBeDefined();
  });
});
