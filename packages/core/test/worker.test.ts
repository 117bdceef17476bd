import { afterEach, describe, expect, it } from "vitest";
import {
  TaskHubClient,
  TaskHubWorker,
  type OrchestrationService,
  type TimerCreatedEvent,
} from "../src/index.js";
import { InMemoryOrchestrationService, RecordingLogger, VirtualClock } from "../src/testing/index.js";

const DAY = 24 * 3600_000;
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

async function started(service: InMemoryOrchestrationService, worker: TaskHubWorker): Promise<TaskHubClient> {
  await worker.start();
  stops.push(() => worker.stop({ drainTimeoutMs: 2000 }));
  return new TaskHubClient(service);
}

describe("TaskHubWorker", () => {
  it("never runs more activities at once than maxConcurrentActivities", async () => {
    const service = new InMemoryOrchestrationService({ pollIntervalMs: 20 });
    const worker = new TaskHubWorker(service, { maxConcurrentActivities: 3 });
    let running = 0;
    let peak = 0;
    worker.addActivity("Slow", async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      return 1;
    });
    worker.addOrchestrator("Fan", function* (ctx) {
      const results: number[] = yield ctx.whenAll(
        Array.from({ length: 12 }, () => ctx.callActivity<number>("Slow")),
      );
      return results.length;
    });
    const client = await started(service, worker);
    const s = await client.waitForOrchestrationCompletion(await client.scheduleNewOrchestration("Fan"), {
      timeoutMs: 10_000,
    });
    expect(s.output).toBe(12);
    expect(peak).toBe(3);
  });

  it("backs off and recovers when fetching work fails", async () => {
    const inner = new InMemoryOrchestrationService({ pollIntervalMs: 20 });
    let failures = 0;
    const failing: OrchestrationService = Object.create(inner) as InMemoryOrchestrationService;
    failing.lockNextOrchestrationWorkItem = async (o) => {
      if (failures < 3) {
        failures++;
        throw new Error("storage unavailable");
      }
      return inner.lockNextOrchestrationWorkItem(o);
    };
    const logger = new RecordingLogger();
    const worker = new TaskHubWorker(failing, { logger });
    worker.addOrchestrator("Hi", () => "hi");
    const client = await started(inner, worker);
    const s = await client.waitForOrchestrationCompletion(await client.scheduleNewOrchestration("Hi"), {
      timeoutMs: 10_000,
    });
    expect(s.output).toBe("hi");
    expect(failures).toBe(3);
    expect(logger.events("dispatcher.fetchFailed")).toHaveLength(3);
  });

  it("drains in-flight activities on stop and abandons what outlives the drain timeout", async () => {
    const service = new InMemoryOrchestrationService({ pollIntervalMs: 20 });
    const worker = new TaskHubWorker(service);
    let finished = 0;
    worker.addActivity("Work", async (_ctx, ms: number) => {
      await new Promise((r) => setTimeout(r, ms));
      finished++;
      return ms;
    });
    worker.addOrchestrator("One", function* (ctx, ms: number) {
      return (yield ctx.callActivity("Work", ms)) as number;
    });
    await worker.start();
    const client = new TaskHubClient(service);
    await client.scheduleNewOrchestration("One", 200, { instanceId: "drained" });
    while (
      finished === 0 &&
      !(await service.getOrchestrationHistory("drained")).some((e) => e.type === "TaskScheduled")
    )
      await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 30));
    await worker.stop({ drainTimeoutMs: 5000 });
    expect(finished).toBe(1);

    const second = new TaskHubWorker(service);
    second.addActivity("Work", async () => new Promise((r) => setTimeout(() => r(1), 10_000)));
    second.addOrchestrator("One", function* (ctx, ms: number) {
      return (yield ctx.callActivity("Work", ms)) as number;
    });
    await second.start();
    await client.scheduleNewOrchestration("One", 10_000, { instanceId: "abandoned" });
    while (!(await service.getOrchestrationHistory("abandoned")).some((e) => e.type === "TaskScheduled"))
      await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await second.stop({ drainTimeoutMs: 100 });
    expect(Date.now() - t0).toBeLessThan(2000);
    // The abandoned activity is still queued: a new worker finishes the instance.
    const third = new TaskHubWorker(service);
    third.addActivity("Work", () => 7);
    third.addOrchestrator("One", function* (ctx, ms: number) {
      return (yield ctx.callActivity("Work", ms)) as number;
    });
    await started(service, third);
    expect((await client.waitForOrchestrationCompletion("abandoned", { timeoutMs: 10_000 })).output).toBe(7);
  });

  it("rejects bad registrations with clear errors", () => {
    const worker = new TaskHubWorker(new InMemoryOrchestrationService());
    expect(() => worker.addActivity("", () => 1)).toThrow(/non-empty/);
    worker.addActivity("A", () => 1);
    expect(() => worker.addActivity("A", () => 1)).toThrow(/already registered/);
    expect(() => worker.addOrchestrator("O", undefined as never)).toThrow(/must be a function/);
  });

  it("fails activities whose output cannot be serialized, without losing the instance", async () => {
    const service = new InMemoryOrchestrationService({ pollIntervalMs: 20 });
    const worker = new TaskHubWorker(service);
    worker.addActivity("Big", () => 10n);
    worker.addOrchestrator("UsesBig", function* (ctx) {
      return (yield ctx.callActivity("Big")) as unknown;
    });
    const client = await started(service, worker);
    const s = await client.waitForOrchestrationCompletion(await client.scheduleNewOrchestration("UsesBig"), {
      timeoutMs: 10_000,
    });
    expect(s.runtimeStatus).toBe("Failed");
    expect(s.failureDetails?.innerFailure?.errorMessage).toMatch(/not JSON-serializable/);
  });
});

