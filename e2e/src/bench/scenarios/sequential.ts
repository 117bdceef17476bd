/** Scenario 3, sequential: one orchestration, activities one after another: activities per second (start picked up to completion). */
import { NAMES } from "../app.js";
import type { BenchContext, ScenarioResult } from "../context.js";
import { round } from "../measure.js";

export async function sequential(ctx: BenchContext): Promise<ScenarioResult> {
  const n = ctx.sizes.sequential;
  const id = `seq-${ctx.tag}`;
  ctx.cpu.begin();
  const t0 = Date.now();
  await ctx.client.scheduleNewOrchestration(NAMES.sequential, n, { instanceId: id });
  await ctx.pool.waitForCompletion([id], ctx.sizes.timeoutMs);
  const cpu = ctx.cpu.end();
  const done = ctx.pool.completed.get(id)!;
  const state = await ctx.watcher.getOrchestrationState(id);
  const ok = done.status === "Completed" && state?.output === n;
  // From the moment the start message was picked up (see fan-out.ts).
  const pickedUp = ctx.pool.started.get(id) ?? t0;
  const seconds = (done.t - pickedUp) / 1000;
  return {
    scenario: "sequential",
    title: `1 orchestration, ${n} activities in a row`,
    workers: ctx.workers,
    status: ok ? "ok" : "failed",
    note: ok ? undefined : `status ${done.status}, output ${JSON.stringify(state?.output)} (expected ${n})`,
    figures: {
      activitiesPerSecond: round(n / seconds, 1),
      seconds: round(seconds, 2),
      msPerActivity: round((seconds * 1000) / n, 1),
      pickupMs: pickedUp - t0,
    },
    cpu,
  };
}
