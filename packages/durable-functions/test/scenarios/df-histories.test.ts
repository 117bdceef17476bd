// Instances Durable Functions started, finished by taskhub: histories shaped exactly as the Durable Functions
// extension writes them for a JavaScript app (see df-history.ts), replayed through the facade's orchestrators
// of both programming models. At each point where DF would run the orchestrator, the replay must not fail on
// non-determinism and must issue the actions DF would issue next. (Over 400 lines: one block per shape, all
// sharing the DF history builder and the two-model loop.)
import { describe, expect, it } from "vitest";
import {
  EntityId,
  RetryOptions,
  orchestrator as classicOrchestrator,
  type OrchestrationContext,
  type OrchestrationHandler,
  type Task,
  type TimerTask,
  type ClassicOrchestrationFunctionContext,
} from "../../src/index.js";
import { INSTANCE, T0 } from "../history.js";
import { classic, replayDf, summary, v4 } from "./df-replay.js";
import { DAY, DfHistory, dfCallRequest, dfHttpResponse, dfLockRequest } from "./df-history.js";

const SEC = 1000;
const EXECUTION = "exec1";
const iso = (ms: number) => new Date(ms).toISOString();

/** Both models, over the same generator body (`context.df` is the same API for what these use). */
function models(body: OrchestrationHandler) {
  return [
    ["v4", v4(body)],
    ["classic", classic(classicOrchestrator(body as unknown as Parameters<typeof classicOrchestrator>[0]))],
  ] as const;
}

describe("callActivityWithRetry (DurableTask.Core's RetryInterceptor: call, failure, timer, call)", () => {
  const body: OrchestrationHandler = function* (context: OrchestrationContext) {
    const retry = new RetryOptions(5000, 3);
    return yield context.df.callActivityWithRetry("Hello", retry, "Tokyo");
  };

  for (const [model, o] of models(body)) {
    it(`${model}: continues after each step as DF does and completes with the last attempt's result`, () => {
      const h = new DfHistory().episode(T0).started("Test").activity(0, "Hello", "Tokyo").end();
      let split = h.mark();
      h.episode(T0 + 1 * SEC).activityFailed(0, "Hello", "boom");
      expect(summary(replayDf(o, h, split).actions)).toEqual([`CreateTimer#1 ${iso(T0 + 6 * SEC)}`]);
      h.timerCreated(1, T0 + 6 * SEC).end();
      split = h.mark();
      h.episode(T0 + 6 * SEC).timerFired(1, T0 + 6 * SEC);
      expect(summary(replayDf(o, h, split).actions)).toEqual(['ScheduleTask#2 Hello "Tokyo"']);
      h.activity(2, "Hello", "Tokyo").end();
      split = h.mark();
      h.episode(T0 + 7 * SEC).completed(2, "Hello, Tokyo!");
      expect(summary(replayDf(o, h, split).actions)).toEqual(['Complete#3 Completed "Hello, Tokyo!"']);
    });

    it(`${model}: fails with DF's reason once the attempts are used up`, () => {
      const h = new DfHistory()
        .episode(T0)
        .started("Test")
        .activity(0, "Hello", "Tokyo")
        .end()
        .episode(T0 + SEC)
        .activityFailed(0, "Hello", "boom 1")
        .timerCreated(1, T0 + 6 * SEC)
        .end()
        .episode(T0 + 6 * SEC)
        .timerFired(1, T0 + 6 * SEC)
        .activity(2, "Hello", "Tokyo")
        .end()
        .episode(T0 + 7 * SEC)
        .activityFailed(2, "Hello", "boom 2")
        .timerCreated(3, T0 + 12 * SEC)
        .end()
        .episode(T0 + 12 * SEC)
        .timerFired(3, T0 + 12 * SEC)
        .activity(4, "Hello", "Tokyo")
        .end();
      let split = h.mark();
      // As DurableTask.Core's RetryInterceptor: a retry timer after the last attempt too, then the failure.
      h.episode(T0 + 13 * SEC).activityFailed(4, "Hello", "boom 3");
      expect(summary(replayDf(o, h, split).actions)).toEqual([`CreateTimer#5 ${iso(T0 + 18 * SEC)}`]);
      h.timerCreated(5, T0 + 18 * SEC).end();
      split = h.mark();
      h.episode(T0 + 18 * SEC).timerFired(5, T0 + 18 * SEC);
      const r = replayDf(o, h, split);
      expect(r.completion?.status).toBe("Failed");
      expect(r.completion?.failureDetails?.errorMessage).toContain(
        "Activity function 'Hello' failed: boom 3",
      );
    });
  }
});