describe("InMemoryOrchestrationService", () => {
  it("quarantines a message that keeps failing and can replay it", async () => {
    const service = new InMemoryOrchestrationService({ pollIntervalMs: 20, maxDequeueCount: 3 });
    let broken = true;
    const wrapped: OrchestrationService = Object.create(service) as InMemoryOrchestrationService;
    wrapped.completeOrchestrationWorkItem = async (wi, commit) => {
      if (broken) throw new Error("cannot checkpoint");
      return service.completeOrchestrationWorkItem(wi, commit);
    };
    const worker = new TaskHubWorker(wrapped, { abandonDelayMs: 1 });
    worker.addOrchestrator("Hi", () => "hi");
    const client = await started(service, worker);
    const id = await client.scheduleNewOrchestration("Hi");
    while ((await service.listPoisonMessages()).length === 0) await new Promise((r) => setTimeout(r, 10));
    const [poisoned] = await service.listPoisonMessages();
    expect(poisoned?.eventType).toBe("ExecutionStarted");
    expect(poisoned?.reason).toMatch(/delivered 3 times/);
    expect((await client.getOrchestrationState(id))?.runtimeStatus).toBe("Pending");
    broken = false;
    expect(await service.replayPoisonMessage(poisoned!.queueName, poisoned!.messageId)).toBe(true);
    expect((await client.waitForOrchestrationCompletion(id, { timeoutMs: 10_000 })).output).toBe("hi");
    expect(await service.listPoisonMessages()).toEqual([]);
  });

  it("splits a 10-day timer into chunks no longer than the backend limit", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    const service = new InMemoryOrchestrationService({
      clock,
      autoAdvanceTime: true,
      maxTimerIntervalMs: 3 * DAY,
      pollIntervalMs: 20,
    });
    const worker = new TaskHubWorker(service);
    worker.addOrchestrator("Sleep", function* (ctx) {
      yield ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 10 * DAY));
      return ctx.currentUtcDateTime.toISOString();
    });
    const client = await started(service, worker);
    const id = await client.scheduleNewOrchestration("Sleep");
    const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 10_000 });
    expect(s.output).toBe("2026-01-11T00:00:00.000Z");
    const timers = (await client.getOrchestrationHistory(id)).filter(
      (e): e is TimerCreatedEvent => e.type === "TimerCreated",
    );
    expect(timers.map((t) => t.fireAt)).toEqual([
      "2026-01-04T00:00:00.000Z",
      "2026-01-07T00:00:00.000Z",
      "2026-01-10T00:00:00.000Z",
      "2026-01-11T00:00:00.000Z",
    ]);
  });
});
