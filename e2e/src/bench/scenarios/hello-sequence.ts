/**
 * Scenario 1, hello-sequence5: many orchestrations of five sequential trivial activities, started together.
 * Orchestrations per second (first start request to last completion), p50/p95 start-to-completion
 * latency, and storage requests per orchestration split by operation.
 */
import { NAMES } from "../app.js";
import { requestsBetween, snapshot, type BenchContext, type ScenarioResult } from "../context.js";
import { percentile, perUnit, round } from "../measure.js";
import { sleep } from "../workers.js";

export async function helloSequence5(ctx: BenchContext): Promise<ScenarioResult> {
  const n = ctx.sizes.helloSequence5;
  const ids = Array.from({ length: n }, (_, i) => `hs5-${ctx.tag}-${i}`);
  const before = await snapshot(ctx);
  ctx.cpu.begin();
  const t0 = Date.now();
  const startedAt = new Map<string, number>();
  await Promise.all(
    ids.map(async (id) => {
      startedAt.set(id, Date.now());
      await ctx.client.scheduleNewOrchestration(NAMES.helloSequence5, undefined, { instanceId: id });
    }),
  );
  const scheduledMs = Date.now() - t0;
  await ctx.pool.waitForCompletion(ids, ctx.sizes.timeoutMs);
  const cpu = ctx.cpu.end();
  const done = ids.map((id) => ctx.pool.completed.get(id)!);
  const end = Math.max(...done.map((d) => d.t));
  // The last activities' work-item deletes may still be on the wire when the orchestration completes.
  await sleep(300);
  const d = requestsBetween(before, await snapshot(ctx));
  const latencies = ids.map((id) => ctx.pool.completed.get(id)!.t - startedAt.get(id)!);
  const failed = done.filter((c) => c.status !== "Completed").length;
  const seconds = (end - t0) / 1000;
  return {
    scenario: "hello-sequence5",
    title: `${n} orchestrations of 5 sequential activities, started together`,
    workers: ctx.workers,
    status: failed === 0 ? "ok" : "failed",
    note: failed ? `${failed} of ${n} did not complete successfully` : undefined,
    figures: {
      orchestrationsPerSecond: round(n / seconds, 1),
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      seconds: round(seconds, 2),
      scheduleSeconds: round(scheduledMs / 1000, 2),
    },
    requests: { unit: "orchestration", ...perUnit(d.requests, n), lease: round(d.lease.total / n, 2) },
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
