// The worker's log events, asserted by their catalogue names (docs/log-events.md): each at the catalogue's
// level (RecordingLogger checks it), with its fields and the context its child logger binds.
import { afterEach, describe, expect, it } from "vitest";
import { TaskHubClient, TaskHubWorker, type OrchestrationService } from "../src/index.js";
import { InMemoryOrchestrationService, RecordingLogger } from "../src/testing/index.js";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

async function started(service: InMemoryOrchestrationService, worker: TaskHubWorker): Promise<TaskHubClient> {
  await worker.start();
  stops.push(() => worker.stop({ drainTimeoutMs: 2000 }));
  return new TaskHubClient(service);
}

/** An in-memory service whose `method` throws its first `times` calls. */
function failingFirst(
  inner: InMemoryOrchestrationService,
  method: "completeOrchestrationWorkItem" | "completeActivityWorkItem",
  times: number,
): { service: OrchestrationService; failures: () => number } {
  let failures = 0;
  const service = Object.create(inner) as InMemoryOrchestrationService;
  const original = inner[method].bind(inner) as (...args: unknown[]) => Promise<void>;
  (service as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
    if (failures < times) {
      failures++;
      throw new Error(`${method} failed`);
    }
    return original(...args);
  };
  return { service, failures: () => failures };
}

