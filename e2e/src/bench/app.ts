/**
 * The benchmark's orchestrations and activities, registered in every bench worker process. Activities are
 * trivial on purpose: the figures measure the runtime and the storage round trips, not user code.
 */
import type { OrchestrationContext, TaskHubWorker } from "@taskhub/core";
import { registerEntities } from "./scenarios/entity.js";

export const NAMES = {
  activity: "Inc",
  work: "Work",
  helloSequence5: "HelloSequence5",
  fanOutFanIn: "FanOutFanIn",
  sequential: "Sequential",
  events: "Events",
} as const;

/** The input of a fan-out scenario (and of each of its activities, with `i`). */
export interface FanOutInput {
  /** Names the run, so that each worker can count the activities it ran for it. */
  run: string;
  count: number;
  /** How long each activity waits (I/O-bound work), ms. */
  waitMs: number;
  /** How much CPU each activity burns (CPU-bound work), ms of this process's CPU time. */
  cpuMs: number;
}

/** What one worker process did for one fan-out run: activities run, first start and last end (epoch ms). */
export interface TrackedRun {
  activities: number;
  firstStartedAt: number;
  lastEndedAt: number;
}

/** Per run name, in this process (reported to the driver with the worker's stats). */
export const trackedRuns: Record<string, TrackedRun> = {};

function burnCpu(ms: number): void {
  const cpuMicros = (): number => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const until = cpuMicros() + ms * 1000;
  while (cpuMicros() < until) {
    // spin
  }
}

async function work(input: Omit<FanOutInput, "count"> & { i: number }): Promise<number> {
  const started = Date.now();
  const t = (trackedRuns[input.run] ??= { activities: 0, firstStartedAt: started, lastEndedAt: started });
  t.firstStartedAt = Math.min(t.firstStartedAt, started);
  if (input.cpuMs > 0) burnCpu(input.cpuMs);
  if (input.waitMs > 0) await new Promise((r) => setTimeout(r, input.waitMs));
  t.activities++;
  t.lastEndedAt = Math.max(t.lastEndedAt, Date.now());
  return input.i + 1;
}

/** Registers everything; returns whether durable entities are available in this build. */
export function registerBenchApp(worker: TaskHubWorker): { entities: boolean } {
  worker.addActivity(NAMES.activity, (_ctx, n: number) => n + 1);
  worker.addActivity(NAMES.work, (_ctx, input: Omit<FanOutInput, "count"> & { i: number }) => work(input));

  // Scenario 1 and 6: five sequential trivial activities.
  worker.addOrchestrator(NAMES.helloSequence5, function* (ctx: OrchestrationContext) {
    let n = 0;
    for (let i = 0; i < 5; i++) n = (yield ctx.callActivity(NAMES.activity, n)) as number;
    return n;
  });

  // Scenarios 2, 8 and 9: `count` activities in parallel (each i + 1, after its wait and CPU), then their sum.
  worker.addOrchestrator(NAMES.fanOutFanIn, function* (ctx: OrchestrationContext, input: FanOutInput) {
    const { count, ...each } = input;
    const tasks = Array.from({ length: count }, (_, i) =>
      ctx.callActivity<number>(NAMES.work, { ...each, i }),
    );
    const results = (yield ctx.whenAll(tasks)) as number[];
    return results.reduce((a, b) => a + b, 0);
  });

  // Scenario 3: `count` activities one after another.
  worker.addOrchestrator(NAMES.sequential, function* (ctx: OrchestrationContext, count: number) {
    let n = 0;
    for (let i = 0; i < count; i++) n = (yield ctx.callActivity(NAMES.activity, n)) as number;
    return n;
  });

  // Scenario 4: consume `count` events named "e"; returns their sum.
  worker.addOrchestrator(NAMES.events, function* (ctx: OrchestrationContext, count: number) {
    let sum = 0;
    for (let i = 0; i < count; i++) sum += (yield ctx.waitForExternalEvent("e")) as number;
    return sum;
  });

  return { entities: registerEntities(worker) };
}
