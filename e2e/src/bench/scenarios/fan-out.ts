/**
 * The fan-out/fan-in scenarios: one orchestration, many parallel activities, then their sum.
 *
 * - 2, fan-out-fan-in: trivial activities (the runtime's and storage's cost per activity).
 * - 8, fan-out-io: each activity waits (I/O-bound); with 16 activity slots per worker, one worker can run only
 *   16 at a time, so more workers must share the activities for it to go faster.
 * - 9, fan-out-cpu: each activity burns CPU; shows how the activities split over workers.
 *
 * Figures: activities per second (start picked up to completion), the pickup delay (start request until the
 * first activity ran, its own column: after idle it is mostly polling back-off), how many activities each
 * worker ran, and the orchestration's storage requests split by operation.
 */
import { NAMES, type FanOutInput } from "../app.js";
import { requestsBetween, snapshot, type BenchContext, type ScenarioResult } from "../context.js";
import { perUnit, round } from "../measure.js";
import { sleep } from "../workers.js";

export interface FanOutSpec {
  scenario: string;
  title: string;
  count: number;
  waitMs: number;
  cpuMs: number;
}

export async function fanOut(ctx: BenchContext, spec: FanOutSpec): Promise<ScenarioResult> {
  const n = spec.count;
  const id = `${spec.scenario}-${ctx.tag}`;
  const input: FanOutInput = { run: id, count: n, waitMs: spec.waitMs, cpuMs: spec.cpuMs };
  const before = await snapshot(ctx);
  ctx.cpu.begin();
  const t0 = Date.now();
  await ctx.client.scheduleNewOrchestration(NAMES.fanOutFanIn, input, { instanceId: id });
  await ctx.pool.waitForCompletion([id], ctx.sizes.timeoutMs);
  const cpu = ctx.cpu.end();
  const done = ctx.pool.completed.get(id)!;
  await sleep(300);
  const d = requestsBetween(before, await snapshot(ctx));
  const state = await ctx.watcher.getOrchestrationState(id);
  const expected = (n * (n + 1)) / 2;
  const perWorker = d.perWorker.map((w) => ({
    activities: w.tracked[id]?.activities ?? 0,
    checkpoints: w.checkpoints,
    requests: w.requests.total,
  }));
  const ran = perWorker.reduce((a, w) => a + w.activities, 0);
  const firstActivity = Math.min(...d.perWorker.map((w) => w.tracked[id]?.firstStartedAt ?? Infinity));
  const ok = done.status === "Completed" && state?.output === expected && ran >= n;
  // Throughput from the moment the start message was picked up: how long that took depends on where the
  // partition's polling back-off happened to be (scenario 6 measures it), so it is a column of its own.
  const pickedUp = ctx.pool.started.get(id) ?? t0;
  const seconds = (done.t - pickedUp) / 1000;
  return {
    scenario: spec.scenario,
    title: spec.title,
    workers: ctx.workers,
    status: ok ? "ok" : "failed",
    note: ok
      ? undefined
      : `status ${done.status}, output ${JSON.stringify(state?.output)} (expected ${expected}), ${ran} of ${n} activities reported`,
    figures: {
      activitiesPerSecond: round(n / seconds, 1),
      seconds: round(seconds, 2),
      totalSeconds: round((done.t - t0) / 1000, 2),
      pickupMs: pickedUp - t0,
      firstActivityMs: Number.isFinite(firstActivity) ? firstActivity - t0 : NaN,
      checkpoints: done.checkpoints,
      activitiesRun: ran,
    },
    requests: { unit: "orchestration", ...perUnit(d.requests, 1), lease: d.lease.total },
    cpu,
    details: { perWorker, activitiesPerWorker: perWorker.map((w) => w.activities) },
  };
}
