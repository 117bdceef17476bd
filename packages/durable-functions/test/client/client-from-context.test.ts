// df.getClient(context) with the InvocationContext of the real @azure/functions v4 package, as the taskhub host
// makes it for an app.http(...) function (the durable client input's value is the extension's binding JSON).
import { InvocationContext } from "@azure/functions";
import { afterEach, describe, expect, it } from "vitest";
import { TaskHubClient } from "@taskhub/core";
import { InMemoryOrchestrationService } from "@taskhub/core/testing";
import * as df from "../../src/index.js";
import { CLIENT_SYMBOL } from "../../src/client/client-from-context.js";
import { createInvocationContext } from "../../src/orchestration/invocation-context.js";

const makeClient = (taskHubName: string) =>
  new df.DurableClient(new TaskHubClient(new InMemoryOrchestrationService()), { taskHubName });

function v4Context(extraInputs: { type: string; name: string }[], value?: unknown): InvocationContext {
  const context = new InvocationContext({
    functionName: "Starter",
    options: { trigger: { type: "httpTrigger", name: "req" }, extraInputs, extraOutputs: [] },
  });
  if (extraInputs[0]) context.extraInputs.set(extraInputs[0], value);
  return context;
}

afterEach(() => df.setClient(undefined));

describe("df.getClient(context) with an @azure/functions v4 InvocationContext", () => {
  it("with the durable client input: the registered worker's client", () => {
    const registered = makeClient("Registered");
    df.setClient(registered);
    const binding = {
      taskHubName: "Registered",
      baseUrl: "http://127.0.0.1:7071/runtime/webhooks/durabletask",
    };
    expect(df.getClient(v4Context([df.input.durableClient()], binding))).toBe(registered);
  });

  it("a client carried by the input's value is the one", () => {
    df.setClient(makeClient("Registered"));
    const carried = makeClient("Carried");
    const binding = { taskHubName: "Carried", [CLIENT_SYMBOL]: carried };
    expect(df.getClient(v4Context([df.input.durableClient()], binding))).toBe(carried);
  });

  it("without a durable client input: durable-functions' own error", () => {
    df.setClient(makeClient("Registered"));
    expect(() => df.getClient(v4Context([]))).toThrow(
      "Could not find a registered durable client input binding. Check your extraInputs definition when registering your function.",
    );
    expect(() => df.getClient(v4Context([{ type: "blob", name: "b" }]))).toThrow(
      /durable client input binding/,
    );
  });

  it("the facade's own contexts and no context keep answering the registered client", () => {
    const registered = makeClient("Registered");
    df.setClient(registered);
    expect(df.getClient(createInvocationContext("F", "activityTrigger", undefined))).toBe(registered);
    expect(df.getClient()).toBe(registered);
  });
});
