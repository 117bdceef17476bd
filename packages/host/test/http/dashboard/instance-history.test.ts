// The history endpoint's logic over History rows built by hand as DT.AS writes them (no storage): rows to DTF
// events, the skeleton's columns, the parent from the Instances row or from ExecutionStarted's ParentInstance,
// the leftover rows of older executions as fragments, and the query's checks.
import { describe, expect, it } from "vitest";
import {
  buildSkeleton,
  parentOf,
  parseHistoryQuery,
  rowToDtfEvent,
  SKELETON_COLUMNS,
} from "../../../src/http/dashboard/instance-history.js";

const key = (i: number): string => i.toString(16).toUpperCase().padStart(16, "0");
const int = (value: number) => ({ value: String(value), type: "Int32" });
const time = (value: string) => ({ value, type: "DateTime" });

/** A row as read with disableTypeConversion from a hub DT.AS wrote. */
function row(index: number, executionId: string, columns: Record<string, unknown>): Record<string, unknown> {
  return {
    partitionKey: "child",
    rowKey: key(index),
    ExecutionId: executionId,
    IsPlayed: false,
    ...columns,
    EventId: int((columns.EventId as number | undefined) ?? -1),
    _Timestamp: time(`2026-12-07T00:00:0${index % 10}.1234567Z`),
  };
}

const PARENT_JSON = JSON.stringify({
  Name: "Parent",
  OrchestrationInstance: { InstanceId: "parent-1", ExecutionId: "pe1" },
  TaskScheduleId: 4,
  Version: "",
});

function started(executionId: string, parentInstance: string): Record<string, unknown> {
  return {
    EventType: "ExecutionStarted",
    Name: "Child",
    Version: "",
    Input: '"in"',
    OrchestrationInstance: JSON.stringify({ InstanceId: "child", ExecutionId: executionId }),
    ParentInstance: parentInstance,
    Tags: "null",
    Correlation: null,
    Generation: int(0),
  };
}

describe("rowToDtfEvent", () => {
  it("a DT.AS row becomes a DTF event by name, with only the skeleton's members when it is one", () => {
    const r = row(2, "e1", {
      EventType: "TaskScheduled",
      EventId: 0,
      Name: "Charge",
      Version: "",
      Input: '"x"',
    });
    expect(rowToDtfEvent(r)).toMatchObject({
      EventType: "TaskScheduled",
      EventId: 0,
      Name: "Charge",
      Input: '"x"',
      Timestamp: "2026-12-07T00:00:02.1234567Z",
    });
    const lean = rowToDtfEvent(r, SKELETON_COLUMNS);
    expect(lean).toEqual({
      EventType: "TaskScheduled",
      EventId: 0,
      IsPlayed: false,
      Name: "Charge",
      Version: "",
      Timestamp: "2026-12-07T00:00:02.1234567Z",
    });
  });

  it("keeps a row it cannot read, saying why", () => {
    expect(rowToDtfEvent(row(3, "e1", { EventType: "NoSuchEvent", EventId: 7 }))).toEqual({
      EventType: "NoSuchEvent",
      EventId: 7,
      Timestamp: "2026-12-07T00:00:03.1234567Z",
      Unreadable: expect.stringMatching(/unknown EventType/),
    });
  });
});

describe("parentOf", () => {
  const startedEvent = (parent: string) => rowToDtfEvent(row(1, "e1", started("e1", parent)));

  it("reads ExecutionStarted's ParentInstance when the Instances row has no ParentInstanceId (older DT.AS)", () => {
    expect(parentOf(startedEvent(PARENT_JSON), undefined)).toEqual({
      instanceId: "parent-1",
      executionId: "pe1",
      name: "Parent",
      taskScheduleId: 4,
    });
  });

  it("takes the Instances row's ParentInstanceId first; none for the text null and an empty column", () => {
    expect(parentOf(startedEvent("null"), "parent-2")).toEqual({ instanceId: "parent-2" });
    expect(parentOf(startedEvent(PARENT_JSON), "other")).toEqual({ instanceId: "other" });
    expect(parentOf(startedEvent("null"), "")).toBeUndefined();
    expect(parentOf(startedEvent("null"), undefined)).toBeUndefined();
    expect(parentOf(undefined, undefined)).toBeUndefined();
  });
});

