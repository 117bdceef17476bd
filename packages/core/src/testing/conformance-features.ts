/** Conformance cases: the orchestration context's features, continue-as-new and termination. */
import type { Suite } from "./conformance-harness.js";

export function contextFeatureConformance(suite: Suite): void {
  const { describe, it, expect, withHarness, waitForStatus, waitTimeoutMs } = suite;
  describe("context features", () => {
    it("fans out and in", () =>
      withHarness(async ({ client, wait }) => {
        const s = await wait(await client.scheduleNewOrchestration("FanOut", 20));
        expect(s.output).toBe(2 * ((19 * 20) / 2));
      }));

    it("runs sub-orchestrations with parent info", () =>
      withHarness(async ({ client, wait }) => {
        const s = await wait(await client.scheduleNewOrchestration("Parent", { childInput: [1, 2] }));
        expect(s.output).toEqual({ child: [2, 4], parent: null });
        const p = await client.scheduleNewOrchestration("ParentOfInfo", undefined, {
          instanceId: "info-parent",
        });
        const ps = await wait(p);
        expect(ps.output).toEqual({
          parent: { name: "ParentOfInfo", instanceId: "info-parent", taskScheduledId: 0 },
          instanceId: "info-parent-child",
        });
      }));

    it("propagates sub-orchestration and activity failures", () =>
      withHarness(async ({ client, wait }) => {
        const caught = await wait(await client.scheduleNewOrchestration("CatchChildFailure"));
        expect(caught.output).toMatchObject({ code: "TaskFailed", inner: "child broke" });
        const uncaught = await wait(await client.scheduleNewOrchestration("UncaughtChildFailure"));
        expect(uncaught.runtimeStatus).toBe("Failed");
        expect(uncaught.failureDetails?.errorType).toBe("TaskFailedError");
        expect(uncaught.failureDetails?.innerFailure?.errorMessage).toBe("child broke");
        const act = await wait(await client.scheduleNewOrchestration("CatchActivityFailure"));
        expect(act.output).toEqual({ isTaskFailed: true, type: "Error", message: "boom" });
      }));

    it("fires timers and races them against events", () =>
      withHarness(async ({ client, wait }) => {
        const t = await wait(await client.scheduleNewOrchestration("Timer", 300));
        expect(t.output).toBeGreaterThanOrEqual(300);
        const timerWins = await wait(await client.scheduleNewOrchestration("Race", 200));
        expect(timerWins.output).toBe("timer");
        const r = await client.scheduleNewOrchestration("Race", 60_000);
        await client.waitForOrchestrationStart(r, { timeoutMs: waitTimeoutMs });
        await client.raiseEvent(r, "go");
        expect((await wait(r)).output).toBe("event");
      }));

    it("waits for external events with a timeout", () =>
      withHarness(async ({ client, wait }) => {
        const a = await wait(
          await client.scheduleNewOrchestration("WaitEventWithTimeout", { name: "e", timeoutMs: 200 }),
        );
        expect(a.output).toEqual({ timedOut: true });
        const b = await client.scheduleNewOrchestration("WaitEventWithTimeout", {
          name: "E",
          timeoutMs: 60_000,
        });
        await client.raiseEvent(b, "e", { v: 1 });
        expect((await wait(b)).output).toEqual({ value: { v: 1 } });
      }));

    it("sends events between instances", () =>
      withHarness(async ({ client, wait }) => {
        const receiver = await client.scheduleNewOrchestration("WaitEvent", "ping", {
          instanceId: "receiver",
        });
        await client.scheduleNewOrchestration("SendTo", receiver, { instanceId: "sender" });
        expect((await wait(receiver)).output).toEqual({ from: "sender" });
      }));

    it("exposes custom status", () =>
      withHarness(async ({ client, wait }) => {
        const id = await client.scheduleNewOrchestration("CustomStatus");
        const deadline = Date.now() + waitTimeoutMs;
        let cs: unknown;
        while (Date.now() < deadline) {
          cs = (await client.getOrchestrationState(id))?.customStatus;
          if (cs) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        expect(cs).toEqual({ stage: "waiting" });
        await client.raiseEvent(id, "next");
        expect((await wait(id)).customStatus).toEqual({ stage: "done" });
      }));

    it("makes deterministic GUIDs and reports activity context", () =>
      withHarness(async ({ client, wait }) => {
        const g = await wait(await client.scheduleNewOrchestration("Guids"));
        const [a, b] = g.output as string[];
        expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(a).not.toBe(b);
        const w = await wait(
          await client.scheduleNewOrchestration("Activities", undefined, { instanceId: "who" }),
        );
        expect(w.output).toEqual({ instanceId: "who", taskId: 0 });
      }));

    it("retries activities with back-off", () =>
      withHarness(async ({ client, wait, counters }) => {
        const ok = await wait(await client.scheduleNewOrchestration("Retry", { key: "r1", times: 2 }));
        expect(ok.output).toBe(3);
        expect(counters.get("r1")).toBe(3);
        const exhausted = await wait(
          await client.scheduleNewOrchestration("Retry", { key: "r2", times: 10 }),
        );
        expect(exhausted.runtimeStatus).toBe("Failed");
        expect(counters.get("r2")).toBe(4);
      }));

    it("fails unknown orchestrators and activities with a clear error", () =>
      withHarness(async ({ client, wait }) => {
        const o = await wait(await client.scheduleNewOrchestration("NoSuchOrchestrator"));
        expect(o.runtimeStatus).toBe("Failed");
        expect(o.failureDetails?.errorType).toBe("OrchestratorNotRegistered");
        expect(o.failureDetails?.errorMessage).toContain("NoSuchOrchestrator");
        const a = await wait(await client.scheduleNewOrchestration("CallsMissingActivity"));
        expect(a.runtimeStatus).toBe("Failed");
        expect(a.failureDetails?.innerFailure?.errorMessage).toContain("NoSuchActivity");
      }));
  });
  describe("continue-as-new and termination", () => {
    it("continues as new and carries over unconsumed events", () =>
      withHarness(async ({ client, wait }) => {
        const id = await client.scheduleNewOrchestration("Counter", 0);
        for (let i = 0; i < 5; i++) await client.raiseEvent(id, "inc", 1);
        const s = await wait(id);
        expect(s.runtimeStatus).toBe("Completed");
        expect(s.output).toBe(5);
        const h = await client.getOrchestrationHistory(id);
        expect(h.filter((e) => e.type === "ExecutionStarted")).toHaveLength(1);
      }));

    it("terminates recursively", () =>
      withHarness(async ({ client, wait }) => {
        const id = await client.scheduleNewOrchestration("NestedWaiters", undefined, {
          instanceId: "tree",
        });
        await waitForStatus(client, "tree-child", "Running");
        await client.terminateOrchestration(id, { output: "all", recursive: true });
        expect((await wait(id)).runtimeStatus).toBe("Terminated");
        expect((await wait("tree-child")).runtimeStatus).toBe("Terminated");
      }));
  });
}
