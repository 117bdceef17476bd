// `async function*` orchestrators (the style of @microsoft/durabletask-js) against `function*` ones. Each scenario
// is written twice, line for line, the async version with `await`s of already-settled work between its yields.
// The function* version runs on a real TaskHubWorker (in-memory backend, virtual time); every work item the worker
// received is recorded. Then, for each scenario:
// - both versions run on a worker: same status, output, failure and scheduled work;
// - both histories are replayed at every split point (past/new) by replayOrchestration (function*) and
//   replayOrchestrationAsync (async function*, and function* too): identical actions, custom status, completion,
//   and the same `ctx.isReplaying` at each point of the code;
// - every recorded work item is executed by executeOrchestrationWorkItem (function*) and
//   executeOrchestrationWorkItemAsync (async function*): identical commits (continue-as-new included).
// Hand-written histories then cover suspend/resume with held events, non-determinism, termination, and the
// refusal of async generators by the synchronous API.
import { describe, expect, it } from "vitest";
import {
  executeOrchestrationWorkItem,
  executeOrchestrationWorkItemAsync,
  replayOrchestration,
  replayOrchestrationAsync,
  TaskFailedError,
  TaskHubClient,
  TaskHubError,
  TaskHubWorker,
  TimeoutError,
  type DurableTask,
  type ExecuteOptions,
  type HistoryEvent,
  type OrchestrationContext,
  type OrchestrationState,
  type OrchestrationWorkItem,
  type Orchestrator,
  type ReplayResult,
} from "../../src/index.js";
import { InMemoryOrchestrationService, VirtualClock } from "../../src/testing/index.js";
import { History } from "./history-builder.js";

const HOUR = 3600_000;

/** Work that settles on its own within the step: what `await` inside an orchestrator may wait for. */
async function settled<T>(value: T): Promise<T> {
  await null;
  await new Promise<void>((resolve) => queueMicrotask(resolve));
  return Promise.resolve(value);
}

type Log = string[];
type Factory = (log: Log) => Orchestrator;
interface Scenario {
  name: string;
  sync: Factory;
  async: Factory;
  input?: unknown;
  /** What the client does once the instance is scheduled (events, suspend/resume). */
  drive?: (client: TaskHubClient, id: string, service: InMemoryOrchestrationService) => Promise<void>;
  check: (s: OrchestrationState) => void;
}

const seen = (log: Log, ctx: OrchestrationContext, what: string): void =>
  void log.push(`${what}${ctx.isReplaying ? " (replaying)" : ""}`);

