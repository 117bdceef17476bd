// Bulk operations on the in-memory backend: each verb acts on the filter's matches only, once; a dry run acts on
// nothing; the progress is the bulk instance's custom status while it runs and its output at the end; a target
// whose action fails is reported and the others proceed; bulk operations are never their own targets.
import { afterEach, describe, expect, it } from "vitest";
import {
  asBulkProgress,
  BULK_ORCHESTRATION,
  TaskHubClient,
  TaskHubWorker,
  type BulkProgress,
} from "../../src/index.js";
import { InMemoryOrchestrationService } from "../../src/testing/index.js";

let worker: TaskHubWorker | undefined;
afterEach(async () => {
  await worker?.stop({ drainTimeoutMs: 100 });
  worker = undefined;
});

async function setup(
  options: { clock?: "virtual" } = {},
): Promise<{ service: InMemoryOrchestrationService; client: TaskHubClient }> {
  const service = new InMemoryOrchestrationService({ clock: options.clock });
  worker = new TaskHubWorker(service);
  worker.addOrchestrator("Waits", function* (ctx) {
    const v: unknown = yield ctx.waitForExternalEvent("go");
    return v;
  });
  worker.addOrchestrator("Fails", () => {
    throw new Error("boom");
  });
  worker.addOrchestrator("Done", (_ctx, v: unknown) => v);
  await worker.start();
  return { service, client: new TaskHubClient(service, { maxPollIntervalMs: 20 }) };
}

async function startWaiting(client: TaskHubClient, ids: string[]): Promise<void> {
  for (const id of ids) await client.scheduleNewOrchestration("Waits", id, { instanceId: id });
  for (const id of ids) await client.waitForOrchestrationStart(id);
}

async function finish(client: TaskHubClient, id: string): Promise<BulkProgress> {
  const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 });
  expect(s.runtimeStatus).toBe("Completed");
  const out = asBulkProgress(s.output)!;
  // The last custom status is the final progress too (what get-runtime-status shows).
  expect(asBulkProgress(s.customStatus)).toEqual(out);
  return out;
}

async function eventsRaised(client: TaskHubClient, id: string, name: string): Promise<number> {
  const h = await client.getOrchestrationHistory(id);
  return h.filter((e) => e.type === "EventRaised" && e.name === name).length;
}

