// raiseEvent reads an instance once per client, not before every event (client/known-instances.ts), and still
// refuses an unknown id with InstanceNotFound.
import { describe, expect, it, vi } from "vitest";
import { TaskHubClient } from "../src/index.js";
import { InMemoryOrchestrationService } from "../src/testing/index.js";

function counted(): { service: InMemoryOrchestrationService; reads: () => number; sends: () => number } {
  const service = new InMemoryOrchestrationService();
  const read = vi.spyOn(service, "getOrchestrationState");
  const send = vi.spyOn(service, "sendTaskOrchestrationMessage");
  return { service, reads: () => read.mock.calls.length, sends: () => send.mock.calls.length };
}

describe("raiseEvent reads the instance once per client", () => {
  it("events to an instance the client started are sent without a read", async () => {
    const { service, reads, sends } = counted();
    const client = new TaskHubClient(service);
    await client.scheduleNewOrchestration("Any", 1, { instanceId: "mine" });
    const before = reads();
    await Promise.all(Array.from({ length: 50 }, (_, i) => client.raiseEvent("mine", "e", i)));
    expect(reads() - before).toBe(0);
    expect(sends()).toBe(50);
  });

  it("events raised at once to an instance started elsewhere share one read, later ones none", async () => {
    const { service, reads } = counted();
    await new TaskHubClient(service).scheduleNewOrchestration("Any", 1, { instanceId: "theirs" });
    const client = new TaskHubClient(service);
    const before = reads();
    await Promise.all(Array.from({ length: 50 }, (_, i) => client.raiseEvent("theirs", "e", i)));
    expect(reads() - before).toBe(1);
    await client.raiseEvent("theirs", "e", 50);
    expect(reads() - before).toBe(1);
  });

  it("an unknown id is refused every time, each with its read", async () => {
    const { service, reads, sends } = counted();
    const client = new TaskHubClient(service);
    for (let i = 0; i < 2; i++)
      await expect(client.raiseEvent("nobody", "e", i)).rejects.toMatchObject({
        code: "InstanceNotFound",
        message: "no orchestration instance with id 'nobody'",
      });
    expect(reads()).toBe(2);
    expect(sends()).toBe(0);
  });

  it("an instance purged through the client is refused afterwards", async () => {
    const { service } = counted();
    const client = new TaskHubClient(service);
    await client.scheduleNewOrchestration("Any", 1, { instanceId: "gone" });
    await client.raiseEvent("gone", "e", 1);
    expect((await client.purgeOrchestration("gone")).deletedInstanceCount).toBe(1);
    await expect(client.raiseEvent("gone", "e", 2)).rejects.toMatchObject({ code: "InstanceNotFound" });
  });

  it("an instance read as missing is forgotten: a purge by another client is noticed at the next read", async () => {
    const { service } = counted();
    const client = new TaskHubClient(service);
    await client.scheduleNewOrchestration("Any", 1, { instanceId: "elsewhere" });
    await new TaskHubClient(service).purgeOrchestration("elsewhere");
    expect(await client.getOrchestrationState("elsewhere")).toBeUndefined();
    await expect(client.raiseEvent("elsewhere", "e", 1)).rejects.toMatchObject({ code: "InstanceNotFound" });
  });
});