const scenarios: Scenario[] = [
  {
    name: "activities, whenAll, whenAny, timers, custom status, newGuid",
    input: 3,
    sync: (log) =>
      function* (ctx, n: number) {
        seen(log, ctx, "start");
        const a: number = yield ctx.callActivity("Double", n);
        seen(log, ctx, `a=${a}`);
        const all: number[] = yield ctx.whenAll(
          [1, 2, 3].map((i) => ctx.callActivity<number>("Double", a + i)),
        );
        ctx.setCustomStatus({ all });
        const timer = ctx.createTimer(HOUR);
        const winner: DurableTask<unknown> = yield ctx.whenAny([ctx.callActivity("Double", 100), timer]);
        if (winner !== timer) timer.cancel();
        seen(log, ctx, "raced");
        const typed = yield* ctx.callActivity<number>("Double", 1);
        yield ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 2 * HOUR));
        return {
          a,
          all,
          first: winner.getResult(),
          typed,
          at: ctx.currentUtcDateTime.toISOString(),
          guid: ctx.newGuid(),
        };
      },
    async: (log) =>
      async function* (ctx, n: number) {
        seen(log, ctx, "start");
        await settled(0);
        const a: number = yield ctx.callActivity("Double", n);
        seen(log, ctx, `a=${a}`);
        const all: number[] = yield ctx.whenAll(
          [1, 2, 3].map((i) => ctx.callActivity<number>("Double", a + i)),
        );
        ctx.setCustomStatus({ all: await settled(all) });
        const timer = ctx.createTimer(HOUR);
        const winner: DurableTask<unknown> = yield ctx.whenAny([ctx.callActivity("Double", 100), timer]);
        if (winner !== timer) timer.cancel();
        seen(log, ctx, "raced");
        const typed = yield* ctx.callActivity<number>("Double", 1);
        await Promise.resolve();
        yield ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 2 * HOUR));
        return {
          a,
          all,
          first: winner.getResult(),
          typed,
          at: ctx.currentUtcDateTime.toISOString(),
          guid: ctx.newGuid(),
        };
      },
    check: (s) => {
      expect(s.runtimeStatus).toBe("Completed");
      expect(s.output).toMatchObject({ a: 6, all: [14, 16, 18], first: 200, typed: 2 });
      expect(s.customStatus).toEqual({ all: [14, 16, 18] });
    },
  },
  {
    name: "sub-orchestrations, completed and failed",
    sync: (log) =>
      function* (ctx) {
        const one: number = yield ctx.callSubOrchestrator("Child", 5);
        const two: number = yield ctx.callSubOrchestrator("Child", 6, {
          instanceId: `${ctx.instanceId}-named`,
        });
        seen(log, ctx, "children");
        let failed = "";
        try {
          yield ctx.callSubOrchestrator("FailingChild", "x");
        } catch (err) {
          failed = (err as TaskFailedError).message;
        }
        return { one, two, failed };
      },
    async: (log) =>
      async function* (ctx) {
        const one: number = yield ctx.callSubOrchestrator("Child", 5);
        const two: number = yield ctx.callSubOrchestrator("Child", await settled(6), {
          instanceId: `${ctx.instanceId}-named`,
        });
        seen(log, ctx, "children");
        let failed = "";
        try {
          await null;
          yield ctx.callSubOrchestrator("FailingChild", "x");
        } catch (err) {
          failed = (err as TaskFailedError).message;
        }
        return { one, two, failed };
      },
    check: (s) => {
      expect(s.runtimeStatus).toBe("Completed");
      expect(s.output).toMatchObject({ one: 10, two: 12 });
      expect((s.output as { failed: string }).failed).toMatch(/child failed x/);
    },
  },
  {
    name: "external events: raised, sent to self, timed out",
    drive: async (client, id) => client.raiseEvent(id, "Approval", { by: "ann" }),
    sync: (log) =>
      function* (ctx) {
        const approval: { by: string } = yield ctx.waitForExternalEvent("approval");
        seen(log, ctx, `approved by ${approval.by}`);
        ctx.sendEvent(ctx.instanceId, "self", 42);
        const self: number = yield ctx.waitForExternalEvent("self");
        let timedOut = false;
        try {
          yield ctx.waitForExternalEvent("never", { timeoutMs: HOUR });
        } catch (err) {
          timedOut = err instanceof TimeoutError;
        }
        return { approval, self, timedOut };
      },
    async: (log) =>
      async function* (ctx) {
        const approval: { by: string } = yield ctx.waitForExternalEvent("approval");
        seen(log, ctx, `approved by ${approval.by}`);
        ctx.sendEvent(ctx.instanceId, "self", await settled(42));
        const self: number = yield ctx.waitForExternalEvent("self");
        let timedOut = false;
        try {
          yield ctx.waitForExternalEvent("never", { timeoutMs: HOUR });
        } catch (err) {
          await null;
          timedOut = err instanceof TimeoutError;
        }
        return { approval, self, timedOut };
      },
    check: (s) => {
      expect(s.runtimeStatus).toBe("Completed");
      expect(s.output).toEqual({ approval: { by: "ann" }, self: 42, timedOut: true });
    },
  },
  {
    name: "retries, exhausted retries caught",
    sync: () =>
      function* (ctx) {
        const ok: string = yield ctx.callActivity("Flaky", "twice", {
          retry: { maxNumberOfAttempts: 3, firstRetryIntervalMs: 1000 },
        });
        let gaveUp = "";
        try {
          yield ctx.callActivity("Flaky", "always", {
            retry: { maxNumberOfAttempts: 2, firstRetryIntervalMs: 1000, backoffCoefficient: 2 },
          });
        } catch (err) {
          gaveUp = (err as Error).message;
        }
        return { ok, gaveUp };
      },
    async: () =>
      async function* (ctx) {
        const ok: string = yield ctx.callActivity("Flaky", "twice", {
          retry: { maxNumberOfAttempts: 3, firstRetryIntervalMs: 1000 },
        });
        let gaveUp = "";
        try {
          await Promise.resolve();
          yield ctx.callActivity("Flaky", "always", {
            retry: { maxNumberOfAttempts: 2, firstRetryIntervalMs: 1000, backoffCoefficient: 2 },
          });
        } catch (err) {
          gaveUp = (err as Error).message;
        }
        return { ok, gaveUp };
      },
    check: (s) => {
      expect(s.runtimeStatus).toBe("Completed");
      expect((s.output as { ok: string }).ok).toBe("twice on attempt 3");
      expect((s.output as { gaveUp: string }).gaveUp).toMatch(/always fails \(attempt 2\)/);
    },
  },
  {
    name: "continueAsNew with custom status",
    input: { n: 0, total: 0 },
    sync: (log) =>
      function* (ctx, input: { n: number; total: number }) {
        ctx.setCustomStatus(`generation ${input.n}`);
        seen(log, ctx, `generation ${input.n}`);
        if (input.n === 3) return input.total;
        const d: number = yield ctx.callActivity("Double", input.n);
        ctx.continueAsNew({ n: input.n + 1, total: input.total + d });
        return undefined;
      },
    async: (log) =>
      async function* (ctx, input: { n: number; total: number }) {
        ctx.setCustomStatus(`generation ${input.n}`);
        seen(log, ctx, `generation ${input.n}`);
        if (input.n === 3) return input.total;
        const d: number = yield ctx.callActivity("Double", input.n);
        ctx.continueAsNew({ n: input.n + 1, total: input.total + (await settled(d)) });
        return undefined;
      },
    check: (s) => {
      expect(s.runtimeStatus).toBe("Completed");
      expect(s.output).toBe(6);
      expect(s.customStatus).toBe("generation 3");
    },
  },
  {
    name: "an exception caught, then one uncaught",
    sync: (log) =>
      function* (ctx) {
        let caught = "";
        try {
          yield ctx.callActivity("Fail", "first");
        } catch (err) {
          caught = (err as TaskFailedError).message;
        }
        seen(log, ctx, "caught");
        yield ctx.callActivity("Fail", "second");
        throw new Error(`not reached after ${caught}`);
      },
    async: (log) =>
      async function* (ctx) {
        let caught = "";
        try {
          yield ctx.callActivity("Fail", "first");
        } catch (err) {
          caught = (await settled(err as TaskFailedError)).message;
        }
        seen(log, ctx, "caught");
        yield ctx.callActivity("Fail", "second");
        throw new Error(`not reached after ${caught}`);
      },
    check: (s) => {
      expect(s.runtimeStatus).toBe("Failed");
      expect(s.failureDetails?.errorMessage).toMatch(/boom second/);
    },
  },
  {
    name: "an orchestrator's own error fails it",
    sync: () =>
      function* (ctx) {
        const n: number = yield ctx.callActivity("Double", 1);
        throw new RangeError(`bad ${n}`);
      },
    async: () =>
      async function* (ctx) {
        const n: number = yield ctx.callActivity("Double", 1);
        await null;
        throw new RangeError(`bad ${n}`);
      },
    check: (s) => {
      expect(s.runtimeStatus).toBe("Failed");
      expect(s.failureDetails).toMatchObject({ errorType: "RangeError", errorMessage: "bad 2" });
    },
  },
  {
    name: "entities: call, signal, critical section",
    sync: (log) =>
      function* (ctx) {
        const a = { name: "counter", key: `${ctx.instanceId}-a` };
        const b = { name: "counter", key: `${ctx.instanceId}-b` };
        yield ctx.entities.callEntity(a, "add", 5);
        ctx.entities.signalEntity(b, "add", 1);
        const lock = yield* ctx.entities.lockEntities(a, b);
        seen(log, ctx, `locked ${ctx.entities.isInCriticalSection().inSection}`);
        const fromA: number = yield ctx.entities.callEntity(a, "get");
        yield ctx.entities.callEntity(b, "add", fromA);
        lock.release();
        const fromB: number = yield ctx.entities.callEntity(b, "get");
        return { fromA, fromB };
      },
    async: (log) =>
      async function* (ctx) {
        const a = { name: "counter", key: `${ctx.instanceId}-a` };
        const b = { name: "counter", key: `${ctx.instanceId}-b` };
        yield ctx.entities.callEntity(a, "add", 5);
        ctx.entities.signalEntity(b, "add", 1);
        const lock = yield* ctx.entities.lockEntities(a, b);
        seen(log, ctx, `locked ${ctx.entities.isInCriticalSection().inSection}`);
        const fromA: number = yield ctx.entities.callEntity(a, "get");
        await null;
        yield ctx.entities.callEntity(b, "add", fromA);
        lock.release();
        const fromB: number = yield ctx.entities.callEntity(b, "get");
        return { fromA, fromB };
      },
    check: (s) => {
      expect(s.runtimeStatus).toBe("Completed");
      expect(s.output).toEqual({ fromA: 5, fromB: 6 });
    },
  },
  {
    name: "suspend and resume, with an event held while suspended",
    drive: async (client, id, service) => {
      await until(async () =>
        (await service.getOrchestrationHistory(id)).some((e) => e.type === "OrchestratorCompleted"),
      );
      await client.suspendOrchestration(id, "maintenance");
      await until(async () => (await client.getOrchestrationState(id))?.runtimeStatus === "Suspended");
      await client.raiseEvent(id, "go", "held");
      await until(async () =>
        (await service.getOrchestrationHistory(id)).some((e) => e.type === "EventRaised"),
      );
      expect((await client.getOrchestrationState(id))?.runtimeStatus).toBe("Suspended");
      await client.resumeOrchestration(id, "done");
    },
    sync: (log) =>
      function* (ctx) {
        const go: string = yield ctx.waitForExternalEvent("go");
        seen(log, ctx, `go ${go}`);
        return (yield ctx.callActivity("Double", go.length)) as number;
      },
    async: (log) =>
      async function* (ctx) {
        const go: string = yield ctx.waitForExternalEvent("go");
        seen(log, ctx, `go ${await settled(go)}`);
        return (yield ctx.callActivity("Double", go.length)) as number;
      },
    check: (s) => {
      expect(s.runtimeStatus).toBe("Completed");
      expect(s.output).toBe(8);
    },
  },
];

