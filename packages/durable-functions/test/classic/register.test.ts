// registerClassicFunction: what fits each trigger (and the clear error for what does not), where an
// activity's input goes (the trigger binding's name), the callback style, and the contexts functions get.
import { TaskRegistry } from "@taskhub/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as df from "../../src/index.js";
import type {
  ClassicContext,
  IEntityFunctionContext,
  IOrchestrationFunctionContext,
} from "../../src/index.js";
import type { FunctionFolder } from "../fixtures/classic-app.js";
import { startClassic, type ClassicRunning } from "./classic-harness.js";

const orchestration = [{ name: "ctx", type: "orchestrationTrigger", direction: "in" }];
const activity = (name: string) => [{ name, type: "activityTrigger", direction: "in" }];

function register(trigger: df.ClassicTrigger, handler: unknown, name = "F") {
  const bindings = [{ name: "x", type: trigger, direction: "in" }];
  return () => df.registerClassicFunction(new TaskRegistry(), { name, trigger, handler, bindings });
}

describe("registerClassicFunction refuses what does not fit the trigger", () => {
  const gen = function* () {};
  const cases: [string, df.ClassicTrigger, unknown, RegExp][] = [
    ["a plain generator on orchestrationTrigger", "orchestrationTrigger", gen, /is a generator function/],
    [
      "df.entity on orchestrationTrigger",
      "orchestrationTrigger",
      df.entity(() => {}),
      /is df\.entity\(\.\.\.\)/,
    ],
    [
      "a plain function on entityTrigger",
      "entityTrigger",
      () => {},
      /not an entity.*df\.entity\(function \(context\)/,
    ],
    [
      "df.orchestrator on activityTrigger",
      "activityTrigger",
      df.orchestrator(gen),
      /not an activity.*df\.orchestrator/,
    ],
    ["an object on activityTrigger", "activityTrigger", { run() {} }, /not an activity.*it is object/],
    ["nothing on orchestrationTrigger", "orchestrationTrigger", undefined, /it is undefined/],
  ];
  for (const [what, trigger, handler, message] of cases)
    it(what, () => {
      expect(register(trigger, handler, "Named")).toThrow(message);
      expect(register(trigger, handler, "Named")).toThrow(/function 'Named'/);
    });

  it("df.orchestrator of a function that is not function*", () => {
    expect(register("orchestrationTrigger", df.orchestrator((() => 1) as never))).toThrow(
      /function 'F' \(orchestrationTrigger\): the function given to df.orchestrator is not a generator function/,
    );
    expect(register("orchestrationTrigger", df.orchestrator(async function* () {} as never))).toThrow(
      /not a generator function/,
    );
  });

  it("a trigger it does not run", () => {
    expect(register("httpTrigger" as df.ClassicTrigger, () => {})).toThrow(
      /runs orchestrationTrigger, activityTrigger and entityTrigger functions, not 'httpTrigger'/,
    );
  });
});

let log: string[] = [];
const seen: Record<string, unknown> = {};
const logger = {
  info: (f: object, m: string) => log.push(`info ${m}`),
  warn: (f: object, m: string) => log.push(`warn ${m}`),
  error: (f: object, m: string) => log.push(`error ${m}`),
  debug: (f: object, m: string) => log.push(`debug ${m}`),
};

const app: FunctionFolder[] = [
  {
    name: "Parent",
    bindings: orchestration,
    handler: df.orchestrator(function* (context: IOrchestrationFunctionContext) {
      seen.orchestrationBinding = context.bindings.ctx;
      seen.functionName = context.executionContext.functionName;
      context.log.warn("a warning");
      const a = yield context.df.callActivity("Named", { n: 2 });
      let failure: unknown;
      try {
        yield context.df.callActivity("Done", "fail");
      } catch (err) {
        failure = (err as Error).message.split(" \n ")[0];
      }
      const b = yield context.df.callActivity("Done", "ok");
      const c = yield context.df.callActivity("Starter", "Child");
      const child = yield context.df.callSubOrchestrator("Child", 7);
      return { a, failure, b, c, child, parent: context.df.instanceId };
    }),
  },
  {
    name: "Child",
    bindings: orchestration,
    // eslint-disable-next-line require-yield -- returns at once
    handler: df.orchestrator(function* (context: IOrchestrationFunctionContext) {
      return { input: context.df.getInput(), parent: context.df.parentInstanceId };
    }),
  },
  {
    name: "Named",
    bindings: activity("payload"),
    handler: async (context: ClassicContext, second: unknown) => {
      seen.activity = {
        fromBinding: context.bindings.payload,
        second,
        bindingData: context.bindingData.payload,
        definitions: context.bindingDefinitions,
      };
      return (context.bindings.payload as { n: number }).n * 10;
    },
  },
  {
    name: "Done",
    bindings: activity("what"),
    handler: (context: ClassicContext) => {
      if (context.bindings.what === "fail") context.done("it failed");
      else context.done(null, "done ok");
    },
  },
  {
    // An activity that is also a client: its durableClient binding is filled.
    name: "Starter",
    bindings: [
      ...activity("name"),
      { name: "client", type: "durableClient", direction: "in" },
      { name: "older", type: "orchestrationClient", direction: "in" },
    ],
    handler: async (context: ClassicContext) => {
      const client = df.getClient(context);
      const older = df.getClient({ bindings: { older: context.bindings.older } });
      return older.taskHubName === client.taskHubName ? client.taskHubName : "differs";
    },
  },
  {
    name: "Account",
    bindings: [{ name: "entityCtx", type: "entityTrigger", direction: "in" }],
    handler: df.entity(async function (context: IEntityFunctionContext<number>) {
      await new Promise((r) => setTimeout(r, 1));
      seen.entityBinding = context.bindings.entityCtx;
      if (context.df.operationName === "deposit")
        context.df.setState((context.df.getState(() => 0) ?? 0) + (context.df.getInput<number>() ?? 0));
      else context.df.return(context.df.getState());
    }),
  },
];

let r: ClassicRunning;
beforeAll(async () => {
  r = await startClassic(app, { logger: logger as never });
});
afterAll(() => r?.stop());

describe("registered classic functions", () => {
  it("run with the 2.x contexts: input in context.bindings[<binding name>], done(err, result), clients", async () => {
    log = [];
    const id = await r.client.startNew("Parent", { input: "in" });
    await r.client.client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 });
    const status = await r.client.getStatus(id);
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toEqual({
      a: 20,
      failure: "it failed",
      b: "done ok",
      c: "TaskHub", // the in-memory backend has no hub name: the default
      child: { input: 7, parent: id },
      parent: id,
    });
    expect(seen.activity).toEqual({
      fromBinding: { n: 2 },
      second: { n: 2 },
      bindingData: { n: 2 },
      definitions: [{ name: "payload", type: "activityTrigger", direction: "in" }],
    });
    expect(seen.orchestrationBinding).toMatchObject({ instanceId: id, input: "in" });
    expect(seen.functionName).toBe("Parent");
    expect(log).toContain("warn a warning");
  });

  it("an async entity function, its binding under the trigger's name", async () => {
    const entity = new df.EntityId("Account", "a1");
    await r.client.signalEntity(entity, "deposit", 5);
    await r.client.signalEntity(entity, "deposit", 6);
    let state: unknown;
    for (let i = 0; i < 500 && state !== 11; i++) {
      state = (await r.client.readEntityState<number>(entity)).entityState;
      await new Promise((res) => setTimeout(res, 10));
    }
    expect(state).toBe(11);
    expect(seen.entityBinding).toMatchObject({ self: { name: "account", key: "a1" }, exists: true });
  });
});
