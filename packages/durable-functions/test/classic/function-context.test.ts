// createClassicContext: the Functions Context of the classic model (what activities, orchestrators, entities and
// the host's classic HTTP functions get).
import { describe, expect, it } from "vitest";
import { createClassicContext } from "../../src/index.js";

describe("createClassicContext", () => {
  it("has the classic Context's members, the bindings given and only name/type/direction in bindingDefinitions", () => {
    const context = createClassicContext({
      functionName: "Fn",
      functionDirectory: "/app/Fn",
      bindings: { name: "Tokyo" },
      bindingData: { name: "Tokyo" },
      bindingDefinitions: [
        { name: "name", type: "activityTrigger", direction: "in", extra: 1 },
        { name: "x", type: "blob" },
      ],
    });
    expect(context.invocationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.executionContext).toEqual({
      invocationId: context.invocationId,
      functionName: "Fn",
      functionDirectory: "/app/Fn",
      retryContext: null,
    });
    expect(context.bindings).toEqual({ name: "Tokyo" });
    expect(context.bindingData).toMatchObject({
      invocationId: context.invocationId,
      name: "Tokyo",
      sys: { methodName: "Fn" },
    });
    expect(context.bindingDefinitions).toEqual([
      { name: "name", type: "activityTrigger", direction: "in" },
      { name: "x", type: "blob", direction: "in" },
    ]);
    expect(context.traceContext).toEqual({ traceparent: null, tracestate: null, attributes: {} });
    expect(() => context.done()).not.toThrow();
  });

  it("context.log is callable and has error / warn / info / verbose, each at its level with the invocation's fields", () => {
    const lines: unknown[][] = [];
    const at = (level: string) => (fields: object, message: string) => lines.push([level, fields, message]);
    const logger = { info: at("info"), warn: at("warn"), error: at("error"), debug: at("debug") };
    const context = createClassicContext({
      functionName: "Fn",
      logger: logger as never,
      logFields: { instanceId: "i1" },
    });
    context.log("plain", { a: 1 });
    context.log.error(new Error("bad"));
    context.log.warn("w");
    context.log.info("i");
    context.log.verbose("v");
    expect(lines.map(([level]) => level)).toEqual(["info", "error", "warn", "info", "debug"]);
    expect(lines[0]).toEqual([
      "info",
      { functionName: "Fn", invocationId: context.invocationId, instanceId: "i1" },
      'plain {"a":1}',
    ]);
    expect(lines[1]![2]).toMatch(/^Error: bad\n/);
  });

  it("done is the one given", () => {
    const calls: unknown[][] = [];
    const context = createClassicContext({ functionName: "Fn", done: (...args) => void calls.push(args) });
    context.done(null, 5);
    expect(calls).toEqual([[null, 5]]);
  });
});
