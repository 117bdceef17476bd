// Instance listings and counts on a real Azurite: how a listing that filters rows itself (customStatusContains,
// or a filter past the table's 15 comparisons) cuts its pages and resumes, and which tokens it takes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUNTIME_STATUSES, type InstanceRecord } from "@taskhub/core";
import { createStorageClients } from "../../src/index.js";
import { InstancesTable } from "../../src/tracking/instances-table.js";
import { connectionString, uniqueHubName } from "../helpers.js";

const clients = createStorageClients({ connectionString: connectionString() });
const hub = uniqueHubName("q");
const table = clients.table(`${hub}Instances`);
/** Reads 2 rows a request and at most 2 per page, so that a few rows show every way a page ends. */
const narrow = new InstancesTable(table, hub, 2);

function record(instanceId: string, customStatus: string | undefined): InstanceRecord {
  const at = new Date("2024-05-01T12:00:00Z");
  return {
    instanceId,
    executionId: "e",
    name: "N",
    runtimeStatus: customStatus === undefined ? "Completed" : "Running",
    createdAt: at,
    lastUpdatedAt: at,
    serializedCustomStatus: customStatus,
    generation: 0,
  };
}

// r0, r3, r4, r5 match "approv"; r1 (no custom status), r2 and r6 do not.
const ROWS: [string, string | undefined][] = [
  ["r0", '"approve me"'],
  ["r1", undefined],
  ["r2", '"rejected"'],
  ["r3", '{"approved":true}'],
  ["r4", '"Approval"'],
  ["r5", '"APPROVED"'],
  ["r6", '"done"'],
];

beforeAll(async () => {
  await table.createTable();
  for (const [id, status] of ROWS) await narrow.upsert(record(id, status), {});
});
afterAll(async () => {
  await table.deleteTable();
});

const decode = (token: string | undefined): unknown =>
  token === undefined ? undefined : JSON.parse(Buffer.from(token, "base64").toString("utf8"));

describe("InstancesTable.query with customStatusContains", () => {
  it("ends a page when full (inside a table page: a token naming its last row), or after the scan limit (possibly empty)", async () => {
    const pages: { ids: string[]; token: unknown }[] = [];
    let token: string | undefined;
    do {
      const page = await narrow.query({ customStatusContains: "approv", maxPageSize: 1 }, token);
      pages.push({ ids: page.items.map((r) => r.record.instanceId), token: decode(page.continuationToken) });
      token = page.continuationToken;
    } while (token && pages.length < 20);
    expect(pages.map((p) => p.ids)).toEqual([["r0"], [], ["r3"], ["r4"], ["r5"], []]);
    // r0 filled the page with r1 still unread in the table's page: resume after r0.
    expect(pages[0]!.token).toEqual({ afterPartitionKey: "r0" });
    // r1 and r2 read, nothing taken, the scan limit reached: the table's own token, at r3.
    expect(pages[1]!.token).toMatchObject({ nextPartitionKey: expect.any(String) });
    expect(pages[5]!.token).toBeUndefined();
  });

  it("fills pages of several items across table pages; without payloads the custom status is still read to filter", async () => {
    const wide = new InstancesTable(table, hub);
    for (const fetchPayloads of [true, false]) {
      const page = await wide.query({ customStatusContains: "approv", maxPageSize: 10, fetchPayloads });
      expect(page.items.map((r) => r.record.instanceId)).toEqual(["r0", "r3", "r4", "r5"]);
      expect(page.continuationToken).toBeUndefined();
    }
    const first = await narrow.query({ customStatusContains: "approv", maxPageSize: 2 });
    expect(first.items.map((r) => r.record.instanceId)).toEqual(["r0"]);
  });

  it("counts per status reading the custom status only when the filter needs it", async () => {
    expect((await narrow.countByStatus({})).byStatus).toMatchObject({ Running: 6, Completed: 1 });
    const c = await narrow.countByStatus({ customStatusContains: "approv" });
    expect(c.total).toBe(4);
    expect(c.byStatus.Running).toBe(4);
  });

  it("takes back only tokens a listing gave: InvalidArgument for another shape", async () => {
    const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v), "utf8").toString("base64");
    const resumed = await narrow.query({ maxPageSize: 10 }, b64({ afterPartitionKey: "r4" }));
    expect(resumed.items.map((r) => r.record.instanceId)).toEqual(["r5", "r6"]);
    for (const bad of [{ afterPartitionKey: 5 }, { afterPartitionKey: "" }, { afterPartitionKey: "a", x: 1 }])
      await expect(narrow.query({}, b64(bad)), JSON.stringify(bad)).rejects.toMatchObject({
        code: "InvalidArgument",
      });
  });
});

describe("InstancesTable past the table's 15 comparisons", () => {
  it("a filter past 15 comparisons still answers what it means, in listings and counts", async () => {
    const wide = new InstancesTable(table, hub);
    const others = Array.from({ length: 14 }, (_, i) => `Other${i}`);
    const page = await wide.query({ statuses: RUNTIME_STATUSES, names: [...others, "N"], maxPageSize: 100 });
    expect(page.items.map((r) => r.record.instanceId)).toEqual(ROWS.map(([id]) => id));
    for (const fetchPayloads of [true, false]) {
      const none = await wide.query({ statuses: RUNTIME_STATUSES, names: others, fetchPayloads });
      expect(none.items).toEqual([]);
    }
    const counts = await wide.countByStatus({ statuses: ["Running", "Completed"], names: [...others, "N"] });
    expect(counts.byStatus).toMatchObject({ Running: 6, Completed: 1 });
    expect((await wide.countByStatus({ statuses: ["Running"], names: [...others, "N"] })).total).toBe(6);
  });
});