async function until(cond: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("timed out waiting for a condition");
    await new Promise((r) => setTimeout(r, 5));
  }
}

const child: Orchestrator = function* (ctx, n: number) {
  return (yield ctx.callActivity("Double", n)) as number;
};
const failingChild: Orchestrator = function* (_ctx, what: string) {
  yield* [];
  throw new Error(`child failed ${what}`);
};
const children: Record<string, Orchestrator> = { Child: child, FailingChild: failingChild };

interface Run {
  state: OrchestrationState;
  history: HistoryEvent[];
  workItems: OrchestrationWorkItem[];
}

/** Runs `orchestrator` as "Scenario" on a fresh worker, recording every orchestration work item it received. */
async function runOnWorker(sc: Scenario, orchestrator: Orchestrator): Promise<Run> {
  const service = new InMemoryOrchestrationService({
    clock: new VirtualClock(Date.UTC(2026, 0, 1)),
    autoAdvanceTime: true,
    pollIntervalMs: 10,
  });
  const workItems: OrchestrationWorkItem[] = [];
  const lock = service.lockNextOrchestrationWorkItem.bind(service);
  service.lockNextOrchestrationWorkItem = async (o) => {
    const wi = await lock(o);
    if (wi && !wi.instanceId.startsWith("@"))
      workItems.push(
        structuredClone({
          instanceId: wi.instanceId,
          pastEvents: wi.pastEvents,
          newMessages: wi.newMessages,
          customStatus: wi.customStatus,
          generation: wi.generation,
        }),
      );
    return wi;
  };
  const worker = new TaskHubWorker(service);
  const attempts = new Map<string, number>();
  worker.addActivity("Double", (_ctx, n: number) => n * 2);
  worker.addActivity("Fail", (_ctx, what: string) => {
    throw new Error(`boom ${what}`);
  });
  worker.addActivity("Flaky", (_ctx, key: string) => {
    const n = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, n);
    if (key === "always" || n < 3) throw new Error(`${key} fails (attempt ${n})`);
    return `${key} on attempt ${n}`;
  });
  worker.addEntity("Counter", (ctx) => {
    const value = ctx.getState<number>(() => 0) ?? 0;
    if (ctx.operationName === "add") ctx.setState(value + (ctx.getInput<number>() ?? 1));
    return ctx.operationName === "get" ? value : undefined;
  });
  worker.addOrchestrator("Scenario", orchestrator);
  for (const [name, fn] of Object.entries(children)) worker.addOrchestrator(name, fn);
  await worker.start();
  try {
    const client = new TaskHubClient(service, { maxPollIntervalMs: 20 });
    const id = await client.scheduleNewOrchestration("Scenario", sc.input, { instanceId: "parity" });
    await sc.drive?.(client, id, service);
    const state = await client.waitForOrchestrationCompletion(id, { timeoutMs: 20_000 });
    return { state, history: await client.getOrchestrationHistory(id), workItems };
  } finally {
    await worker.stop({ drainTimeoutMs: 2000 });
  }
}

