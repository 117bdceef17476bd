import { afterAll, beforeAll, expect, it } from "vitest";
import { RetryOptions, type OrchestrationContext } from "../src/index.js";
import { start, type Running } from "./harness.js";

let r: Running;
let attempts = 0;
beforeAll(async () => {
  r = await start((app) => {
    app.activity("Hello", { handler: (name: string) => `Hello ${name}` });
    app.activity("Flaky", { handler: () => { if (++attempts < 3) throw new Error(`attempt ${attempts}`); return attempts; } });
    app.orchestration("Chain", function* (context: OrchestrationContext) {
      const a = yield context.df.callActivity("Hello", "A");
      const b = yield context.df.callActivity("Hello", "B");
      const all = yield context.df.Task.all([context.df.callActivity("Hello", "C"), context.df.callActivity("Hello", "D")]);
      const flaky = yield context.df.callActivityWithRetry("Flaky", new RetryOptions(1000, 5));
      return [a, b, all, flaky];
    });
  });
});
afterAll(() => r.stop());

it("runs a chain", async () => {
  const s = await r.run("Chain");
  expect(s.runtimeStatus).toBe("Completed");
  expect(s.output).toEqual(["Hello A", "Hello B", ["Hello C", "Hello D"], 3]);
});
