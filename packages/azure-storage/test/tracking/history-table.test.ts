// The History table's checkpoint append on a real Azurite: a retry of a batch that committed although its
// answer was lost is the same checkpoint, not another worker's (e2e/test/reliability-fault-points.test.ts
// puts the lost answer on the wire).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newEvent, type HistoryEvent } from "@taskhub/core";
import { createStorageClients } from "../../src/index.js";
import { LargePayloadStore } from "../../src/payloads/large-payloads.js";
import { HistoryTable, type AppendOptions } from "../../src/tracking/history-table.js";
import { rawValue } from "../../src/tracking/history-row.js";
import { connectionString, uniqueHubName } from "../helpers.js";

const clients = createStorageClients({ connectionString: connectionString() });
const tableName = `${uniqueHubName("h")}History`;
const history = new HistoryTable(
  clients.table(tableName),
  new LargePayloadStore(clients.container(uniqueHubName("h"))),
);

beforeAll(async () => {
  await clients.table(tableName).createTable();
});
afterAll(async () => {
  await clients.table(tableName).deleteTable();
});

function step(instanceId: string, executionId: string, atMs: number): HistoryEvent[] {
  const timestamp = new Date(atMs);
  return [
    newEvent("OrchestratorStarted", { timestamp }),
    newEvent("ExecutionStarted", {
      timestamp,
      orchestrationInstance: { instanceId, executionId },
      name: "N",
      version: "",
      input: "1",
    }),
    newEvent("OrchestratorCompleted", { timestamp }),
  ];
}

describe("HistoryTable.append", () => {
  for (const first of [true, false]) {
    it(`a retry of ${first ? "the first" : "a later"} checkpoint that committed succeeds with the sentinel's ETag`, async () => {
      const id = uniqueHubName("i");
      let etag: string | undefined;
      if (!first)
        etag = (
          await history.append({
            instanceId: id,
            executionId: "x",
            events: step(id, "x", 1000),
            startIndex: 0,
            etag: undefined,
            now: new Date(1000),
            consumed: new Map([["m0", 1000]]),
          })
        ).etag;
      const now = new Date(2000);
      const o: AppendOptions = {
        instanceId: id,
        executionId: "x",
        events: step(id, "x", 2000),
        startIndex: first ? 0 : 3,
        etag,
        now,
        consumed: new Map([["m1", now.getTime()]]),
      };
      const committed = await history.append(o);
      // The same batch again, as the client's retry sends it: the sentinel has changed (412; 409 for a create).
      const retried = await history.append(o);
      expect(retried.etag).toBe(committed.etag);
      const h = await history.read(id);
      expect(h.etag).toBe(committed.etag);
      expect(h.events).toHaveLength(first ? 3 : 6);
      expect([...h.consumed]).toEqual([["m1", 2000]]);
    });
  }

  it("another checkpoint's change of the sentinel is WorkItemLockLost", async () => {
    const id = uniqueHubName("i");
    const base = { instanceId: id, executionId: "x", startIndex: 0, etag: undefined };
    const { etag } = await history.append({
      ...base,
      events: step(id, "x", 1000),
      now: new Date(1000),
      consumed: new Map([["m0", 1000]]),
    });
    // Another worker checkpoints the instance from the same ETag: its step consumed other messages.
    await history.append({
      ...base,
      startIndex: 3,
      etag,
      events: step(id, "x", 2000),
      now: new Date(2000),
      consumed: new Map([["m1", 2000]]),
    });
    await expect(
      history.append({
        ...base,
        startIndex: 3,
        etag,
        events: step(id, "x", 2000),
        now: new Date(2000),
        consumed: new Map([["m2", 2000]]),
      }),
    ).rejects.toMatchObject({ code: "WorkItemLockLost" });
    // Or started it first (409 on the sentinel's create).
    await expect(
      history.append({
        ...base,
        events: step(id, "x", 1000),
        now: new Date(1000),
        consumed: new Map([["m9", 1000]]),
      }),
    ).rejects.toMatchObject({ code: "WorkItemLockLost" });
  });
});

describe("HistoryTable.listRows", () => {
  it("reads one execution's rows by page, leaves an older execution's leftover rows out, and reads blobs only without select", async () => {
    const id = uniqueHubName("i");
    // An execution of 6 rows, then a shorter one written over it from index 0 (continue-as-new as DT.AS does).
    const old = await history.append({
      instanceId: id,
      executionId: "old",
      events: [...step(id, "old", 1000), ...step(id, "old", 1500)],
      startIndex: 0,
      etag: undefined,
      now: new Date(1500),
    });
    const big = "y".repeat(70_000); // over the table property limit: offloaded to a blob
    const current = step(id, "new", 2000);
    current.push(
      newEvent("EventRaised", { timestamp: new Date(2000), name: "big", input: JSON.stringify(big) }),
    );
    await history.append({
      instanceId: id,
      executionId: "new",
      events: current,
      startIndex: 0,
      etag: old.etag,
      now: new Date(2000),
    });

    expect(await history.currentExecutionId(id)).toBe("new");
    expect(await history.currentExecutionId(uniqueHubName("none"))).toBeUndefined();

    const all = await history.listRows(id, { select: ["EventType", "Input"] });
    expect(all.rows.map((r) => `${String(r.rowKey).slice(-1)}:${rawValue(r.ExecutionId) as string}`)).toEqual(
      ["0:new", "1:new", "2:new", "3:new", "4:old", "5:old"],
    );
    expect(rawValue(all.sentinel?.ExecutionId)).toBe("new");
    expect(rawValue(all.rows[3]!.Input)).toBe(""); // offloaded, not downloaded

    const first = await history.listRows(id, { executionId: "new", top: 2 });
    expect(first.rows.map((r) => r.rowKey)).toEqual(["0000000000000000", "0000000000000001"]);
    expect(first.more).toBe(true);
    const rest = await history.listRows(id, { executionId: "new", afterIndex: 1, top: 2 });
    expect(rest.rows.map((r) => r.rowKey)).toEqual(["0000000000000002", "0000000000000003"]);
    expect(rest.more).toBe(false);
    expect(rest.sentinel).toBeUndefined();
    expect(rawValue(rest.rows[1]!.Input)).toBe(JSON.stringify(big)); // the blob, downloaded

    const raised = await history.listRows(id, { executionId: "new", eventTypes: ["EventRaised"] });
    expect(raised.rows.map((r) => r.rowKey)).toEqual(["0000000000000003"]);
  });
});