describe("long timers (LongTimerTask: 6-day maximum short timer, 3-day chunks)", () => {
  const body: OrchestrationHandler = function* (context: OrchestrationContext) {
    yield context.df.createTimer(new Date(T0 + 10 * DAY));
    return "woke";
  };
  // DF's chunks of a 10-day timer started at T0: T0+3d, then (7 d left > 6 d) T0+6d, then T0+10d.
  for (const [model, o] of models(body)) {
    it(`${model}: DF's chunk chain replays, the next chunk is the timer's end, and it completes at the end`, () => {
      const h = new DfHistory()
        .episode(T0)
        .started("Test")
        .timerCreated(0, T0 + 3 * DAY)
        .end()
        .episode(T0 + 3 * DAY)
        .timerFired(0, T0 + 3 * DAY)
        .timerCreated(1, T0 + 6 * DAY)
        .end();
      let split = h.mark();
      h.episode(T0 + 6 * DAY).timerFired(1, T0 + 6 * DAY);
      expect(summary(replayDf(o, h, split).actions)).toEqual([`CreateTimer#2 ${iso(T0 + 10 * DAY)}`]);
      h.timerCreated(2, T0 + 10 * DAY).end();
      split = h.mark();
      h.episode(T0 + 10 * DAY).timerFired(2, T0 + 10 * DAY);
      expect(summary(replayDf(o, h, split).actions)).toEqual(['Complete#3 Completed "woke"']);
    });

    it(`${model}: after DF's first chunk, taskhub cuts the rest at its own limit and still ends at the requested time`, () => {
      // Known difference: DF would ask for T0+6d here (3-day steps); taskhub asks for T0+9d (its 6-day limit).
      const h = new DfHistory()
        .episode(T0)
        .started("Test")
        .timerCreated(0, T0 + 3 * DAY)
        .end();
      let split = h.mark();
      h.episode(T0 + 3 * DAY).timerFired(0, T0 + 3 * DAY);
      expect(summary(replayDf(o, h, split).actions)).toEqual([`CreateTimer#1 ${iso(T0 + 9 * DAY)}`]);
      h.timerCreated(1, T0 + 9 * DAY).end();
      split = h.mark();
      h.episode(T0 + 9 * DAY).timerFired(1, T0 + 9 * DAY);
      expect(summary(replayDf(o, h, split).actions)).toEqual([`CreateTimer#2 ${iso(T0 + 10 * DAY)}`]);
      h.timerCreated(2, T0 + 10 * DAY).end();
      split = h.mark();
      h.episode(T0 + 10 * DAY).timerFired(2, T0 + 10 * DAY);
      expect(summary(replayDf(o, h, split).actions)).toEqual(['Complete#3 Completed "woke"']);
    });
  }
});

