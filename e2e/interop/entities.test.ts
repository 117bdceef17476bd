// Scenario 7 of the interop suite: durable entities across the two runtimes. DurableTask.Core 3.x's entities
// (TaskEntity, OrchestrationEntityContext, ClientEntityHelpers) on DT.AS 2.11.3, with the peer's
// UseSeparateQueueForEntityWorkItems on (without it DT.AS offers no entity work items), and taskhub's entities,
// with the same entity `counter` and orchestrations on both (e2e/dtf-peer/Entities.cs, e2e/src/interop/app.ts):
// signals from each client run by the other's entity, entity state rows compared, orchestrations calling and
// locking entities run by the other runtime on one shared hub, and an entity handed over between them.
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AzureStorageOrchestrationService, partitionIndex } from "@taskhub/azure-storage";
import { canonicalDtfHistory } from "./compare.js";
import { useInterop } from "./fixture.js";
import type { DtfPeer, DtfState } from "./peer.js";
import { startTaskhubWorker, taskhubClient, type RunningTaskhubWorker } from "./taskhub.js";

const ix = useInterop();
const run = randomBytes(3).toString("hex");

async function poll<T>(
  what: string,
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 180_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * taskhub's documented additions to the scheduler state (docs/dtf-compatibility.md, section 2.2) taken out:
 * `processed`, `recent`, and `exists` (DurableTask.Core 3.11.3 has no such member, an entity exists when it has
 * state; taskhub also writes `"exists":true` for the Durable Functions extension's in-process readers, and
 * only beside a state).
 */
function withoutAdditions(scheduler: Record<string, unknown>): Record<string, unknown> {
  const { processed: _p, recent: _r, exists, ...rest } = scheduler;
  if (exists === undefined || (exists === true && typeof rest.state === "string")) return rest;
  return { ...rest, exists };
}

/** An entity's Instances row as DT.AS's client reads it, without times and taskhub's additions. */
function entityRow(s: DtfState | null): unknown {
  if (!s) return s;
  const parsed = JSON.parse(s.input ?? "null") as Record<string, unknown> | null;
  const scheduler = parsed && withoutAdditions(parsed);
  return {
    name: s.name,
    version: s.version,
    status: s.status,
    output: s.output,
    customStatus: s.customStatus === null ? null : (JSON.parse(s.customStatus) as unknown),
    scheduler,
    failureDetails: s.failureDetails,
  };
}

function entityHistory(events: Awaited<ReturnType<DtfPeer["history"]>>): unknown {
  return canonicalDtfHistory(events, (text) => {
    // The scheduler state in ExecutionStarted.Input: compared as entityRow compares it.
    if (!text.startsWith("{")) return text;
    try {
      return JSON.stringify(withoutAdditions(JSON.parse(text) as Record<string, unknown>));
    } catch {
      return text;
    }
  });
}

describe("scenario 7: signals from one runtime's client, run by the other runtime's entity", () => {
  const hubD = `entD${run}`; // DT.AS worker
  const hubT = `entT${run}`; // taskhub worker
  let taskhubWorker: RunningTaskhubWorker;

  beforeAll(async () => {
    await ix.peer.startWorker(hubD, { entities: true });
    taskhubWorker = await startTaskhubWorker(ix.connectionString, hubT);
  });
  afterAll(async () => {
    await taskhubWorker?.stop();
    await ix.peer.stopWorker(hubD);
  });

  it("DT.AS's client signals, taskhub's entity runs; both clients read the state", async () => {
    const key = `d2t-${run}`;
    for (const n of [5, 7, 30]) await ix.peer.signalEntity(hubT, "counter", key, "add", String(n));
    const client = taskhubClient(ix.connectionString, hubT);
    const entity = await poll(
      "taskhub's view",
      () => client.getEntity<number>({ name: "counter", key }),
      (e) => e?.state === 42,
    );
    expect(entity).toMatchObject({ backlogQueueSize: 0, lockedBy: undefined });
    expect(await ix.peer.getEntity(hubT, "counter", key)).toMatchObject({
      id: `@counter@${key}`,
      state: "42",
      lockedBy: null,
      backlogQueueSize: 0,
    });
  });

  it("taskhub's client signals, DT.AS's entity runs; both clients read the state", async () => {
    const key = `t2d-${run}`;
    const client = taskhubClient(ix.connectionString, hubD);
    for (const n of [5, 7, 30]) await client.signalEntity({ name: "counter", key }, "add", n);
    const dtas = await poll(
      "DT.AS's view",
      () => ix.peer.getEntity(hubD, "counter", key),
      (e) => e?.state === "42",
    );
    expect(dtas).toMatchObject({ lockedBy: null, backlogQueueSize: 0 });
    expect(await client.getEntity<number>({ name: "counter", key })).toMatchObject({
      id: { name: "counter", key },
      state: 42,
      backlogQueueSize: 0,
      lockedBy: undefined,
    });
  });

  it.each([
    ["DT.AS's client schedules, taskhub's entity runs", "dtas", "T"],
    ["taskhub's client schedules, DT.AS's entity runs", "taskhub", "D"],
  ] as const)("scheduled signals (op@<time>): %s, not before the time", async (_title, sender, runner) => {
    const hub = runner === "T" ? hubT : hubD;
    const key = `sched-${sender}-${run}`;
    const at = new Date(Date.now() + 5000);
    if (sender === "dtas") await ix.peer.signalEntity(hub, "counter", key, "add", "5", at);
    else
      await taskhubClient(ix.connectionString, hub).signalEntity({ name: "counter", key }, "add", 5, {
        scheduledTime: at,
      });
    const e = await poll(
      "delivered",
      () => ix.peer.getEntity(hub, "counter", key),
      (x) => x?.state === "5",
    );
    // Both runtimes deliver a scheduled signal at its time; taskhub runs one that is at most 100 ms early.
    expect(new Date(e!.lastModifiedTime!).getTime()).toBeGreaterThanOrEqual(at.getTime() - 100);
  });

  it("the same signals leave the same entity row and history on both runtimes", async () => {
    const key = `row-${run}`;
    const tClient = taskhubClient(ix.connectionString, hubT);
    // On each hub: DT.AS's client signals add 5, add 7, then delete, then add 2 (the entity is re-created).
    for (const hub of [hubD, hubT]) {
      for (const [op, input] of [
        ["add", "5"],
        ["add", "7"],
      ] as const)
        await ix.peer.signalEntity(hub, "counter", key, op, input);
      await poll(
        `${hub} at 12`,
        () => ix.peer.getEntity(hub, "counter", key),
        (e) => e?.state === "12",
      );
    }
    const rows = await Promise.all(
      [hubD, hubT].map(async (hub) => entityRow(await ix.peer.state(hub, `@counter@${key}`))),
    );
    expect(rows[1]).toEqual(rows[0]);
    // The Instances row's columns, as stored: the same, except Generation, which taskhub writes on every
    // checkpoint and DT.AS only on its client's Pending row (readers take a missing one as 0).
    const columns = await Promise.all(
      [hubD, hubT].map(async (hub) => {
        const { clients, names } = new AzureStorageOrchestrationService({
          taskHubName: hub,
          storage: { connectionString: ix.connectionString },
        });
        const row = await clients.table(names.instancesTable).getEntity(`@counter@${key}`, "");
        return Object.keys(row)
          .filter((k) => !["etag", "odata.metadata", "timestamp", "Generation"].includes(k))
          .sort();
      }),
    );
    expect(columns[1]).toEqual(columns[0]);
    const histories = await Promise.all(
      [hubD, hubT].map(async (hub) => entityHistory(await ix.peer.history(hub, `@counter@${key}`))),
    );
    expect(histories[1]).toEqual(histories[0]);

    for (const hub of [hubD, hubT]) await ix.peer.signalEntity(hub, "counter", key, "delete");
    for (const hub of [hubD, hubT])
      await poll(
        `${hub} deleted`,
        () => ix.peer.getEntity(hub, "counter", key),
        (e) => e === null,
      );
    const deleted = await Promise.all(
      [hubD, hubT].map(async (hub) => entityRow(await ix.peer.state(hub, `@counter@${key}`))),
    );
    expect(deleted[1]).toEqual(deleted[0]);
    expect(await tClient.getEntity({ name: "counter", key })).toBeUndefined();
  });
});

const PARTITIONS = 4;

/**
 * `<hub>Partitions` CurrentOwner of each partition (both runtimes on the table partition manager); a partition
 * being handed over (NextOwner set, or draining) reads as "moving".
 */
async function owners(worker: RunningTaskhubWorker): Promise<(string | undefined)[]> {
  const { clients, names } = worker.service;
  const out: (string | undefined)[] = names.controlQueues.map(() => undefined);
  type Row = { CurrentOwner?: string; NextOwner?: string; IsDraining?: boolean };
  for await (const row of clients.table(names.partitionsTable).listEntities<Row>()) {
    const p = names.controlQueues.indexOf(row.rowKey ?? "");
    if (p >= 0) out[p] = row.NextOwner || row.IsDraining ? "moving" : row.CurrentOwner || undefined;
  }
  return out;
}

describe("scenario 7: one hub, a DT.AS worker and a taskhub worker at once", () => {
  const hub = `entMix${run}`;
  const DTAS = "dtas-entities";
  const TASKHUB = "taskhub-entities";
  let taskhubWorker: RunningTaskhubWorker;
  let split: (string | undefined)[];

  /** An id `<prefix><n>` (or `@counter@<prefix><n>` for an entity) on a partition `owner` holds. */
  const on = (owner: string, prefix: string, entity = false): string => {
    for (let n = 0; ; n++) {
      const id = `${prefix}${n}`;
      if (split[partitionIndex(entity ? `@counter@${id}` : id, PARTITIONS)] === owner) return id;
    }
  };

  beforeAll(async () => {
    await ix.peer.startWorker(hub, {
      entities: true,
      partitionCount: PARTITIONS,
      partitionManager: "table",
      workerId: DTAS,
    });
    taskhubWorker = await startTaskhubWorker(ix.connectionString, hub, {
      partitionCount: PARTITIONS,
      partitionManagement: "table",
      workerId: TASKHUB,
    });
    // Both hold two partitions each (the table manager balances them), and nothing has moved for 5 s; the
    // tests place instances by partition.
    const seen: string[] = [];
    split = await poll(
      "partitions split between the runtimes, settled",
      async () => {
        const o = await owners(taskhubWorker);
        seen.push(JSON.stringify(o));
        return o;
      },
      (o) =>
        o.filter((x) => x === DTAS).length === 2 &&
        o.filter((x) => x === TASKHUB).length === 2 &&
        seen.length >= 10 &&
        seen.slice(-10).every((x) => x === seen.at(-1)),
    );
  });
  afterEach(async () => {
    // The partitions did not move during the test: each instance ran on the runtime its partition placed it on.
    expect(await owners(taskhubWorker), "partition owners after the test").toEqual(split);
  });
  afterAll(async () => {
    await taskhubWorker?.stop();
    await ix.peer.stopWorker(hub);
  });

  it.each([
    ["a DT.AS orchestration calls taskhub's entity", DTAS, TASKHUB],
    ["a taskhub orchestration calls DT.AS's entity", TASKHUB, DTAS],
  ] as const)("%s: results and a failed operation come back", async (_title, orchestrationOn, entityOn) => {
    const key = on(entityOn, `call-${orchestrationOn}-${run}-`, true);
    const id = on(orchestrationOn, `call-${run}-`);
    const client = taskhubClient(ix.connectionString, hub, PARTITIONS);
    await ix.peer.startInstance(hub, "CallCounter", id, JSON.stringify({ key, amount: 9 }));
    const dtas = await ix.peer.wait(hub, id);
    expect([dtas?.status, JSON.parse(dtas?.output ?? "null")]).toEqual([
      "Completed",
      { added: 9, got: 9, failure: "no such luck" },
    ]);
    const state = await client.getOrchestrationState(id);
    expect([state?.runtimeStatus, state?.output]).toEqual([
      "Completed",
      { added: 9, got: 9, failure: "no such luck" },
    ]);
    // The failed operation changed nothing.
    expect((await client.getEntity({ name: "counter", key }))?.state).toBe(9);
    expect((await ix.peer.getEntity(hub, "counter", key))?.state).toBe("9");
  });

  it.each([
    ["a DT.AS orchestration signals taskhub's entity", DTAS, TASKHUB],
    ["a taskhub orchestration signals DT.AS's entity", TASKHUB, DTAS],
  ] as const)("%s", async (_title, orchestrationOn, entityOn) => {
    const key = on(entityOn, `sig-${orchestrationOn}-${run}-`, true);
    const client = taskhubClient(ix.connectionString, hub, PARTITIONS);
    for (const [n, amount] of [
      [0, 4],
      [1, 6],
    ] as const) {
      const id = on(orchestrationOn, `sig-${run}-${n}-`);
      await client.scheduleNewOrchestration("SignalCounter", { key, amount }, { instanceId: id });
      expect((await client.waitForOrchestrationCompletion(id, { timeoutMs: 180_000 })).output).toBe(
        "signalled",
      );
    }
    await poll(
      "counter at 10",
      () => ix.peer.getEntity(hub, "counter", key),
      (e) => e?.state === "10",
    );
  });

  it.each([
    ["DT.AS's entity signals taskhub's entity and starts an orchestration on taskhub", DTAS, TASKHUB],
    ["taskhub's entity signals DT.AS's entity and starts an orchestration on DT.AS", TASKHUB, DTAS],
  ] as const)("%s", async (_title, from, to) => {
    const source = on(from, `fwd-src-${from}-${run}-`, true);
    const target = on(to, `fwd-dst-${from}-${run}-`, true);
    const third = on(from, `fwd-3rd-${from}-${run}-`, true);
    const child = on(to, `fwd-orch-${from}-${run}-`);
    await ix.peer.signalEntity(hub, "counter", source, "forward", JSON.stringify({ key: target, amount: 8 }));
    await ix.peer.signalEntity(
      hub,
      "counter",
      source,
      "start",
      JSON.stringify({ instanceId: child, key: third, amount: 3 }),
    );
    await poll(
      "forwarded signal",
      () => ix.peer.getEntity(hub, "counter", target),
      (e) => e?.state === "8",
    );
    const client = taskhubClient(ix.connectionString, hub, PARTITIONS);
    const started = await client.waitForOrchestrationCompletion(child, { timeoutMs: 180_000 });
    expect([started.runtimeStatus, started.output]).toEqual(["Completed", "signalled"]);
    // The start as DTF Core's entities write it, whichever runtime wrote it: the entity (and an execution of it)
    // as parent, the FireAndForget tag (so the orchestration reports to no one).
    const dtasView = await ix.peer.state(hub, child);
    expect([dtasView?.status, dtasView?.parentInstanceId]).toEqual(["Completed", `@counter@${source}`]);
    const startEvent = (await ix.peer.history(hub, child)).find((e) => e.EventType === 0)!;
    expect(startEvent.Tags).toEqual({ FireAndForget: "" });
    expect(startEvent.ParentInstance).toMatchObject({
      Name: `@counter@${source}`,
      OrchestrationInstance: {
        InstanceId: `@counter@${source}`,
        ExecutionId: expect.stringMatching(/^[0-9a-f]{32}$/),
      },
    });
    await poll(
      "the started orchestration's signal",
      () => client.getEntity({ name: "counter", key: third }),
      (e) => e?.state === 3,
    );
  });

  it("critical sections on both runtimes over two entities (one on each) never interleave; the counts are exact", async () => {
    const keys = [on(TASKHUB, `lock-${run}-a`, true), on(DTAS, `lock-${run}-b`, true)];
    const rounds = 4;
    const client = taskhubClient(ix.connectionString, hub, PARTITIONS);
    // Two orchestrations on each runtime, all started at once, each locking both counters.
    const ids = [
      on(TASKHUB, `lock-${run}-t1-`),
      on(TASKHUB, `lock-${run}-t2-`),
      on(DTAS, `lock-${run}-d1-`),
      on(DTAS, `lock-${run}-d2-`),
    ];
    await Promise.all(
      ids.map((id, i) =>
        i % 2 === 0
          ? client.scheduleNewOrchestration("LockedIncrement", { keys, rounds }, { instanceId: id })
          : ix.peer.startInstance(hub, "LockedIncrement", id, JSON.stringify({ keys, rounds })),
      ),
    );
    const seen: number[][] = [];
    for (const id of ids) {
      const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 300_000 });
      expect(s.runtimeStatus, id).toBe("Completed");
      seen.push(s.output as number[]);
    }
    // Each section read key a then key b, `rounds` times; the values it read of each key are consecutive (no
    // one wrote in between), and the sections' ranges together cover 0 .. 4·rounds - 1 once.
    for (const k of [0, 1]) {
      const ranges = seen.map((s) => s.filter((_, i) => i % 2 === k));
      for (const r of ranges) expect(r).toEqual(Array.from({ length: rounds }, (_, i) => r[0]! + i));
      expect(ranges.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 4 * rounds }, (_, i) => i));
    }
    for (const key of keys) {
      const e = await poll(
        "lock released",
        () => ix.peer.getEntity(hub, "counter", key),
        (e) => e?.lockedBy === null,
      );
      expect(e).toMatchObject({ state: String(4 * rounds), backlogQueueSize: 0 });
      expect(await client.getEntity({ name: "counter", key })).toMatchObject({
        state: 4 * rounds,
        lockedBy: undefined,
      });
    }
  });
});

