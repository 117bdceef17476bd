/**
 * The backend conformance suite: every client verb and context feature, run through a real
 * `TaskHubWorker` and `TaskHubClient` over the backend under test. The in-memory service passes it in
 * core; the Azure Storage service runs the same suite against Azurite.
 *
 * Usage (in a vitest file; the test API is passed in, typed by `TestApi`, so that `@taskhub/core/testing`
 * neither loads nor needs a test runner):
 *   import { describe, it, expect } from "vitest";
 *   runConformanceSuite("in-memory", async () => ({ service: new InMemoryOrchestrationService() }), { describe, it, expect });
 *
 * Timers here are short real-time delays (no virtual clock), so any backend can pass.
 */
import type {
  ActivityWorkItem,
  OrchestrationCommit,
  OrchestrationService,
  OrchestrationServiceClient,
  OrchestrationWorkItem,
} from "../backend/service.js";
import type { TaskMessage } from "../backend/task-message.js";
import { TaskHubClient } from "../client.js";
import { TaskFailedError, TaskHubError } from "../errors/errors.js";
import type { OrchestrationContext } from "../replay/context.js";
import type { Logger } from "../replay/logger.js";
import type { DurableTask } from "../replay/tasks.js";
import { TaskHubWorker, type TaskHubWorkerOptions } from "../worker.js";
import type { TestApi } from "./test-api.js";

export interface BackendUnderTest {
  service: OrchestrationService & OrchestrationServiceClient;
  /** Defaults to `service`. */
  client?: OrchestrationServiceClient;
  dispose?(): Promise<void>;
}

export interface ConformanceOptions {
  /** Per-test timeout for waiting on an instance (default 20 s). */
  waitTimeoutMs?: number;
  workerOptions?: TaskHubWorkerOptions;
  logger?: Logger;
}

type Setup = (worker: TaskHubWorker, counters: Map<string, number>) => void;

interface Harness {
  client: TaskHubClient;
  counters: Map<string, number>;
  worker: TaskHubWorker;
  wait(id: string): ReturnType<TaskHubClient["waitForOrchestrationCompletion"]>;
}

function bump(counters: Map<string, number>, key: string): number {
  const n = (counters.get(key) ?? 0) + 1;
  counters.set(key, n);
  return n;
}

