// Worker versioning end to end on the in-memory backend, as DurableTask.Core and Durable Functions have it:
// the client's default version stamps new instances, sub-orchestrations get the worker's default version,
// orchestrators registered per version run side by side, and a worker's versionMatchStrategy /
// versionFailureStrategy decide what happens to an instance of another version (Reject: left for another
// worker, nothing written; Fail: Failed with VersionMismatch, the orchestrator never runs).
import { afterEach, describe, expect, it } from "vitest";
import {
  TaskHubClient,
  TaskHubWorker,
  type Logger,
  type Orchestrator,
  type VersioningOptions,
} from "../../src/index.js";
import { InMemoryOrchestrationService, RecordingLogger } from "../../src/testing/index.js";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

/** A logger that resolves `seen(event)` once the worker has logged that event. */
function eventLogger(): Logger & { seen(event: string): Promise<void> } {
  const events: string[] = [];
  const waiters: { event: string; done: () => void }[] = [];
  const record = (o: object | string): void => {
    const event = typeof o === "object" ? (o as { event?: string }).event : undefined;
    if (!event) return;
    events.push(event);
    for (const w of waiters.filter((w) => w.event === event)) w.done();
  };
  return {
    debug: record,
    info: record,
    warn: record,
    error: record,
    seen: (event) =>
      events.includes(event) ? Promise.resolve() : new Promise((done) => waiters.push({ event, done })),
  } as Logger & { seen(event: string): Promise<void> };
}

async function startWorker(
  service: InMemoryOrchestrationService,
  versioning: VersioningOptions | undefined,
  register: (w: TaskHubWorker) => void,
  logger?: Logger,
): Promise<TaskHubWorker> {
  const worker = new TaskHubWorker(service, { versioning, logger, abandonDelayMs: 10 });
  register(worker);
  await worker.start();
  stops.push(() => worker.stop({ drainTimeoutMs: 2000 }));
  return worker;
}

const reportVersion: Orchestrator = (ctx) => ctx.version;