/** Drops stack traces (they differ between a generator and an async generator) and `undefined` members. */
function normalize<T>(v: T): unknown {
  if (v === undefined) return undefined;
  return JSON.parse(
    JSON.stringify(v, (k, x: unknown) =>
      k === "stackTrace" ? undefined : typeof x === "bigint" ? String(x) : x,
    ),
  );
}

function scheduled(history: HistoryEvent[]): string[] {
  return history.flatMap((e) =>
    "eventId" in e && e.eventId >= 0 && e.type !== "OrchestratorStarted" && e.type !== "OrchestratorCompleted"
      ? [`${e.type} #${e.eventId} ${"name" in e ? e.name : ""}`]
      : [],
  );
}

interface Observed {
  result: unknown;
  log: Log;
}

function observeSync(f: Factory, past: readonly HistoryEvent[], fresh: readonly HistoryEvent[]): Observed {
  const log: Log = [];
  return { result: normalize(replayOrchestration(f(log), past, fresh)), log };
}
async function observeAsync(
  f: Factory,
  past: readonly HistoryEvent[],
  fresh: readonly HistoryEvent[],
): Promise<Observed> {
  const log: Log = [];
  return { result: normalize(await replayOrchestrationAsync(f(log), past, fresh)), log };
}

describe.each(scenarios)("async function* and function* agree: $name", (sc) => {
  it("on a worker, in replays at every split point, and in every work item's commit", async () => {
    const syncRun = await runOnWorker(sc, sc.sync([]));
    const asyncRun = await runOnWorker(sc, sc.async([]));
    sc.check(syncRun.state);
    sc.check(asyncRun.state);
    expect(asyncRun.state.output).toEqual(syncRun.state.output);
    expect(asyncRun.state.customStatus).toEqual(syncRun.state.customStatus);
    expect(normalize(asyncRun.state.failureDetails)).toEqual(normalize(syncRun.state.failureDetails));
    expect(scheduled(asyncRun.history)).toEqual(scheduled(syncRun.history));

    for (const history of [syncRun.history, asyncRun.history]) {
      for (let split = 0; split <= history.length; split++) {
        const past = history.slice(0, split);
        const fresh = history.slice(split);
        const expected = observeSync(sc.sync, past, fresh);
        expect(await observeAsync(sc.async, past, fresh), `split ${split}`).toEqual(expected);
        expect(
          await observeAsync(sc.sync, past, fresh),
          `function* through the async API, split ${split}`,
        ).toEqual(expected);
      }
    }

    const workItems = [...syncRun.workItems, ...asyncRun.workItems];
    expect(workItems.length).toBeGreaterThan(1);
    for (const [i, wi] of workItems.entries()) {
      const opts = (version: Factory): ExecuteOptions => {
        let ids = 0;
        return {
          resolveOrchestrator: (name) => (name === "Scenario" ? version([]) : children[name]),
          now: new Date(Date.UTC(2026, 0, 2)),
          newExecutionId: () => `generation-${++ids}`,
        };
      };
      const expected = normalize(executeOrchestrationWorkItem(wi, opts(sc.sync)));
      expect(
        normalize(await executeOrchestrationWorkItemAsync(wi, opts(sc.async))),
        `work item ${i}`,
      ).toEqual(expected);
    }
  }, 60_000);
});

