// df.orchestrator / df.entity: the handler carries the classic marker with { kind, fn }, as the host reads it.
import { describe, expect, it } from "vitest";
import * as df from "../../src/index.js";

const MARKER = Symbol.for("taskhub.durable-functions.classic");

describe("df.orchestrator / df.entity", () => {
  it("return a function carrying Symbol.for('taskhub.durable-functions.classic') = { kind, fn }", () => {
    // eslint-disable-next-line require-yield -- shape only
    const fn = function* () {
      return 1;
    };
    const o = df.orchestrator(fn);
    expect(typeof o).toBe("function");
    expect((o as unknown as Record<symbol, unknown>)[MARKER]).toEqual({ kind: "orchestrator", fn });
    const e = df.entity(() => {});
    expect((e as unknown as Record<symbol, { kind: string } | undefined>)[MARKER]?.kind).toBe("entity");
    expect(df.classicDefinitionOf(o)?.fn).toBe(fn);
    expect(df.classicDefinitionOf(() => {})).toBeUndefined();
    expect(df.classicDefinitionOf({ [MARKER]: { kind: "orchestrator", fn } })).toBeUndefined();
  });

  it("refuse a non-function at once, and say so when the handler is called directly", () => {
    expect(() => df.orchestrator(undefined as never)).toThrow(/df.orchestrator expects a generator function/);
    expect(() => df.entity("x" as never)).toThrow(/df.entity expects a function/);
    const o = df.orchestrator(function* () {});
    expect(() => o({} as never)).toThrow(/run by a taskhub worker/);
  });
});
