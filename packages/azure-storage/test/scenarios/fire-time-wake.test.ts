// A message this process sends visible later (a scheduled start, a delayed entity signal, a durable timer) to a
// control queue it polls wakes that queue's poller when the message becomes visible, instead of leaving it to the
// back-off: here the back-off is a fixed 30 s (24-36 s with jitter), so without the wake each would be 20 s late.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  parseDtfDateTime,
  TaskHubClient,
  TaskHubWorker,
  type EntityContext,
  type HistoryEvent,
  type TimerFiredEvent,
} from "@taskhub/core";
import type { AzureStorageOrchestrationService } from "../../src/index.js";
import { partitionIndex } from "../../src/partitioning/fnv1a.js";
import { newService } from "../helpers.js";

/** How late a step may run after its message's due time: the queue's whole-second visibility, then a busy machine. */
const LATE_MS = 5000;

let service: AzureStorageOrchestrationService;
let worker: TaskHubWorker;
let client: TaskHubClient;

beforeAll(async () => {
  service = newService({ partitionCount: 2, minPollingIntervalMs: 30_000, maxPollingIntervalMs: 30_000 });
  worker = new TaskHubWorker(service);
  worker.addOrchestrator("WaitTwoSeconds", function* (ctx) {
    yield ctx.createTimer(2000);
    return "done";
  });
  worker.addEntity("Counter", (ctx: EntityContext<number>) => {
    ctx.setState((ctx.getState(() => 0) ?? 0) + 1);
  });
  await worker.start();
  client = new TaskHubClient(service, { minPollIntervalMs: 50 });
  for (const until = Date.now() + 30_000; service.polledPartitions().length < 2 && Date.now() < until;)
    await new Promise((r) => setTimeout(r, 50));
  expect(service.polledPartitions()).toEqual([0, 1]);
});

afterAll(async () => {
  await worker?.stop();
  await service?.deleteTaskHub();
});

/** When the step that handled the first event of `type` ran (its OrchestratorStarted). */
function stepOf(history: HistoryEvent[], type: HistoryEvent["type"]): number {
  const at = history.findIndex((e) => e.type === type);
  const step = history.slice(0, at).findLast((e) => e.type === "OrchestratorStarted");
  return parseDtfDateTime(step!.timestamp).getTime();
}

describe("fire-time wake", () => {
  it("a scheduled start, a delayed entity signal and a durable timer from this process run when due, not after the 30 s back-off", async () => {
    const startAt = new Date(Date.now() + 2000);
    const signalDue = new Date(startAt.getTime() + 1500);
    // The instance (its start, then its timer) on one partition, the entity on the other: one wake finds
    // every message visible on its queue, so each path needs a queue of its own to be seen.
    const firstOn = (partition: number, prefix: string): string => {
      for (let i = 0; ; i++) if (partitionIndex(`${prefix}${i}`, 2) === partition) return `${prefix}${i}`;
    };
    const id = firstOn(0, "wait-");
    const entity = { name: "Counter", key: firstOn(1, "@counter@k").slice("@counter@".length) };
    await client.scheduleNewOrchestration("WaitTwoSeconds", undefined, { instanceId: id, startAt });
    await client.signalEntity(entity, "add", undefined, { scheduledTime: signalDue });

    let signalRanBy: number | undefined;
    for (const until = signalDue.getTime() + 2 * LATE_MS; !signalRanBy && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 100));
      if ((await client.getEntity<number>(entity))?.state === 1) signalRanBy = Date.now();
    }
    expect(signalRanBy, "the delayed signal ran").toBeDefined();
    expect(signalRanBy! - signalDue.getTime()).toBeLessThanOrEqual(LATE_MS);

    const done = await client.waitForOrchestrationCompletion(id, { timeoutMs: 4 * LATE_MS });
    expect(done.runtimeStatus).toBe("Completed");
    const history = await client.getOrchestrationHistory(id);
    const started = stepOf(history, "ExecutionStarted");
    expect(started).toBeGreaterThanOrEqual(startAt.getTime());
    expect(started - startAt.getTime()).toBeLessThanOrEqual(LATE_MS);
    const fired = history.find((e): e is TimerFiredEvent => e.type === "TimerFired")!;
    const fireAt = parseDtfDateTime(fired.fireAt).getTime();
    expect(stepOf(history, "TimerFired") - fireAt).toBeLessThanOrEqual(LATE_MS);
  });
});
