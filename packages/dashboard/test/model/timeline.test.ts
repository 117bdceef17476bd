import { describe, expect, it } from "vitest";
import { axisTicks, barPosition, layoutTimeline } from "../../src/model/timeline.js";
import type { HistoryEvent } from "../../src/model/history-event.js";

const T0 = Date.parse("2026-12-06T10:00:00.000Z");
const at = (ms: number): string => new Date(T0 + ms).toISOString();

// A condensed history as the management API answers it: an activity that failed twice and then succeeded
// (retries with 1 s timers between), a slow activity, a sub-orchestration, an event, then completion.
const history: HistoryEvent[] = [
  { EventType: "ExecutionStarted", Timestamp: at(0), FunctionName: "Order", Input: { id: 1 } },
  {
    EventType: "TaskFailed",
    Timestamp: at(100),
    FunctionName: "Charge",
    ScheduledTime: at(10),
    Input: 5,
    Reason: "declined",
  },
  { EventType: "TimerCreated", Timestamp: at(110), FireAt: at(1110) },
  { EventType: "TimerFired", Timestamp: at(1120), FireAt: at(1110) },
  {
    EventType: "TaskFailed",
    Timestamp: at(1300),
    FunctionName: "Charge",
    ScheduledTime: at(1130),
    Input: 5,
    Reason: "declined",
  },
  { EventType: "TimerCreated", Timestamp: at(1310), FireAt: at(2310) },
  { EventType: "TimerFired", Timestamp: at(2320), FireAt: at(2310) },
  {
    EventType: "TaskCompleted",
    Timestamp: at(2500),
    FunctionName: "Charge",
    ScheduledTime: at(2330),
    Input: 5,
    Result: "ok",
  },
  {
    EventType: "TaskCompleted",
    Timestamp: at(7500),
    FunctionName: "Ship",
    ScheduledTime: at(2510),
    Input: 1,
    Result: "shipped",
  },
  {
    EventType: "SubOrchestrationInstanceCompleted",
    Timestamp: at(8000),
    FunctionName: "Notify",
    ScheduledTime: at(7510),
    InstanceId: "order-1:0",
  },
  { EventType: "EventRaised", Timestamp: at(8500), Name: "approved", Input: true },
  { EventType: "ExecutionCompleted", Timestamp: at(9000), OrchestrationStatus: "Completed", Result: "done" },
];