describe("versioning", () => {
  it("stamps new instances with the client's default version, and sub-orchestrations with the worker's", async () => {
    const service = new InMemoryOrchestrationService({ pollIntervalMs: 20 });
    await startWorker(service, { version: "2.0", defaultVersion: "2.0" }, (w) => {
      w.addOrchestrator("Child", reportVersion);
      w.addOrchestrator("Parent", function* (ctx) {
        const implicit: string = yield ctx.callSubOrchestrator("Child");
        const explicit: string = yield ctx.callSubOrchestrator("Child", undefined, { version: "1.5" });
        return [ctx.version, implicit, explicit];
      });
    });
    const client = new TaskHubClient(service, { defaultVersion: "2.0" });
    const id = await client.scheduleNewOrchestration("Parent");
    const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 20_000 });
    expect(s.output).toEqual(["2.0", "2.0", "1.5"]);
    expect(s.version).toBe("2.0");
    // An explicit version wins over the client's default.
    const other = await client.scheduleNewOrchestration("Child", undefined, { version: "1.0" });
    expect((await client.waitForOrchestrationCompletion(other, { timeoutMs: 20_000 })).output).toBe("1.0");
  });

  it("runs orchestrators registered per version side by side, the unversioned one for other versions", async () => {
    const service = new InMemoryOrchestrationService({ pollIntervalMs: 20 });
    await startWorker(service, undefined, (w) => {
      w.addOrchestrator("Greet", () => "v1", { version: "1.0" });
      w.addOrchestrator("Greet", () => "v2", { version: "2.0" });
      w.addOrchestrator("Greet", () => "any");
      w.addOrchestrator("OnlyV1", () => "v1", { version: "1.0" });
    });
    const client = new TaskHubClient(service);
    const run = async (name: string, version?: string) =>
      client.waitForOrchestrationCompletion(
        await client.scheduleNewOrchestration(name, undefined, { version }),
        {
          timeoutMs: 20_000,
        },
      );
    expect((await run("Greet", "1.0")).output).toBe("v1");
    expect((await run("Greet", "2.0")).output).toBe("v2");
    expect((await run("Greet", "3.0")).output).toBe("any");
    expect((await run("Greet")).output).toBe("any");
    const missing = await run("OnlyV1", "2.0");
    expect(missing.runtimeStatus).toBe("Failed");
    expect(missing.failureDetails).toMatchObject({ errorType: "OrchestratorNotRegistered" });
    expect(missing.failureDetails?.errorMessage).toMatch(/'OnlyV1' \(version '2\.0'\)/);
  });

  it("Reject: leaves an instance of a newer version untouched for a worker of that version", async () => {
    const service = new InMemoryOrchestrationService({ pollIntervalMs: 20 });
    const logger = eventLogger();
    let v1Ran = false;
    const v1 = await startWorker(
      service,
      { version: "1.0", matchStrategy: "CurrentOrOlder", failureStrategy: "Reject" },
      (w) =>
        w.addOrchestrator("Work", () => {
          v1Ran = true;
          return "v1";
        }),
      logger,
    );
    const client = new TaskHubClient(service);
    const id = await client.scheduleNewOrchestration("Work", undefined, { version: "2.0" });
    await logger.seen("orchestration.versionRejected");
    const pending = await client.getOrchestrationState(id);
    expect(pending?.runtimeStatus).toBe("Pending");
    expect(await client.getOrchestrationHistory(id)).toEqual([]);
    expect(v1Ran).toBe(false);

    await v1.stop({ drainTimeoutMs: 2000 });
    await startWorker(service, { version: "2.0", matchStrategy: "CurrentOrOlder" }, (w) =>
      w.addOrchestrator("Work", () => "v2"),
    );
    const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 20_000 });
    expect(s).toMatchObject({ runtimeStatus: "Completed", output: "v2" });
  });

  it("Reject: a rejected instance never reaches the poison store, however often it is rejected", async () => {
    const service = new InMemoryOrchestrationService({ pollIntervalMs: 20, maxDequeueCount: 2 });
    const logger = new RecordingLogger();
    const v1 = await startWorker(
      service,
      { version: "1.0", matchStrategy: "CurrentOrOlder", failureStrategy: "Reject" },
      (w) => w.addOrchestrator("Work", () => "v1"),
      logger,
    );
    const client = new TaskHubClient(service);
    const id = await client.scheduleNewOrchestration("Work", undefined, { version: "2.0" });
    // Twice maxDequeueCount + 1 deliveries: a counted abandon would have quarantined the start by the third.
    const rejections = (): number => logger.events("orchestration.versionRejected").length;
    for (const deadline = Date.now() + 30_000; rejections() < 6 && Date.now() < deadline;) {
      if ((await service.listPoisonMessages()).length > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await service.listPoisonMessages()).toEqual([]);
    expect(rejections()).toBeGreaterThanOrEqual(6);
    // The back-off grows with the rejections, from the worker's abandonDelayMs (10 ms here).
    const delays = logger.events("orchestration.versionRejected").map((e) => e.delayMs);
    expect(delays.slice(0, 4)).toEqual([10, 20, 40, 80]);
    expect((await client.getOrchestrationState(id))?.runtimeStatus).toBe("Pending");

    await v1.stop({ drainTimeoutMs: 2000 });
    await startWorker(service, { version: "2.0", matchStrategy: "CurrentOrOlder" }, (w) =>
      w.addOrchestrator("Work", () => "v2"),
    );
    const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 20_000 });
    expect(s).toMatchObject({ runtimeStatus: "Completed", output: "v2" });
    expect(await service.listPoisonMessages()).toEqual([]);
  });

  it("Fail: fails an instance of another version with VersionMismatch, without running it", async () => {
    const service = new InMemoryOrchestrationService({ pollIntervalMs: 20 });
    let ran = 0;
    await startWorker(service, { version: "2.0", matchStrategy: "Strict", failureStrategy: "Fail" }, (w) =>
      w.addOrchestrator("Work", () => {
        ran++;
        return "done";
      }),
    );
    const client = new TaskHubClient(service);
    const older = await client.scheduleNewOrchestration("Work", undefined, { version: "1.0" });
    const failed = await client.waitForOrchestrationCompletion(older, { timeoutMs: 20_000 });
    expect(failed.runtimeStatus).toBe("Failed");
    expect(failed.failureDetails).toMatchObject({ errorType: "VersionMismatch", isNonRetriable: true });
    expect(failed.failureDetails?.errorMessage).toMatch(/'1\.0' does not match this worker's version '2\.0'/);
    expect(ran).toBe(0);
    const same = await client.scheduleNewOrchestration("Work", undefined, { version: "2.0" });
    expect((await client.waitForOrchestrationCompletion(same, { timeoutMs: 20_000 })).output).toBe("done");
    expect(ran).toBe(1);
  });

  it("CurrentOrOlder runs older and unversioned instances; None runs any", async () => {
    const service = new InMemoryOrchestrationService({ pollIntervalMs: 20 });
    await startWorker(
      service,
      { version: "1.10", matchStrategy: "CurrentOrOlder", failureStrategy: "Fail" },
      (w) => w.addOrchestrator("Work", reportVersion),
    );
    const client = new TaskHubClient(service);
    const run = async (version: string) =>
      client.waitForOrchestrationCompletion(
        await client.scheduleNewOrchestration("Work", undefined, { version }),
        {
          timeoutMs: 20_000,
        },
      );
    expect((await run("1.9")).runtimeStatus).toBe("Completed"); // 1.9 < 1.10 as versions, not as strings
    expect((await run("")).runtimeStatus).toBe("Completed");
    expect((await run("1.10")).runtimeStatus).toBe("Completed");
    expect((await run("1.11")).failureDetails?.errorType).toBe("VersionMismatch");
  });

  it("refuses unknown strategies and a version registered twice", () => {
    const service = new InMemoryOrchestrationService();
    expect(() => new TaskHubWorker(service, { versioning: { matchStrategy: "Loose" as never } })).toThrow(
      /versionMatchStrategy must be one of None, Strict, CurrentOrOlder/,
    );
    expect(() => new TaskHubWorker(service, { versioning: { failureStrategy: "Ignore" as never } })).toThrow(
      /versionFailureStrategy must be one of Reject, Fail/,
    );
    const w = new TaskHubWorker(service);
    w.addOrchestrator("A", () => 1, { version: "1" });
    w.addOrchestrator("A", () => 1);
    expect(() => w.addOrchestrator("A", () => 1, { version: "1" })).toThrow(
      /orchestrator version '1' of 'A' is already registered/,
    );
    expect(() => w.addOrchestrator("A", () => 1)).toThrow(/orchestrator 'A' is already registered/);
    expect(w.orchestratorNames()).toEqual(["A"]);
    expect(w.registry.orchestratorVersions("A")).toEqual(["1", ""]);
  });
});