/** The orchestrators and activities every conformance test can use. */
const registerAll: Setup = (w, counters) => {
  w.addActivity("Echo", (_ctx, input: unknown) => input);
  w.addActivity("Double", (_ctx, n: number) => n * 2);
  w.addActivity("Count", (_ctx, key: string) => bump(counters, key));
  w.addActivity("Fail", (_ctx, message: string) => {
    throw new Error(message);
  });
  w.addActivity("FailTimes", (_ctx, input: { key: string; times: number }) => {
    const n = bump(counters, input.key);
    if (n <= input.times) throw new Error(`attempt ${n} fails`);
    return n;
  });
  w.addActivity("FailUntilAllowed", (_ctx, key: string) => {
    bump(counters, key);
    if (!counters.get(`${key}:allowed`)) throw new Error("not allowed yet");
    return "ok";
  });
  w.addActivity("WhoCalled", (ctx) => ({ instanceId: ctx.instanceId, taskId: ctx.taskId }));

  w.addOrchestrator("Sequence", function* (ctx, input: number[]) {
    const out: number[] = [];
    for (const n of input) out.push(yield ctx.callActivity("Double", n));
    return out;
  });
  w.addOrchestrator("FanOut", function* (ctx, count: number) {
    const tasks: DurableTask<number>[] = [];
    for (let i = 0; i < count; i++) tasks.push(ctx.callActivity("Double", i));
    const results: number[] = yield ctx.whenAll(tasks);
    return results.reduce((a, b) => a + b, 0);
  });
  w.addOrchestrator("Parent", function* (ctx, input: { childInput: number[]; instanceId?: string }) {
    const r: number[] = yield ctx.callSubOrchestrator("Sequence", input.childInput, {
      instanceId: input.instanceId,
    });
    return { child: r, parent: ctx.parent ?? null };
  });
  // Orchestrators that never wait may be plain functions.
  w.addOrchestrator("ChildInfo", (ctx) => ({ parent: ctx.parent ?? null, instanceId: ctx.instanceId }));
  w.addOrchestrator("ParentOfInfo", function* (ctx) {
    const r: unknown = yield ctx.callSubOrchestrator("ChildInfo", undefined, {
      instanceId: `${ctx.instanceId}-child`,
    });
    return r;
  });
  w.addOrchestrator("Thrower", (_ctx, message: string) => {
    throw new Error(message);
  });
  w.addOrchestrator("CatchChildFailure", function* (ctx) {
    try {
      const r: unknown = yield ctx.callSubOrchestrator("Thrower", "child broke");
      return r;
    } catch (err) {
      if (!(err instanceof TaskFailedError)) throw err;
      return { code: err.code, message: err.message, inner: err.details.errorMessage };
    }
  });
  w.addOrchestrator("UncaughtChildFailure", function* (ctx) {
    const r: unknown = yield ctx.callSubOrchestrator("Thrower", "child broke");
    return r;
  });
  w.addOrchestrator("CatchActivityFailure", function* (ctx) {
    try {
      const r: unknown = yield ctx.callActivity("Fail", "boom");
      return r;
    } catch (err) {
      return {
        isTaskFailed: err instanceof TaskFailedError,
        type: (err as TaskFailedError).details.errorType,
        message: (err as TaskFailedError).details.errorMessage,
      };
    }
  });
  w.addOrchestrator("WaitEvent", function* (ctx, name: string) {
    const v: unknown = yield ctx.waitForExternalEvent(name);
    return v;
  });
  w.addOrchestrator("WaitEventWithTimeout", function* (ctx, input: { name: string; timeoutMs: number }) {
    try {
      const value: unknown = yield ctx.waitForExternalEvent(input.name, { timeoutMs: input.timeoutMs });
      return { value };
    } catch (err) {
      return { timedOut: (err as TaskHubError).code === "Timeout" };
    }
  });
  w.addOrchestrator("Timer", function* (ctx, delayMs: number) {
    const start = ctx.currentUtcDateTime.getTime();
    yield ctx.createTimer(new Date(start + delayMs));
    return ctx.currentUtcDateTime.getTime() - start;
  });
  w.addOrchestrator("Race", function* (ctx, delayMs: number) {
    const timer = ctx.createTimer(delayMs);
    const event = ctx.waitForExternalEvent("go");
    const winner: DurableTask<unknown> = yield ctx.whenAny<unknown>([timer, event]);
    if (winner === event) timer.cancel();
    return winner === event ? "event" : "timer";
  });
  w.addOrchestrator("SendTo", (ctx, target: string) => {
    ctx.sendEvent(target, "ping", { from: ctx.instanceId });
    return "sent";
  });
  w.addOrchestrator("CustomStatus", function* (ctx) {
    ctx.setCustomStatus({ stage: "waiting" });
    yield ctx.waitForExternalEvent("next");
    ctx.setCustomStatus({ stage: "done" });
    return "ok";
  });
  w.addOrchestrator("Guids", function* (ctx) {
    const a = ctx.newGuid();
    yield ctx.callActivity("Echo", 1);
    const b = ctx.newGuid();
    return [a, b];
  });
  w.addOrchestrator("Retry", function* (ctx, input: { key: string; times: number }) {
    const r: unknown = yield ctx.callActivity("FailTimes", input, {
      retry: { maxNumberOfAttempts: 4, firstRetryIntervalMs: 50, backoffCoefficient: 2 },
    });
    return r;
  });
  w.addOrchestrator("Counter", function* (ctx, count: number) {
    const delta: number = yield ctx.waitForExternalEvent("inc");
    const next = count + delta;
    if (next >= 5) return next;
    ctx.continueAsNew(next);
    return undefined;
  });
  w.addOrchestrator("Rewindable", function* (ctx, key: string) {
    const a: unknown = yield ctx.callActivity("Echo", "first");
    const b: unknown = yield ctx.callActivity("FailUntilAllowed", key);
    return [a, b];
  });
  w.addOrchestrator("NestedWaiters", function* (ctx) {
    const r: unknown = yield ctx.callSubOrchestrator("WaitEvent", "never", {
      instanceId: `${ctx.instanceId}-child`,
    });
    return r;
  });
  w.addOrchestrator("CallsMissingActivity", function* (ctx) {
    const r: unknown = yield ctx.callActivity("NoSuchActivity", 1);
    return r;
  });
  w.addOrchestrator("Activities", function* (ctx) {
    const r: unknown = yield ctx.callActivity("WhoCalled");
    return r;
  });
};

