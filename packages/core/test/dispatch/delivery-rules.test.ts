// The delivery rulebook on tables of cases: for each stored state and batch of messages, which run, which wait,
// which are dropped and which are quarantined, and why.
import { describe, expect, it } from "vitest";
import {
  decideDelivery,
  poisonRuling,
  type Delivery,
  type DeliveryDecision,
  type DeliveryPolicy,
  type StoredInstanceState,
} from "../../src/dispatch/delivery-rules.js";
import { newEvent } from "../../src/history/factories.js";
import type { HistoryEvent } from "../../src/history/events.js";
import type { TaskMessage } from "../../src/backend/task-message.js";

const NOW = 1_000_000;
const policy: DeliveryPolicy = { maxDequeueCount: 3, minAgeBeforeQuarantineMs: 10_000, now: NOW };
const OLD = NOW - 60_000; // old enough to be quarantined
const ID = "i";

let seq = 0;
function msg(
  event: HistoryEvent,
  o: {
    id?: string;
    dequeueCount?: number;
    insertedAt?: number;
    executionId?: string;
    lastError?: string;
  } = {},
): Delivery<string> {
  const messageId = o.id ?? `m${++seq}`;
  const message: TaskMessage = {
    event,
    orchestrationInstance: { instanceId: ID, executionId: o.executionId ?? "e1" },
  };
  return {
    source: messageId,
    message,
    messageId,
    dequeueCount: o.dequeueCount ?? 1,
    insertedAt: o.insertedAt ?? NOW - 100,
    lastError: o.lastError,
  };
}

const start = (executionId = "e1", parent = false): HistoryEvent =>
  newEvent("ExecutionStarted", {
    orchestrationInstance: { instanceId: ID, executionId },
    name: "O",
    version: "",
    ...(parent
      ? { parentInstance: { name: "P", orchestrationInstance: { instanceId: "p" }, taskScheduledId: 0 } }
      : {}),
  } as never);
const raised = (): HistoryEvent => newEvent("EventRaised", { name: "go" } as never);
const terminated = (): HistoryEvent => newEvent("ExecutionTerminated", {} as never);
const completed = (taskScheduledId: number): HistoryEvent =>
  newEvent("TaskCompleted", { taskScheduledId, result: "1" } as never);
const timerFired = (timerId: number): HistoryEvent =>
  newEvent("TimerFired", { timerId, fireAt: "2026-01-01T00:00:00Z" } as never);
const scheduled = (eventId: number): HistoryEvent =>
  newEvent("TaskScheduled", { eventId, name: "A", version: "" } as never);
const timerCreated = (eventId: number): HistoryEvent =>
  newEvent("TimerCreated", { eventId, fireAt: "2026-01-01T00:00:00Z" } as never);

const running = (events: HistoryEvent[] = [], consumed: string[] = []): StoredInstanceState => ({
  history: { executionId: "e1", events: [start(), ...events], consumedMessageIds: new Set(consumed) },
});
const empty: StoredInstanceState = { history: { executionId: undefined, events: [] } };

/** The decision in short: message id → outcome (and rule). */
function outcome(d: DeliveryDecision<Delivery<string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of d.run) out[m.source] = "run";
  for (const r of d.defer) out[r.delivery.source] = `defer:${r.rule}`;
  for (const r of d.drop) out[r.delivery.source] = `drop:${r.rule}`;
  for (const r of d.quarantine) out[r.delivery.source] = `quarantine:${r.rule}`;
  return out;
}

interface Case {
  name: string;
  instanceId?: string;
  state: StoredInstanceState;
  messages: Delivery<string>[];
  expected: Record<string, string>;
  repair?: boolean;
}

