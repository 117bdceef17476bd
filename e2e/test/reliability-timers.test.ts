// Long timers and message lifetime on a real Azurite (issue 9). Azure queues cannot hide a message for 7
// days or more, so timers longer than `maxTimerIntervalMs` (DTF's MaxTimerInterval; Durable Functions: 6
// days) are a chain of chunks. And queue messages must never expire (time-to-live -1; Azure's default is 7
// days, which loses any message not processed within a week).
//
// The 10-day timer cannot fire in a test's real time on Azure Storage, so it is shown in three parts: the
// in-memory backend with a virtual clock fires a real 10-day timer through its chunks
// (packages/core/test/worker.test.ts, "splits a 10-day timer"); here a 10-second timer with a 2-second
// limit fires through the same chunking path on real queues; and a 10-day timer with the default limit is
// shown to schedule its first chunk for exactly 6 days, with the queue request hiding it 518,400 s.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  executeOrchestrationWorkItem,
  TaskHubClient,
  type HistoryEvent,
  type Orchestrator,
  type OrchestrationWorkItem,
} from "@taskhub/core";
import { AzureStorageOrchestrationService } from "@taskhub/azure-storage";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { startFaultProxies } from "../src/fault-proxy.js";
import { newHub } from "./worker-hub.js";

let azurite: AzuriteInstance;
let proxies: Awaited<ReturnType<typeof startFaultProxies>>;
const figures: string[] = [];
const DAY = 24 * 3600_000;

beforeAll(async () => {
  azurite = await startAzurite();
  // No faults: the proxy only records every request the workers make.
  proxies = await startFaultProxies(azurite, { faultRate: 0, record: true });
});
afterAll(async () => {
  await proxies?.stop();
  await azurite?.stop();
  if (figures.length) console.log(`reliability-timers figures:\n  ${figures.join("\n  ")}`);
});

const timersOf = (h: HistoryEvent[]): { created: string[]; fired: number } => ({
  created: h.flatMap((e) => (e.type === "TimerCreated" ? [e.fireAt] : [])),
  fired: h.filter((e) => e.type === "TimerFired").length,
});

/** The time of the step (its OrchestratorStarted) that recorded each TimerCreated and each TimerFired. */
function stepTimes(h: HistoryEvent[]): { created: number[]; fired: number[] } {
  const created: number[] = [];
  const fired: number[] = [];
  let now = 0;
  for (const e of h) {
    if (e.type === "OrchestratorStarted") now = new Date(e.timestamp).getTime();
    else if (e.type === "TimerCreated") created.push(now);
    else if (e.type === "TimerFired") fired.push(now);
  }
  return { created, fired };
}

/** The queue "Put Message" requests a hub's workers sent, with their query parameters. */
function putMessages(hubLower: string): URLSearchParams[] {
  return proxies.proxies.queue.recorded
    .filter(
      (r) =>
        r.method === "POST" &&
        new URL(r.url, "http://x").pathname.includes(`/${hubLower}-`) &&
        new URL(r.url, "http://x").pathname.endsWith("/messages"),
    )
    .map((r) => new URL(r.url, "http://x").searchParams);
}

