// Every client verb takes an `abortSignal`; an aborted verb rejects with an AbortError at once, the wait loops
// included, and leaves nothing behind (no instance written, no timer left running).
import { describe, expect, it } from "vitest";
import { TaskHubClient } from "../src/index.js";
import {
  abortAfterFirstStateRead,
  watchLongTimers,
  InMemoryOrchestrationService,
  rejectionName,
} from "../src/testing/index.js";

describe("client verbs with an abortSignal", () => {
  it.each(["waitForOrchestrationCompletion", "waitForOrchestrationStart"] as const)(
    "%s: an abort during its pause between polls rejects with AbortError at once and leaves no timer",
    async (verb) => {
      const service = new InMemoryOrchestrationService();
      const aborting = abortAfterFirstStateRead(service);
      // Polls an hour apart: only the abort can end the pause before the test's own timeout.
      const client = new TaskHubClient(aborting.client, {
        minPollIntervalMs: 3_600_000,
        maxPollIntervalMs: 3_600_000,
      });
      await new TaskHubClient(service).scheduleNewOrchestration("Never", 1, { instanceId: "waiting" });
      const timers = watchLongTimers(3_600_000);
      let err: unknown;
      try {
        err = await client[verb]("waiting", {
          abortSignal: aborting.signal,
          timeoutMs: 7_200_000,
        }).catch((e: unknown) => e);
      } finally {
        timers.stop();
      }
      expect(err).toMatchObject({ name: "AbortError", code: "Aborted" });
      // The wait paused with an hour-long timer, and the abort cleared it.
      expect(timers.started()).toBeGreaterThan(0);
      expect(timers.pending()).toBe(0);
      expect((await service.getOrchestrationState("waiting"))?.runtimeStatus).toBe("Pending");
    },
  );

  it("the former `signal` option still ends a wait, now with AbortError", async () => {
    const service = new InMemoryOrchestrationService();
    const client = new TaskHubClient(service);
    await client.scheduleNewOrchestration("Never", 1, { instanceId: "old-option" });
    const err = await client
      .waitForOrchestrationCompletion("old-option", { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "AbortError" });
  });

  it("an already aborted start writes nothing", async () => {
    const service = new InMemoryOrchestrationService();
    const client = new TaskHubClient(service);
    const err = await client
      .scheduleNewOrchestration("Any", 1, { instanceId: "not-started", abortSignal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "AbortError" });
    expect(await service.getOrchestrationState("not-started")).toBeUndefined();
    expect(service.instanceIds()).toEqual([]);
  });

  it("every verb rejects with AbortError when its signal has aborted, and changes nothing", async () => {
    const service = new InMemoryOrchestrationService();
    const client = new TaskHubClient(service);
    await client.scheduleNewOrchestration("Any", 1, { instanceId: "i" });
    const history = await service.getOrchestrationHistory("i");
    const abortSignal = AbortSignal.abort();
    const verbs: [string, () => Promise<unknown>][] = [
      ["getOrchestrationState", () => client.getOrchestrationState("i", { abortSignal })],
      ["raiseEvent", () => client.raiseEvent("i", "E", 1, { abortSignal })],
      ["terminateOrchestration", () => client.terminateOrchestration("i", { abortSignal })],
      ["suspendOrchestration", () => client.suspendOrchestration("i", "r", { abortSignal })],
      ["resumeOrchestration", () => client.resumeOrchestration("i", "r", { abortSignal })],
      ["rewindOrchestration", () => client.rewindOrchestration("i", "r", { abortSignal })],
      ["restartOrchestration", () => client.restartOrchestration("i", { abortSignal })],
      ["purgeOrchestration", () => client.purgeOrchestration("i", { abortSignal })],
      ["purgeOrchestration(filter)", () => client.purgeOrchestration({}, { abortSignal })],
      ["getOrchestrationHistory", () => client.getOrchestrationHistory("i", { abortSignal })],
      ["listInstances", () => client.listInstances({ abortSignal })[Symbol.asyncIterator]().next()],
      ["signalEntity", () => client.signalEntity("@counter@x", "add", 1, { abortSignal })],
      ["getEntity", () => client.getEntity("@counter@x", { abortSignal })],
      ["listEntities", () => client.listEntities({ abortSignal })[Symbol.asyncIterator]().next()],
      ["cleanEntityStorage", () => client.cleanEntityStorage({ abortSignal })],
    ];
    for (const [name, call] of verbs) expect(await rejectionName(call()), name).toBe("AbortError");
    expect(service.instanceIds()).toEqual(["i"]);
    expect((await service.getOrchestrationState("i"))?.runtimeStatus).toBe("Pending");
    expect(await service.getOrchestrationHistory("i")).toEqual(history);
  });
});
