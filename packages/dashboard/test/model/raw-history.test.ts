import { describe, expect, it } from "vitest";
import { failureDetailsFrom, fromRawHistory, type RawHistoryEvent } from "../../src/model/raw-history.js";
import { layoutTimeline } from "../../src/model/timeline.js";

const at = (s: number): string => `2026-12-07T00:00:${String(s).padStart(2, "0")}.1234567Z`;

// A full history as the host's history endpoint answers it (DTF's JSON shape, as the History table holds it).
const raw: RawHistoryEvent[] = [
  { EventType: "OrchestratorStarted", EventId: -1, Timestamp: at(0) },
  { EventType: "ExecutionStarted", EventId: -1, Timestamp: at(0), Name: "Order", Input: '{"id":7}' },
  { EventType: "TaskScheduled", EventId: 0, Timestamp: at(1), Name: "Charge", Input: '"card"' },
  {
    EventType: "SubOrchestrationInstanceCreated",
    EventId: 1,
    Timestamp: at(1),
    Name: "Ship",
    InstanceId: "o:1",
  },
  { EventType: "TaskScheduled", EventId: 2, Timestamp: at(1), Name: "Notify" },
  { EventType: "OrchestratorCompleted", EventId: -1, Timestamp: at(1) },
  { EventType: "OrchestratorStarted", EventId: -1, Timestamp: at(4) },
  { EventType: "TaskCompleted", EventId: -1, Timestamp: at(4), TaskScheduledId: 0, Result: '"ok"' },
  {
    EventType: "SubOrchestrationInstanceFailed",
    EventId: -1,
    Timestamp: at(5),
    TaskScheduledId: 1,
    Reason: "no truck",
    FailureDetails: {
      ErrorType: "Error",
      ErrorMessage: "no truck",
      StackTrace: "at ship",
      InnerFailure: { ErrorType: "Inner", ErrorMessage: "deep", InnerFailure: null },
      IsNonRetriable: false,
    },
  },
];

describe("fromRawHistory", () => {
  it("pairs each completion with its scheduling: name, scheduled time, input, sub-orchestration id", () => {
    const events = fromRawHistory(raw);
    expect(events[1]).toMatchObject({
      EventType: "ExecutionStarted",
      FunctionName: "Order",
      Input: { id: 7 },
    });
    expect(events[2]).toMatchObject({ EventType: "TaskScheduled", FunctionName: "Charge", Input: "card" });
    expect(events[7]).toMatchObject({
      EventType: "TaskCompleted",
      FunctionName: "Charge",
      ScheduledTime: at(1),
      Input: "card",
      Result: "ok",
    });
    expect(events[8]).toMatchObject({
      EventType: "SubOrchestrationInstanceFailed",
      FunctionName: "Ship",
      InstanceId: "o:1",
      ScheduledTime: at(1),
    });
  });

  it("maps DTF's PascalCase FailureDetails to the views' shape, inner failures too", () => {
    expect(fromRawHistory(raw)[8]!.FailureDetails).toEqual({
      errorType: "Error",
      errorMessage: "no truck",
      stackTrace: "at ship",
      isNonRetriable: false,
      innerFailure: { errorType: "Inner", errorMessage: "deep" },
    });
    expect(failureDetailsFrom(null)).toBeUndefined();
    expect(
      fromRawHistory([{ EventType: "TaskFailed", Timestamp: at(0), FailureDetails: null }])[0],
    ).not.toHaveProperty("FailureDetails");
  });

  it("keeps an Input that is not JSON as its text", () => {
    expect(
      fromRawHistory([{ EventType: "EventRaised", Timestamp: at(0), Input: "not json" }])[0]!.Input,
    ).toBe("not json");
  });

  it("the timeline draws the call in flight as pending, and the answered ones from their scheduling", () => {
    const t = layoutTimeline(fromRawHistory(raw), { now: Date.parse("2026-12-07T00:00:09Z"), live: true });
    expect(t.rows.filter((r) => r.kind !== "orchestration").map((r) => [r.label, r.status])).toEqual([
      ["Notify", "pending"],
      ["Charge", "completed"],
      ["Ship", "failed"],
    ]);
  });

  it("a long history (5,000 events) is paired completely", () => {
    const long: RawHistoryEvent[] = [];
    for (let i = 0; i < 2500; i++)
      long.push({ EventType: "TaskScheduled", EventId: i, Timestamp: at(1), Name: `A${i % 7}` });
    for (let i = 0; i < 2500; i++)
      long.push({ EventType: "TaskCompleted", EventId: -1, Timestamp: at(2), TaskScheduledId: 2499 - i });
    const events = fromRawHistory(long);
    expect(events).toHaveLength(5000);
    expect(
      events
        .slice(2500)
        .every((e, i) => e.FunctionName === `A${(2499 - i) % 7}` && e.ScheduledTime === at(1)),
    ).toBe(true);
  });
});