const cases: Case[] = [
  {
    name: "an event for a running instance runs",
    state: running(),
    messages: [msg(raised(), { id: "a" })],
    expected: { a: "run" },
  },
  {
    name: "a message already delivered maxDequeueCount times is quarantined, the others run",
    state: running(),
    messages: [msg(raised(), { id: "a", dequeueCount: 4, insertedAt: OLD }), msg(raised(), { id: "b" })],
    expected: { a: "quarantine:poison", b: "run" },
  },
  {
    name: "a young message is not quarantined however often it was delivered",
    state: running(),
    messages: [msg(raised(), { id: "a", dequeueCount: 9 })],
    expected: { a: "run" },
  },
  {
    name: "a redelivered message a committed step consumed is dropped, the new one runs",
    state: running([], ["a"]),
    messages: [msg(terminated(), { id: "a" }), msg(raised(), { id: "b" })],
    expected: { a: "drop:redelivered", b: "run" },
  },
  {
    name: "only redeliveries: dropped, and the record is repaired first",
    state: running([], ["a", "b"]),
    messages: [msg(raised(), { id: "a" }), msg(raised(), { id: "b" })],
    expected: { a: "drop:redelivered", b: "drop:redelivered" },
    repair: true,
  },
  {
    name: "a top-level start whose record agrees runs",
    state: { ...empty, record: { executionId: "e1", runtimeStatus: "Pending" } },
    messages: [msg(start(), { id: "s" }), msg(raised(), { id: "a" })],
    expected: { s: "run", a: "run" },
  },
  {
    name: "a duplicate start of the running execution runs (the step drops it against history)",
    state: { ...running(), record: { executionId: "e1", runtimeStatus: "Running" } },
    messages: [msg(start(), { id: "s" })],
    expected: { s: "run" },
  },
  {
    name: "a start whose record belongs to another execution is dropped; the record's own start runs (ids compare case-insensitively)",
    state: { ...empty, record: { executionId: "E2", runtimeStatus: "Pending" } },
    messages: [msg(start("e1"), { id: "s" }), msg(start("e2"), { id: "t", executionId: "e2" })],
    expected: { s: "drop:startOfOtherExecution", t: "run" },
  },
  {
    name: "every start is checked: a stale start behind the current one is dropped",
    state: { ...running(), record: { executionId: "e1", runtimeStatus: "Running" } },
    messages: [msg(start("e1"), { id: "s" }), msg(start("e0"), { id: "t", executionId: "e0" })],
    expected: { s: "run", t: "drop:startOfOtherExecution" },
  },
  {
    name: "terminate before start: the start of a Terminated record is dropped",
    state: { ...empty, record: { executionId: "e1", runtimeStatus: "Terminated" } },
    messages: [msg(start(), { id: "s" })],
    expected: { s: "drop:terminatedBeforeStart" },
  },
  {
    name: "a start without a record waits for the client to write it",
    state: { ...empty, record: null },
    messages: [msg(start(), { id: "s", dequeueCount: 2 })],
    expected: { s: "defer:startWithoutRecord" },
  },
  {
    name: "a start without a record is quarantined once its deliveries are spent",
    state: { ...empty, record: null },
    messages: [msg(start(), { id: "s", dequeueCount: 3, insertedAt: OLD })],
    expected: { s: "quarantine:startWithoutRecord" },
  },
  {
    name: "a sub-orchestration's start needs no record",
    state: empty,
    messages: [msg(start("e1", true), { id: "s" })],
    expected: { s: "run" },
  },
  {
    name: "messages for an unknown instance wait",
    state: empty,
    messages: [msg(raised(), { id: "a" }), msg(completed(0), { id: "b", dequeueCount: 2 })],
    expected: { a: "defer:unknownInstance", b: "defer:unknownInstance" },
  },
  {
    name: "messages for an unknown instance are quarantined once their deliveries are spent, never dropped",
    state: empty,
    messages: [msg(raised(), { id: "a", dequeueCount: 3, insertedAt: OLD }), msg(raised(), { id: "b" })],
    expected: { a: "quarantine:unknownInstance", b: "defer:unknownInstance" },
  },
  {
    name: "an entity needs no start: its signals run on an empty history",
    instanceId: "@counter@k",
    state: empty,
    messages: [msg(raised(), { id: "a" })],
    expected: { a: "run" },
  },
  {
    name: "a result before its scheduling event waits; results whose event is in history run",
    state: running([scheduled(0), timerCreated(1)]),
    messages: [
      msg(completed(0), { id: "a" }),
      msg(timerFired(1), { id: "b" }),
      msg(completed(2), { id: "c" }),
      msg(timerFired(3), { id: "d" }),
    ],
    expected: { a: "run", b: "run", c: "defer:resultBeforeScheduled", d: "defer:resultBeforeScheduled" },
  },
  {
    name: "a result for another execution runs (the step drops it as stale)",
    state: running(),
    messages: [msg(completed(5), { id: "a", executionId: "old" })],
    expected: { a: "run" },
  },
];

