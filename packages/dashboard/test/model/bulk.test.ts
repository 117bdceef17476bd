import { describe, expect, it } from "vitest";
import { BULK_VERBS as CORE_VERBS, newBulkProgress, TERMINAL_STATUSES } from "@taskhub/core";
import {
  BULK_VERBS,
  bulkBody,
  bulkMeter,
  bulkProgressOf,
  confirmLabel,
  createdBefore,
  describeCount,
  emptyBulkArgs,
  FINISHED_STATUSES,
  isEmptyFilter,
  parseBulkProgress,
  typeToConfirm,
  verbNotes,
} from "../../src/model/bulk.js";
import { emptyListQuery, type ListQuery } from "../../src/model/instance-filter.js";

const query = (patch: Partial<ListQuery>): ListQuery => ({ ...emptyListQuery(), ...patch });

describe("the bulk operation's verbs and statuses", () => {
  it("are core's", () => {
    expect([...BULK_VERBS].sort()).toEqual([...CORE_VERBS].sort());
    expect([...FINISHED_STATUSES].sort()).toEqual([...TERMINAL_STATUSES].sort());
  });
});

describe("bulkBody", () => {
  it("sends the list's filter under the route's names, without the list's sort or page size", () => {
    const q = query({
      runtimeStatus: ["Running", "Pending"],
      name: "Order, big",
      instanceIdPrefix: "order-",
      createdTimeFrom: "2026-12-01T00:00:00.000Z",
      customStatusContains: "stuck",
      sort: "name",
      pageSize: 200,
    });
    expect(bulkBody(q, "terminate", { ...emptyBulkArgs(), reason: "cleanup" })).toEqual({
      ok: true,
      body: {
        runtimeStatus: ["Running", "Pending"],
        name: "Order, big",
        instanceIdPrefix: "order-",
        createdTimeFrom: "2026-12-01T00:00:00.000Z",
        customStatusContains: "stuck",
        reason: "cleanup",
      },
    });
  });

  it("asks for every instance (all: true) only when the filter is empty", () => {
    expect(isEmptyFilter(emptyListQuery())).toBe(true);
    expect(bulkBody(emptyListQuery(), "suspend", emptyBulkArgs())).toEqual({ ok: true, body: { all: true } });
    expect(bulkBody(query({ runtimeStatus: ["Failed"] }), "rewind", emptyBulkArgs())).toEqual({
      ok: true,
      body: { runtimeStatus: ["Failed"] },
    });
  });

  it("pins the targets to the dry run's time unless the filter has its own 'created to'", () => {
    const pin = "2026-12-07T00:30:00.000Z";
    const q = query({ instanceIdPrefix: "a-" });
    expect(bulkBody(q, "terminate", emptyBulkArgs(), { createdBefore: pin })).toMatchObject({
      body: { instanceIdPrefix: "a-", createdTimeTo: pin },
    });
    const own = query({ instanceIdPrefix: "a-", createdTimeTo: "2026-12-01T00:00:00.000Z" });
    expect(bulkBody(own, "terminate", emptyBulkArgs(), { createdBefore: pin })).toMatchObject({
      body: { createdTimeTo: "2026-12-01T00:00:00.000Z" },
    });
    // An empty filter stays "every instance" (all: true) even with the pin.
    expect(bulkBody(emptyListQuery(), "restart", emptyBulkArgs(), { createdBefore: pin })).toEqual({
      ok: true,
      body: { all: true, createdTimeTo: pin },
    });
  });

  it("raise-event needs a name and takes JSON data, parsed; no data is no field", () => {
    const q = query({ name: "Order" });
    expect(bulkBody(q, "raise-event", emptyBulkArgs())).toEqual({
      ok: false,
      error: "Raise event needs an event name.",
    });
    const bad = bulkBody(q, "raise-event", { ...emptyBulkArgs(), eventName: "go", eventData: "{a:1}" });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/^Not valid JSON/);
    expect(
      bulkBody(q, "raise-event", { ...emptyBulkArgs(), eventName: "go", eventData: '{"by":"ops"}' }),
    ).toEqual({ ok: true, body: { name: "Order", eventName: "go", eventData: { by: "ops" } } });
    expect(bulkBody(q, "raise-event", { ...emptyBulkArgs(), eventName: "go" })).toEqual({
      ok: true,
      body: { name: "Order", eventName: "go" },
    });
  });

  it("sends a reason only for the verbs that take one, and the page size and dry run when asked", () => {
    const args = { ...emptyBulkArgs(), reason: "why", pageSize: 50 };
    const q = query({ name: "A" });
    expect(bulkBody(q, "restart", args, { dryRun: true })).toEqual({
      ok: true,
      body: { name: "A", pageSize: 50, dryRun: true },
    });
    expect(bulkBody(q, "resume", args)).toEqual({
      ok: true,
      body: { name: "A", reason: "why", pageSize: 50 },
    });
    for (const pageSize of [0, 1001, 2.5, NaN])
      expect(bulkBody(q, "resume", { ...args, pageSize }).ok).toBe(false);
  });

  it("refuses purge of statuses that have not finished, as the route does", () => {
    const r = bulkBody(query({ runtimeStatus: ["Running", "Completed"] }), "purge", emptyBulkArgs());
    expect(r).toEqual({
      ok: false,
      error: expect.stringMatching(/^Only finished instances can be purged.*Running/),
    });
    expect(bulkBody(query({ runtimeStatus: ["Completed", "Failed"] }), "purge", emptyBulkArgs()).ok).toBe(
      true,
    );
  });
});