describe("layoutTimeline", () => {
  const t = layoutTimeline(history, { now: T0 + 60_000, live: false });

  it("spans the history from its first to its last event", () => {
    expect(t.start).toBe(T0);
    expect(t.end).toBe(T0 + 9000);
    expect(t.rows[0]).toMatchObject({
      kind: "orchestration",
      label: "Order",
      start: T0,
      end: T0 + 9000,
      status: "completed",
    });
  });

  it("groups the attempts of a retried call into one row, whose status is the last attempt's", () => {
    const charge = t.rows.filter((r) => r.label === "Charge");
    expect(charge).toHaveLength(1);
    expect(charge[0]!.segments.map((s) => s.status)).toEqual(["failed", "failed", "completed"]);
    expect(charge[0]).toMatchObject({ start: T0 + 10, end: T0 + 2500, status: "completed" });
  });

  it("draws activities and sub-orchestrations from scheduling to completion, with the sub-orchestration's id", () => {
    expect(t.rows.find((r) => r.label === "Ship")).toMatchObject({
      kind: "activity",
      start: T0 + 2510,
      end: T0 + 7500,
    });
    expect(t.rows.find((r) => r.label === "Notify")).toMatchObject({
      kind: "subOrchestration",
      instanceId: "order-1:0",
      start: T0 + 7510,
      end: T0 + 8000,
    });
  });

  it("flags the slowest step", () => {
    expect(t.rows.filter((r) => r.slowest).map((r) => r.label)).toEqual(["Ship"]);
  });

  it("draws timers from creation to firing and events as points", () => {
    const timers = t.rows.filter((r) => r.kind === "timer");
    expect(timers.map((r) => [r.start - T0, r.end - T0, r.status])).toEqual([
      [110, 1120, "completed"],
      [1310, 2320, "completed"],
    ]);
    expect(t.rows.find((r) => r.kind === "event")).toMatchObject({
      label: "event approved",
      point: true,
      start: T0 + 8500,
    });
  });

  it("does not group a call that succeeded with a later call of the same function and input", () => {
    const twice: HistoryEvent[] = [
      { EventType: "ExecutionStarted", Timestamp: at(0), FunctionName: "O" },
      { EventType: "TaskCompleted", Timestamp: at(20), FunctionName: "A", ScheduledTime: at(10), Input: 1 },
      { EventType: "TaskCompleted", Timestamp: at(40), FunctionName: "A", ScheduledTime: at(30), Input: 1 },
      { EventType: "TaskFailed", Timestamp: at(60), FunctionName: "A", ScheduledTime: at(50), Input: 2 },
      { EventType: "TaskCompleted", Timestamp: at(80), FunctionName: "A", ScheduledTime: at(70), Input: 3 },
    ];
    const rows = layoutTimeline(twice, { now: T0 + 100, live: true }).rows.filter(
      (r) => r.kind === "activity",
    );
    expect(rows.map((r) => r.segments.length)).toEqual([1, 1, 1, 1]);
  });

  it("runs what has not finished to now while the instance is live: the orchestration and a pending timer", () => {
    const running: HistoryEvent[] = [
      { EventType: "ExecutionStarted", Timestamp: at(0), FunctionName: "Wait" },
      { EventType: "TimerCreated", Timestamp: at(50), FireAt: at(60_000) },
    ];
    const live = layoutTimeline(running, { now: T0 + 5000, live: true });
    expect(live.rows[0]).toMatchObject({ status: "pending", end: T0 + 5000 });
    expect(live.rows[1]).toMatchObject({ kind: "timer", status: "pending", end: T0 + 60_000 });
    expect(live.end).toBe(T0 + 60_000);
  });

  it("shows scheduled calls without a result (a full history) as pending bars to now", () => {
    const full: HistoryEvent[] = [
      { EventType: "ExecutionStarted", Timestamp: at(0), FunctionName: "O", EventId: -1 },
      { EventType: "TaskScheduled", Timestamp: at(10), Name: "Slow", EventId: 0 },
      { EventType: "TaskScheduled", Timestamp: at(10), Name: "Done", EventId: 1 },
      {
        EventType: "TaskCompleted",
        Timestamp: at(30),
        FunctionName: "Done",
        ScheduledTime: at(10),
        TaskScheduledId: 1,
      },
    ];
    const rows = layoutTimeline(full, { now: T0 + 1000, live: true }).rows.filter(
      (r) => r.kind === "activity",
    );
    expect(rows.map((r) => [r.label, r.status, r.end - T0])).toEqual([
      ["Slow", "pending", 1000],
      ["Done", "completed", 30],
    ]);
  });

  it("marks a failed orchestration's row failed, and reads DTF's seven fractional digits", () => {
    const failed = layoutTimeline(
      [
        { EventType: "ExecutionStarted", Timestamp: "2026-12-06T10:00:00.1234567Z", FunctionName: "F" },
        {
          EventType: "ExecutionCompleted",
          Timestamp: "2026-12-06T10:00:01.5000000Z",
          OrchestrationStatus: "Failed",
        },
      ],
      { now: T0, live: false },
    );
    expect(failed.rows[0]).toMatchObject({ status: "failed", start: T0 + 123, end: T0 + 1500 });
  });
});

describe("axisTicks and barPosition", () => {
  it("makes round ticks over the span", () => {
    expect(axisTicks(9000, 6).map((t) => t.label)).toEqual(["0", "+2 s", "+4 s", "+6 s", "+8 s"]);
    expect(axisTicks(0, 6)).toEqual([{ offset: 0, label: "0" }]);
  });

  it("places bars in percent, with a minimum width", () => {
    const t = layoutTimeline(history, { now: T0, live: false });
    expect(barPosition(t, T0, T0 + 4500)).toEqual({ left: 0, width: 50 });
    expect(barPosition(t, T0 + 9000, T0 + 9000).width).toBeGreaterThan(0);
  });
});