describe("long timers", () => {
  it("a timer longer than maxTimerIntervalMs fires on time through a chain of chunks (10 s, 2 s chunks)", async () => {
    const h = newHub(azurite.connectionString, {
      workerConnectionString: proxies.connectionString,
      env: { TASKHUB_MAX_TIMER_MS: "2000" },
    });
    const w = await h.start("a");
    try {
      const id = await h.client.scheduleNewOrchestration("Timer", 10_000);
      const s = await h.client.waitForOrchestrationCompletion(id, { timeoutMs: 60_000 });
      expect(s.runtimeStatus).toBe("Completed");
      // The orchestration's own clock moved at least the full 10 s.
      expect(s.output as number).toBeGreaterThanOrEqual(10_000);
      const history = await h.client.getOrchestrationHistory(id);
      const { created, fired } = timersOf(history);
      const start = new Date(history.find((e) => e.type === "OrchestratorStarted")!.timestamp).getTime();
      const deadline = start + 10_000;
      const fireAts = created.map((t) => new Date(t).getTime());
      expect(fireAts.length).toBeGreaterThanOrEqual(2);
      expect(fired).toBe(fireAts.length);
      // Each chunk ends at most 2 s after the step that scheduled it, and never after the deadline.
      const steps = stepTimes(history);
      expect(steps.created).toHaveLength(fireAts.length);
      for (const [i, t] of fireAts.entries()) {
        expect(t - steps.created[i]!).toBeLessThanOrEqual(2000);
        expect(t).toBeLessThanOrEqual(deadline);
      }
      // As in Durable Functions, the timer ends at the first chunk that fires at or after the deadline (a chunk
      // delivered late may be it; otherwise the last chunk ends exactly at the deadline).
      expect(steps.fired.slice(0, -1).every((t) => t < deadline)).toBe(true);
      expect(steps.fired.at(-1)!).toBeGreaterThanOrEqual(deadline);
      // On the wire, each chunk's TimerFired message was hidden for at most 2 s.
      const hidden = putMessages(h.hub)
        .map((p) => Number(p.get("visibilitytimeout") ?? 0))
        .filter((v) => v > 0);
      expect(hidden.length).toBeGreaterThanOrEqual(fireAts.length);
      for (const v of hidden) expect(v).toBeLessThanOrEqual(2);
      figures.push(
        `10 s timer with 2 s chunks: ${fireAts.length} chunks, all fired, output ${String(s.output)} ms of orchestration time`,
      );
    } finally {
      w.kill("SIGTERM");
      await w.exited();
    }
  }, 90_000);

  it("a 10-day timer schedules its first chunk for exactly maxTimerIntervalMs (6 days), within Azure's 7-day limit", async () => {
    const h = newHub(azurite.connectionString, { workerConnectionString: proxies.connectionString });
    const w = await h.start("a");
    try {
      const id = await h.client.scheduleNewOrchestration("Timer", 10 * DAY);
      let history: HistoryEvent[] = [];
      for (let i = 0; i < 100 && timersOf(history).created.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 200));
        history = await h.client.getOrchestrationHistory(id);
      }
      const start = new Date(history.find((e) => e.type === "OrchestratorStarted")!.timestamp).getTime();
      expect(timersOf(history).created.map((t) => new Date(t).getTime())).toEqual([start + 6 * DAY]);
      const hidden = putMessages(h.hub)
        .map((p) => Number(p.get("visibilitytimeout") ?? 0))
        .filter((v) => v > 0);
      expect(hidden).toHaveLength(1);
      // ceil((fireAt - now at send) / 1 s): 6 days, give or take the second of the send.
      expect(hidden[0]).toBeGreaterThan(6 * 86400 - 5);
      expect(hidden[0]).toBeLessThanOrEqual(6 * 86400);
      expect((await h.client.getOrchestrationState(id))?.runtimeStatus).toBe("Running");
      await h.client.terminateOrchestration(id);
      expect((await h.client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 })).runtimeStatus).toBe(
        "Terminated",
      );
      figures.push(
        `10-day timer: first chunk TimerCreated at start + 6 days, queue message hidden ${hidden[0]} s (7-day limit: 604,800 s)`,
      );
    } finally {
      w.kill("SIGTERM");
      await w.exited();
    }
  }, 60_000);
});

describe("message time-to-live", () => {
  it("every message is sent with time-to-live -1 and Azurite reports it never expires", async () => {
    // On Azurite itself: a start message (client) and an activity message (worker) as the queue reports them.
    const h = newHub(azurite.connectionString);
    const service = new AzureStorageOrchestrationService({
      taskHubName: h.hub,
      storage: { connectionString: proxies.connectionString },
      partitionCount: 2,
      partitionManagement: "all",
    });
    const id = await new TaskHubClient(service).scheduleNewOrchestration("OneActivity");
    const peek = async (queue: string): Promise<Date[]> =>
      (await h.queues.getQueueClient(queue).peekMessages({ numberOfMessages: 32 })).peekedMessageItems.map(
        (m) => m.expiresOn,
      );
    const starts = (await Promise.all(h.service.names.controlQueues.map(peek))).flat();
    expect(starts).toHaveLength(1);
    expect(starts[0]!.getUTCFullYear()).toBe(9999);
    // Run the first step by hand (no activity dispatcher), so the activity message stays on its queue.
    await service.start();
    const ac = new AbortController();
    let wi: OrchestrationWorkItem | undefined;
    for (let i = 0; i < 20 && !wi; i++)
      wi = await service.lockNextOrchestrationWorkItem({ abortSignal: ac.signal });
    expect(wi?.instanceId).toBe(id);
    const oneActivity: Orchestrator = function* (ctx) {
      return (yield ctx.callActivity("A", 1)) as unknown;
    };
    const commit = executeOrchestrationWorkItem(wi!, {
      resolveOrchestrator: () => oneActivity,
      now: new Date(),
      newExecutionId: () => "e",
    });
    await service.completeOrchestrationWorkItem(wi!, commit);
    await service.stop();
    const work = await peek(h.service.names.workItemQueue);
    expect(work).toHaveLength(1);
    expect(work[0]!.getUTCFullYear()).toBe(9999);
    // Every Put Message sent through the proxy in this file (starts, activities, results, timer chunks, ...).
    const all = proxies.proxies.queue.recorded.filter(
      (r) => r.method === "POST" && r.url.includes("/messages"),
    );
    expect(all.length).toBeGreaterThanOrEqual(2);
    const ttl = all.map((r) => new URL(r.url, "http://x").searchParams.get("messagettl"));
    expect(ttl.filter((t) => t !== "-1")).toEqual([]);
    figures.push(
      `time-to-live: ${all.length} Put Message requests (clients and worker processes) all with messagettl=-1; a start message and an activity message on Azurite expire ${work[0]!.toISOString()}`,
    );
  }, 60_000);
});