describe("TaskHubWorker log events", () => {
  it("worker.started and worker.stopped, and an orchestration.checkpoint per step with its instanceId", async () => {
    const service = new InMemoryOrchestrationService({ pollIntervalMs: 20 });
    const logger = new RecordingLogger();
    const worker = new TaskHubWorker(service, { logger });
    worker.addActivity("Echo", (_ctx, x: number) => x);
    worker.addOrchestrator("One", function* (ctx) {
      return (yield ctx.callActivity("Echo", 5)) as number;
    });
    await worker.start();
    const client = new TaskHubClient(service);
    await client.scheduleNewOrchestration("One", undefined, { instanceId: "logged" });
    expect((await client.waitForOrchestrationCompletion("logged", { timeoutMs: 10_000 })).output).toBe(5);
    await worker.stop({ drainTimeoutMs: 2000 });

    expect(logger.events("worker.started")).toEqual([{}]);
    expect(logger.events("worker.stopped")).toEqual([{}]);
    const names = logger.eventNames();
    expect(names[0]).toBe("worker.started");
    expect(names.at(-1)).toBe("worker.stopped");
    const checkpoints = logger.events("orchestration.checkpoint");
    expect(checkpoints.length).toBeGreaterThanOrEqual(2);
    expect(checkpoints.at(-1)).toEqual({
      instanceId: "logged",
      executionId: expect.any(String),
      status: "Completed",
      newEvents: expect.any(Number),
    });
  });

  it("activity.failed names the activity, its task and its orchestration", async () => {
    const service = new InMemoryOrchestrationService({ pollIntervalMs: 20 });
    const logger = new RecordingLogger();
    const worker = new TaskHubWorker(service, { logger });
    const boom = new Error("boom");
    worker.addActivity("Fails", () => {
      throw boom;
    });
    worker.addOrchestrator("One", function* (ctx) {
      try {
        yield ctx.callActivity("Fails");
        return "no";
      } catch {
        return "caught";
      }
    });
    const client = await started(service, worker);
    await client.scheduleNewOrchestration("One", undefined, { instanceId: "act-failed" });
    expect((await client.waitForOrchestrationCompletion("act-failed", { timeoutMs: 10_000 })).output).toBe(
      "caught",
    );
    expect(logger.events("activity.failed")).toEqual([
      { instanceId: "act-failed", activity: "Fails", taskId: 0, err: boom },
    ]);
  });

  it("orchestration.abandoned when committing a step fails, then the step runs again", async () => {
    const inner = new InMemoryOrchestrationService({ pollIntervalMs: 20 });
    const { service, failures } = failingFirst(inner, "completeOrchestrationWorkItem", 1);
    const logger = new RecordingLogger();
    const worker = new TaskHubWorker(service, { logger, abandonDelayMs: 10 });
    worker.addOrchestrator("Hi", () => "hi");
    const client = await started(inner, worker);
    await client.scheduleNewOrchestration("Hi", undefined, { instanceId: "abandoned-once" });
    expect(
      (await client.waitForOrchestrationCompletion("abandoned-once", { timeoutMs: 10_000 })).output,
    ).toBe("hi");
    expect(failures()).toBe(1);
    expect(logger.events("orchestration.abandoned")).toEqual([
      {
        instanceId: "abandoned-once",
        err: expect.objectContaining({ message: "completeOrchestrationWorkItem failed" }),
        delayMs: expect.any(Number),
        dequeueCount: expect.any(Number),
      },
    ]);
  });

  it("activity.completeFailed when sending an activity's result fails, then the activity runs again", async () => {
    const inner = new InMemoryOrchestrationService({ pollIntervalMs: 20 });
    const { service, failures } = failingFirst(inner, "completeActivityWorkItem", 1);
    const logger = new RecordingLogger();
    const worker = new TaskHubWorker(service, { logger });
    let runs = 0;
    worker.addActivity("Count", () => ++runs);
    worker.addOrchestrator("One", function* (ctx) {
      return (yield ctx.callActivity("Count")) as number;
    });
    const client = await started(inner, worker);
    await client.scheduleNewOrchestration("One", undefined, { instanceId: "result-lost" });
    expect((await client.waitForOrchestrationCompletion("result-lost", { timeoutMs: 10_000 })).output).toBe(
      2,
    );
    expect(failures()).toBe(1);
    expect(logger.events("activity.completeFailed")).toEqual([
      {
        instanceId: "result-lost",
        activity: "Count",
        taskId: 0,
        err: expect.objectContaining({ message: "completeActivityWorkItem failed" }),
      },
    ]);
  });

  it("orchestration.messageDiscarded for an event raised to a completed instance", async () => {
    const service = new InMemoryOrchestrationService({ pollIntervalMs: 20 });
    const logger = new RecordingLogger();
    const worker = new TaskHubWorker(service, { logger });
    worker.addOrchestrator("Hi", () => "hi");
    const client = await started(service, worker);
    await client.scheduleNewOrchestration("Hi", undefined, { instanceId: "done" });
    await client.waitForOrchestrationCompletion("done", { timeoutMs: 10_000 });
    await client.raiseEvent("done", "late", 1);
    while (logger.events("orchestration.messageDiscarded").length === 0)
      await new Promise((r) => setTimeout(r, 10));
    expect(logger.events("orchestration.messageDiscarded")).toEqual([
      { instanceId: "done", eventType: "EventRaised", reason: "instance is Completed" },
    ]);
  });

  it("dispatcher.drainTimeout when an activity outlives the drain on stop", async () => {
    const service = new InMemoryOrchestrationService({ pollIntervalMs: 20 });
    const logger = new RecordingLogger();
    const worker = new TaskHubWorker(service, { logger });
    let running!: () => void;
    const activityRunning = new Promise<void>((r) => (running = r));
    worker.addActivity(
      "UntilCancelled",
      (ctx) =>
        new Promise((_resolve, reject) => {
          running();
          ctx.signal.addEventListener("abort", () => reject(new Error("cancelled")));
        }),
    );
    worker.addOrchestrator("One", function* (ctx) {
      return (yield ctx.callActivity("UntilCancelled")) as number;
    });
    await worker.start();
    await new TaskHubClient(service).scheduleNewOrchestration("One");
    await activityRunning;
    await worker.stop({ drainTimeoutMs: 1 });
    const activities = logger.events("dispatcher.drainTimeout").filter((e) => e.dispatcher === "activities");
    expect(activities).toEqual([{ dispatcher: "activities", inFlight: 1 }]);
  });
});