describe("callHttp (BuiltIn::HttpActivity; the extension's DurableHttpResponse; 202 polling on timers)", () => {
  const url = "https://example.test/api/jobs";
  const status = "https://example.test/api/jobs/7/status";
  type Res = { statusCode: number; content?: string; getHeader(name: string): string | undefined };
  const answer = (res: Res) => ({
    status: res.statusCode,
    content: res.content,
    type: res.getHeader("content-type"),
  });
  const v4Body: OrchestrationHandler = function* (context: OrchestrationContext) {
    return answer((yield context.df.callHttp({ method: "POST", url, body: { n: 1 } })) as Res);
  };
  // 2.x's positional callHttp(method, uri, content).
  const classicBody = function* (
    context: ClassicOrchestrationFunctionContext,
  ): Generator<unknown, unknown, unknown> {
    return answer((yield context.df.callHttp("POST", url, { n: 1 })) as Res);
  };
  const both = [
    ["v4", v4(v4Body)],
    ["classic", classic(classicOrchestrator(classicBody))],
  ] as const;
  // The request as DF serialises it for the activity: `[DurableHttpRequest]`, camelCase members.
  const dfRequest = {
    method: "POST",
    uri: url,
    headers: {},
    content: '{"n":1}',
    tokenSource: null,
    asynchronousPatternEnabled: true,
  };
  const dfPoll = { ...dfRequest, method: "GET", uri: status, content: null };

  for (const [model, o] of both) {
    it(`${model}: a 202 with Location and Retry-After polls after that many seconds; the final response is the result`, () => {
      const h = new DfHistory()
        .episode(T0)
        .started("Test")
        .activity(0, "BuiltIn::HttpActivity", dfRequest)
        .end();
      let split = h.mark();
      h.episode(T0 + SEC).completed(0, dfHttpResponse(202, { Location: status, "Retry-After": "10" }, ""));
      expect(summary(replayDf(o, h, split).actions)).toEqual([`CreateTimer#1 ${iso(T0 + 11 * SEC)}`]);
      h.timerCreated(1, T0 + 11 * SEC).end();
      split = h.mark();
      h.episode(T0 + 11 * SEC).timerFired(1, T0 + 11 * SEC);
      const poll = replayDf(o, h, split).actions;
      expect(poll).toHaveLength(1);
      expect(poll[0]).toMatchObject({ type: "ScheduleTask", id: 2, name: "BuiltIn::HttpActivity" });
      expect(JSON.parse((poll[0] as { input: string }).input)).toMatchObject({ method: "GET", uri: status });
      h.activity(2, "BuiltIn::HttpActivity", dfPoll).end();
      split = h.mark();
      h.episode(T0 + 12 * SEC).completed(
        2,
        dfHttpResponse(200, { "Content-Type": "application/json" }, '{"done":true}'),
      );
      const done = replayDf(o, h, split);
      expect(done.completion?.status).toBe("Completed");
      expect(JSON.parse(done.completion!.result!)).toEqual({
        status: 200,
        content: '{"done":true}',
        type: "application/json",
      });
    });

    it(`${model}: a 202 without Retry-After waits the default 30 s`, () => {
      const h = new DfHistory()
        .episode(T0)
        .started("Test")
        .activity(0, "BuiltIn::HttpActivity", dfRequest)
        .end();
      const split = h.mark();
      h.episode(T0 + SEC).completed(0, dfHttpResponse(202, { Location: status }, ""));
      expect(summary(replayDf(o, h, split).actions)).toEqual([`CreateTimer#1 ${iso(T0 + 31 * SEC)}`]);
    });
  }
});

describe("entities (EventSent 'op' with the extension's request ids, EventRaised responses)", () => {
  // GUIDs the extension's NewGuid gave the requests (taskhub's own ids differ).
  const CALL = "6f1b8a5e-2c1d-5b0e-9a51-3c1f0d7e2a11";
  const LOCK = "0c3d9e2f-7a4b-5c6d-8e9f-0a1b2c3d4e5f";
  const CALL2 = "9a8b7c6d-5e4f-5a3b-9c2d-1e0f9a8b7c6d";

  const call: OrchestrationHandler = function* (context: OrchestrationContext) {
    const v = yield context.df.callEntity(new EntityId("Counter", "k"), "add", 2);
    return v;
  };
  for (const [model, o] of models(call)) {
    it(`${model}: a call's response, named by DF's request id, completes the call`, () => {
      const h = new DfHistory()
        .episode(T0)
        .started("Test")
        .entityMessage(0, "@counter@k", "op", dfCallRequest(CALL, "add", 2, INSTANCE, EXECUTION))
        .end();
      const split = h.mark();
      h.episode(T0 + SEC).entityResponse(CALL, { result: "5" });
      expect(summary(replayDf(o, h, split).actions)).toEqual(["Complete#1 Completed 5"]);
    });

    it(`${model}: a failed operation fails the call`, () => {
      const h = new DfHistory()
        .episode(T0)
        .started("Test")
        .entityMessage(0, "@counter@k", "op", dfCallRequest(CALL, "add", 2, INSTANCE, EXECUTION))
        .end();
      const split = h.mark();
      h.episode(T0 + SEC).entityResponse(CALL, { result: "bad input", exceptionType: "System.Exception" });
      expect(replayDf(o, h, split).completion?.status).toBe("Failed");
    });
  }

  const section: OrchestrationHandler = function* (context: OrchestrationContext) {
    const a = new EntityId("Counter", "a");
    const lock = (yield context.df.lock(a)) as { release(): void };
    const v = yield context.df.callEntity(a, "get");
    lock.release();
    return v;
  };
  it("v4: a critical section DF opened goes on: the call inside it, then the release to the lock's id", () => {
    const o = v4(section);
    const h = new DfHistory()
      .episode(T0)
      .started("Test")
      .entityMessage(
        0,
        "@counter@a",
        "op",
        dfLockRequest(LOCK, [{ name: "counter", key: "a" }], INSTANCE, EXECUTION),
      )
      .end();
    let split = h.mark();
    h.episode(T0 + SEC).entityResponse(LOCK, { result: "Lock Acquisition Completed" });
    const next = replayDf(o, h, split).actions;
    expect(summary(next)).toHaveLength(1);
    expect(next[0]).toMatchObject({ type: "SendEvent", id: 1, name: "op", instanceId: "@counter@a" });
    expect(JSON.parse((next[0] as { input: string }).input)).toMatchObject({ op: "get", parent: INSTANCE });
    h.entityMessage(1, "@counter@a", "op", dfCallRequest(CALL2, "get", undefined, INSTANCE, EXECUTION)).end();
    split = h.mark();
    h.episode(T0 + 2 * SEC).entityResponse(CALL2, { result: "3" });
    const done = replayDf(o, h, split).actions;
    expect(done.map((a) => a.type)).toEqual(["SendEvent", "CompleteOrchestration"]);
    expect(done[0]).toMatchObject({ name: "release", instanceId: "@counter@a" });
    expect(JSON.parse((done[0] as { input: string }).input)).toEqual({ parent: INSTANCE, id: LOCK });
    expect(done[1]).toMatchObject({ status: "Completed", result: "3" });
  });
});