/**
 * Redelivery and duplicates, as a crashing or racing worker produces them: the first checkpoint of every
 * instance is abandoned (redelivered), and every activity result is delivered twice.
 */
export class FlakyService implements OrchestrationService {
  private readonly crashed = new Set<string>();
  readonly maxTimerIntervalMs: number | undefined;
  constructor(
    private readonly inner: OrchestrationService,
    private readonly client: OrchestrationServiceClient,
  ) {
    this.maxTimerIntervalMs = inner.maxTimerIntervalMs;
  }
  now(): Date {
    return this.inner.now?.() ?? new Date();
  }
  createIfNotExists(): Promise<void> {
    return this.inner.createIfNotExists();
  }
  start(): Promise<void> {
    return this.inner.start();
  }
  stop(): Promise<void> {
    return this.inner.stop();
  }
  lockNextOrchestrationWorkItem(o: { signal: AbortSignal }): Promise<OrchestrationWorkItem | undefined> {
    return this.inner.lockNextOrchestrationWorkItem(o);
  }
  renewOrchestrationWorkItemLock(wi: OrchestrationWorkItem): Promise<void> {
    return this.inner.renewOrchestrationWorkItemLock(wi);
  }
  async completeOrchestrationWorkItem(
    wi: OrchestrationWorkItem,
    commit: OrchestrationCommit | undefined,
  ): Promise<void> {
    if (commit && !this.crashed.has(wi.instanceId)) {
      this.crashed.add(wi.instanceId);
      throw new Error("injected crash before checkpoint");
    }
    return this.inner.completeOrchestrationWorkItem(wi, commit);
  }
  abandonOrchestrationWorkItem(wi: OrchestrationWorkItem, o?: { delayMs?: number }): Promise<void> {
    return this.inner.abandonOrchestrationWorkItem(wi, { ...o, delayMs: 0 });
  }
  lockNextActivityWorkItem(o: { signal: AbortSignal }): Promise<ActivityWorkItem | undefined> {
    return this.inner.lockNextActivityWorkItem(o);
  }
  renewActivityWorkItemLock(wi: ActivityWorkItem): Promise<void> {
    return this.inner.renewActivityWorkItemLock(wi);
  }
  async completeActivityWorkItem(wi: ActivityWorkItem, response: TaskMessage): Promise<void> {
    await this.inner.completeActivityWorkItem(wi, response);
    await this.client.sendTaskOrchestrationMessage(response);
  }
  abandonActivityWorkItem(wi: ActivityWorkItem, o?: { delayMs?: number }): Promise<void> {
    return this.inner.abandonActivityWorkItem(wi, o);
  }
}