describe("createdBefore", () => {
  it("takes the later clock; the host's Date header has whole seconds, so one second is added", () => {
    const browser = Date.parse("2026-12-07T00:30:00.250Z");
    expect(createdBefore(browser, "Mon, 07 Dec 2026 00:30:00 GMT")).toBe("2026-12-07T00:30:01.000Z");
    expect(createdBefore(browser, "Mon, 07 Dec 2026 00:29:00 GMT")).toBe("2026-12-07T00:30:00.250Z");
    expect(createdBefore(browser, null)).toBe("2026-12-07T00:30:00.250Z");
    expect(createdBefore(browser, "not a date")).toBe("2026-12-07T00:30:00.250Z");
  });
});

describe("the count and the confirmation", () => {
  it("names the count per status, in the statuses' order", () => {
    expect(describeCount(200, { Pending: 80, Running: 120, Completed: 0 })).toBe(
      "200 instances match (Pending 80, Running 120)",
    );
    expect(describeCount(1, { Failed: 1 })).toBe("1 instance matches (Failed 1)");
    expect(describeCount(0, {})).toBe("0 instances match");
  });

  it("says in advance which targets the verb will fail on or leave as they are", () => {
    const byStatus = { Running: 120, Failed: 3, Completed: 77 };
    expect(verbNotes("rewind", byStatus)).toEqual([
      "197 of them are not Failed: rewind fails for them (counted as failed).",
    ]);
    expect(verbNotes("purge", byStatus)).toEqual([
      "120 of them are not finished: purge fails for them (counted as failed).",
    ]);
    expect(verbNotes("terminate", byStatus)).toEqual([
      "80 of them are already finished: terminate leaves them as they are.",
    ]);
    expect(verbNotes("terminate", { Running: 5, Pending: 2 })).toEqual([]);
    expect(verbNotes("resume", { Suspended: 1, Running: 1 })).toEqual([
      "1 of them is not Suspended: resume changes nothing for them.",
    ]);
    expect(verbNotes("restart", byStatus)).toEqual([]);
  });

  it("makes the operator type the count for the whole hub, and for terminate or purge of more than 100", () => {
    expect(typeToConfirm("suspend", 5, true)).toBe("5");
    expect(typeToConfirm("terminate", 200, false)).toBe("200");
    expect(typeToConfirm("purge", 101, false)).toBe("101");
    expect(typeToConfirm("purge", 100, false)).toBeUndefined();
    expect(typeToConfirm("suspend", 5000, false)).toBeUndefined();
    expect(confirmLabel("terminate", 200)).toBe("Terminate 200 instances");
    expect(confirmLabel("raise-event", 1)).toBe("Raise event 1 instance");
  });
});

describe("the bulk instance's progress", () => {
  it("reads core's progress from a custom status (object or JSON text) or an output; anything else is none", () => {
    const p = { ...newBulkProgress("terminate", false), matched: 100, done: 99, failed: 1, pages: 1 };
    p.errors.push({ instanceId: "a-1", error: "NotFound: gone" });
    expect(parseBulkProgress(p)).toEqual(p);
    expect(parseBulkProgress(JSON.stringify(p))).toEqual(p);
    expect(bulkProgressOf({ customStatus: p })).toEqual(p);
    const done = { ...p, phase: "completed" as const, matched: 200, done: 199 };
    expect(bulkProgressOf({ customStatus: p, output: done })).toEqual(done);
    for (const v of [undefined, null, "waiting for go", "{", 42, { kind: "other" }, ["taskhub:bulk"]])
      expect(parseBulkProgress(v)).toBeUndefined();
  });

  it("reads missing or malformed fields as 0 or none", () => {
    expect(
      parseBulkProgress({ kind: "taskhub:bulk", matched: -1, done: "3", errors: [null, { error: 1 }] }),
    ).toEqual({
      kind: "taskhub:bulk",
      verb: "terminate",
      dryRun: false,
      phase: "running",
      matched: 0,
      done: 0,
      failed: 0,
      errors: [],
      pages: 0,
    });
  });

  it("measures against the dry run's count while running, and the final count when completed", () => {
    const p = { ...newBulkProgress("terminate", false), matched: 100, done: 98, failed: 2, pages: 1 };
    expect(bulkMeter(p, 200)).toEqual({ value: 100, max: 200, label: "100 of about 200" });
    expect(bulkMeter(p)).toEqual({ value: 100, max: 100, label: "100 so far" });
    // More matched than the dry run counted (created since): the bar never overflows.
    expect(bulkMeter({ ...p, matched: 300, done: 250, failed: 0 }, 200)).toMatchObject({ max: 300 });
    expect(bulkMeter({ ...p, phase: "completed", matched: 200, done: 199, failed: 1 }, 210)).toEqual({
      value: 200,
      max: 200,
      label: "200 of 200",
    });
  });
});
