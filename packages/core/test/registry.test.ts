// TaskRegistry: what an app's registration fills and a worker runs; readable with no worker and no backend.
import { describe, expect, it } from "vitest";
import {
  TaskHubClient,
  TaskHubWorker,
  TaskRegistry,
  type DurableTask,
  type OrchestrationContext,
} from "../src/index.js";
import { InMemoryOrchestrationService } from "../src/testing/index.js";

class Counter {
  value = 0;
  add(n: number): void {
    this.value += n;
  }
}

describe("TaskRegistry", () => {
  it("holds orchestrators, activities and entities by name, without a worker", () => {
    const hello = function* (ctx: OrchestrationContext): Generator<DurableTask<unknown>, string, unknown> {
      return (yield ctx.callActivity("Say")) as string;
    };
    const say = (): string => "hello";
    const registry = new TaskRegistry()
      .addOrchestrator("Hello", hello)
      .addActivity("Say", say)
      .addEntity("Counter", Counter)
      .addEntity("Total", () => undefined);
    expect(registry.orchestratorNames()).toEqual(["Hello"]);
    expect(registry.activityNames()).toEqual(["Say"]);
    expect(registry.entityNames()).toEqual([
      { name: "counter", style: "class" },
      { name: "total", style: "function" },
    ]);
    expect(registry.getOrchestrator("Hello")).toBe(hello);
    expect(registry.getActivity("Say")).toBe(say);
    expect(registry.getEntity("counter")).toBe(Counter);
    expect(registry.getOrchestrator("Nobody")).toBeUndefined();
  });

  it("rejects bad registrations with clear errors", () => {
    const registry = new TaskRegistry();
    expect(() => registry.addActivity("", () => 1)).toThrow(/activity name must be a non-empty string/);
    registry.addActivity("A", () => 1);
    expect(() => registry.addActivity("A", () => 1)).toThrow(/activity 'A' is already registered/);
    expect(() => registry.addOrchestrator("O", undefined as never)).toThrow(
      /orchestrator 'O' must be a function/,
    );
    expect(() => registry.addEntity("a@b", () => undefined)).toThrow(/must not contain '@'/);
    registry.addEntity("E", () => undefined);
    expect(() => registry.addEntity("e", () => undefined)).toThrow(/entity 'e' is already registered/);
  });

  it("holds orchestrators per version: the exact version first, else the one registered without a version", () => {
    const registry = new TaskRegistry();
    const v1 = () => 1;
    const v2 = () => 2;
    registry.addOrchestrator("Flow", v1, { version: "1.0" }).addOrchestrator("Flow", v2, { version: "2.0" });
    expect(registry.getOrchestrator("Flow", "1.0")).toBe(v1);
    expect(registry.getOrchestrator("Flow", "2.0")).toBe(v2);
    expect(registry.getOrchestrator("Flow", "3.0")).toBeUndefined();
    expect(registry.getOrchestrator("Flow")).toBeUndefined();
    const any = () => 0;
    registry.addOrchestrator("Flow", any);
    expect(registry.getOrchestrator("Flow", "3.0")).toBe(any);
    expect(registry.getOrchestrator("Flow")).toBe(any);
    expect(registry.orchestratorNames()).toEqual(["Flow"]);
    expect(registry.orchestratorVersions("Flow")).toEqual(["1.0", "2.0", ""]);
    expect(() => registry.addOrchestrator("Flow", v1, { version: 2 as never })).toThrow(/must be a string/);
  });

  it("refuses additions while sealed, and takes them again once unsealed", () => {
    const registry = new TaskRegistry();
    registry.seal("the worker started");
    expect(() => registry.addActivity("A", () => 1)).toThrow(
      /cannot add activity 'A' after the worker started/,
    );
    registry.unseal();
    registry.addActivity("A", () => 1);
    expect(registry.activityNames()).toEqual(["A"]);
  });
});

describe("a worker consuming a registry", () => {
  it("runs the functions of the registry it was given, and seals it while running", async () => {
    const registry = new TaskRegistry()
      .addActivity("Twice", (_ctx, n: number) => 2 * n)
      .addOrchestrator("Double", function* (ctx, n: number) {
        return (yield ctx.callActivity("Twice", n)) as number;
      });
    const service = new InMemoryOrchestrationService({ pollIntervalMs: 20 });
    const worker = new TaskHubWorker(service, { registry });
    expect(worker.registry).toBe(registry);
    expect(worker.orchestratorNames()).toEqual(["Double"]);
    await worker.start();
    try {
      expect(() => registry.addActivity("Late", () => 0)).toThrow(
        /cannot add activity 'Late' after the worker started/,
      );
      const client = new TaskHubClient(service);
      const id = await client.scheduleNewOrchestration("Double", 21);
      expect((await client.waitForOrchestrationCompletion(id, { timeoutMs: 10_000 })).output).toBe(42);
    } finally {
      await worker.stop({ drainTimeoutMs: 2000 });
    }
    // A stopped worker takes registrations again, as before it started.
    worker.addActivity("Late", () => 0);
    expect(registry.activityNames()).toEqual(["Twice", "Late"]);
  });

  it("keeps names starting with 'taskhub:' for the built-in bulk operations, which every worker adds", async () => {
    const registry = new TaskRegistry();
    expect(() => registry.addOrchestrator("taskhub:bulk", () => 1)).toThrow(
      /reserved for taskhub's built-in/,
    );
    expect(() => registry.addActivity("taskhub:mine", () => 1)).toThrow(/reserved/);
    const worker = new TaskHubWorker(new InMemoryOrchestrationService(), { registry });
    await worker.start();
    try {
      expect(registry.getOrchestrator("taskhub:bulk")).toBeTypeOf("function");
      expect(registry.getActivity("taskhub:bulk:page")).toBeTypeOf("function");
      expect(registry.getActivity("taskhub:bulk:act")).toBeTypeOf("function");
      // The listings are the app's functions.
      expect(registry.orchestratorNames()).toEqual([]);
      expect(registry.activityNames()).toEqual([]);
    } finally {
      await worker.stop();
    }
    // Started again: added once (a second add would throw "already registered").
    await worker.start();
    await worker.stop();
  });
});