describe("scenario 7: an entity handed over between the runtimes", () => {
  it.each(["DT.AS to taskhub", "taskhub to DT.AS"] as const)(
    "from %s: the counter continues",
    async (direction) => {
      const hub = `entHand${direction.startsWith("DT") ? "D" : "T"}${run}`;
      const key = `hand-${run}`;
      const client = taskhubClient(ix.connectionString, hub);
      // A stopping DT.AS worker leaves what it had dequeued invisible until the visibility timeout (scenario 3).
      const startDtas = () =>
        ix.peer.startWorker(hub, {
          entities: true,
          partitionManager: "table",
          controlQueueVisibilitySeconds: 30,
          workItemVisibilitySeconds: 30,
        });
      const startTaskhub = () =>
        startTaskhubWorker(ix.connectionString, hub, { partitionManagement: "table" });

      const first = direction === "taskhub to DT.AS" ? await startTaskhub() : (await startDtas(), undefined);
      for (const n of [10, 20]) await client.signalEntity({ name: "counter", key }, "add", n);
      await client.scheduleNewOrchestration(
        "CallCounter",
        { key, amount: 3 },
        { instanceId: `first-${run}` },
      );
      expect(
        (await client.waitForOrchestrationCompletion(`first-${run}`, { timeoutMs: 180_000 })).output,
      ).toEqual({
        added: 33,
        got: 33,
        failure: "no such luck",
      });
      if (first) await first.stop();
      else await ix.peer.stopWorker(hub);

      const second = direction === "taskhub to DT.AS" ? (await startDtas(), undefined) : await startTaskhub();
      try {
        await ix.peer.signalEntity(hub, "counter", key, "add", "7");
        // The signal first (a client's signal and an orchestration's call are not ordered with each other).
        await poll(
          "the signal landed",
          () => client.getEntity({ name: "counter", key }),
          (e) => e?.state === 40,
        );
        await ix.peer.startInstance(hub, "CallCounter", `second-${run}`, JSON.stringify({ key, amount: 2 }));
        const done = await client.waitForOrchestrationCompletion(`second-${run}`, { timeoutMs: 300_000 });
        expect(done.output).toEqual({ added: 42, got: 42, failure: "no such luck" });
        expect(await ix.peer.getEntity(hub, "counter", key)).toMatchObject({
          state: "42",
          lockedBy: null,
          backlogQueueSize: 0,
        });
      } finally {
        if (second) await second.stop();
        else await ix.peer.stopWorker(hub);
      }
    },
  );
});