const at = (ms: number): number => Date.UTC(2026, 0, 1) + ms;

describe("async function* orchestrators on hand-written histories", () => {
  const waiter = (log: Log): Orchestrator =>
    async function* (ctx) {
      const a: string = yield ctx.waitForExternalEvent("a");
      seen(log, ctx, `a=${a}`);
      await null;
      const b: number = yield ctx.callActivity("B", a);
      seen(log, ctx, `b=${b}`);
      return [a, b];
    };
  const waiterSync = (log: Log): Orchestrator =>
    function* (ctx) {
      const a: string = yield ctx.waitForExternalEvent("a");
      seen(log, ctx, `a=${a}`);
      const b: number = yield ctx.callActivity("B", a);
      seen(log, ctx, `b=${b}`);
      return [a, b];
    };

  it("holds events while suspended and applies them, one step at a time, on resume", async () => {
    const h = new History().episode().start("W").end().episode(at(1000)).suspended().raised("a", "x").end();
    const whileSuspended = await replayOrchestrationAsync(waiter([]), h.events, []);
    expect(whileSuspended.actions).toEqual([]);
    const split = h.mark();
    h.episode(at(2000))
      .resumed()
      .scheduled(0, "B")
      .end()
      .episode(at(3000))
      .suspended()
      .completed(0, 7)
      .resumed();
    for (let s = 0; s <= h.events.length; s++) {
      const expected = observeSync(waiterSync, h.events.slice(0, s), h.events.slice(s));
      expect(await observeAsync(waiter, h.events.slice(0, s), h.events.slice(s)), `split ${s}`).toEqual(
        expected,
      );
    }
    const resumed = await replayOrchestrationAsync(
      waiter([]),
      h.events.slice(0, split),
      h.events.slice(split, split + 2),
    );
    expect(resumed.actions).toMatchObject([{ type: "ScheduleTask", id: 0, name: "B", input: '"x"' }]);
    const done = await replayOrchestrationAsync(waiter([]), h.events, []);
    expect(done.completion).toMatchObject({ status: "Completed", result: '["x",7]' });
  });

  it("applies held events one by one after resume, each once the previous step has settled", async () => {
    // X completes before Y in history. Had the released events been applied while the step after "a" was still
    // awaiting, both would be complete when whenAny is created, and it would pick Y, first in its list.
    const raceSync = (log: Log): Orchestrator =>
      function* (ctx) {
        const x = ctx.callActivity("X");
        const y = ctx.callActivity("Y");
        const a: string = yield ctx.waitForExternalEvent("a");
        const winner: DurableTask<unknown> = yield ctx.whenAny([y, x]);
        seen(log, ctx, `a=${a}`);
        return winner === x ? "x" : "y";
      };
    const raceAsync = (log: Log): Orchestrator =>
      async function* (ctx) {
        const x = ctx.callActivity("X");
        const y = ctx.callActivity("Y");
        const a: string = yield ctx.waitForExternalEvent("a");
        await settled(null);
        const winner: DurableTask<unknown> = yield ctx.whenAny([y, x]);
        seen(log, ctx, `a=${a}`);
        return winner === x ? "x" : "y";
      };
    const h = new History().episode().start("W").scheduled(0, "X").scheduled(1, "Y").end();
    h.episode(at(1000)).suspended().raised("a", "go").completed(0, 1).completed(1, 2).end();
    const split = h.mark();
    h.episode(at(2000)).resumed();
    const sync = observeSync(raceSync, h.events.slice(0, split), h.events.slice(split));
    expect(sync.result).toMatchObject({ completion: { result: '"x"' } });
    expect(await observeAsync(raceAsync, h.events.slice(0, split), h.events.slice(split))).toEqual(sync);
  });

  it("sees exactly what a function* sees: isReplaying, time, and the order of its steps", async () => {
    const h = new History()
      .episode()
      .start("W")
      .end()
      .episode(at(1000))
      .raised("a", "y")
      .scheduled(0, "B")
      .end();
    const split = h.mark();
    h.episode(at(2000)).completed(0, 3);
    const sync = observeSync(waiterSync, h.events.slice(0, split), h.events.slice(split));
    const async = await observeAsync(waiter, h.events.slice(0, split), h.events.slice(split));
    expect(async).toEqual(sync);
    expect(async.log).toEqual(["a=y (replaying)", "b=3"]);
  });

  it("detects non-determinism: a different activity, and a recorded step the code no longer takes", async () => {
    const h = new History().episode().start("W").end().episode().raised("a", "x").scheduled(0, "C").end();
    const changed = await replayOrchestrationAsync(waiter([]), h.events, []);
    expect(changed.completion).toMatchObject({
      status: "Failed",
      failureDetails: { errorType: "NonDeterminismError", isNonRetriable: true },
    });
    expect(changed.completion?.failureDetails?.errorMessage).toMatch(
      /TaskScheduled #0 'C'.*ScheduleTask #0 'B'/,
    );
    expect(changed.actions).toEqual([changed.completion]);

    const removed: Orchestrator = async function* () {
      await null;
      yield* [];
      return "nothing scheduled";
    };
    const gone = await replayOrchestrationAsync(
      removed,
      new History().episode().start("W").scheduled(0, "B").events,
      [],
    );
    expect(gone.completion?.failureDetails?.errorMessage).toMatch(/issued no action with id 0/);

    // The same through the work-item executor the worker uses.
    const started = new History().episode().start("W").end().events;
    const wi: OrchestrationWorkItem = {
      instanceId: "inst-1",
      pastEvents: [...started, ...new History().episode().raised("a", "x").scheduled(0, "C").end().events],
      newMessages: [
        {
          orchestrationInstance: { instanceId: "inst-1", executionId: "exec1" },
          event: new History().completed(0, 1).events[0]!,
        },
      ],
    };
    const commit = await executeOrchestrationWorkItemAsync(wi, {
      resolveOrchestrator: () => waiter([]),
      now: new Date(at(5000)),
      newExecutionId: () => "x",
    });
    expect(commit?.state.runtimeStatus).toBe("Failed");
    expect(commit?.state.failureDetails?.errorType).toBe("NonDeterminismError");
  });

  it("an await of settled work between yields is fine; a rejected await fails the orchestration with that error", async () => {
    const o: Orchestrator = async function* (ctx) {
      const parts: string[] = [];
      for (const p of ["a", "b", "c"]) {
        parts.push(await settled(p));
        await Promise.all([settled(1), Promise.resolve(2)]);
      }
      const n: number = yield ctx.callActivity("B", parts.join(""));
      await Promise.reject(new SyntaxError(`rejected after ${n}`));
      return "not reached";
    };
    const h = new History().episode().start("W");
    expect((await replayOrchestrationAsync(o, [], h.events)).actions).toMatchObject([
      { type: "ScheduleTask", name: "B", input: '"abc"' },
    ]);
    h.scheduled(0, "B").end().episode().completed(0, 9);
    expect((await replayOrchestrationAsync(o, h.events, [])).completion).toMatchObject({
      status: "Failed",
      failureDetails: { errorType: "SyntaxError", errorMessage: "rejected after 9" },
    });
  });

  it("a terminated execution issues nothing more, and a throw before the first yield fails it", async () => {
    const h = new History().episode().start("W").end().episode().terminated("stop");
    expect((await replayOrchestrationAsync(waiter([]), h.events, [])).actions).toEqual([
      { type: "CompleteOrchestration", id: 0, status: "Terminated", result: '"stop"' },
    ]);
    const early: Orchestrator = async function* (_ctx, input: number) {
      if (input > 1) throw new Error("too big");
      yield* [];
    };
    expect(
      (await replayOrchestrationAsync(early, [], new History().episode().start("W", 2).events)).completion,
    ).toMatchObject({
      status: "Failed",
      failureDetails: { errorMessage: "too big" },
    });
  });

  it("yielding something that is not a durable task fails it, as for function*", async () => {
    const o = async function* () {
      yield await settled("text");
    } as unknown as Orchestrator;
    const r: ReplayResult = await replayOrchestrationAsync(o, [], new History().episode().start("W").events);
    expect(r.completion?.failureDetails?.errorMessage).toMatch(/not a durable task/);
  });
});

