// The monitor pattern's timing rules, with each episode's time chosen by the test: the orchestration runs
// step by step through core's executor (as a worker runs it), so the interleavings a busy machine produces
// by chance are reproduced exactly.
import { describe, expect, it } from "vitest";
import {
  executeOrchestrationWorkItemAsync,
  newEvent,
  TaskRegistry,
  type HistoryEvent,
  type TaskMessage,
} from "@taskhub/core";
import * as df from "@taskhub/durable-functions";
import "../../src/df/monitor.js";
import type { MonitorInput, MonitorOutput } from "../../src/df/monitor.js";

const registry = new TaskRegistry();
df.registerApp(registry);

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const instance = { instanceId: "monitor-1", executionId: "exec-1" };
const input: MonitorInput = { jobId: "job-1", pollingIntervalSeconds: 1, expirySeconds: 3 };

/**
 * Runs `Monitor` over `episodes` (ms after T0): the first episode starts it, each later one delivers the
 * results of what the previous one scheduled (`jobStatus` for a GetJobStatus check, a TimerFired for a timer).
 */
async function run(
  episodes: number[],
  jobStatus: string = "Running",
): Promise<{ history: HistoryEvent[]; output: MonitorOutput | undefined }> {
  let history: HistoryEvent[] = [];
  let messages: TaskMessage[] = [
    {
      event: newEvent("ExecutionStarted", {
        timestamp: new Date(T0),
        orchestrationInstance: instance,
        name: "Monitor",
        input: JSON.stringify(input),
      }),
      orchestrationInstance: instance,
    },
  ];
  let output: MonitorOutput | undefined;
  for (const [i, at] of episodes.entries()) {
    expect(messages, `nothing to deliver at +${at} ms: the monitor finished earlier`).not.toHaveLength(0);
    const commit = await executeOrchestrationWorkItemAsync(
      { instanceId: instance.instanceId, pastEvents: history, newMessages: messages },
      {
        resolveOrchestrator: (name, version) => registry.getOrchestrator(name, version),
        now: new Date(T0 + at),
      },
    );
    history = [...history, ...commit!.newEvents];
    output = commit!.state.serializedOutput
      ? (JSON.parse(commit!.state.serializedOutput) as MonitorOutput)
      : output;
    messages = [
      ...commit!.activityMessages.map((m) => ({
        event: newEvent("TaskCompleted", {
          timestamp: new Date(T0 + at),
          taskScheduledId: m.event.eventId,
          result: JSON.stringify(jobStatus),
        }),
        orchestrationInstance: instance,
      })),
      ...commit!.timerMessages.map((t) => {
        expect(t.fireAt.getTime(), "a timer fires before the episode that delivers it").toBeLessThanOrEqual(
          T0 + episodes[i + 1]!,
        );
        return t.message;
      }),
    ];
  }
  expect(messages, "the monitor still waits after the last episode").toHaveLength(0);
  return { history, output };
}

const timers = (h: HistoryEvent[]): number[] =>
  h.flatMap((e) => (e.type === "TimerCreated" ? [Date.parse(e.fireAt) - T0] : []));

describe("Monitor", () => {
  it("clips the timer that would pass the expiry to the expiry, computed from the first episode's time on every replay", async () => {
    // Checks complete at +500 and +2100: the second timer would fire at +3100, after the expiry (+3000).
    const { history, output } = await run([0, 500, 1500, 2100, 3000]);
    expect(timers(history)).toEqual([1500, 3000]);
    expect(output).toEqual({ jobId: "job-1", status: "Expired", checks: 2 });
  });

  it("expires without a clipped timer when the last full interval ends just before the expiry and the next episode runs after it", async () => {
    // What a busy machine did once: the second check completed at +1980, so its timer fires at +2980, and the
    // episode that delivered that TimerFired ran at +3000, past the expiry: the loop ends, no timer is clipped.
    const { history, output } = await run([0, 490, 1490, 1980, 3000]);
    expect(timers(history)).toEqual([1490, 2980]);
    expect(output).toEqual({ jobId: "job-1", status: "Expired", checks: 2 });
  });

  it("does one more check when the timer's episode still runs before the expiry, then waits until the expiry", async () => {
    const { history, output } = await run([0, 490, 1490, 1980, 2990, 2995, 3000]);
    expect(timers(history)).toEqual([1490, 2980, 3000]);
    expect(output).toEqual({ jobId: "job-1", status: "Expired", checks: 3 });
  });

  it("stops polling and alerts when the job completes", async () => {
    const { history, output } = await run([0, 100, 200], "Completed");
    expect(history.flatMap((e) => (e.type === "TaskScheduled" ? [e.name] : []))).toEqual([
      "GetJobStatus",
      "SendAlert",
    ]);
    expect(timers(history)).toEqual([]);
    expect(output).toEqual({ jobId: "job-1", status: "Completed", checks: 1 });
  });
});
