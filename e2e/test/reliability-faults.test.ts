// Storage faults (issue 9): two worker processes reach Azurite only through our fault-injecting proxy
// (src/fault-proxy.ts), which answers ~5% of requests with 500 or 503 (before or after storage did the
// work), drops connections, stalls requests past the workers' 3 s per-attempt timeout, and adds latency.
// A mixed workload — fan-out activities, a sub-orchestration, a durable timer, an external event, an entity
// call and continue-as-new for three generations — must complete with the exact results, the shared entity
// counter must be exact, and no worker process may crash.
//
// TASKHUB_FAULT_SECONDS (default 15) sets how long new instances keep being started under faults; the soak
// command in RELIABILITY.md runs it for 10 minutes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { startFaultProxies } from "../src/fault-proxy.js";
import { activityRuns } from "./workers.js";
import { diagnose } from "./hostile.js";
import { newHub, type Hub } from "./worker-hub.js";

const SECONDS = Number(process.env.TASKHUB_FAULT_SECONDS ?? 15);
const RATE = Number(process.env.TASKHUB_FAULT_RATE ?? 0.05);

let azurite: AzuriteInstance;
let faults: Awaited<ReturnType<typeof startFaultProxies>>;
let h: Hub;

beforeAll(async () => {
  azurite = await startAzurite();
  faults = await startFaultProxies(azurite, { faultRate: 0, stallMs: 5000, maxLatencyMs: 20 });
  // The test's own client goes straight to Azurite; the workers only through the proxies.
  h = newHub(azurite.connectionString, {
    partitions: 4,
    workerConnectionString: faults.connectionString,
    // Messages a dropped receive left invisible come back after 8 s instead of 20.
    env: { TASKHUB_TRY_TIMEOUT_MS: "3000", TASKHUB_VISIBILITY_MS: "8000" },
  });
  await h.service.createIfNotExists();
});
afterAll(async () => {
  for (const w of h?.workers ?? []) if (w.exitedAt === undefined) w.kill("SIGKILL");
  await faults?.stop();
  await azurite?.stop();
});

const expected = (n: number, event: number): number => 12 * n + 342 + event;

describe("storage faults", () => {
  it(`a mixed workload completes exactly under ${RATE * 100}% injected faults for ${SECONDS} s, and no worker crashes`, async () => {
    await Promise.all([h.start("a"), h.start("b")]);
    faults.setFaultRate(RATE);
    const started = Date.now();
    const instances: { id: string; n: number; event: number }[] = [];
    let wave = 0;
    // Start waves of instances (and raise their events) for the fault period.
    while (Date.now() - started < SECONDS * 1000) {
      const batch = await Promise.all(
        Array.from({ length: 6 }, async (_, i) => {
          const n = wave * 10 + i;
          const id = await h.client.scheduleNewOrchestration(
            "Mixed",
            { n, gen: 0, acc: 0, counter: "faults" },
            { instanceId: `mixed-${wave}-${i}` },
          );
          return { id, n, event: 1000 + n };
        }),
      );
      for (const b of batch) await h.client.raiseEvent(b.id, "go", b.event);
      instances.push(...batch);
      wave++;
      await new Promise((r) => setTimeout(r, 3000));
    }
    // Keep the faults on while the rest drains.
    const wrong: string[] = [];
    let patience = 240_000;
    for (const inst of instances) {
      const s = await h.client
        .waitForOrchestrationCompletion(inst.id, { timeoutMs: patience })
        .catch(async (err: unknown) => {
          patience = 5_000; // one stuck instance is enough to wait for
          console.log(`STUCK ${inst.id}:\n${await diagnose(h, inst.id, "faults")}`);
          throw err;
        });
      if (s.runtimeStatus !== "Completed" || s.output !== expected(inst.n, inst.event))
        wrong.push(
          `${inst.id}: ${s.runtimeStatus} ${JSON.stringify(s.output)} (expected ${expected(inst.n, inst.event)}) ${s.failureDetails?.errorMessage ?? ""}`,
        );
    }
    const elapsed = Date.now() - started;
    faults.setFaultRate(0);
    expect(wrong).toEqual([]);
    // Three generations each called the entity once: exactly 3 per instance, none lost, none doubled.
    let counter: number | undefined;
    for (let i = 0; i < 100; i++) {
      counter = (await h.client.getEntity<number>({ name: "counter", key: "faults" }))?.state;
      if (counter === instances.length * 3) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(counter).toBe(instances.length * 3);
    // Every history has exactly one ExecutionCompleted (last generation) and no duplicate task results.
    for (const inst of instances.slice(0, 10)) {
      const history = await h.client.getOrchestrationHistory(inst.id);
      expect(history.filter((e) => e.type === "ExecutionCompleted")).toHaveLength(1);
      const results = history
        .filter((e) => e.type === "TaskCompleted")
        .map((e) => (e.type === "TaskCompleted" ? e.taskScheduledId : -1));
      expect(new Set(results).size).toBe(results.length);
    }
    // Nothing was quarantined: every message was eventually processed.
    expect(
      (await h.service.listPoisonMessages()).map(
        (m) => `${m.queueName} ${m.eventType} ${m.instanceId}: ${m.reason}`,
      ),
    ).toEqual([]);
    // No worker process crashed.
    for (const w of h.workers) expect(w.exitedAt, `worker ${w.id} exited`).toBeUndefined();
    const c = {
      blob: faults.proxies.blob.counts,
      queue: faults.proxies.queue.counts,
      table: faults.proxies.table.counts,
    };
    const sum = (k: keyof typeof c.queue): number => c.blob[k] + c.queue[k] + c.table[k];
    const injected =
      faults.proxies.blob.injected + faults.proxies.queue.injected + faults.proxies.table.injected;
    expect(injected).toBeGreaterThan(0);
    for (const k of [
      "error500Before",
      "error500After",
      "error503Before",
      "error503After",
      "dropBefore",
      "dropAfter",
      "stall",
    ] as const)
      expect(sum(k), k).toBeGreaterThan(0);
    const runs = activityRuns(h.env.TASKHUB_RUNS_FILE!);
    console.log(
      `reliability-faults: ${instances.length} mixed instances (x3 generations: ${instances.length * 12} activities, ${instances.length * 3} sub-orchestrations, timers, entity calls; ${instances.length} events) ` +
        `completed exactly in ${(elapsed / 1000).toFixed(0)} s under ${RATE * 100}% faults; entity counter ${counter}/${instances.length * 3}; ` +
        `activities run ${runs.total} times for ${runs.distinct} distinct (${runs.total - runs.distinct} repeats); ` +
        `proxy: ${sum("requests")} requests, ${injected} faults = 500 ${sum("error500Before")}+${sum("error500After")} (before+after), 503 ${sum("error503Before")}+${sum("error503After")}, ` +
        `dropped ${sum("dropBefore")}+${sum("dropAfter")}, stalled ${sum("stall")}; workers alive: ${h.workers.filter((w) => w.exitedAt === undefined).length}/2`,
    );
  }, 600_000);
});
