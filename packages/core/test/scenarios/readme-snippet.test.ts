// The snippet, as written: the shape other packages and users build on.
import { describe, expect, it } from "vitest";
import { TaskHubWorker, TaskHubClient } from "../../src/index.js";
import { InMemoryOrchestrationService } from "../../src/testing/index.js";

describe("README snippet", () => {
  it("runs Hello over three cities on the in-memory service", async () => {
    const service = new InMemoryOrchestrationService();
    const worker = new TaskHubWorker(service);
    worker.addActivity("SayHello", (_ctx, name: string) => `Hello ${name}!`);
    worker.addOrchestrator("Hello", function* (ctx) {
      const out: string[] = [];
      for (const city of ["Tokyo", "Seattle", "London"]) out.push(yield ctx.callActivity("SayHello", city));
      return out;
    });
    await worker.start();
    const client = new TaskHubClient(service);
    const id = await client.scheduleNewOrchestration("Hello");
    const state = await client.waitForOrchestrationCompletion(id, { timeoutMs: 10_000 });
    expect(state.runtimeStatus).toBe("Completed");
    expect(state.output).toEqual(["Hello Tokyo!", "Hello Seattle!", "Hello London!"]);
    const history = await client.getOrchestrationHistory(id);
    expect(history.map((e) => e.type)).toEqual([
      "OrchestratorStarted",
      "ExecutionStarted",
      "TaskScheduled",
      "OrchestratorCompleted",
      "OrchestratorStarted",
      "TaskCompleted",
      "TaskScheduled",
      "OrchestratorCompleted",
      "OrchestratorStarted",
      "TaskCompleted",
      "TaskScheduled",
      "OrchestratorCompleted",
      "OrchestratorStarted",
      "TaskCompleted",
      "ExecutionCompleted",
      "OrchestratorCompleted",
    ]);
    await worker.stop();
  });
});
