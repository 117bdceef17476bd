// When an Instances row is behind its history, and what the repair writes (pure; the storage path is covered
// by e2e/test/reliability-fault-points.test.ts).
import { describe, expect, it } from "vitest";
import {
  newEvent,
  OrchestrationRuntimeState,
  parseEntityStatus,
  SchedulerState,
  type HistoryEvent,
  type InstanceRecord,
} from "@taskhub/core";
import { instanceRecordBehindHistory } from "../../src/tracking/instance-repair.js";

const NOW = new Date("2026-12-06T10:00:00Z");

function execution(
  instanceId: string,
  executionId: string,
  input: string | undefined,
  end?: HistoryEvent,
): HistoryEvent[] {
  return [
    newEvent("OrchestratorStarted", { timestamp: NOW }),
    newEvent("ExecutionStarted", {
      timestamp: NOW,
      orchestrationInstance: { instanceId, executionId },
      name: "N",
      version: "",
      input,
    }),
    ...(end ? [end] : []),
    newEvent("OrchestratorCompleted", { timestamp: NOW }),
  ];
}

function rowOf(events: HistoryEvent[], extra: Partial<InstanceRecord> = {}): InstanceRecord {
  return { ...new OrchestrationRuntimeState(events).toInstanceRecord({ customStatus: '"mine"' }), ...extra };
}

function entityState(count: number, queued: number): string {
  const s = new SchedulerState();
  s.exists = true;
  s.state = String(count);
  for (let i = 0; i < queued; i++)
    s.queue.push({ op: "add", id: `r${i}`, parent: "o", timestamp: 0n, predecessor: 0n });
  return s.serialize();
}

describe("instanceRecordBehindHistory", () => {
  it("rewrites an entity's row of an earlier batch with the history's state and the entity status it implies", () => {
    const id = "@counter@k";
    const before = execution(id, "e1", entityState(89, 0));
    const after = execution(id, "e2", entityState(90, 2));
    const record = instanceRecordBehindHistory(
      id,
      after,
      rowOf(before, { serializedCustomStatus: '{"entityExists":true}' }),
      NOW,
    );
    expect(record?.executionId).toBe("e2");
    expect(SchedulerState.parse(record?.serializedInput).state).toBe("90");
    expect(parseEntityStatus(record?.serializedCustomStatus)).toEqual({
      entityExists: true,
      queueSize: 2,
      lockedBy: undefined,
    });
    expect(record?.lastUpdatedAt).toEqual(NOW);
  });

  it("writes a missing row", () => {
    const events = execution("@counter@k", "e1", entityState(1, 0));
    expect(instanceRecordBehindHistory("@counter@k", events, undefined, NOW)?.executionId).toBe("e1");
  });

  it("finishes a row its final step left Running, keeping its custom status", () => {
    const running = execution("o", "x", '"in"');
    const done = execution(
      "o",
      "x",
      '"in"',
      newEvent("ExecutionCompleted", { timestamp: NOW, orchestrationStatus: "Completed", result: '"out"' }),
    );
    const record = instanceRecordBehindHistory("o", done, rowOf(running), NOW);
    expect(record?.runtimeStatus).toBe("Completed");
    expect(record?.serializedOutput).toBe('"out"');
    expect(record?.serializedCustomStatus).toBe('"mine"');
  });

  it("leaves a row that agrees with its history's execution and status", () => {
    const events = execution("o", "x", '"in"');
    expect(instanceRecordBehindHistory("o", events, rowOf(events), NOW)).toBeUndefined();
  });

  it("leaves a Pending row of another execution: a client's new start, ahead of the history", () => {
    const old = execution(
      "o",
      "x",
      '"in"',
      newEvent("ExecutionCompleted", { timestamp: NOW, orchestrationStatus: "Completed", result: '"out"' }),
    );
    const pending = rowOf(execution("o", "y", '"again"'), { runtimeStatus: "Pending" });
    expect(instanceRecordBehindHistory("o", old, pending, NOW)).toBeUndefined();
  });

  it("has nothing to write without an ExecutionStarted", () => {
    expect(instanceRecordBehindHistory("o", [], undefined, NOW)).toBeUndefined();
  });
});
