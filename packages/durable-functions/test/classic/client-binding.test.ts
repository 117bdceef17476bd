// classicClientBinding: DF's durableClient binding JSON plus the client under its symbol; df.getClient(context)
// finds it in context.bindings (classic) and leaves the v4 model's getClient() as it was.
import { TaskHubClient } from "@taskhub/core";
import { InMemoryOrchestrationService } from "@taskhub/core/testing";
import { describe, expect, it } from "vitest";
import * as df from "../../src/index.js";

const CLIENT = Symbol.for("taskhub.durable-functions.client");

function client(key?: string) {
  return new df.DurableClient(new TaskHubClient(new InMemoryOrchestrationService() as never), {
    taskHubName: "Hub1",
    origin: "http://host.test:8080",
    ...(key ? { key } : {}),
  });
}

describe("classicClientBinding", () => {
  it("is the extension's binding JSON, with the client under Symbol.for('taskhub.durable-functions.client')", () => {
    const c = client("k1");
    const binding = df.classicClientBinding(c);
    expect(JSON.parse(JSON.stringify(binding))).toEqual({
      taskHubName: "Hub1",
      creationUrls: {
        createNewInstancePostUri:
          "http://host.test:8080/runtime/webhooks/durabletask/orchestrators/{functionName}[/{instanceId}]?code=k1",
        createAndWaitOnNewInstancePostUri:
          "http://host.test:8080/runtime/webhooks/durabletask/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=k1",
      },
      managementUrls: expect.objectContaining({
        id: "INSTANCEID",
        statusQueryGetUri:
          "http://host.test:8080/runtime/webhooks/durabletask/instances/INSTANCEID?taskHub=Hub1&connection=Storage&code=k1",
        sendEventPostUri:
          "http://host.test:8080/runtime/webhooks/durabletask/instances/INSTANCEID/raiseEvent/{eventName}?taskHub=Hub1&connection=Storage&code=k1",
      }),
      baseUrl: "http://host.test:8080/runtime/webhooks/durabletask",
      requiredQueryStringParameters: "code=k1",
    });
    expect((binding as Record<symbol, unknown>)[CLIENT]).toBe(c);
    // A copy of the bindings keeps it.
    expect(({ ...binding } as Record<symbol, unknown>)[CLIENT]).toBe(c);
  });

  it("df.getClient(context) returns 2.x's DurableOrchestrationClient for the binding, whatever its name", () => {
    const c = client();
    const got = df.getClient({ bindings: { req: {}, myStarter: df.classicClientBinding(c) } });
    expect(got).toBeInstanceOf(df.DurableOrchestrationClient);
    expect(got.taskHubName).toBe("Hub1");
    expect(got.durableClient).toBe(c);
  });

  it("a classic context without the binding gets 2.x's error; one with a foreign binding is told why", () => {
    expect(() => df.getClient({ bindings: { req: {} } })).toThrow(
      "An orchestration client function must have an orchestrationClient input binding. Check your function.json definition.",
    );
    const foreign = JSON.parse(JSON.stringify(df.classicClientBinding(client())));
    expect(() => df.getClient({ bindings: { starter: foreign } })).toThrow(/not made by taskhub/);
  });

  it("the v4 model's getClient(context) still ignores a context without bindings", () => {
    const c = client();
    df.setClient(c);
    try {
      expect(df.getClient({ invocationId: "x", extraInputs: {} })).toBe(c);
      expect(df.getClient()).toBe(c);
    } finally {
      df.setClient(undefined);
    }
  });
});
