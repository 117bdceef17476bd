/** Conformance cases: every client verb, through a real worker and client. */
import type { Suite } from "./conformance-harness.js";

export function clientVerbConformance(suite: Suite): void {
  const { describe, it, expect, withHarness, waitForStatus, waitTimeoutMs } = suite;
  describe("client verbs", () => {
    it("schedules, runs and reports a sequence", () =>
      withHarness(async ({ client, wait }) => {
        const id = await client.scheduleNewOrchestration("Sequence", [1, 2, 3], {
          instanceId: "seq-1",
          tags: { team: "a" },
        });
        expect(id).toBe("seq-1");
        const s = await wait(id);
        expect(s.runtimeStatus).toBe("Completed");
        expect(s.output).toEqual([2, 4, 6]);
        expect(s.input).toEqual([1, 2, 3]);
        expect(s.name).toBe("Sequence");
        expect(s.tags).toEqual({ team: "a" });
        expect(s.createdAt.getTime()).toBeLessThanOrEqual(s.lastUpdatedAt.getTime());
        expect(s.serializedOutput).toBe("[2,4,6]");
      }));

    it("returns undefined for an unknown instance and rejects bad ids", () =>
      withHarness(async ({ client }) => {
        expect(await client.getOrchestrationState("nope")).toBeUndefined();
        await expect(
          client.scheduleNewOrchestration("Sequence", [], { instanceId: "a/b" }),
        ).rejects.toMatchObject({ code: "InvalidArgument" });
        await expect(client.scheduleNewOrchestration("", [])).rejects.toMatchObject({
          code: "InvalidArgument",
        });
        await expect(client.raiseEvent("nope", "x")).rejects.toMatchObject({ code: "InstanceNotFound" });
        await expect(client.scheduleNewOrchestration("Sequence", { big: 1n })).rejects.toMatchObject({
          code: "Serialization",
        });
      }));

    it("dedupes by status and re-creates an id as a new generation", () =>
      withHarness(async ({ client, wait }) => {
        await client.scheduleNewOrchestration("WaitEvent", "go", { instanceId: "dup" });
        await expect(
          client.scheduleNewOrchestration("WaitEvent", "go", { instanceId: "dup" }),
        ).rejects.toMatchObject({
          code: "OrchestrationAlreadyExists",
        });
        await client.raiseEvent("dup", "go", 1);
        expect((await wait("dup")).output).toBe(1);
        await client.scheduleNewOrchestration("Sequence", [5], { instanceId: "dup" });
        const s = await wait("dup");
        expect(s.output).toEqual([10]);
        expect(s.generation).toBe(1);
        expect(s.name).toBe("Sequence");
      }));

    it("honours a scheduled start time", () =>
      withHarness(async ({ client, wait }) => {
        const startAt = new Date(Date.now() + 1500);
        const id = await client.scheduleNewOrchestration("Sequence", [1], { startAt });
        const pending = await client.getOrchestrationState(id);
        expect(pending?.runtimeStatus).toBe("Pending");
        expect(pending?.scheduledStartAt?.getTime()).toBe(startAt.getTime());
        const started = await client.waitForOrchestrationStart(id, { timeoutMs: waitTimeoutMs });
        expect(Date.now()).toBeGreaterThanOrEqual(startAt.getTime() - 50);
        expect(started.runtimeStatus).not.toBe("Pending");
        expect((await wait(id)).runtimeStatus).toBe("Completed");
      }));

    it("raises events, terminates, suspends and resumes", () =>
      withHarness(async ({ client, wait }) => {
        const t = await client.scheduleNewOrchestration("WaitEvent", "never");
        await client.waitForOrchestrationStart(t, { timeoutMs: waitTimeoutMs });
        await client.terminateOrchestration(t, { output: "stopped by test" });
        const ts = await wait(t);
        expect(ts.runtimeStatus).toBe("Terminated");
        expect(ts.output).toBe("stopped by test");

        const s = await client.scheduleNewOrchestration("WaitEvent", "go");
        await client.waitForOrchestrationStart(s, { timeoutMs: waitTimeoutMs });
        await client.suspendOrchestration(s, "pause");
        await waitForStatus(client, s, "Suspended");
        await client.raiseEvent(s, "go", "held");
        await new Promise((r) => setTimeout(r, 300));
        expect((await client.getOrchestrationState(s))?.runtimeStatus).toBe("Suspended");
        await client.resumeOrchestration(s, "continue");
        const done = await wait(s);
        expect(done.runtimeStatus).toBe("Completed");
        expect(done.output).toBe("held");
      }));

    it("rewinds a failed instance", () =>
      withHarness(async ({ client, wait, counters }) => {
        const id = await client.scheduleNewOrchestration("Rewindable", "rw");
        const failed = await wait(id);
        expect(failed.runtimeStatus).toBe("Failed");
        expect(failed.failureDetails?.errorMessage).toContain("not allowed yet");
        await expect(client.rewindOrchestration("nope")).rejects.toMatchObject({
          code: "InstanceNotFound",
        });
        counters.set("rw:allowed", 1);
        await client.rewindOrchestration(id, "fixed");
        const s = await wait(id);
        expect(s.runtimeStatus).toBe("Completed");
        expect(s.output).toEqual(["first", "ok"]);
        await expect(client.rewindOrchestration(id)).rejects.toMatchObject({ code: "InvalidOperation" });
      }));

    it("restarts an instance with the same or a new id", () =>
      withHarness(async ({ client, wait }) => {
        const id = await client.scheduleNewOrchestration("Sequence", [7], { instanceId: "restart-me" });
        await wait(id);
        const same = await client.restartOrchestration(id);
        expect(same).toBe(id);
        expect((await wait(same)).generation).toBe(1);
        const other = await client.restartOrchestration(id, { newInstanceId: true });
        expect(other).not.toBe(id);
        const s = await wait(other);
        expect(s.output).toEqual([14]);
      }));

    it("purges by id and by filter", () =>
      withHarness(async ({ client, wait }) => {
        const ids = [];
        for (let i = 0; i < 3; i++)
          ids.push(await client.scheduleNewOrchestration("Sequence", [i], { instanceId: `purge-${i}` }));
        for (const id of ids) await wait(id);
        const running = await client.scheduleNewOrchestration("WaitEvent", "x", {
          instanceId: "purge-running",
        });
        await client.waitForOrchestrationStart(running, { timeoutMs: waitTimeoutMs });
        expect((await client.purgeOrchestration("purge-0")).deletedInstanceCount).toBe(1);
        expect(await client.getOrchestrationState("purge-0")).toBeUndefined();
        expect((await client.purgeOrchestration("purge-0")).deletedInstanceCount).toBe(0);
        // A filter naming a status that is not finished is refused, whatever else it names; nothing goes.
        await expect(client.purgeOrchestration({ statuses: ["Running"] })).rejects.toMatchObject({
          code: "InvalidArgument",
        });
        await expect(client.purgeOrchestration({ statuses: ["Completed", "Pending"] })).rejects.toMatchObject(
          { code: "InvalidArgument" },
        );
        expect((await client.getOrchestrationState(running))?.runtimeStatus).toBe("Running");
        expect((await client.getOrchestrationState("purge-1"))?.runtimeStatus).toBe("Completed");
        const r = await client.purgeOrchestration({ statuses: ["Completed"] });
        expect(r.deletedInstanceCount).toBe(2);
        expect(await client.getOrchestrationState("purge-1")).toBeUndefined();
        expect((await client.getOrchestrationState(running))?.runtimeStatus).toBe("Running");
      }));

    it("lists instances with filters and pages", () =>
      withHarness(async ({ client, wait }) => {
        const before = new Date(Date.now() - 1000);
        for (let i = 0; i < 5; i++)
          await client.scheduleNewOrchestration("Sequence", [i], { instanceId: `list-${i}` });
        for (let i = 0; i < 5; i++) await wait(`list-${i}`);
        await client.scheduleNewOrchestration("WaitEvent", "x", { instanceId: "other-1" });
        const all: string[] = [];
        for await (const s of client.listInstances({ instanceIdPrefix: "list-", pageSize: 2 }))
          all.push(s.instanceId);
        expect(all.sort()).toEqual(["list-0", "list-1", "list-2", "list-3", "list-4"]);
        const pages = [];
        for await (const page of client.listInstances({ instanceIdPrefix: "list-", pageSize: 2 }).byPage())
          pages.push(page.items.length);
        expect(pages).toEqual([2, 2, 1]);
        const completed: string[] = [];
        for await (const s of client.listInstances({ statuses: ["Completed"], createdFrom: before }))
          completed.push(s.instanceId);
        expect(completed).not.toContain("other-1");
        expect(completed.filter((x) => x.startsWith("list-"))).toHaveLength(5);
        const none: string[] = [];
        for await (const s of client.listInstances({ createdTo: before })) none.push(s.instanceId);
        expect(none).toEqual([]);
      }));

    it("returns the history of an instance", () =>
      withHarness(async ({ client, wait }) => {
        const id = await client.scheduleNewOrchestration("Sequence", [1]);
        await wait(id);
        const h = await client.getOrchestrationHistory(id);
        expect(h.map((e) => e.type)).toEqual([
          "OrchestratorStarted",
          "ExecutionStarted",
          "TaskScheduled",
          "OrchestratorCompleted",
          "OrchestratorStarted",
          "TaskCompleted",
          "ExecutionCompleted",
          "OrchestratorCompleted",
        ]);
        const started = h[1];
        expect(started?.type === "ExecutionStarted" && started.orchestrationInstance.instanceId).toBe(id);
      }));
  });
}
