/**
 * The benchmark's orchestrations and activities, registered in every bench worker process. Activities are
 * trivial on purpose: the figures measure the runtime and the storage round trips, not user code.
 */
import type { OrchestrationContext, TaskHubWorker } from "@taskhub/core";
import { registerEntities } from "./scenarios/entity.js";

export const NAMES = {
  activity: "Inc",
  helloSequence5: "HelloSequence5",
  fanOutFanIn: "FanOutFanIn",
  sequential: "Sequential",
  events: "Events",
} as const;

/** Registers everything; returns whether durable entities are available in this build. */
export function registerBenchApp(worker: TaskHubWorker): { entities: boolean } {
  worker.addActivity(NAMES.activity, (_ctx, n: number) => n + 1);

  // Scenario 1 and 6: five sequential trivial activities.
  worker.addOrchestrator(NAMES.helloSequence5, function* (ctx: OrchestrationContext) {
    let n = 0;
    for (let i = 0; i < 5; i++) n = (yield ctx.callActivity(NAMES.activity, n)) as number;
    return n;
  });

  // Scenario 2: `count` activities in parallel, then their sum.
  worker.addOrchestrator(NAMES.fanOutFanIn, function* (ctx: OrchestrationContext, count: number) {
    const tasks = Array.from({ length: count }, (_, i) => ctx.callActivity<number>(NAMES.activity, i));
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
