// v3's unit-testing exports: DummyOrchestrationContext and DummyEntityContext (a context whose `df` the
// test fills with a stub before calling the handler, as v3 users do), and LockingRulesViolationError.
import { afterEach, describe, expect, it, vi } from "vitest";
import { TaskHubError } from "@taskhub/core";
import {
  DummyEntityContext,
  DummyOrchestrationContext,
  EntityId,
  LockingRulesViolationError,
  type DurableEntityContext,
  type DurableOrchestrationContext,
  type EntityHandler,
  type LogLevel,
  type OrchestrationHandler,
  type Task,
} from "../src/index.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("DummyOrchestrationContext", () => {
  it("has v3's defaults: function name, a fresh invocation id, df undefined, logs to console.log", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const a = new DummyOrchestrationContext();
    const b = new DummyOrchestrationContext();
    expect(a.functionName).toBe("dummyContextFunctionName");
    expect(a.invocationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.invocationId).not.toBe(b.invocationId);
    expect(a.df).toBeUndefined();
    expect("df" in a).toBe(true);
    a.log("hello", 1);
    a.error("bad");
    expect(log.mock.calls).toEqual([["hello", 1], ["bad"]]);
  });

  it("takes a function name, an invocation id and a logHandler that gets the level first", () => {
    const logs: [LogLevel, ...unknown[]][] = [];
    const context = new DummyOrchestrationContext("MyOrchestration", "inv-1", (level, ...args) =>
      logs.push([level, ...args]),
    );
    expect([context.functionName, context.invocationId]).toEqual(["MyOrchestration", "inv-1"]);
    context.log("a");
    context.trace("b");
    context.debug("c");
    context.info("d");
    context.warn("e");
    context.error("f", { x: 1 });
    expect(logs).toEqual([
      ["information", "a"],
      ["trace", "b"],
      ["debug", "c"],
      ["information", "d"],
      ["warning", "e"],
      ["error", "f", { x: 1 }],
    ]);
    context.extraOutputs.set("out", 5);
    expect(context.extraOutputs.get("out")).toBe(5);
    // Bindings are keyed by name, as in @azure/functions.
    context.extraInputs.set({ type: "blob", name: "doc" }, "text");
    expect(context.extraInputs.get("doc")).toBe("text");
  });

  it("runs an orchestration handler with a stubbed context.df, the generator driven by the test", () => {
    const handler: OrchestrationHandler = function* (context) {
      const cities = context.df.getInput<string[]>();
      const outputs: unknown[] = [];
      for (const city of cities) outputs.push(yield context.df.callActivity("SayHello", city));
      context.log(`done for ${context.df.instanceId}`);
      return outputs;
    };
    const calls: unknown[][] = [];
    const logs: unknown[] = [];
    const context = new DummyOrchestrationContext(undefined, undefined, (_level, ...args) =>
      logs.push(...args),
    );
    context.df = {
      instanceId: "test-instance",
      getInput: () => ["Tokyo", "London"],
      callActivity: (name: string, input?: unknown): Task => {
        calls.push([name, input]);
        return { isCompleted: false, isFaulted: false };
      },
    } as unknown as DurableOrchestrationContext;

    const gen = handler(context);
    expect(gen.next().done).toBe(false);
    expect(gen.next("Hello Tokyo!").done).toBe(false);
    const end = gen.next("Hello London!");
    expect(end).toEqual({ done: true, value: ["Hello Tokyo!", "Hello London!"] });
    expect(calls).toEqual([
      ["SayHello", "Tokyo"],
      ["SayHello", "London"],
    ]);
    expect(logs).toEqual(["done for test-instance"]);
  });
});

describe("DummyEntityContext", () => {
  it("has v3's defaults and runs an entity handler with a stubbed context.df", async () => {
    const handler: EntityHandler<number> = (context) => {
      const current = context.df.getState(() => 0) ?? 0;
      if (context.df.operationName === "add")
        context.df.setState(current + (context.df.getInput<number>() ?? 0));
      if (context.df.operationName === "get") context.df.return(current);
    };
    const context = new DummyEntityContext<number>("Counter", "inv-2", () => {});
    expect([context.functionName, context.invocationId, context.df]).toEqual(["Counter", "inv-2", undefined]);
    expect(new DummyEntityContext().functionName).toBe("dummyContextFunctionName");

    let state: number | undefined = 40;
    let returned: unknown;
    const stub = (operationName: string, input?: number): DurableEntityContext<number> =>
      ({
        entityName: "counter",
        entityKey: "k",
        entityId: new EntityId("Counter", "k"),
        operationName,
        isNewlyConstructed: false,
        getState: (init?: () => number) => state ?? init?.(),
        setState: (s: number) => void (state = s),
        getInput: () => input,
        return: (r: unknown) => void (returned = r),
        destructOnExit: () => void (state = undefined),
        signalEntity: () => {},
      }) as DurableEntityContext<number>;

    context.df = stub("add", 2);
    await handler(context);
    context.df = stub("get");
    await handler(context);
    expect([state, returned]).toEqual([42, 42]);
  });
});

describe("LockingRulesViolationError", () => {
  it("is v3's error (name, static code, cause option) and core's TaskHubError with code LockingRulesViolation", () => {
    const cause = new Error("inner");
    const err = new LockingRulesViolationError("broken rule", { cause });
    expect(LockingRulesViolationError.code).toBe("LOCKING_RULES_VIOLATION");
    expect(err.name).toBe("LockingRulesViolationError");
    expect(err.message).toBe("broken rule");
    expect(err.cause).toBe(cause);
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(LockingRulesViolationError);
    expect(err).toBeInstanceOf(TaskHubError);
    expect(err.code).toBe("LockingRulesViolation");
    expect("cause" in new LockingRulesViolationError("no cause")).toBe(false);
    expect(String(err.stack)).toContain("LockingRulesViolationError: broken rule");
  });
});
