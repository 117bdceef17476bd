/**
 * Scenario 7, idle cost: storage requests per minute of each idle worker, split queue / table / blob /
 * lease, over a window that starts once polling has backed off to its maximum.
 */
import type { BenchContext, ScenarioResult } from "../context.js";
import { round } from "../measure.js";
import { diffStats, sleep } from "../workers.js";

export async function idleCost(
  ctx: BenchContext,
): Promise<Omit<ScenarioResult, "scenario" | "title" | "workers" | "status">> {
  await sleep(ctx.sizes.idleWarmUpMs);
  const before = await ctx.pool.stats();
  ctx.cpu.begin();
  await sleep(ctx.sizes.idleMeasureMs);
  const cpu = ctx.cpu.end();
  const d = diffStats(before, await ctx.pool.stats());
  const perMin = (n: number | undefined): number => round(((n ?? 0) * 60_000) / ctx.sizes.idleMeasureMs, 1);
  const perWorker = d.perWorker.map((w) => ({
    queue: perMin(w.requests.byService.queue),
    table: perMin(w.requests.byService.table),
    blob: perMin(w.requests.byService.blob),
    lease: perMin(w.lease.total),
    total: perMin(w.requests.total + w.lease.total),
    leaseOperations: Object.fromEntries(Object.entries(w.lease.byOperation).map(([k, v]) => [k, perMin(v)])),
  }));
  const mean = (k: "queue" | "table" | "blob" | "lease" | "total"): number =>
    round(perWorker.reduce((a, w) => a + w[k], 0) / perWorker.length, 1);
  return {
    figures: {
      requestsPerWorkerPerMinute: mean("total"),
      maxRequestsPerWorkerPerMinute: Math.max(...perWorker.map((w) => w.total)),
      queuePerMinute: mean("queue"),
      tablePerMinute: mean("table"),
      blobPerMinute: mean("blob"),
      leasePerMinute: mean("lease"),
    },
    cpu,
    details: { windowMs: ctx.sizes.idleMeasureMs, warmUpMs: ctx.sizes.idleWarmUpMs, perWorker },
  };
}
