// Scenario 7 of the interop suite: durable entities across the two runtimes. DurableTask.Core 3.x's entities
// (TaskEntity, OrchestrationEntityContext, ClientEntityHelpers) on DT.AS 2.11.3, with the peer's
// UseSeparateQueueForEntityWorkItems on (without it DT.AS offers no entity work items), and taskhub's entities,
// with the same entity `counter` and orchestrations on both (e2e/dtf-peer/Entities.cs, e2e/src/interop/app.ts):
// signals from each client run by the other's entity, entity state rows compared, orchestrations calling and
// locking entities run by the other runtime on one shared hub, and an entity handed over between them.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partitionIndex } from "@taskhub/azure-storage";
import { startAzurite, type AzuriteInstance } from "@taskhub/azure-storage/testing";
import { canonicalDtfHistory } from "./compare.js";
import { DtfPeer, type DtfState } from "./peer.js";
import { startTaskhubWorker, taskhubClient, type RunningTaskhubWorker } from "./taskhub.js";

let azurite: AzuriteInstance;
let peer: DtfPeer;
const run = randomBytes(3).toString("hex");

beforeAll(async () => {
  azurite = await startAzurite();
  peer = await DtfPeer.start(azurite.connectionString);
});

afterAll(async () => {
  await peer?.stop();
  await azurite?.stop();
});

async function poll<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 180_000): Promise<T> {
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
    await peer.startWorker(hubD, { entities: true });
    taskhubWorker = await startTaskhubWorker(azurite.connectionString, hubT);
  });
  afterAll(async () => {
    await taskhubWorker?.stop();
    await peer.stopWorker(hubD);
  });

  it("DT.AS's client signals, taskhub's entity runs; both clients read the state", async () => {
    const key = `d2t-${run}`;
    for (const n of [5, 7, 30]) await peer.signalEntity(hubT, "counter", key, "add", String(n));
    const client = taskhubClient(azurite.connectionString, hubT);
    const entity = await poll(
      "taskhub's view",
      () => client.getEntity<number>({ name: "counter", key }),
      (e) => e?.state === 42,
    );
    expect(entity).toMatchObject({ backlogQueueSize: 0, lockedBy: undefined });
    expect(await peer.getEntity(hubT, "counter", key)).toMatchObject({
      id: `@counter@${key}`,
      state: "42",
      lockedBy: null,
      backlogQueueSize: 0,
    });
  });

  it("taskhub's client signals, DT.AS's entity runs; both clients read the state", async () => {
    const key = `t2d-${run}`;
    const client = taskhubClient(azurite.connectionString, hubD);
    for (const n of [5, 7, 30]) await client.signalEntity({ name: "counter", key }, "add", n);
    const dtas = await poll(
      "DT.AS's view",
      () => peer.getEntity(hubD, "counter", key),
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

  it("the same signals leave the same entity row and history on both runtimes", async () => {
    const key = `row-${run}`;
    const tClient = taskhubClient(azurite.connectionString, hubT);
    // On each hub: DT.AS's client signals add 5, add 7, then delete, then add 2 (the entity is re-created).
    for (const hub of [hubD, hubT]) {
      for (const [op, input] of [
        ["add", "5"],
        ["add", "7"],
      ] as const)
        await peer.signalEntity(hub, "counter", key, op, input);
      await poll(`${hub} at 12`, () => peer.getEntity(hub, "counter", key), (e) => e?.state === "12");
    }
    const rows = await Promise.all([hubD, hubT].map(async (hub) => entityRow(await peer.state(hub, `@counter@${key}`))));
    expect(rows[1]).toEqual(rows[0]);
    const histories = await Promise.all([hubD, hubT].map(async (hub) => entityHistory(await peer.history(hub, `@counter@${key}`))));
    expect(histories[1]).toEqual(histories[0]);

    for (const hub of [hubD, hubT]) await peer.signalEntity(hub, "counter", key, "delete");
    for (const hub of [hubD, hubT])
      await poll(`${hub} deleted`, () => peer.getEntity(hub, "counter", key), (e) => e === null);
    const deleted = await Promise.all([hubD, hubT].map(async (hub) => entityRow(await peer.state(hub, `@counter@${key}`))));
    expect(deleted[1]).toEqual(deleted[0]);
    expect(await tClient.getEntity({ name: "counter", key })).toBeUndefined();
  });
});