describe("delivery rules", () => {
  for (const c of cases)
    it(c.name, () => {
      const d = decideDelivery(c.instanceId ?? ID, c.state, c.messages, policy);
      expect(d.needs).toBeUndefined();
      expect(outcome(d)).toEqual(c.expected);
      expect(d.repairInstanceRecord).toBe(c.repair ?? false);
      for (const r of [...d.defer, ...d.drop, ...d.quarantine]) expect(r.reason).not.toBe("");
    });

  it("runs messages in arrival order (enqueue time, then sequence)", () => {
    const a = { ...msg(raised(), { id: "a", insertedAt: NOW - 10 }), sequence: 2 };
    const b = { ...msg(raised(), { id: "b", insertedAt: NOW - 10 }), sequence: 1 };
    const c = msg(raised(), { id: "c", insertedAt: NOW - 50 });
    expect(decideDelivery(ID, running(), [a, b, c], policy).run.map((m) => m.source)).toEqual([
      "c",
      "b",
      "a",
    ]);
  });

  it("asks for the history only when something is left after the poison rule", () => {
    const poisoned = msg(raised(), { id: "a", dequeueCount: 4, insertedAt: OLD });
    const all = decideDelivery(ID, {}, [poisoned], policy);
    expect(all.needs).toBeUndefined();
    expect(outcome(all)).toEqual({ a: "quarantine:poison" });
    const some = decideDelivery(ID, {}, [poisoned, msg(raised(), { id: "b" })], policy);
    expect(some.needs).toBe("history");
    expect(some.pending?.map((m) => m.source)).toEqual(["b"]);
    expect(some.run).toEqual([]);
  });

  it("asks for the instance record only for a top-level start", () => {
    const top = decideDelivery(ID, empty, [msg(start(), { id: "s" })], policy);
    expect(top.needs).toBe("instanceRecord");
    expect(decideDelivery(ID, empty, [msg(start("e1", true), { id: "s" })], policy).needs).toBeUndefined();
    expect(decideDelivery(ID, running(), [msg(raised())], policy).needs).toBeUndefined();
    // A start that was already consumed is dropped without reading the record.
    const redelivered = decideDelivery(ID, running([], ["s"]), [msg(start(), { id: "s" })], policy);
    expect(redelivered.needs).toBeUndefined();
    expect(outcome(redelivered)).toEqual({ s: "drop:redelivered" });
  });

  it("gives the poison reason with the deliveries and the last error", () => {
    const d = msg(raised(), { dequeueCount: 4, insertedAt: OLD, lastError: "cannot checkpoint" });
    expect(poisonRuling(d, policy)?.reason).toBe(
      "delivered 3 times without being processed; last error: cannot checkpoint",
    );
    expect(poisonRuling({ ...d, dequeueCount: 3 }, policy)).toBeUndefined();
  });

  it("defers together with the highest dequeue count of the group as back-off", () => {
    const d = decideDelivery(
      ID,
      empty,
      [msg(raised(), { id: "a", dequeueCount: 1 }), msg(raised(), { id: "b", dequeueCount: 2 })],
      policy,
    );
    expect(d.defer.map((r) => r.backoffDequeueCount)).toEqual([2, 2]);
  });
});
