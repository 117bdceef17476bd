// The History table's checkpoint append on a real Azurite: a retry of a batch that committed although its
// answer was lost is the same checkpoint, not another worker's (e2e/test/reliability-fault-points.test.ts
// puts the lost answer on the wire).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newEvent, type HistoryEvent } from "@taskhub/core";
import { createStorageClients } from "../../src/index.js";
import { LargePayloadStore } from "../../src/payloads/large-payloads.js";
import { HistoryTable, type AppendOptions } from "../../src/tracking/history-table.js";
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
