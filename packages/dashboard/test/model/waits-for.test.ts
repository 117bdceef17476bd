import { describe, expect, it } from "vitest";
import { computeWaitsFor } from "../../src/model/waits-for.js";
import type { HistoryEvent } from "../../src/model/history-event.js";
import { fromRawHistory } from "../../src/model/raw-history.js";

const started: HistoryEvent = {
  EventType: "ExecutionStarted",
  Timestamp: "2026-12-06T10:00:00Z",
  FunctionName: "O",
};

describe("computeWaitsFor", () => {
  it("waits for nothing once the instance has ended", () => {
    expect(
      computeWaitsFor(
        [
          started,
          { EventType: "TimerCreated", Timestamp: "2026-12-06T10:00:01Z", FireAt: "2030-01-01T00:00:00Z" },
        ],
        "Completed",
      ),
    ).toEqual([]);
  });

  it("names a timer created and not fired, with its fire time (matched by fire time in a condensed history)", () => {
    const events: HistoryEvent[] = [
      started,
      { EventType: "TimerCreated", Timestamp: "2026-12-06T10:00:01Z", FireAt: "2026-12-06T10:00:02Z" },
      { EventType: "TimerFired", Timestamp: "2026-12-06T10:00:02Z", FireAt: "2026-12-06T10:00:02Z" },
      { EventType: "TimerCreated", Timestamp: "2026-12-06T10:00:03Z", FireAt: "2026-12-07T00:00:00Z" },
    ];
    expect(computeWaitsFor(events, "Running")).toEqual([
      {
        kind: "timer",
        label: "timer firing at 2026-12-07T00:00:00Z",
        since: "2026-12-06T10:00:03Z",
        until: "2026-12-07T00:00:00Z",
      },
    ]);
  });

  it("names activities and sub-orchestrations scheduled without a result in a full history", () => {
    const events: HistoryEvent[] = [
      started,
      { EventType: "TaskScheduled", Timestamp: "2026-12-06T10:00:01Z", Name: "Charge", EventId: 0 },
      { EventType: "TaskScheduled", Timestamp: "2026-12-06T10:00:01Z", Name: "Log", EventId: 1 },
      {
        EventType: "SubOrchestrationInstanceCreated",
        Timestamp: "2026-12-06T10:00:01Z",
        Name: "Child",
        EventId: 2,
        InstanceId: "c1",
      },
      { EventType: "TaskCompleted", Timestamp: "2026-12-06T10:00:02Z", TaskScheduledId: 1 },
      {
        EventType: "TimerCreated",
        Timestamp: "2026-12-06T10:00:02Z",
        FireAt: "2026-12-06T11:00:00Z",
        EventId: 3,
      },
      {
        EventType: "TimerFired",
        Timestamp: "2026-12-06T11:00:00Z",
        FireAt: "2026-12-06T11:00:00Z",
        TimerId: 3,
      },
    ];
    expect(computeWaitsFor(events, "Running").map((w) => [w.kind, w.label, w.instanceId])).toEqual([
      ["activity", "activity Charge", undefined],
      ["subOrchestration", "sub-orchestration Child", "c1"],
    ]);
  });

  it("names entity locks requested and not released", () => {
    const lock = (to: string, at: string): HistoryEvent => ({
      EventType: "EventSent",
      Timestamp: at,
      Name: "op",
      InstanceId: to,
      Input: JSON.stringify({
        id: "r1",
        lockset: [
          { name: "counter", key: "a" },
          { name: "counter", key: "b" },
        ],
        pos: 0,
      }),
    });
    const release = (to: string): HistoryEvent => ({
      EventType: "EventSent",
      Timestamp: "2026-12-06T10:00:05Z",
      Name: "release",
      InstanceId: to,
    });
    const held = computeWaitsFor([started, lock("@counter@a", "2026-12-06T10:00:01Z")], "Running");
    expect(held.map((w) => w.instanceId)).toEqual(["@counter@a", "@counter@b"]);
    const released = computeWaitsFor(
      [started, lock("@counter@a", "2026-12-06T10:00:01Z"), release("@counter@a"), release("@counter@b")],
      "Running",
    );
    expect(released.map((w) => w.kind)).toEqual(["event"]);
  });

  it("says a running instance with nothing outstanding waits for an external event", () => {
    expect(computeWaitsFor([started], "Running").map((w) => w.kind)).toEqual(["event"]);
  });

  it("says a suspended instance waits to be resumed, first", () => {
    const events: HistoryEvent[] = [
      started,
      { EventType: "TimerCreated", Timestamp: "2026-12-06T10:00:01Z", FireAt: "2026-12-07T00:00:00Z" },
    ];
    expect(computeWaitsFor(events, "Suspended").map((w) => w.kind)).toEqual(["resume", "timer"]);
  });

  it("names an activity in flight, a pending timer and a sub-orchestration in flight from the History rows", () => {
    const events = fromRawHistory([
      { EventType: "OrchestratorStarted", EventId: -1, Timestamp: "2026-12-06T10:00:00Z" },
      { EventType: "ExecutionStarted", EventId: -1, Timestamp: "2026-12-06T10:00:00Z", Name: "O" },
      { EventType: "TaskScheduled", EventId: 0, Timestamp: "2026-12-06T10:00:01Z", Name: "Held" },
      {
        EventType: "TimerCreated",
        EventId: 1,
        Timestamp: "2026-12-06T10:00:01Z",
        FireAt: "2026-12-08T00:00:00Z",
      },
      {
        EventType: "SubOrchestrationInstanceCreated",
        EventId: 2,
        Timestamp: "2026-12-06T10:00:02Z",
        Name: "Child",
        InstanceId: "c-1",
      },
      { EventType: "TaskScheduled", EventId: 3, Timestamp: "2026-12-06T10:00:02Z", Name: "Done" },
      { EventType: "OrchestratorCompleted", EventId: -1, Timestamp: "2026-12-06T10:00:02Z" },
      { EventType: "TaskCompleted", EventId: -1, Timestamp: "2026-12-06T10:00:03Z", TaskScheduledId: 3 },
    ]);
    expect(computeWaitsFor(events, "Running")).toEqual([
      { kind: "activity", label: "activity Held", since: "2026-12-06T10:00:01Z" },
      {
        kind: "timer",
        label: "timer firing at 2026-12-08T00:00:00Z",
        since: "2026-12-06T10:00:01Z",
        until: "2026-12-08T00:00:00Z",
      },
      {
        kind: "subOrchestration",
        label: "sub-orchestration Child",
        since: "2026-12-06T10:00:02Z",
        instanceId: "c-1",
      },
    ]);
  });
});
