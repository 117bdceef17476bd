/**
 * Scenario 4, external events: one orchestration consumes events that a client raises as fast as it can
 * (all at once, once the orchestration has started): events per second, first raise to completion.
 */
import { NAMES } from "../app.js";
import { requestsBetween, snapshot, type BenchContext, type ScenarioResult } from "../context.js";
import { perUnit, round } from "../measure.js";
import { sleep } from "../workers.js";

export async function externalEvents(ctx: BenchContext): Promise<ScenarioResult> {
  const n = ctx.sizes.events;
  const id = `events-${ctx.tag}`;
  const before = await snapshot(ctx);
  await ctx.client.scheduleNewOrchestration(NAMES.events, n, { instanceId: id });
  const deadline = Date.now() + ctx.sizes.timeoutMs;
  while (!ctx.pool.started.has(id)) {
    if (Date.now() > deadline) throw new Error(`${id} did not start`);
    await sleep(20);
  }
  ctx.cpu.begin();
  const t0 = Date.now();
  await Promise.all(Array.from({ length: n }, (_, i) => ctx.client.raiseEvent(id, "e", i + 1)));
  const raisedMs = Date.now() - t0;
  await ctx.pool.waitForCompletion([id], ctx.sizes.timeoutMs);
  const cpu = ctx.cpu.end();
  // Every request of the workers (leases apart) and the client from the start until a while after the
  // completion (the polls a burst of work causes go on after it): most of the difference between polling rules
  // is in the control queues' GetMessages.
  await sleep(ctx.sizes.requestsTailMs);
  const d = requestsBetween(before, await snapshot(ctx));
  const done = ctx.pool.completed.get(id)!;
  const state = await ctx.watcher.getOrchestrationState(id);
  const expected = (n * (n + 1)) / 2;
  const ok = done.status === "Completed" && state?.output === expected;
  const seconds = (done.t - t0) / 1000;
  return {
    scenario: "external-events",
    title: `1 orchestration consuming ${n} events raised by a client`,
    workers: ctx.workers,
    status: ok ? "ok" : "failed",
    note: ok
      ? undefined
      : `status ${done.status}, output ${JSON.stringify(state?.output)} (expected ${expected})`,
    figures: {
      eventsPerSecond: round(n / seconds, 1),
      seconds: round(seconds, 2),
      raiseSeconds: round(raisedMs / 1000, 2),
      checkpoints: done.checkpoints,
    },
    requests: { unit: "scenario", ...perUnit(d.requests, 1), lease: d.lease.total },
    cpu,
  };
}