describe("Task.all / Task.any (children scheduled in array order)", () => {
  const fanOut: OrchestrationHandler = function* (context: OrchestrationContext) {
    const results = (yield context.df.Task.all(
      ["a", "b", "c"].map((x) => context.df.callActivity("Work", x)),
    )) as string[];
    return results.join(",");
  };
  for (const [model, o] of models(fanOut)) {
    it(`${model}: fan-out/fan-in completes when the last result arrives, in array order`, () => {
      const h = new DfHistory()
        .episode(T0)
        .started("Test")
        .activity(0, "Work", "a")
        .activity(1, "Work", "b")
        .activity(2, "Work", "c")
        .end();
      let split = h.mark();
      h.episode(T0 + SEC)
        .completed(2, "C")
        .completed(0, "A");
      expect(replayDf(o, h, split).actions).toEqual([]);
      h.end();
      split = h.mark();
      h.episode(T0 + 2 * SEC).completed(1, "B");
      expect(summary(replayDf(o, h, split).actions)).toEqual(['Complete#3 Completed "A,B,C"']);
    });
  }

  const race: OrchestrationHandler = function* (context: OrchestrationContext) {
    const timer = context.df.createTimer(new Date(T0 + 3600 * SEC)) as TimerTask;
    const approval = context.df.waitForExternalEvent("Approval");
    const work = context.df.callActivity("Work", "x");
    const winner = (yield context.df.Task.any([approval, timer, work])) as Task;
    if (winner === timer) return "timeout";
    timer.cancel();
    if (winner === approval) return approval.result;
    return work.result;
  };
  for (const [model, o] of models(race)) {
    const scheduled = () =>
      new DfHistory()
        .episode(T0)
        .started("Test")
        .timerCreated(0, T0 + 3600 * SEC)
        .activity(1, "Work", "x")
        .end();
    it(`${model}: the event wins`, () => {
      const h = scheduled();
      const split = h.mark();
      h.episode(T0 + 5 * SEC).raised("Approval", { ok: true });
      expect(summary(replayDf(o, h, split).actions)).toEqual(['Complete#2 Completed {"ok":true}']);
    });
    it(`${model}: the timer wins`, () => {
      const h = scheduled();
      const split = h.mark();
      h.episode(T0 + 3600 * SEC).timerFired(0, T0 + 3600 * SEC);
      expect(summary(replayDf(o, h, split).actions)).toEqual(['Complete#2 Completed "timeout"']);
    });
    it(`${model}: the activity wins`, () => {
      const h = scheduled();
      const split = h.mark();
      h.episode(T0 + 5 * SEC).completed(1, "worked");
      expect(summary(replayDf(o, h, split).actions)).toEqual(['Complete#2 Completed "worked"']);
    });
  }
});

describe("after a Task.any race, the losers' late events", () => {
  const body: OrchestrationHandler = function* (context: OrchestrationContext) {
    const timer = context.df.createTimer(new Date(T0 + 3600 * SEC)) as TimerTask;
    const approval = context.df.waitForExternalEvent("Approval");
    const work = context.df.callActivity("Work", "x");
    yield context.df.Task.any([approval, timer, work]);
    timer.cancel();
    return yield context.df.callActivity("After", approval.result);
  };
  for (const [model, o] of models(body)) {
    it(`${model}: the cancelled timer's TimerFired and the losing activity's result change nothing`, () => {
      const h = new DfHistory()
        .episode(T0)
        .started("Test")
        .timerCreated(0, T0 + 3600 * SEC)
        .activity(1, "Work", "x")
        .end();
      let split = h.mark();
      h.episode(T0 + 5 * SEC).raised("Approval", "yes");
      expect(summary(replayDf(o, h, split).actions)).toEqual(['ScheduleTask#2 After "yes"']);
      h.activity(2, "After", "yes").end();
      split = h.mark();
      h.episode(T0 + 6 * SEC).completed(1, "late");
      expect(replayDf(o, h, split).actions).toEqual([]);
      h.end();
      split = h.mark();
      h.episode(T0 + 3600 * SEC)
        .timerFired(0, T0 + 3600 * SEC)
        .completed(2, "after");
      expect(summary(replayDf(o, h, split).actions)).toEqual(['Complete#3 Completed "after"']);
    });
  }
});

