/**
 * Scenario 2, fan-out/fan-in: one orchestration, many parallel activities, then their sum. Activities per
 * second (start picked up to completion) and the orchestration's storage requests split by operation.
 */
import { NAMES } from "../app.js";
import { requestsBetween, snapshot, type BenchContext, type ScenarioResult } from "../context.js";
import { perUnit, round } from "../measure.js";
import { sleep } from "../workers.js";

export async function fanOutFanIn(ctx: BenchContext): Promise<ScenarioResult> {
  const n = ctx.sizes.fanOut;
  const id = `fan-${ctx.tag}`;
  const before = await snapshot(ctx);
  ctx.cpu.begin();
  const t0 = Date.now();
  await ctx.client.scheduleNewOrchestration(NAMES.fanOutFanIn, n, { instanceId: id });
  await ctx.pool.waitForCompletion([id], ctx.sizes.timeoutMs);
  const cpu = ctx.cpu.end();
  const done = ctx.pool.completed.get(id)!;
  await sleep(300);
  const d = requestsBetween(before, await snapshot(ctx));
  const state = await ctx.watcher.getOrchestrationState(id);
  const expected = (n * (n + 1)) / 2;
  const ok = done.status === "Completed" && state?.output === expected;
  // From the moment the start message was picked up: how long that took depends on where the partition's
  // polling back-off happened to be (scenario 6 measures it), not on activity throughput.
  const pickedUp = ctx.pool.started.get(id) ?? t0;
  const seconds = (done.t - pickedUp) / 1000;
  return {
    scenario: "fan-out-fan-in",
    title: `1 orchestration, ${n} parallel activities, then the sum`,
    workers: ctx.workers,
    status: ok ? "ok" : "failed",
    note: ok
      ? undefined
      : `status ${done.status}, output ${JSON.stringify(state?.output)} (expected ${expected})`,
    figures: {
      activitiesPerSecond: round(n / seconds, 1),
      seconds: round(seconds, 2),
      pickupMs: pickedUp - t0,
      checkpoints: done.checkpoints,
    },
    requests: { unit: "orchestration", ...perUnit(d.requests, 1), lease: d.lease.total },
    cpu,
    details: {
      perWorker: d.perWorker.map((w) => ({
        activities: w.activities,
        checkpoints: w.checkpoints,
        requests: w.requests.total,
      })),
    },
  };
}
