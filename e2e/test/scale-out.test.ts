// Real worker processes sharing one task hub on a real Azurite, with each partition manager:
// ownership converges to an even split as workers join and leave, no partition ever has two owners,
// and orchestrations survive `kill -9` and SIGTERM of a worker.
import { afterAll, describe, expect } from "vitest";
import { activityRuns, overlaps, waitFor, type WorkerProcess } from "./workers.js";
import { test, type Hub, type HubOptions } from "./worker-hub.js";

/** A hub with `management` leases whose workers `start` spawns and waits for. */
function hubFor(
  hub: (opts?: HubOptions) => Hub,
  management: "blob" | "table",
  partitions: number,
): { h: Hub; startWorker: (name: string) => Promise<WorkerProcess> } {
  const h = hub({ prefix: `e2e${management}`, management, partitions, maxPollIntervalMs: 500 });
  return { h, startWorker: (name) => h.start(name) };
}

/** Waits until the live workers split `partitions` evenly (±1) with every partition owned once. */
async function converged(workers: WorkerProcess[], partitions: number, timeoutMs: number): Promise<number> {
  const live = (): WorkerProcess[] => workers.filter((w) => w.exitedAt === undefined);
  return waitFor(
    () => {
      const counts = live().map((w) => w.owned().size);
      const union = new Set(live().flatMap((w) => [...w.owned()]));
      return (
        union.size === partitions &&
        counts.reduce((a, b) => a + b, 0) === partitions &&
        Math.max(...counts) - Math.min(...counts) <= 1
      );
    },
    timeoutMs,
    () =>
      `no even split: ${live()
        .map((w) => `${w.id}=[${[...w.owned()]}]`)
        .join(" ")}`,
  );
}

/** Three converged workers and 60 five-activity orchestrations under way. */
async function loadedHub(hub: (opts?: HubOptions) => Hub, management: "blob" | "table", prefix: string) {
  const partitions = 4;
  const { h, startWorker } = hubFor(hub, management, partitions);
  const workers = await Promise.all([startWorker("a"), startWorker("b"), startWorker("c")]);
  await converged(workers, partitions, 120_000);
  const n = 60;
  const ids = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      h.client.scheduleNewOrchestration("Seq5", i, { instanceId: `${prefix}-${i}` }),
    ),
  );
  await waitFor(
    () => activityRuns(h.runs).total >= n,
    60_000,
    () => "load did not start",
  );
  return { runs: h.runs, workers, client: h.client, ids, n, partitions };
}

const figures: string[] = [];
afterAll(() => {
  console.log(`\nscale-out figures:\n  ${figures.join("\n  ")}`);
});

// Each test has its own hub on the file's Azurite. The tests run one after another: side by side, their
// workers and orchestrations starved each other (and Azurite) on a busy two-core machine.
describe.each(["blob", "table"] as const)("%s partition manager", (management) => {
  test.for([4, 16])(
    "converges 1 → 2 → 4 → 1 workers over %i partitions to an even split, never with two owners",
    async (partitions, { hub }) => {
      const { startWorker } = hubFor(hub, management, partitions);
      const w1 = await startWorker("a");
      const t1 = await converged([w1], partitions, 60_000);
      const w2 = await startWorker("b");
      const t2 = await converged([w1, w2], partitions, 90_000);
      const [w3, w4] = await Promise.all([startWorker("c"), startWorker("d")]);
      const t4 = await converged([w1, w2, w3, w4], partitions, 120_000);
      const leaving = Date.now();
      for (const w of [w2, w3, w4]) w.kill("SIGTERM");
      for (const w of [w2, w3, w4]) await w.exited();
      const back = await converged([w1], partitions, 60_000);
      const stopAll = Date.now() - leaving;
      figures.push(
        `${management}, ${partitions} partitions: 1 worker ${t1} ms, 1→2 ${t2} ms, 2→4 ${t4} ms, 4→1 (graceful) ${stopAll} ms (${back} ms after the last exit)`,
      );
      expect(overlaps([w1, w2, w3, w4])).toEqual([]);
    },
  );

  test("finishes every orchestration when one of three workers is killed with SIGKILL", async ({ hub }) => {
    const { runs, workers, client, ids, n } = await loadedHub(hub, management, "kill");
    const victim = workers.find((w) => w.owned().size > 0)!;
    victim.kill("SIGKILL");
    const killedAt = Date.now();
    await victim.exited();
    for (const [i, id] of ids.entries()) {
      const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 150_000 });
      expect(s.output).toBe(i + 5);
    }
    const took = Date.now() - killedAt;
    const r = activityRuns(runs);
    figures.push(
      `${management}: SIGKILL of 1 of 3 workers under ${n} five-activity orchestrations: all completed ${took} ms after the kill; activity runs ${r.total} for ${r.distinct} activities (${r.total - r.distinct} ran twice)`,
    );
    expect(r.distinct).toBe(n * 5);
    expect(overlaps(workers)).toEqual([]);
  });

  test("a worker restarted under the same name before its leases expire recovers and polls its partitions", async ({
    hub,
  }) => {
    const partitions = 4;
    const { h, startWorker } = hubFor(hub, management, partitions);
    const first = await startWorker("same-host");
    await converged([first], partitions, 60_000);
    first.kill("SIGKILL");
    await first.exited();
    const restarted = await startWorker("same-host");
    const took = await converged([restarted], partitions, 90_000);
    // It is really polling them: work sent to every partition completes.
    const ids = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        h.client.scheduleNewOrchestration("Seq5", i, { instanceId: `restart-${i}` }),
      ),
    );
    for (const [i, id] of ids.entries())
      expect((await h.client.waitForOrchestrationCompletion(id, { timeoutMs: 60_000 })).output).toBe(i + 5);
    figures.push(
      `${management}: restart after SIGKILL under the same host name: all partitions owned and polled again after ${took} ms`,
    );
  });

  test("hands partitions over within seconds on SIGTERM, with no activity run twice", async ({ hub }) => {
    const { runs, workers, client, ids, n, partitions } = await loadedHub(hub, management, "term");
    const leaving = workers.find((w) => w.owned().size > 0)!;
    const stoppedAt = Date.now();
    leaving.kill("SIGTERM");
    await leaving.exited();
    const handOver = await converged(workers, partitions, 60_000);
    for (const [i, id] of ids.entries())
      expect((await client.waitForOrchestrationCompletion(id, { timeoutMs: 120_000 })).output).toBe(i + 5);
    const r = activityRuns(runs);
    const total = Date.now() - stoppedAt;
    figures.push(
      `${management}: SIGTERM of 1 of 3 workers: partitions re-owned ${handOver} ms after it exited (${total} ms until all ${n} completed); ${r.total - r.distinct} activities ran twice`,
    );
    expect(r.total - r.distinct).toBe(0);
    expect(overlaps(workers)).toEqual([]);
  });
});
