import { describe, expect, it } from "vitest";
import {
  emptyListQuery,
  formatListQuery,
  fromLocalInput,
  managementApiQuery,
  parseListQuery,
  sortRows,
  toLocalInput,
} from "../../src/model/instance-filter.js";

describe("filter <-> URL", () => {
  it("round-trips every filter, the sort and the page size", () => {
    const q = {
      ...emptyListQuery(),
      runtimeStatus: ["Running", "Failed"] as ("Running" | "Failed")[],
      name: "Order Flow",
      instanceIdPrefix: "order-",
      createdTimeFrom: "2026-12-01T00:00:00.000Z",
      createdTimeTo: "2026-12-02T12:30:00.000Z",
      lastUpdatedTimeFrom: "2026-12-03T00:00:00.000Z",
      lastUpdatedTimeTo: "",
      customStatusContains: '"step": 3',
      sort: "name" as const,
      direction: "asc" as const,
      pageSize: 100,
    };
    const text = formatListQuery(q);
    expect(text).toBe(
      "runtimeStatus=Running%2CFailed&name=Order+Flow&instanceIdPrefix=order-&createdTimeFrom=2026-12-01T00%3A00%3A00.000Z" +
        "&createdTimeTo=2026-12-02T12%3A30%3A00.000Z&lastUpdatedTimeFrom=2026-12-03T00%3A00%3A00.000Z&customStatusContains=%22step%22%3A+3&sort=name%3Aasc&pageSize=100",
    );
    expect(parseListQuery(text)).toEqual(q);
  });

  it("writes nothing for the defaults, so the plain list is a plain URL", () => {
    expect(formatListQuery(emptyListQuery())).toBe("");
    expect(parseListQuery("")).toEqual(emptyListQuery());
  });

  it("reads statuses comma-separated or repeated, in a canonical order, dropping unknown ones", () => {
    const q = parseListQuery("?runtimeStatus=Failed,Bogus&runtimeStatus=Running&runtimeStatus=Failed");
    expect(q.runtimeStatus).toEqual(["Running", "Failed"]);
    expect(formatListQuery(q)).toBe("runtimeStatus=Running%2CFailed");
  });

  it("drops bad dates, sorts and page sizes instead of failing", () => {
    const q = parseListQuery("createdTimeFrom=yesterday&sort=color:up&pageSize=7");
    expect(q.createdTimeFrom).toBe("");
    expect(q.sort).toBe("createdTime");
    expect(q.direction).toBe("desc");
    expect(q.pageSize).toBe(50);
  });

  it("normalizes a date to an ISO instant", () => {
    expect(parseListQuery("createdTimeTo=2026-12-06T10:00:00Z").createdTimeTo).toBe(
      "2026-12-06T10:00:00.000Z",
    );
  });

  it("makes the management API's query from the filters (top only for the list)", () => {
    const q = parseListQuery("runtimeStatus=Pending,Running&name=A&customStatusContains=x&sort=name:asc");
    expect(managementApiQuery(q, 50).toString()).toBe(
      "runtimeStatus=Pending%2CRunning&name=A&customStatusContains=x&top=50",
    );
    expect(managementApiQuery(q).has("top")).toBe(false);
    expect(managementApiQuery(parseListQuery("lastUpdatedTimeTo=2026-12-06T00:00:00Z")).toString()).toBe(
      "lastUpdatedTimeTo=2026-12-06T00%3A00%3A00.000Z",
    );
  });

  it("converts between ISO instants and datetime-local values", () => {
    const local = toLocalInput("2026-12-06T10:15:00.000Z");
    expect(local).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    expect(fromLocalInput(local)).toBe("2026-12-06T10:15:00.000Z");
    expect(toLocalInput("")).toBe("");
    expect(fromLocalInput("nonsense")).toBe("");
  });
});

describe("sortRows", () => {
  const rows = [
    {
      instanceId: "b",
      name: "Y",
      runtimeStatus: "Running",
      createdTime: "2026-01-02T00:00:00Z",
      lastUpdatedTime: "x",
    },
    {
      instanceId: "a",
      name: "Z",
      runtimeStatus: "Failed",
      createdTime: "2026-01-03T00:00:00Z",
      lastUpdatedTime: "x",
    },
    {
      instanceId: "c",
      name: "X",
      runtimeStatus: "Completed",
      createdTime: "2026-01-01T00:00:00Z",
      lastUpdatedTime: "x",
    },
  ];
  it("sorts by a column either way, ties by id", () => {
    expect(sortRows(rows, "createdTime", "desc").map((r) => r.instanceId)).toEqual(["a", "b", "c"]);
    expect(sortRows(rows, "name", "asc").map((r) => r.instanceId)).toEqual(["c", "b", "a"]);
    expect(sortRows(rows, "lastUpdatedTime", "asc").map((r) => r.instanceId)).toEqual(["a", "b", "c"]);
  });
});
