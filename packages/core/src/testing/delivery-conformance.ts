/**
 * Conformance cases: hostile delivery, as crashing workers, racing senders and bad input produce it. Every
 * backend applies core's delivery rulebook (dispatch/delivery-rules.ts) to what it receives; these cases check
 * the outcome end to end: a redelivered step, duplicate results and a duplicate start are applied once, a start
 * of another execution is dropped, a result that arrives before its scheduling event waits for it, a terminate
 * before the start ends the instance without running it, a message for an instance that does not exist is
 * quarantined with its reason (not lost), and a message that always fails is quarantined and can be replayed
 * through the backend's poison store (`PoisonStoreCapability`).
 */
import { supportsPoisonStore, type QuarantinedMessage } from "../backend/service.js";
import type { TaskMessage } from "../backend/task-message.js";
import type { ExecutionStartedEvent } from "../history/events.js";
import { newEvent } from "../history/factories.js";
import { toDtfDateTime } from "../history/time.js";
import type { Harness, Suite } from "./conformance-harness.js";
import { FailingCheckpoints, FlakyService } from "./fault-injection.js";

async function startedEvent(h: Harness, id: string): Promise<ExecutionStartedEvent> {
  const started = (await h.client.getOrchestrationHistory(id)).find((e) => e.type === "ExecutionStarted");
  if (started?.type !== "ExecutionStarted") throw new Error(`instance ${id} has no ExecutionStarted`);
  return started;
}

