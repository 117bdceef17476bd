/**
 * Scenario 5, entity signals: a client sends many `add 1` signals to one counter entity; operations per
 * second from the first signal until the entity's state shows them all, and the final count checked (it
 * must be exactly the number of signals, a little after they are all applied).
 *
 * The only module that touches durable entities: `registerEntities` runs in the worker processes and says
 * whether this build has them (`worker.addEntity`); without them the scenario reports "not available".
 */
import type { TaskHubWorker } from "@taskhub/core";
import type { BenchContext, ScenarioResult } from "../context.js";
import { round } from "../measure.js";
import { sleep } from "../workers.js";

const ENTITY = "counter";
const POLL_MS = 50;

/** Registers the counter entity; false when this build has no durable entities. */
export function registerEntities(worker: TaskHubWorker): boolean {
  if (typeof (worker as Partial<TaskHubWorker>).addEntity !== "function") return false;
  worker.addEntity(ENTITY, (ctx) => {
    switch (ctx.operationName) {
      case "add":
        ctx.setState((ctx.getState<number>(() => 0) ?? 0) + (ctx.getInput<number>() ?? 1));
        return undefined;
      case "get":
        return ctx.getState<number>(() => 0);
      default:
        throw new Error(`unknown operation '${ctx.operationName}'`);
    }
  });
  return true;
}

export async function entitySignals(ctx: BenchContext): Promise<ScenarioResult> {
  const n = ctx.sizes.entitySignals;
  const base = {
    scenario: "entity",
    title: `${n} signals to one counter entity`,
    workers: ctx.workers,
    figures: {},
  };
  if (!ctx.pool.entities)
    return {
      ...base,
      status: "not available",
      note: "this build has no durable entities (worker.addEntity)",
    };

  const id = { name: ENTITY, key: `k-${ctx.tag}` };
  const count = async (): Promise<number> => (await ctx.watcher.getEntity<number>(id))?.state ?? 0;
  ctx.cpu.begin();
  const t0 = Date.now();
  await Promise.all(Array.from({ length: n }, () => ctx.client.signalEntity(id, "add", 1)));
  const signalledMs = Date.now() - t0;
  // No progress for this long means the backend does not run entities (or is stuck).
  const stallMs = Math.min(ctx.sizes.timeoutMs, 30_000);
  let seen = 0;
  let progressAt = Date.now();
  let reachedAt: number | undefined;
  while (reachedAt === undefined) {
    const c = await count();
    if (c >= n) reachedAt = Date.now();
    else if (c > seen) {
      seen = c;
      progressAt = Date.now();
    } else if (Date.now() - progressAt > stallMs) {
      ctx.cpu.end();
      return {
        ...base,
        status: "failed",
        note: `stalled at ${c} of ${n} operations for ${stallMs / 1000} s`,
      };
    } else await sleep(POLL_MS);
  }
  const cpu = ctx.cpu.end();
  // Duplicates would show up as a count above n once any redelivered signal has been processed.
  await sleep(Math.min(2000, ctx.sizes.timeoutMs / 10));
  const final = await count();
  const seconds = (reachedAt - t0) / 1000;
  return {
    ...base,
    status: final === n ? "ok" : "failed",
    note: final === n ? undefined : `final count ${final}, expected ${n}`,
    figures: {
      operationsPerSecond: round(n / seconds, 1),
      seconds: round(seconds, 2),
      signalSeconds: round(signalledMs / 1000, 2),
      finalCount: final,
    },
    cpu,
  };
}
