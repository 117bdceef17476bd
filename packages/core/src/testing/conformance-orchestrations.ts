/** The orchestrators and activities the conformance suites register on every worker. */
import { TaskFailedError, type TaskHubError } from "../errors/errors.js";
import type { DurableTask } from "../replay/tasks.js";
import type { TaskHubWorker } from "../worker.js";

function bump(counters: Map<string, number>, key: string): number {
  const n = (counters.get(key) ?? 0) + 1;
  counters.set(key, n);
  return n;
}

/** The orchestrators and activities every conformance test can use. */
export function registerConformanceTasks(w: TaskHubWorker, counters: Map<string, number>): void {
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
  // The query cases' instances: a custom status of their choosing; with `wait`, Running until "go".
  w.addOrchestrator("Labelled", function* (ctx, input: { status?: unknown; wait?: boolean }) {
    if (input.status !== undefined) ctx.setCustomStatus(input.status);
    if (input.wait) yield ctx.waitForExternalEvent("go");
    return "labelled";
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
  // Waits for "go", then for a timer it schedules then (timer id 0): a TimerFired sent before "go" is early.
  w.addOrchestrator("TimerAfterGo", function* (ctx) {
    yield ctx.waitForExternalEvent("go");
    yield ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 10 * 60_000));
    return "fired";
  });
}