describe("sub-orchestrations", () => {
  // Without an instance id the extension names the child itself; taskhub must keep DF's name.
  const plain: OrchestrationHandler = function* (context: OrchestrationContext) {
    const a = yield context.df.callSubOrchestrator("Child", 1);
    const b = yield context.df.callSubOrchestrator("Child", 2);
    return [a, b];
  };
  for (const [model, o] of models(plain)) {
    it(`${model}: a child DF named replays, and the next one is scheduled`, () => {
      const h = new DfHistory()
        .episode(T0)
        .started("Test")
        .sub(0, "Child", "a3c1f2e4b5d64e7f8a9b0c1d2e3f4a5b", 1)
        .end();
      let split = h.mark();
      h.episode(T0 + SEC).subCompleted(0, "one");
      const next = replayDf(o, h, split).actions;
      expect(next).toHaveLength(1);
      expect(next[0]).toMatchObject({ type: "CreateSubOrchestration", id: 1, name: "Child" });
      h.sub(1, "Child", "b3c1f2e4b5d64e7f8a9b0c1d2e3f4a5b", 2).end();
      split = h.mark();
      h.episode(T0 + 2 * SEC).subCompleted(1, "two");
      expect(summary(replayDf(o, h, split).actions)).toEqual(['Complete#2 Completed ["one","two"]']);
    });
  }

  const withRetry: OrchestrationHandler = function* (context: OrchestrationContext) {
    return yield context.df.callSubOrchestratorWithRetry("Child", new RetryOptions(1000, 2), "in", "child-1");
  };
  for (const [model, o] of models(withRetry)) {
    it(`${model}: with retry: created, failed, retry timer, created again under the same id, completed`, () => {
      const h = new DfHistory().episode(T0).started("Test").sub(0, "Child", "child-1", "in").end();
      let split = h.mark();
      h.episode(T0 + SEC).subFailedAsDf(0, "Child", "nope");
      expect(summary(replayDf(o, h, split).actions)).toEqual([`CreateTimer#1 ${iso(T0 + 2 * SEC)}`]);
      h.timerCreated(1, T0 + 2 * SEC).end();
      split = h.mark();
      h.episode(T0 + 2 * SEC).timerFired(1, T0 + 2 * SEC);
      expect(summary(replayDf(o, h, split).actions)).toEqual(["CreateSubOrchestration#2 Child child-1"]);
      h.sub(2, "Child", "child-1", "in").end();
      split = h.mark();
      h.episode(T0 + 3 * SEC).subCompleted(2, "ok");
      expect(summary(replayDf(o, h, split).actions)).toEqual(['Complete#3 Completed "ok"']);
    });
  }
});

describe("continueAsNew and waitForExternalEvent", () => {
  const loop: OrchestrationHandler = function* (context: OrchestrationContext) {
    const n = context.df.getInput<number>();
    const approval = yield context.df.waitForExternalEvent("Next");
    yield context.df.callActivity("Work", { n, approval });
    if (n < 3) context.df.continueAsNew(n + 1);
    return n;
  };
  for (const [model, o] of models(loop)) {
    it(`${model}: an event that arrived while DF ran the instance is consumed; the generation continues as new`, () => {
      const h = new DfHistory().episode(T0).started("Test", 2).end();
      let split = h.mark();
      h.episode(T0 + SEC).raised("Next", "go");
      expect(summary(replayDf(o, h, split).actions)).toEqual(['ScheduleTask#0 Work {"n":2,"approval":"go"}']);
      h.activity(0, "Work", { n: 2, approval: "go" }).end();
      split = h.mark();
      h.episode(T0 + 2 * SEC).completed(0, null);
      expect(summary(replayDf(o, h, split).actions)).toEqual(["Complete#1 ContinuedAsNew 3"]);
    });
  }
});