describe("buildSkeleton", () => {
  it("answers the current execution's events and the older executions' leftover rows as fragments", () => {
    // e1 wrote 7 rows; e2 (continue-as-new) wrote 5 over them; e3 (continue-as-new again) wrote 3.
    const rows = [
      row(0, "e3", { EventType: "OrchestratorStarted" }),
      row(1, "e3", started("e3", PARENT_JSON)),
      row(2, "e3", { EventType: "TaskScheduled", EventId: 0, Name: "Slow" }),
      row(3, "e2", { EventType: "TaskCompleted", TaskScheduledId: int(0) }),
      row(4, "e2", { EventType: "OrchestratorCompleted" }),
      row(6, "e1", { EventType: "TimerFired", TimerId: int(1), FireAt: time("2026-12-07T00:00:06Z") }),
      row(5, "e1", { EventType: "OrchestratorStarted" }),
    ];
    const full = [
      { ...rows[2]!, Input: '"kept out of the skeleton"' },
      // A row of another execution read in full does not replace the current one at the same key.
      row(0, "e1", { EventType: "EventSent", Name: "x", InstanceId: "@e@k", Input: "{}" }),
    ];
    const s = buildSkeleton("child", rows, full, { rowKey: "sentinel", ExecutionId: "e3" }, undefined);
    expect(s.executionId).toBe("e3");
    expect(s.events.map((e) => e.EventType)).toEqual([
      "OrchestratorStarted",
      "ExecutionStarted",
      "TaskScheduled",
    ]);
    expect(s.events[0]).not.toHaveProperty("Input");
    expect(s.events[2]).toMatchObject({ Name: "Slow", Input: '"kept out of the skeleton"' });
    expect(s.events[1]).not.toHaveProperty("Input");
    expect(s.parent).toEqual({
      instanceId: "parent-1",
      executionId: "pe1",
      name: "Parent",
      taskScheduleId: 4,
    });
    expect(s.fragments).toEqual([
      {
        executionId: "e2",
        fromIndex: 3,
        toIndex: 4,
        events: [
          expect.objectContaining({ EventType: "TaskCompleted", TaskScheduledId: 0 }),
          expect.anything(),
        ],
      },
      {
        executionId: "e1",
        fromIndex: 5,
        toIndex: 6,
        events: [
          expect.objectContaining({ EventType: "OrchestratorStarted" }),
          expect.objectContaining({ EventType: "TimerFired", TimerId: 1 }),
        ],
      },
    ]);
  });

  it("without a sentinel, the first row's execution is the current one; no rows: no execution", () => {
    const s = buildSkeleton(
      "child",
      [row(0, "e9", { EventType: "OrchestratorStarted" })],
      [],
      undefined,
      "p",
    );
    expect(s).toMatchObject({ executionId: "e9", fragments: [], parent: { instanceId: "p" } });
    expect(buildSkeleton("child", [], [], undefined, undefined)).toEqual({
      instanceId: "child",
      executionId: null,
      events: [],
      fragments: [],
    });
  });
});

describe("parseHistoryQuery", () => {
  const parse = (q: string) => parseHistoryQuery(new URLSearchParams(q));

  it("defaults to the skeleton, and to pages of 200 in full", () => {
    expect(parse("")).toEqual({ view: "skeleton" });
    expect(parse("view=full")).toEqual({ view: "full", top: 200, after: undefined });
    expect(parse("view=full&top=1000&after=0")).toEqual({ view: "full", top: 1000, after: 0 });
  });

  it("refuses a bad view, top or after with a 400 that names it", () => {
    for (const [q, what] of [
      ["view=all", /^view must be/],
      ["view=full&top=0", /^top must be an integer from 1 to 1000/],
      ["view=full&top=1001", /^top must be/],
      ["view=full&after=-1", /^after must be/],
      ["view=full&after=1e3", /^after must be/],
      ["view=full&after=", /^after must be/],
    ] as const)
      expect(() => parse(q), q).toThrow(
        expect.objectContaining({ status: 400, message: expect.stringMatching(what) }),
      );
  });
});
