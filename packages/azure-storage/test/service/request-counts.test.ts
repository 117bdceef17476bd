// Storage requests per orchestration, from the provider's request counter. Polling (GetMessages) depends
// on timing, so it is reported apart from the requests the protocol itself needs; those are asserted
// against an upper bound derived from DTF's checkpoint protocol (spec §6.5).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskHubClient, TaskHubWorker } from "@taskhub/core";
import { RequestCounter } from "../../src/index.js";
import type { AzureStorageOrchestrationService } from "../../src/index.js";
import { newService } from "./helpers.js";

let service: AzureStorageOrchestrationService;
let worker: TaskHubWorker;
let client: TaskHubClient;

beforeAll(async () => {
  service = newService({ maxPollingIntervalMs: 1000 });
  worker = new TaskHubWorker(service);
  worker.addActivity("SayHello", (_ctx, name: string) => `Hello ${name}!`);
  worker.addOrchestrator("Hello1", function* (ctx) {
    return (yield ctx.callActivity("SayHello", "Tokyo")) as string;
  });
  worker.addOrchestrator("Hello5", function* (ctx) {
    const out: string[] = [];
    for (const c of ["Tokyo", "Seattle", "London", "Paris", "Cairo"]) out.push(yield ctx.callActivity("SayHello", c));
    return out;
  });
  await worker.start();
  client = new TaskHubClient(service, { minPollIntervalMs: 50 });
});

afterAll(async () => {
  await worker.stop();
  await service.deleteTaskHub();
});

async function measure(name: string, n: number): Promise<{ perOrchestration: Record<string, number>; polls: number; protocol: number }> {
  // Completion is watched through a second service object whose requests are counted apart.
  const watcher = newService({ taskHubName: service.names.hub });
  const before = service.requestCounter.snapshot();
  const ids = await Promise.all(Array.from({ length: n }, () => client.scheduleNewOrchestration(name)));
  let done = 0;
  while (done < n) {
    await new Promise((r) => setTimeout(r, 200));
    const page = await watcher.queryInstances({ statuses: ["Completed"], fetchPayloads: false, pageSize: 1000 });
    done = page.items.filter((i) => ids.includes(i.instanceId)).length;
  }
  const d = RequestCounter.diff(before, service.requestCounter.snapshot());
  const perOrchestration: Record<string, number> = {};
  for (const [op, count] of Object.entries(d.byOperation)) perOrchestration[op] = Math.round((count / n) * 10) / 10;
  const polls = (d.byOperation["queue.GetMessages"] ?? 0) / n;
  const protocol = (d.total - (d.byOperation["queue.GetMessages"] ?? 0)) / n;
  return { perOrchestration, polls, protocol };
}

describe("storage requests per orchestration", () => {
  it("hello-world with one activity", async () => {
    const m = await measure("Hello1", 20);
    console.log(`hello-world (1 activity), per orchestration: protocol requests ${m.protocol.toFixed(1)}, polls ${m.polls.toFixed(1)}`, m.perOrchestration);
    // DTF's protocol (derivation in the README, "Storage requests"): client 3 (read row, send start, write
    // row); worker 2 reads (history, start dedupe); per checkpoint 1 batch + 1 Instances merge; the start
    // message deleted, the activity and its result each sent and deleted: 3 + 2 + 2×2 + 1 + 2×2 = 14.
    expect(m.protocol).toBeLessThanOrEqual(15); // and the row re-read, as below
  });

  it("five-activity sequence", async () => {
    const m = await measure("Hello5", 20);
    console.log(`five-activity sequence, per orchestration: protocol requests ${m.protocol.toFixed(1)}, polls ${m.polls.toFixed(1)}`, m.perOrchestration);
    // 3 + 2 + 6×2 + 1 + 10×2 = 38, plus at most one more read of the Instances row per orchestration: a
    // worker that picks the start up before the client has written the row (it writes it just after sending
    // the start) looks again instead of abandoning the message for seconds.
    expect(m.protocol).toBeLessThanOrEqual(39);
    expect(m.perOrchestration["table.QueryEntities"]).toBeLessThanOrEqual(4);
  });
});
