/**
 * The interop test app on taskhub: the same orchestration and activity names, inputs and outputs as the DT.AS
 * peer's (e2e/dtf-peer/Orchestrations.cs and Activities.cs), so one runtime can start, finish or take over what
 * the other began, and a run on one can be compared field by field with a run on the other.
 */
import {
  EntityOperationFailedError,
  TaskFailedError,
  type Activity,
  type EntityContext,
  type TaskHubWorker,
} from "@taskhub/core";

const CITIES = ["Tokyo", "Seattle", "London", "Paris", "Cairo"];

/** Fails while it has run fewer than `failures` times for `key` in this process (as the peer's Flaky). */
const flakyAttempts = new Map<string, number>();

/**
 * Registers the app on `worker`. `activities` replace the app's activities of the same names (a test that needs
 * one to behave the same but, say, wait for its signal).
 */
export function registerInteropApp(
  worker: TaskHubWorker,
  activities: Record<string, Activity> = {},
): TaskHubWorker {
  for (const [name, fn] of Object.entries(activities)) worker.addActivity(name, fn);
  const addActivity = <TIn, TOut>(name: string, fn: Activity<TIn, TOut>): void => {
    if (!(name in activities)) worker.addActivity(name, fn);
  };
  addActivity("SayHello", (_ctx, name: string) => `Hello, ${name}!`);
  addActivity("Double", (_ctx, n: number) => n * 2);
  addActivity("Flaky", (_ctx, input: { key: string; failures: number }) => {
    const attempt = (flakyAttempts.get(input.key) ?? 0) + 1;
    flakyAttempts.set(input.key, attempt);
    if (attempt <= input.failures) throw new Error(`attempt ${attempt} of ${input.key} fails`);
    return `ok after ${attempt}`;
  });
  addActivity("AlwaysFail", (_ctx, message: string | null) => {
    throw new Error(message ?? "failed");
  });
  addActivity("Echo", (_ctx, v: unknown) => v);

  worker.addOrchestrator("HelloSequence", function* (ctx, prefix: string) {
    const results: string[] = [];
    for (const city of CITIES)
      results.push((yield ctx.callActivity("SayHello", `${prefix} ${city}`)) as string);
    return results;
  });
  worker.addOrchestrator("FanOutFanIn", function* (ctx, n: number) {
    const results = (yield ctx.whenAll(
      Array.from({ length: n }, (_, i) => ctx.callActivity("Double", i + 1)),
    )) as number[];
    return results.reduce((a, b) => a + b, 0);
  });
  worker.addOrchestrator("DurableTimer", function* (ctx, seconds: number) {
    yield ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + seconds * 1000));
    return "fired";
  });
  worker.addOrchestrator("WaitForEvent", function* (ctx, seconds: number) {
    try {
      return {
        approved: (yield ctx.waitForExternalEvent("approve", { timeoutMs: seconds * 1000 })) as unknown,
      };
    } catch (err) {
      if ((err as { code?: string }).code !== "Timeout") throw err;
      return "timeout";
    }
  });
  worker.addOrchestrator("Parent", function* (ctx, n: number) {
    return {
      child: (yield ctx.callSubOrchestrator("Child", n, { instanceId: `${ctx.instanceId}:child` })) as number,
    };
  });
  worker.addOrchestrator("Child", function* (ctx, n: number) {
    return ((yield ctx.callActivity("Double", n)) as number) + 1;
  });
  worker.addOrchestrator("ContinueAsNewCarry", function* (ctx, input: { items: unknown[]; target: number }) {
    const items = [...input.items, (yield ctx.waitForExternalEvent("item")) as unknown];
    if (items.length >= input.target) return items;
    ctx.continueAsNew({ items, target: input.target });
    return undefined;
  });
  worker.addOrchestrator("RetryThenSucceed", function* (ctx, input: unknown) {
    return (yield ctx.callActivity("Flaky", input, {
      retry: { maxNumberOfAttempts: 3, firstRetryIntervalMs: 1000 },
    })) as string;
  });
  worker.addOrchestrator("FlakyOnce", function* (ctx, input: unknown) {
    return (yield ctx.callActivity("Flaky", input)) as string;
  });
  worker.addOrchestrator("ParentOfFlaky", function* (ctx, input: unknown) {
    return {
      child: (yield ctx.callSubOrchestrator("FlakyOnce", input, {
        instanceId: `${ctx.instanceId}:child`,
      })) as string,
    };
  });
  worker.addOrchestrator("RetryThenFail", function* (ctx, message: string) {
    return (yield ctx.callActivity("AlwaysFail", message, {
      retry: { maxNumberOfAttempts: 2, firstRetryIntervalMs: 1000 },
    })) as unknown;
  });
  worker.addOrchestrator("CatchFailure", function* (ctx, message: string) {
    try {
      yield ctx.callActivity("AlwaysFail", message);
      return "not failed";
    } catch (err) {
      if (!(err instanceof TaskFailedError)) throw err;
      return { caught: err.details.errorMessage };
    }
  });
  worker.addOrchestrator("LargePayload", function* (ctx, text: string) {
    const echoed = (yield ctx.callActivity("Echo", text)) as string | null;
    ctx.setCustomStatus({ length: echoed?.length ?? 0 });
    return echoed;
  });
  worker.addOrchestrator("CustomStatus", function* (ctx, input: unknown) {
    ctx.setCustomStatus({ step: 1, input: input ?? null });
    const next = (yield ctx.waitForExternalEvent("next")) as unknown;
    ctx.setCustomStatus({ step: 2, got: next ?? null });
    return "done";
  });
  worker.addOrchestrator("LongRunning", function* (ctx) {
    return { finished: ((yield ctx.waitForExternalEvent("finish")) as unknown) ?? null };
  });
  worker.addOrchestrator("Echo", function* (ctx, v: unknown) {
    const viaActivity = (yield ctx.callActivity("Echo", v)) as unknown;
    const viaChild = (yield ctx.callSubOrchestrator("EchoChild", viaActivity, {
      instanceId: `${ctx.instanceId}:echo`,
    })) as unknown;
    const viaEvent = (yield ctx.waitForExternalEvent("echo")) as unknown;
    return [viaChild ?? null, viaEvent ?? null];
  });
  worker.addOrchestrator("EchoChild", (_ctx, v: unknown) => v);
  worker.addOrchestrator("FanOutChildren", function* (ctx, n: number) {
    const children = Array.from({ length: n }, (_, i) =>
      ctx.callSubOrchestrator("Child", i + 1, { instanceId: `${ctx.instanceId}:c${i + 1}` }),
    );
    const results = (yield ctx.whenAll(children)) as number[];
    return results.reduce((a, b) => a + b, 0);
  });

  // Entities (e2e/dtf-peer/Entities.cs). counter: `add` (n, default 1; returns the new value), `get` (0 when
  // none), `set` (n), `delete`, `fail` (throws with the input as message; the state stays), `forward` ({key,
  // amount}: signals counter@key `add`), `start` ({instanceId, key, amount}: starts SignalCounter).
  worker.addEntity("counter", (ctx: EntityContext<number>) => {
    const value = ctx.getState(() => 0) ?? 0;
    switch (ctx.operationName) {
      case "add": {
        const next = value + (ctx.getInput<number | null>() ?? 1);
        ctx.setState(next);
        return next;
      }
      case "get":
        return value;
      case "set":
        ctx.setState(ctx.getInput<number>()!);
        return undefined;
      case "delete":
        ctx.deleteState();
        return undefined;
      case "fail":
        throw new Error(ctx.getInput<string | null>() ?? "failed");
      case "forward": {
        const { key, amount } = ctx.getInput<{ key: string; amount: number }>()!;
        ctx.signalEntity({ name: "counter", key }, "add", amount);
        return undefined;
      }
      case "start": {
        const { instanceId, key, amount } = ctx.getInput<{
          instanceId: string;
          key: string;
          amount: number;
        }>()!;
        ctx.startNewOrchestration("SignalCounter", { key, amount }, { instanceId });
        return undefined;
      }
      default:
        throw new Error(`counter has no operation '${ctx.operationName}'`);
    }
  });
  const counter = (key: string) => ({ name: "counter", key });
  worker.addOrchestrator("SignalCounter", (ctx, input: { key: string; amount: number }) => {
    ctx.entities.signalEntity(counter(input.key), "add", input.amount);
    return "signalled";
  });
  worker.addOrchestrator("CallCounter", function* (ctx, input: { key: string; amount: number }) {
    const added = (yield ctx.entities.callEntity(counter(input.key), "add", input.amount)) as number;
    const got = (yield ctx.entities.callEntity(counter(input.key), "get")) as number;
    let failure: string | null = null;
    try {
      yield ctx.entities.callEntity(counter(input.key), "fail", "no such luck");
    } catch (err) {
      if (!(err instanceof EntityOperationFailedError)) throw err;
      failure = err.details.errorMessage;
    }
    return { added, got, failure };
  });
  worker.addOrchestrator("LockedIncrement", function* (ctx, input: { keys: string[]; rounds: number }) {
    const ids = input.keys.map(counter);
    const lock = yield* ctx.entities.lockEntities(...ids);
    const seen: number[] = [];
    for (let i = 0; i < input.rounds; i++)
      for (const id of ids) {
        const v = (yield ctx.entities.callEntity(id, "get")) as number;
        seen.push(v);
        yield ctx.entities.callEntity(id, "set", v + 1);
      }
    lock.release();
    return seen;
  });
  return worker;
}
