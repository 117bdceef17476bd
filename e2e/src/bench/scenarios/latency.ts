/**
 * Scenario 6, latency: one hello-sequence5 at a time on an otherwise idle system, several times: p50/p95
 * start-to-completion (and the part of it spent before the start message was first processed); then, once
 * the system has been idle for a while (the driver measures scenario 7 meanwhile), the first orchestration
 * after it.
 */
import { NAMES } from "../app.js";
import { requestsBetween, snapshot, type BenchContext, type ScenarioResult } from "../context.js";
import { percentile, perUnit, round } from "../measure.js";
import { sleep } from "../workers.js";

export interface OneRun {
  totalMs: number;
  /** Start request until a worker dequeued the start message (its control queue had to be polled). */
  pickupMs: number;
}

/** `inProcess`: started by a client inside the first worker's process (an HTTP starter there), not the driver's. */
async function runOne(ctx: BenchContext, id: string, inProcess = false): Promise<OneRun> {
  const t0 = Date.now();
  if (inProcess) await ctx.pool.workers[0]!.startInProcess(NAMES.helloSequence5, id);
  else await ctx.client.scheduleNewOrchestration(NAMES.helloSequence5, undefined, { instanceId: id });
  await ctx.pool.waitForCompletion([id], ctx.sizes.timeoutMs);
  const done = ctx.pool.completed.get(id)!;
  if (done.status !== "Completed") throw new Error(`${id} ended ${done.status}`);
  return { totalMs: done.t - t0, pickupMs: (ctx.pool.started.get(id) ?? done.t) - t0 };
}

export async function idleLatency(ctx: BenchContext): Promise<{
  figures: Record<string, number>;
  runs: OneRun[];
  cpu: Record<string, number>;
  requests: ScenarioResult["requests"];
}> {
  const runs: OneRun[] = [];
  const before = await snapshot(ctx);
  ctx.cpu.begin();
  for (let i = 0; i < ctx.sizes.latencyRuns; i++) runs.push(await runOne(ctx, `lat-${ctx.tag}-${i}`));
  const cpu = ctx.cpu.end();
  // Per orchestration, polls included (the workers' and the client's requests, leases apart), until a while
  // after the last run.
  await sleep(ctx.sizes.requestsTailMs);
  const d = requestsBetween(before, await snapshot(ctx));
  const total = runs.map((r) => r.totalMs);
  const pickup = runs.map((r) => r.pickupMs);
  return {
    figures: {
      p50Ms: percentile(total, 50),
      p95Ms: percentile(total, 95),
      pickupP50Ms: percentile(pickup, 50),
      pickupP95Ms: percentile(pickup, 95),
      afterPickupP50Ms: percentile(
        runs.map((r) => r.totalMs - r.pickupMs),
        50,
      ),
      meanMs: round(total.reduce((a, b) => a + b, 0) / total.length, 0),
    },
    runs,
    cpu,
    requests: {
      unit: "orchestration",
      ...perUnit(d.requests, runs.length),
      lease: round(d.lease.total / runs.length, 2),
    },
  };
}

/**
 * Waits until the system has been idle `idleBeforeFirstMs` since `idleSince`, then runs one orchestration
 * started by the driver's client (another process, as the CLI or a separate app); then, after as long idle
 * again, one started inside the first worker's process (as the host's HTTP API or an app's HTTP starter does).
 */
export async function firstAfterIdle(
  ctx: BenchContext,
  idleSince: number,
): Promise<{ remote: OneRun; inProcess: OneRun; idleMs: number }> {
  const wait = idleSince + ctx.sizes.idleBeforeFirstMs - Date.now();
  if (wait > 0) await sleep(wait);
  const idleMs = Date.now() - idleSince;
  const remote = await runOne(ctx, `idle-${ctx.tag}`);
  await sleep(ctx.sizes.idleBeforeFirstMs);
  const inProcess = await runOne(ctx, `idle-local-${ctx.tag}`, true);
  return { remote, inProcess, idleMs };
}
