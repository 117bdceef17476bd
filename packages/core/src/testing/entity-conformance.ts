/**
 * The entity conformance suite: durable entities through a real `TaskHubWorker` and `TaskHubClient`
 * over the backend under test (the in-memory service in core, Azure Storage on Azurite). Usage as
 * `runConformanceSuite`.
 */
import type { OrchestrationServiceClient } from "../backend/service.js";
import { TaskHubClient } from "../client.js";
import type { EntityInstanceId } from "../entities/entity-id.js";
import { TaskHubError } from "../errors/errors.js";
import { TaskHubWorker } from "../worker.js";
import type { BackendUnderTest, ConformanceOptions } from "./conformance.js";
import { registerEntities } from "./entity-conformance-app.js";
import type { TestApi } from "./test-api.js";

export { CounterClass, counterEntity } from "./entity-conformance-app.js";

export function runEntityConformanceSuite(
  backendName: string,
  createBackend: () => Promise<BackendUnderTest>,
  api: TestApi,
  options: ConformanceOptions = {},
): void {
  const { describe, it, expect } = api;
  const waitTimeoutMs = options.waitTimeoutMs ?? 20_000;

  async function withHarness(
    fn: (client: TaskHubClient, service: OrchestrationServiceClient) => Promise<void>,
  ): Promise<void> {
    const backend = await createBackend();
    const clientService = backend.client ?? backend.service;
    const worker = new TaskHubWorker(backend.service, {
      logger: options.logger,
      abandonDelayMs: 10,
      ...options.workerOptions,
    });
    registerEntities(worker);
    const client = new TaskHubClient(clientService, { entityMessageReorderWindowMs: 0 });
    await worker.start();
    try {
      await fn(client, clientService);
    } finally {
      await worker.stop({ drainTimeoutMs: 5000 });
      await backend.dispose?.();
    }
  }

  /** Poll until the entity's state satisfies `done`. */
  async function waitForEntity<T>(
    client: TaskHubClient,
    id: EntityInstanceId,
    done: (state: T | undefined) => boolean,
  ): Promise<T | undefined> {
    const deadline = Date.now() + waitTimeoutMs;
    let last: T | undefined;
    while (Date.now() < deadline) {
      last = (await client.getEntity<T>(id))?.state;
      if (done(last)) return last;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(
      `entity @${id.name}@${id.key} did not reach the expected state (last: ${JSON.stringify(last)})`,
    );
  }

  const run = async (client: TaskHubClient, name: string, input: unknown): Promise<unknown> => {
    const id = await client.scheduleNewOrchestration(name, input);
    const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: waitTimeoutMs });
    if (s.runtimeStatus !== "Completed")
      throw new Error(`${name} ended ${s.runtimeStatus}: ${s.failureDetails?.errorMessage}`);
    return s.output;
  };

  describe(`entity conformance: ${backendName}`, () => {
    it("aggregator: a function-style counter signalled by clients and orchestrations, read by clients, deleted", () =>
      withHarness(async (client) => {
        const id = { name: "Counter", key: "agg" };
        await client.signalEntity(id, "add", 5);
        await client.signalEntity("@counter@agg", "add", 3);
        expect(await waitForEntity<number>(client, { name: "counter", key: "agg" }, (s) => s === 8)).toBe(8);
        await run(client, "AddToCounter", { key: "agg", amount: 4 });
        await waitForEntity<number>(client, { name: "counter", key: "agg" }, (s) => s === 12);
        const meta = await client.getEntity({ name: "counter", key: "agg" });
        expect(meta?.id).toEqual({ name: "counter", key: "agg" });
        expect(meta?.backlogQueueSize).toBe(0);
        expect(meta?.lockedBy).toBeUndefined();
        expect(meta?.lastModifiedTime).toBeInstanceOf(Date);
        expect(
          await run(client, "CallCounter", {
            key: "agg",
            ops: [
              ["get", null],
              ["reset", null],
              ["add", 2],
              ["get", null],
            ],
          }),
        ).toEqual([12, null, null, 2]);
        await client.signalEntity(id, "delete");
        const deadline = Date.now() + waitTimeoutMs;
        while ((await client.getEntity(id)) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 25));
        expect(await client.getEntity(id)).toBeUndefined();
        // A deleted entity starts over from its initial state.
        expect(await run(client, "CallCounter", { key: "agg", ops: [["get", null]] })).toEqual([0]);
      }));

    it("class style: methods are operations, fields are state, delete is built in", () =>
      withHarness(async (client) => {
        const id = { name: "classcounter", key: "c1" };
        await client.signalEntity(id, "add", 2);
        await client.signalEntity(id, "add", 40);
        expect(await waitForEntity<{ count: number }>(client, id, (s) => s?.count === 42)).toEqual({
          count: 42,
        });
        await client.signalEntity(id, "delete");
        const deadline = Date.now() + waitTimeoutMs;
        while ((await client.getEntity(id)) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 25));
        expect(await client.getEntity(id)).toBeUndefined();
      }));

    it("200 signals from 20 concurrent clients end at exactly 200", () =>
      withHarness(async (client) => {
        const id = { name: "counter", key: "many" };
        await Promise.all(
          Array.from({ length: 20 }, async () => {
            for (let i = 0; i < 10; i++) await client.signalEntity(id, "add", 1);
          }),
        );
        expect(await waitForEntity<number>(client, id, (s) => (s ?? 0) >= 200)).toBe(200);
        await new Promise((r) => setTimeout(r, 300));
        expect((await client.getEntity<number>(id))?.state).toBe(200);
      }));

    it("a failed operation fails only itself: the caller gets the error, its state change and signals roll back", () =>
      withHarness(async (client) => {
        const out = (await run(client, "CatchEntityFailure", "fail-1")) as {
          error: { code: string; type: string; message: string };
          after: number;
        };
        expect(out.error.code).toBe("EntityOperationFailed");
        expect(out.error.type).toBe("Error");
        expect(out.error.message).toBe("addThenFail always fails");
        expect(out.after).toBe(10);
        await new Promise((r) => setTimeout(r, 300));
        expect(await client.getEntity({ name: "counter", key: "never" })).toBeUndefined();
      }));

    it("calls create entities on demand and run in order", () =>
      withHarness(async (client) => {
        expect(
          await run(client, "CallCounter", {
            key: "fresh",
            ops: [
              ["get", null],
              ["add", 7],
              ["add", 1],
              ["get", null],
            ],
          }),
        ).toEqual([0, null, null, 8]);
      }));

    it(
      "critical sections: concurrent transfers between two locked accounts conserve the total",
      () =>
        withHarness(async (client) => {
          await client.signalEntity({ name: "account", key: "A" }, "deposit", 100);
          await client.signalEntity({ name: "account", key: "B" }, "deposit", 100);
          await waitForEntity<number>(client, { name: "account", key: "B" }, (s) => s === 100);
          const ids = await Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              client.scheduleNewOrchestration(
                "Transfer",
                i % 2 === 0 ? { from: "A", to: "B", amount: 7 } : { from: "B", to: "A", amount: 5 },
              ),
            ),
          );
          let moved = 0;
          for (const id of ids) {
            const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: waitTimeoutMs * 3 });
            expect(s.runtimeStatus).toBe("Completed");
            const out = s.output as { moved: number; locked: string[] };
            expect(out.locked).toEqual(["A", "B"]);
            moved += out.moved;
          }
          expect(moved).toBeGreaterThan(0);
          const a = (await client.getEntity<number>({ name: "account", key: "A" }))?.state;
          const b = (await client.getEntity<number>({ name: "account", key: "B" }))?.state;
          expect((a ?? 0) + (b ?? 0)).toBe(200);
          expect((await client.getEntity({ name: "account", key: "A" }))?.lockedBy).toBeUndefined();
        }),
      waitTimeoutMs * 4,
    );

    it("locking rules are enforced", () =>
      withHarness(async (client) => {
        for (const rule of ["call-unlocked", "signal-locked", "nested", "sub-orchestration"]) {
          const id = await client.scheduleNewOrchestration("BreakLockRules", rule);
          const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: waitTimeoutMs });
          expect(s.runtimeStatus, rule).toBe("Failed");
          expect(s.failureDetails?.errorType, rule).toBe("TaskHubError");
          expect(s.failureDetails?.errorMessage, rule).toMatch(/critical section|holding locks/);
        }
        // Completing (here by failing) released the locks.
        expect(await run(client, "CallCounter", { key: "rules-a", ops: [["get", null]] })).toEqual([0]);
      }));

    it("locks are released when the orchestration completes", () =>
      withHarness(async (client) => {
        await run(client, "LockAndComplete", "auto-release");
        expect(
          await run(client, "CallCounter", {
            key: "auto-release",
            ops: [
              ["add", 1],
              ["get", null],
            ],
          }),
        ).toEqual([null, 1]);
      }));

    it("scheduled signals wait for their time", () =>
      withHarness(async (client) => {
        const id = { name: "counter", key: "later" };
        const due = new Date(Date.now() + 1500);
        await client.signalEntity(id, "add", 1, { scheduledTime: due });
        await client.signalEntity(id, "add", 10);
        await waitForEntity<number>(client, id, (s) => s === 10);
        expect(Date.now()).toBeLessThan(due.getTime());
        await waitForEntity<number>(client, id, (s) => s === 11);
        expect(Date.now()).toBeGreaterThanOrEqual(due.getTime() - 50);
      }));

    it("entities signal entities and start orchestrations", () =>
      withHarness(async (client) => {
        await client.signalEntity({ name: "relay", key: "r1" }, "add", 3);
        expect(
          await waitForEntity<number>(client, { name: "counter", key: "relay-r1" }, (s) => s === 3),
        ).toBe(3);
        const s = await client.waitForOrchestrationCompletion("relay-orch-r1", { timeoutMs: waitTimeoutMs });
        expect(s.runtimeStatus).toBe("Completed");
        expect(
          await waitForEntity<number>(client, { name: "counter", key: "relay-started-r1" }, (v) => v === 3),
        ).toBe(3);
      }));

    it("lists entities page by page, with and without state; orchestration listings leave them out", () =>
      withHarness(async (client) => {
        for (let i = 0; i < 5; i++)
          await client.signalEntity({ name: "counter", key: `list-${i}` }, "add", i + 1);
        await client.signalEntity({ name: "classcounter", key: "list-x" }, "add", 1);
        for (let i = 0; i < 5; i++)
          await waitForEntity<number>(client, { name: "counter", key: `list-${i}` }, (s) => s === i + 1);
        await waitForEntity(client, { name: "classcounter", key: "list-x" }, (s) => s !== undefined);
        const pages: number[][] = [];
        for await (const page of client
          .listEntities<number>({ instanceIdStartsWith: "Counter", pageSize: 2 })
          .byPage())
          pages.push(page.items.map((e) => e.state!));
        expect(pages.flat().sort()).toEqual([1, 2, 3, 4, 5]);
        expect(pages.length).toBeGreaterThanOrEqual(3);
        const noState = [];
        for await (const e of client.listEntities({
          instanceIdStartsWith: "@classcounter@",
          includeState: false,
        }))
          noState.push(e);
        expect(noState.map((e) => [e.id.key, e.includesState, e.state])).toEqual([
          ["list-x", false, undefined],
        ]);
        const all = [];
        for await (const e of client.listEntities()) all.push(e.id.key);
        expect(all.length).toBe(6);
        for await (const o of client.listInstances()) expect(o.instanceId.startsWith("@")).toBe(false);
      }));

    it("cleans entity storage: releases locks of finished orchestrations, removes empty entities", () =>
      withHarness(async (client) => {
        const holder = await client.scheduleNewOrchestration("HoldLockForever", "orphan");
        const id = { name: "counter", key: "orphan" };
        const deadline = Date.now() + waitTimeoutMs;
        const orphan = () =>
          collect(client.listEntities({ instanceIdStartsWith: "@counter@orphan", includeTransient: true }));
        while (!(await orphan())[0]?.lockedBy && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 25));
        await client.terminateOrchestration(holder);
        await client.waitForOrchestrationCompletion(holder, { timeoutMs: waitTimeoutMs });
        await client.signalEntity(id, "add", 1);
        await new Promise((r) => setTimeout(r, 300));
        // The lock is orphaned: the signal waits in the queue.
        const [stuck] = await collect(
          client.listEntities({ instanceIdStartsWith: "@counter@orphan", includeTransient: true }),
        );
        expect(stuck?.lockedBy).toBe(holder);
        expect(stuck?.backlogQueueSize).toBe(1);
        const result = await client.cleanEntityStorage({
          removeEmptyEntities: true,
          releaseOrphanedLocks: true,
        });
        expect(result.orphanedLocksReleased).toBe(1);
        expect(await waitForEntity<number>(client, id, (s) => s === 1)).toBe(1);
        await client.signalEntity(id, "delete");
        const until = Date.now() + waitTimeoutMs;
        while ((await client.getEntity(id)) && Date.now() < until)
          await new Promise((r) => setTimeout(r, 25));
        const cleaned = await client.cleanEntityStorage({
          removeEmptyEntities: true,
          releaseOrphanedLocks: false,
        });
        expect(cleaned.emptyEntitiesRemoved).toBe(1);
        expect(
          await collect(
            client.listEntities({ instanceIdStartsWith: "@counter@orphan", includeTransient: true }),
          ),
        ).toEqual([]);
      }));

    it("rejects bad entity ids and names with InvalidArgument", () =>
      withHarness(async (client) => {
        await expect(client.signalEntity({ name: "a@b", key: "k" }, "add")).rejects.toThrow(TaskHubError);
        await expect(client.signalEntity({ name: "", key: "k" }, "add")).rejects.toThrow(/non-empty/);
        await expect(client.signalEntity("counter", "add")).rejects.toThrow(/not an entity instance id/);
        await expect(client.signalEntity({ name: "counter", key: "k/1" }, "add")).rejects.toThrow(
          /not allowed/,
        );
        await expect(client.signalEntity({ name: "counter", key: "k" }, "")).rejects.toThrow(
          /operation name/,
        );
        await expect(client.signalEntity({ name: "counter", key: "k" }, "add", 10n)).rejects.toThrow(
          /JSON-serializable/,
        );
      }));
  });
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