export function runConformanceSuite(
  backendName: string,
  createBackend: () => Promise<BackendUnderTest>,
  api: TestApi,
  options: ConformanceOptions = {},
): void {
  const { describe, it, expect } = api;
  const waitTimeoutMs = options.waitTimeoutMs ?? 20_000;

  async function withHarness(
    fn: (h: Harness) => Promise<void>,
    wrap?: (service: OrchestrationService, client: OrchestrationServiceClient) => OrchestrationService,
  ): Promise<void> {
    const backend = await createBackend();
    const clientService = backend.client ?? backend.service;
    const counters = new Map<string, number>();
    const service = wrap ? wrap(backend.service, clientService) : backend.service;
    const worker = new TaskHubWorker(service, {
      logger: options.logger,
      abandonDelayMs: 10,
      ...options.workerOptions,
    });
    registerAll(worker, counters);
    const client = new TaskHubClient(clientService);
    await worker.start();
    try {
      await fn({
        client,
        counters,
        worker,
        wait: (id) => client.waitForOrchestrationCompletion(id, { timeoutMs: waitTimeoutMs }),
      });
    } finally {
      await worker.stop({ drainTimeoutMs: 5000 });
      await backend.dispose?.();
    }
  }

  async function waitForStatus(client: TaskHubClient, id: string, status: string): Promise<void> {
    const deadline = Date.now() + waitTimeoutMs;
    while (Date.now() < deadline) {
      const s = await client.getOrchestrationState(id, { fetchPayloads: false });
      if (s?.runtimeStatus === status) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`instance ${id} did not reach ${status}`);
  }

  describe(`backend conformance: ${backendName}`, () => {
    describe("client verbs", () => {
      it("schedules, runs and reports a sequence", () =>
        withHarness(async ({ client, wait }) => {
          const id = await client.scheduleNewOrchestration("Sequence", [1, 2, 3], {
            instanceId: "seq-1",
            tags: { team: "a" },
          });
          expect(id).toBe("seq-1");
          const s = await wait(id);
          expect(s.runtimeStatus).toBe("Completed");
          expect(s.output).toEqual([2, 4, 6]);
          expect(s.input).toEqual([1, 2, 3]);
          expect(s.name).toBe("Sequence");
          expect(s.tags).toEqual({ team: "a" });
          expect(s.createdAt.getTime()).toBeLessThanOrEqual(s.lastUpdatedAt.getTime());
          expect(s.serializedOutput).toBe("[2,4,6]");
        }));

      it("returns undefined for an unknown instance and rejects bad ids", () =>
        withHarness(async ({ client }) => {
          expect(await client.getOrchestrationState("nope")).toBeUndefined();
          await expect(
            client.scheduleNewOrchestration("Sequence", [], { instanceId: "a/b" }),
          ).rejects.toMatchObject({ code: "InvalidArgument" });
          await expect(client.scheduleNewOrchestration("", [])).rejects.toMatchObject({
            code: "InvalidArgument",
          });
          await expect(client.raiseEvent("nope", "x")).rejects.toMatchObject({ code: "InstanceNotFound" });
          await expect(client.scheduleNewOrchestration("Sequence", { big: 1n })).rejects.toMatchObject({
            code: "Serialization",
          });
        }));

      it("dedupes by status and re-creates an id as a new generation", () =>
        withHarness(async ({ client, wait }) => {
          await client.scheduleNewOrchestration("WaitEvent", "go", { instanceId: "dup" });
          await expect(
            client.scheduleNewOrchestration("WaitEvent", "go", { instanceId: "dup" }),
          ).rejects.toMatchObject({
            code: "OrchestrationAlreadyExists",
          });
          await client.raiseEvent("dup", "go", 1);
          expect((await wait("dup")).output).toBe(1);
          await client.scheduleNewOrchestration("Sequence", [5], { instanceId: "dup" });
          const s = await wait("dup");
          expect(s.output).toEqual([10]);
          expect(s.generation).toBe(1);
          expect(s.name).toBe("Sequence");
        }));

      it("honours a scheduled start time", () =>
        withHarness(async ({ client, wait }) => {
          const startAt = new Date(Date.now() + 1500);
          const id = await client.scheduleNewOrchestration("Sequence", [1], { startAt });
          const pending = await client.getOrchestrationState(id);
          expect(pending?.runtimeStatus).toBe("Pending");
          expect(pending?.scheduledStartAt?.getTime()).toBe(startAt.getTime());
          const started = await client.waitForOrchestrationStart(id, { timeoutMs: waitTimeoutMs });
          expect(Date.now()).toBeGreaterThanOrEqual(startAt.getTime() - 50);
          expect(started.runtimeStatus).not.toBe("Pending");
          expect((await wait(id)).runtimeStatus).toBe("Completed");
        }));

      it("raises events, terminates, suspends and resumes", () =>
        withHarness(async ({ client, wait }) => {
          const t = await client.scheduleNewOrchestration("WaitEvent", "never");
          await client.waitForOrchestrationStart(t, { timeoutMs: waitTimeoutMs });
          await client.terminateOrchestration(t, { output: "stopped by test" });
          const ts = await wait(t);
          expect(ts.runtimeStatus).toBe("Terminated");
          expect(ts.output).toBe("stopped by test");

          const s = await client.scheduleNewOrchestration("WaitEvent", "go");
          await client.waitForOrchestrationStart(s, { timeoutMs: waitTimeoutMs });
          await client.suspendOrchestration(s, "pause");
          await waitForStatus(client, s, "Suspended");
          await client.raiseEvent(s, "go", "held");
          await new Promise((r) => setTimeout(r, 300));
          expect((await client.getOrchestrationState(s))?.runtimeStatus).toBe("Suspended");
          await client.resumeOrchestration(s, "continue");
          const done = await wait(s);
          expect(done.runtimeStatus).toBe("Completed");
          expect(done.output).toBe("held");
        }));

      it("terminates a pending scheduled instance before it starts", () =>
        withHarness(async ({ client, wait }) => {
          const id = await client.scheduleNewOrchestration("Sequence", [1], {
            startAt: new Date(Date.now() + 1000),
          });
          await client.terminateOrchestration(id, { output: "cancelled" });
          const s = await wait(id);
          expect(s.runtimeStatus).toBe("Terminated");
          await new Promise((r) => setTimeout(r, 1500));
          expect((await client.getOrchestrationState(id))?.runtimeStatus).toBe("Terminated");
        }));

      it("rewinds a failed instance", () =>
        withHarness(async ({ client, wait, counters }) => {
          const id = await client.scheduleNewOrchestration("Rewindable", "rw");
          const failed = await wait(id);
          expect(failed.runtimeStatus).toBe("Failed");
          expect(failed.failureDetails?.errorMessage).toContain("not allowed yet");
          await expect(client.rewindOrchestration("nope")).rejects.toMatchObject({
            code: "InstanceNotFound",
          });
          counters.set("rw:allowed", 1);
          await client.rewindOrchestration(id, "fixed");
          const s = await wait(id);
          expect(s.runtimeStatus).toBe("Completed");
          expect(s.output).toEqual(["first", "ok"]);
          await expect(client.rewindOrchestration(id)).rejects.toMatchObject({ code: "InvalidOperation" });
        }));

      it("restarts an instance with the same or a new id", () =>
        withHarness(async ({ client, wait }) => {
          const id = await client.scheduleNewOrchestration("Sequence", [7], { instanceId: "restart-me" });
          await wait(id);
          const same = await client.restartOrchestration(id);
          expect(same).toBe(id);
          expect((await wait(same)).generation).toBe(1);
          const other = await client.restartOrchestration(id, { newInstanceId: true });
          expect(other).not.toBe(id);
          const s = await wait(other);
          expect(s.output).toEqual([14]);
        }));

      it("purges by id and by filter", () =>
        withHarness(async ({ client, wait }) => {
          const ids = [];
          for (let i = 0; i < 3; i++)
            ids.push(await client.scheduleNewOrchestration("Sequence", [i], { instanceId: `purge-${i}` }));
          for (const id of ids) await wait(id);
          const running = await client.scheduleNewOrchestration("WaitEvent", "x", {
            instanceId: "purge-running",
          });
          await client.waitForOrchestrationStart(running, { timeoutMs: waitTimeoutMs });
          expect((await client.purgeOrchestration("purge-0")).deletedInstanceCount).toBe(1);
          expect(await client.getOrchestrationState("purge-0")).toBeUndefined();
          expect((await client.purgeOrchestration("purge-0")).deletedInstanceCount).toBe(0);
          // A filter naming a status that is not finished is refused, whatever else it names; nothing goes.
          await expect(client.purgeOrchestration({ statuses: ["Running"] })).rejects.toMatchObject({
            code: "InvalidArgument",
          });
          await expect(
            client.purgeOrchestration({ statuses: ["Completed", "Pending"] }),
          ).rejects.toMatchObject({ code: "InvalidArgument" });
          expect((await client.getOrchestrationState(running))?.runtimeStatus).toBe("Running");
          expect((await client.getOrchestrationState("purge-1"))?.runtimeStatus).toBe("Completed");
          const r = await client.purgeOrchestration({ statuses: ["Completed"] });
          expect(r.deletedInstanceCount).toBe(2);
          expect(await client.getOrchestrationState("purge-1")).toBeUndefined();
          expect((await client.getOrchestrationState(running))?.runtimeStatus).toBe("Running");
        }));

      it("lists instances with filters and pages", () =>
        withHarness(async ({ client, wait }) => {
          const before = new Date(Date.now() - 1000);
          for (let i = 0; i < 5; i++)
            await client.scheduleNewOrchestration("Sequence", [i], { instanceId: `list-${i}` });
          for (let i = 0; i < 5; i++) await wait(`list-${i}`);
          await client.scheduleNewOrchestration("WaitEvent", "x", { instanceId: "other-1" });
          const all: string[] = [];
          for await (const s of client.listInstances({ instanceIdPrefix: "list-", pageSize: 2 }))
            all.push(s.instanceId);
          expect(all.sort()).toEqual(["list-0", "list-1", "list-2", "list-3", "list-4"]);
          const pages = [];
          for await (const page of client.listInstances({ instanceIdPrefix: "list-", pageSize: 2 }).byPage())
            pages.push(page.items.length);
          expect(pages).toEqual([2, 2, 1]);
          const completed: string[] = [];
          for await (const s of client.listInstances({ statuses: ["Completed"], createdFrom: before }))
            completed.push(s.instanceId);
          expect(completed).not.toContain("other-1");
          expect(completed.filter((x) => x.startsWith("list-"))).toHaveLength(5);
          const none: string[] = [];
          for await (const s of client.listInstances({ createdTo: before })) none.push(s.instanceId);
          expect(none).toEqual([]);
        }));

      it("returns the history of an instance", () =>
        withHarness(async ({ client, wait }) => {
          const id = await client.scheduleNewOrchestration("Sequence", [1]);
          await wait(id);
          const h = await client.getOrchestrationHistory(id);
          expect(h.map((e) => e.type)).toEqual([
            "OrchestratorStarted",
            "ExecutionStarted",
            "TaskScheduled",
            "OrchestratorCompleted",
            "OrchestratorStarted",
            "TaskCompleted",
            "ExecutionCompleted",
            "OrchestratorCompleted",
          ]);
          const started = h[1];
          expect(started?.type === "ExecutionStarted" && started.orchestrationInstance.instanceId).toBe(id);
        }));
    });

    describe("context features", () => {
      it("fans out and in", () =>
        withHarness(async ({ client, wait }) => {
          const s = await wait(await client.scheduleNewOrchestration("FanOut", 20));
          expect(s.output).toBe(2 * ((19 * 20) / 2));
        }));

      it("runs sub-orchestrations with parent info", () =>
        withHarness(async ({ client, wait }) => {
          const s = await wait(await client.scheduleNewOrchestration("Parent", { childInput: [1, 2] }));
          expect(s.output).toEqual({ child: [2, 4], parent: null });
          const p = await client.scheduleNewOrchestration("ParentOfInfo", undefined, {
            instanceId: "info-parent",
          });
          const ps = await wait(p);
          expect(ps.output).toEqual({
            parent: { name: "ParentOfInfo", instanceId: "info-parent", taskScheduledId: 0 },
            instanceId: "info-parent-child",
          });
        }));

      it("propagates sub-orchestration and activity failures", () =>
        withHarness(async ({ client, wait }) => {
          const caught = await wait(await client.scheduleNewOrchestration("CatchChildFailure"));
          expect(caught.output).toMatchObject({ code: "TaskFailed", inner: "child broke" });
          const uncaught = await wait(await client.scheduleNewOrchestration("UncaughtChildFailure"));
          expect(uncaught.runtimeStatus).toBe("Failed");
          expect(uncaught.failureDetails?.errorType).toBe("TaskFailedError");
          expect(uncaught.failureDetails?.innerFailure?.errorMessage).toBe("child broke");
          const act = await wait(await client.scheduleNewOrchestration("CatchActivityFailure"));
          expect(act.output).toEqual({ isTaskFailed: true, type: "Error", message: "boom" });
        }));

      it("fires timers and races them against events", () =>
        withHarness(async ({ client, wait }) => {
          const t = await wait(await client.scheduleNewOrchestration("Timer", 300));
          expect(t.output).toBeGreaterThanOrEqual(300);
          const timerWins = await wait(await client.scheduleNewOrchestration("Race", 200));
          expect(timerWins.output).toBe("timer");
          const r = await client.scheduleNewOrchestration("Race", 60_000);
          await client.waitForOrchestrationStart(r, { timeoutMs: waitTimeoutMs });
          await client.raiseEvent(r, "go");
          expect((await wait(r)).output).toBe("event");
        }));

      it("waits for external events with a timeout", () =>
        withHarness(async ({ client, wait }) => {
          const a = await wait(
            await client.scheduleNewOrchestration("WaitEventWithTimeout", { name: "e", timeoutMs: 200 }),
          );
          expect(a.output).toEqual({ timedOut: true });
          const b = await client.scheduleNewOrchestration("WaitEventWithTimeout", {
            name: "E",
            timeoutMs: 60_000,
          });
          await client.raiseEvent(b, "e", { v: 1 });
          expect((await wait(b)).output).toEqual({ value: { v: 1 } });
        }));

      it("sends events between instances", () =>
        withHarness(async ({ client, wait }) => {
          const receiver = await client.scheduleNewOrchestration("WaitEvent", "ping", {
            instanceId: "receiver",
          });
          await client.scheduleNewOrchestration("SendTo", receiver, { instanceId: "sender" });
          expect((await wait(receiver)).output).toEqual({ from: "sender" });
        }));

      it("exposes custom status", () =>
        withHarness(async ({ client, wait }) => {
          const id = await client.scheduleNewOrchestration("CustomStatus");
          const deadline = Date.now() + waitTimeoutMs;
          let cs: unknown;
          while (Date.now() < deadline) {
            cs = (await client.getOrchestrationState(id))?.customStatus;
            if (cs) break;
            await new Promise((r) => setTimeout(r, 20));
          }
          expect(cs).toEqual({ stage: "waiting" });
          await client.raiseEvent(id, "next");
          expect((await wait(id)).customStatus).toEqual({ stage: "done" });
        }));

      it("makes deterministic GUIDs and reports activity context", () =>
        withHarness(async ({ client, wait }) => {
          const g = await wait(await client.scheduleNewOrchestration("Guids"));
          const [a, b] = g.output as string[];
          expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
          expect(a).not.toBe(b);
          const w = await wait(
            await client.scheduleNewOrchestration("Activities", undefined, { instanceId: "who" }),
          );
          expect(w.output).toEqual({ instanceId: "who", taskId: 0 });
        }));

      it("retries activities with back-off", () =>
        withHarness(async ({ client, wait, counters }) => {
          const ok = await wait(await client.scheduleNewOrchestration("Retry", { key: "r1", times: 2 }));
          expect(ok.output).toBe(3);
          expect(counters.get("r1")).toBe(3);
          const exhausted = await wait(
            await client.scheduleNewOrchestration("Retry", { key: "r2", times: 10 }),
          );
          expect(exhausted.runtimeStatus).toBe("Failed");
          expect(counters.get("r2")).toBe(4);
        }));

      it("fails unknown orchestrators and activities with a clear error", () =>
        withHarness(async ({ client, wait }) => {
          const o = await wait(await client.scheduleNewOrchestration("NoSuchOrchestrator"));
          expect(o.runtimeStatus).toBe("Failed");
          expect(o.failureDetails?.errorType).toBe("OrchestratorNotRegistered");
          expect(o.failureDetails?.errorMessage).toContain("NoSuchOrchestrator");
          const a = await wait(await client.scheduleNewOrchestration("CallsMissingActivity"));
          expect(a.runtimeStatus).toBe("Failed");
          expect(a.failureDetails?.innerFailure?.errorMessage).toContain("NoSuchActivity");
        }));
    });

    describe("continue-as-new, termination and redelivery", () => {
      it("continues as new and carries over unconsumed events", () =>
        withHarness(async ({ client, wait }) => {
          const id = await client.scheduleNewOrchestration("Counter", 0);
          for (let i = 0; i < 5; i++) await client.raiseEvent(id, "inc", 1);
          const s = await wait(id);
          expect(s.runtimeStatus).toBe("Completed");
          expect(s.output).toBe(5);
          const h = await client.getOrchestrationHistory(id);
          expect(h.filter((e) => e.type === "ExecutionStarted")).toHaveLength(1);
        }));

      it("terminates recursively", () =>
        withHarness(async ({ client, wait }) => {
          const id = await client.scheduleNewOrchestration("NestedWaiters", undefined, {
            instanceId: "tree",
          });
          await waitForStatus(client, "tree-child", "Running");
          await client.terminateOrchestration(id, { output: "all", recursive: true });
          expect((await wait(id)).runtimeStatus).toBe("Terminated");
          expect((await wait("tree-child")).runtimeStatus).toBe("Terminated");
        }));

      it("tolerates redelivered work items and duplicate results", () =>
        withHarness(
          async ({ client, wait, counters }) => {
            const seq = await wait(await client.scheduleNewOrchestration("Sequence", [1, 2, 3]));
            expect(seq.output).toEqual([2, 4, 6]);
            const fan = await wait(await client.scheduleNewOrchestration("FanOut", 10));
            expect(fan.output).toBe(90);
            const child = await wait(await client.scheduleNewOrchestration("Parent", { childInput: [3] }));
            expect(child.output).toEqual({ child: [6], parent: null });
            const counted = await wait(await client.scheduleNewOrchestration("Sequence", [1]));
            expect(counted.runtimeStatus).toBe("Completed");
            expect(counters.size).toBe(0);
            const h = await client.getOrchestrationHistory(seq.instanceId);
            expect(h.filter((e) => e.type === "TaskCompleted")).toHaveLength(3);
          },
          (service, client) => new FlakyService(service, client),
        ));
    });
  });
}

/** Helper for tests that want an orchestration context type without importing internals. */
export type { OrchestrationContext };