describe("the synchronous API refuses async generators", () => {
  const o: Orchestrator = async function* (ctx) {
    return (yield ctx.callActivity("B")) as number;
  };

  it("replayOrchestration throws InvalidOperation naming replayOrchestrationAsync", () => {
    const h = new History().episode().start("W").events;
    let thrown: unknown;
    try {
      replayOrchestration(o, [], h);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(TaskHubError);
    expect((thrown as TaskHubError).code).toBe("InvalidOperation");
    expect((thrown as Error).message).toMatch(
      /async generator function \(async function\*\).*replayOrchestrationAsync/,
    );
  });

  it("executeOrchestrationWorkItem throws too, and its async twin runs it", async () => {
    const wi: OrchestrationWorkItem = {
      instanceId: "inst-1",
      pastEvents: [],
      newMessages: [
        {
          orchestrationInstance: { instanceId: "inst-1", executionId: "exec1" },
          event: new History().start("W").events[0]!,
        },
      ],
    };
    const opts: ExecuteOptions = {
      resolveOrchestrator: () => o,
      now: new Date(at(0)),
      newExecutionId: () => "x",
    };
    expect(() => executeOrchestrationWorkItem(wi, opts)).toThrow(/executeOrchestrationWorkItemAsync/);
    const commit = await executeOrchestrationWorkItemAsync(wi, opts);
    expect(commit?.activityMessages.map((m) => m.event)).toMatchObject([
      { type: "TaskScheduled", name: "B" },
    ]);
  });

  it("async functions are refused by both APIs, without an unhandled rejection", async () => {
    const fn = (async () => {
      await null;
      throw new Error("async body");
    }) as unknown as Orchestrator;
    const h = new History().episode().start("W").events;
    for (const r of [replayOrchestration(fn, [], h), await replayOrchestrationAsync(fn, [], h)])
      expect(r.completion?.failureDetails).toMatchObject({
        errorType: "TaskHubError",
        errorMessage: expect.stringMatching(/async function.*not supported/),
      });
  });
});

describe("TaskHubWorker runs async function* orchestrations", () => {
  it("to completion, with activities, a timer and a sub-orchestration", async () => {
    const service = new InMemoryOrchestrationService({
      clock: new VirtualClock(Date.UTC(2026, 0, 1)),
      autoAdvanceTime: true,
      pollIntervalMs: 10,
    });
    const worker = new TaskHubWorker(service);
    worker.addActivity("Hello", (_ctx, name: string) => `Hello ${name}!`);
    worker.addOrchestrator("Child", async function* (ctx, name: string) {
      return (yield ctx.callActivity("Hello", name)) as string;
    });
    worker.addOrchestrator("Hello", async function* (ctx) {
      const out: string[] = [];
      for (const city of ["Tokyo", "Seattle"])
        out.push(yield* ctx.callActivity<string>("Hello", await settled(city)));
      yield ctx.createTimer(HOUR);
      out.push(yield ctx.callSubOrchestrator("Child", "London"));
      return out;
    });
    await worker.start();
    try {
      const client = new TaskHubClient(service, { maxPollIntervalMs: 20 });
      const id = await client.scheduleNewOrchestration("Hello");
      const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 10_000 });
      expect(s.runtimeStatus).toBe("Completed");
      expect(s.output).toEqual(["Hello Tokyo!", "Hello Seattle!", "Hello London!"]);
    } finally {
      await worker.stop({ drainTimeoutMs: 2000 });
    }
  });
});
