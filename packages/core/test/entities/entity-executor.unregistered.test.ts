// Signals to an entity no worker registered are retried, then quarantined with their reason, and can be
// replayed once the entity exists: nothing is lost while a deployment catches up.
import { describe, expect, it } from "vitest";
import { TaskHubClient, TaskHubWorker } from "../../src/index.js";
import { InMemoryOrchestrationService } from "../../src/testing/index.js";

describe("unregistered entities", () => {
  it("quarantine the messages with a clear reason; replaying them after registration applies them", async () => {
    const service = new InMemoryOrchestrationService({ pollIntervalMs: 5 });
    const client = new TaskHubClient(service);
    const first = new TaskHubWorker(service, { abandonDelayMs: 1 });
    await first.start();
    await client.signalEntity({ name: "ghost", key: "k" }, "add", 2);
    const deadline = Date.now() + 20_000;
    while ((await service.listPoisonMessages()).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await first.stop();
    const [poison] = await service.listPoisonMessages();
    expect(poison?.reason).toMatch(/no entity named 'ghost' is registered/);
    expect(await client.getEntity({ name: "ghost", key: "k" })).toBeUndefined();

    const second = new TaskHubWorker(service, { abandonDelayMs: 1 });
    second.addEntity("ghost", (ctx) =>
      ctx.setState((ctx.getState<number>(() => 0) ?? 0) + ctx.getInput<number>()!),
    );
    await second.start();
    await service.replayPoisonMessage(poison!.queueName, poison!.messageId);
    const until = Date.now() + 10_000;
    while ((await client.getEntity<number>({ name: "ghost", key: "k" }))?.state !== 2 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    expect((await client.getEntity<number>({ name: "ghost", key: "k" }))?.state).toBe(2);
    await second.stop();
  }, 30_000);
});