describe("bulk operations", () => {
  it("terminate acts on the matches only, page by page, and reports its progress", async () => {
    const { client } = await setup();
    await startWaiting(client, ["a1", "a2", "a3", "a4", "a5", "b1"]);
    const id = await client.startBulkOperation({
      verb: "terminate",
      filter: { instanceIdPrefix: "a", statuses: ["Running"] },
      reason: "cleanup",
      pageSize: 2,
    });
    const p = await finish(client, id);
    expect(p).toMatchObject({
      verb: "terminate",
      phase: "completed",
      matched: 5,
      done: 5,
      failed: 0,
      pages: 3,
    });
    for (const t of ["a1", "a2", "a3", "a4", "a5"]) {
      const s = await client.waitForOrchestrationCompletion(t);
      expect(s).toMatchObject({ runtimeStatus: "Terminated", output: "cleanup" });
    }
    expect((await client.getOrchestrationState("b1"))?.runtimeStatus).toBe("Running");
    expect(await client.getBulkOperation(id)).toMatchObject({ runtimeStatus: "Completed", done: 5 });
  });

  it("never takes a bulk operation as a target, itself included", async () => {
    const { client } = await setup();
    await startWaiting(client, ["x1", "x2"]);
    // Running bulk operations match statuses: ["Running"]; they are left out of the targets and the counts.
    const id = await client.startBulkOperation({ verb: "terminate", filter: { statuses: ["Running"] } });
    const p = await finish(client, id);
    expect(p).toMatchObject({ matched: 2, done: 2, failed: 0 });
    const other = await client.startBulkOperation({ verb: "purge", filter: { names: [BULK_ORCHESTRATION] } });
    expect(await finish(client, other)).toMatchObject({ matched: 0, done: 0 });
    expect((await client.getOrchestrationState(id))?.runtimeStatus).toBe("Completed");
  });

  it("raise-event delivers one event to each target; suspend and resume", async () => {
    const { client } = await setup();
    const ids = ["r1", "r2", "r3"];
    await startWaiting(client, [...ids, "s1"]);
    const suspend = await client.startBulkOperation({ verb: "suspend", filter: { instanceIdPrefix: "r" } });
    expect(await finish(client, suspend)).toMatchObject({ done: 3 });
    for (const t of ids) await waitStatus(client, t, "Suspended");
    expect((await client.getOrchestrationState("s1"))?.runtimeStatus).toBe("Running");
    const resume = await client.startBulkOperation({ verb: "resume", filter: { statuses: ["Suspended"] } });
    expect(await finish(client, resume)).toMatchObject({ done: 3 });
    for (const t of ids) await waitStatus(client, t, "Running");

    const raise = await client.startBulkOperation({
      verb: "raise-event",
      filter: { names: ["Waits"], instanceIdPrefix: "r" },
      eventName: "go",
      eventData: { ok: 1 },
      pageSize: 2,
    });
    expect(await finish(client, raise)).toMatchObject({ matched: 3, done: 3, failed: 0 });
    for (const t of ids) {
      expect((await client.waitForOrchestrationCompletion(t)).output).toEqual({ ok: 1 });
      expect(await eventsRaised(client, t, "go")).toBe(1);
    }
    expect((await client.getOrchestrationState("s1"))?.runtimeStatus).toBe("Running");
  });

  it("rewind, restart and purge; a target whose action fails is reported and the others proceed", async () => {
    const { client } = await setup();
    for (const id of ["f1", "f2"]) await client.scheduleNewOrchestration("Fails", null, { instanceId: id });
    await client.scheduleNewOrchestration("Done", 7, { instanceId: "f3" });
    for (const id of ["f1", "f2", "f3"]) await client.waitForOrchestrationCompletion(id);
    const before = (await client.getOrchestrationState("f3"))!.executionId;

    // f3 is Completed: rewind refuses it, the two Failed ones are rewound (and fail again).
    const rewind = await client.startBulkOperation({ verb: "rewind", filter: { instanceIdPrefix: "f" } });
    const p = await finish(client, rewind);
    expect(p).toMatchObject({ matched: 3, done: 2, failed: 1 });
    expect(p.errors).toEqual([{ instanceId: "f3", error: expect.stringContaining("only Failed instances") }]);
    for (const id of ["f1", "f2"]) {
      const h = await client.getOrchestrationHistory(id);
      expect(
        h.some((e) => e.type === "ExecutionRewound" || e.type === "GenericEvent"),
        id,
      ).toBe(true);
    }

    const restart = await client.startBulkOperation({ verb: "restart", filter: { names: ["Done"] } });
    expect(await finish(client, restart)).toMatchObject({ done: 1 });
    const after = await client.waitForOrchestrationCompletion("f3");
    expect(after.executionId).not.toBe(before);
    expect(after.output).toBe(7);

    await waitStatus(client, "f1", "Failed");
    await waitStatus(client, "f2", "Failed");
    const purge = await client.startBulkOperation({
      verb: "purge",
      filter: { instanceIdPrefix: "f", statuses: ["Failed"] },
    });
    expect(await finish(client, purge)).toMatchObject({ matched: 2, done: 2 });
    expect(await client.getOrchestrationState("f1")).toBeUndefined();
    expect(await client.getOrchestrationState("f2")).toBeUndefined();
    expect(await client.getOrchestrationState("f3")).toBeDefined();
  });

  it("a dry run acts on nothing and counts the matches; countBulkTargets counts without starting", async () => {
    const { client } = await setup();
    await startWaiting(client, ["d1", "d2", "d3"]);
    const dry = await client.startBulkOperation({
      verb: "terminate",
      filter: { statuses: ["Running"] },
      dryRun: true,
      pageSize: 2,
    });
    expect(await finish(client, dry)).toMatchObject({ dryRun: true, matched: 3, done: 3, failed: 0 });
    for (const id of ["d1", "d2", "d3"])
      expect((await client.getOrchestrationState(id))?.runtimeStatus).toBe("Running");
    const counts = await client.countBulkTargets({ statuses: ["Running", "Completed"] });
    // The finished dry run (a Completed bulk operation) is not a target.
    expect(counts.total).toBe(3);
    expect(counts.byStatus).toMatchObject({ Running: 3, Completed: 0 });
  });

  it("shows its progress as custom status while it runs, and continues as new across generations", async () => {
    const { service, client } = await setup({ clock: "virtual" });
    const ids = Array.from({ length: 12 }, (_, i) => `p${String(i).padStart(2, "0")}`);
    await startWaiting(client, ids);
    const id = await client.startBulkOperation({
      verb: "raise-event",
      filter: { instanceIdPrefix: "p" },
      eventName: "go",
      pageSize: 1,
      pageDelayMs: 60_000,
    });
    // After the first page, the bulk waits for its timer: its custom status says where it is.
    let s = await client.getOrchestrationState(id);
    while (asBulkProgress(s?.customStatus)?.pages !== 1) {
      await new Promise((r) => setTimeout(r, 10));
      s = await client.getOrchestrationState(id);
    }
    expect(s?.runtimeStatus).toBe("Running");
    expect(asBulkProgress(s?.customStatus)).toMatchObject({ phase: "running", matched: 1, done: 1 });
    for (let page = 2; page <= 12; page++) {
      service.advanceTime(60_000);
      while ((asBulkProgress((await client.getOrchestrationState(id))?.customStatus)?.pages ?? 0) < page)
        await new Promise((r) => setTimeout(r, 10));
    }
    const p = await finish(client, id);
    expect(p).toMatchObject({ matched: 12, done: 12, pages: 12 });
    for (const t of ids) expect(await eventsRaised(client, t, "go"), t).toBe(1);
    // Ten pages a generation: the progress went on in the next generation.
    const h = await client.getOrchestrationHistory(id);
    expect(h.filter((e) => e.type === "TaskScheduled" && e.name === "taskhub:bulk:page").length).toBe(2);
  });

  it("refuses a request that cannot run before anything starts", async () => {
    const { client } = await setup();
    await expect(
      client.startBulkOperation({ verb: "explode" as never, filter: { statuses: ["Running"] } }),
    ).rejects.toThrow(/unknown bulk verb "explode"/);
    await expect(
      client.startBulkOperation({ verb: "raise-event", filter: { names: ["Waits"] } }),
    ).rejects.toThrow(/raise-event needs an event name/);
    await expect(client.startBulkOperation({ verb: "terminate", filter: {} })).rejects.toThrow(
      /filter is empty/,
    );
    await expect(
      client.startBulkOperation({ verb: "purge", filter: { statuses: ["Running"] } }),
    ).rejects.toThrow(/only finished instances/);
    await expect(
      client.startBulkOperation({ verb: "terminate", filter: { statuses: ["Nope" as never] } }),
    ).rejects.toMatchObject({ code: "InvalidArgument" });
    expect((await client.countInstancesByStatus()).total).toBe(0);
    // Started by name, around startBulkOperation: the orchestration checks the same and fails before acting.
    await startWaiting(client, ["keep"]);
    const raw = await client.scheduleNewOrchestration(BULK_ORCHESTRATION, { verb: "terminate", filter: {} });
    const failed = await client.waitForOrchestrationCompletion(raw);
    expect(failed.runtimeStatus).toBe("Failed");
    expect(failed.failureDetails?.errorMessage).toMatch(/filter is empty/);
    expect((await client.getOrchestrationState("keep"))?.runtimeStatus).toBe("Running");
    // With all: true, an empty filter takes every instance.
    const id = await client.startBulkOperation({ verb: "terminate", filter: {}, all: true });
    expect(await finish(client, id)).toMatchObject({ matched: 1, done: 1 });
    expect((await client.waitForOrchestrationCompletion("keep")).runtimeStatus).toBe("Terminated");
  });
});

async function waitStatus(client: TaskHubClient, id: string, status: string): Promise<void> {
  while ((await client.getOrchestrationState(id))?.runtimeStatus !== status)
    await new Promise((r) => setTimeout(r, 10));
}