export function deliveryConformance(suite: Suite): void {
  const { describe, it, expect, withHarness, waitForStatus, eventually, waitTimeoutMs } = suite;
  const quarantining = suite.options.quarantiningBackend;

  /** The poison store listing once `match` finds an entry in it. */
  async function quarantined(
    h: Harness,
    what: string,
    match: (m: QuarantinedMessage) => boolean,
  ): Promise<QuarantinedMessage> {
    const store = h.service;
    if (!supportsPoisonStore(store))
      throw new Error("the backend has no poison store (PoisonStoreCapability)");
    return eventually(what, async () => (await store.listPoisonMessages()).find(match));
  }

  describe("hostile delivery", () => {
    it("tolerates redelivered work items and duplicate results", () =>
      withHarness(
        async ({ client, wait, counters }) => {
          const seq = await wait(await client.scheduleNewOrchestration("Sequence", [1, 2, 3]));
          expect(seq.output).toEqual([2, 4, 6]);
          const fan = await wait(await client.scheduleNewOrchestration("FanOut", 10));
          expect(fan.output).toBe(90);
          const child = await wait(await client.scheduleNewOrchestration("Parent", { childInput: [3] }));
          expect(child.output).toEqual({ child: [6], parent: null });
          const counted = await wait(await client.scheduleNewOrchestration("Sequence", [1]));
          expect(counted.runtimeStatus).toBe("Completed");
          expect(counters.size).toBe(0);
          const h = await client.getOrchestrationHistory(seq.instanceId);
          expect(h.filter((e) => e.type === "TaskCompleted")).toHaveLength(3);
        },
        (service, client) => new FlakyService(service, client),
      ));

    it("applies a redelivered event once", () =>
      withHarness(
        async ({ client, wait }) => {
          // The step that applies the event crashes before its checkpoint: the event comes back and is applied.
          const id = await client.scheduleNewOrchestration("WaitEvent", "go", {
            instanceId: "redelivered-event",
          });
          await client.waitForOrchestrationStart(id, { timeoutMs: waitTimeoutMs });
          await client.raiseEvent(id, "go", "once");
          const s = await wait(id);
          expect(s.output).toBe("once");
          const h = await client.getOrchestrationHistory(id);
          expect(h.filter((e) => e.type === "EventRaised")).toHaveLength(1);
        },
        (service, client) => new FlakyService(service, client),
      ));

    it("drops a duplicate start and a start of another execution", () =>
      withHarness(async (h) => {
        const { client, service, wait } = h;
        const id = await client.scheduleNewOrchestration("WaitEvent", "go", { instanceId: "twice-started" });
        await waitForStatus(client, id, "Running");
        const started = await startedEvent(h, id);
        const again: TaskMessage = { event: started, orchestrationInstance: started.orchestrationInstance };
        const other = { instanceId: id, executionId: "0123456789abcdef0123456789abcdef" };
        const stale: TaskMessage = {
          event: { ...started, orchestrationInstance: other },
          orchestrationInstance: other,
        };
        await service.sendTaskOrchestrationMessage(again);
        await service.sendTaskOrchestrationMessage(stale);
        await client.raiseEvent(id, "go", "first execution");
        const s = await wait(id);
        expect(s.output).toBe("first execution");
        const h2 = await client.getOrchestrationHistory(id);
        const starts = h2.filter((e) => e.type === "ExecutionStarted");
        expect(starts).toHaveLength(1);
        expect(starts[0]?.type === "ExecutionStarted" && starts[0].orchestrationInstance.executionId).toBe(
          started.orchestrationInstance.executionId,
        );
      }));

    it("holds a result that arrives before its scheduling event until the event is in history", () =>
      withHarness(async (h) => {
        const { client, service, wait } = h;
        const id = await client.scheduleNewOrchestration("TimerAfterGo", undefined, {
          instanceId: "early-result",
        });
        await waitForStatus(client, id, "Running");
        const instance = (await startedEvent(h, id)).orchestrationInstance;
        // Timer 0 fires before the orchestration created it (its own timer is ten minutes away).
        const fired = newEvent("TimerFired", { timerId: 0, fireAt: toDtfDateTime(new Date()) });
        await service.sendTaskOrchestrationMessage({ event: fired, orchestrationInstance: instance });
        // Let the early result be delivered first (the outcome must not depend on whether it was).
        await new Promise((r) => setTimeout(r, 300));
        await client.raiseEvent(id, "go");
        const s = await wait(id);
        expect(s.runtimeStatus).toBe("Completed");
        expect(s.output).toBe("fired");
      }));

    it("terminates a pending scheduled instance before it starts", () =>
      withHarness(async ({ client, wait }) => {
        const id = await client.scheduleNewOrchestration("Sequence", [1], {
          startAt: new Date(Date.now() + 1000),
        });
        await client.terminateOrchestration(id, { output: "cancelled" });
        const s = await wait(id);
        expect(s.runtimeStatus).toBe("Terminated");
        await new Promise((r) => setTimeout(r, 1500));
        expect((await client.getOrchestrationState(id))?.runtimeStatus).toBe("Terminated");
        // Its start was dropped on arrival: it never ran.
        expect(await client.getOrchestrationHistory(id)).toEqual([]);
      }));

    it("quarantines a message for an instance that does not exist, with its reason", () =>
      withHarness(
        async (h) => {
          const ghost = { instanceId: "ghost-instance", executionId: "0123456789abcdef0123456789abcdef" };
          const event = newEvent("EventRaised", { name: "hello", input: '"anyone?"' });
          await h.service.sendTaskOrchestrationMessage({ event, orchestrationInstance: ghost });
          const p = await quarantined(
            h,
            "the event for the ghost in the poison store",
            (m) => m.instanceId === ghost.instanceId,
          );
          expect(p.eventType).toBe("EventRaised");
          // Its own reason, or the general one when its deliveries ran out before it was old enough to go
          // (a backend may keep young messages out of quarantine: what they wait for may be held by a dead worker).
          expect(p.reason).toMatch(
            /no instance 'ghost-instance'|delivered \d+ times without being processed/,
          );
          expect(await h.client.getOrchestrationState(ghost.instanceId)).toBeUndefined();
        },
        undefined,
        quarantining,
      ));

    it("quarantines a message that always fails, and replays it", () => {
      let broken = true;
      return withHarness(
        async (h) => {
          const id = await h.client.scheduleNewOrchestration("Sequence", [21], {
            instanceId: "always-fails",
          });
          const p = await quarantined(
            h,
            "the start of always-fails in the poison store",
            (m) => m.instanceId === id,
          );
          expect(p.eventType).toBe("ExecutionStarted");
          expect(p.reason).toMatch(/delivered \d+ times without being processed/);
          expect((await h.client.getOrchestrationState(id))?.runtimeStatus).toBe("Pending");
          broken = false;
          const store = h.service;
          if (!supportsPoisonStore(store)) throw new Error("no poison store");
          expect(await store.replayPoisonMessage(p.queueName, p.messageId)).toBe(true);
          expect(await store.replayPoisonMessage(p.queueName, p.messageId)).toBe(false);
          const s = await h.wait(id);
          expect(s.output).toEqual([42]);
          expect((await store.listPoisonMessages()).filter((m) => m.instanceId === id)).toEqual([]);
        },
        (service, client) =>
          new FailingCheckpoints(service, client, (instanceId) => broken && instanceId === "always-fails"),
        quarantining,
      );
    });
  });
}
