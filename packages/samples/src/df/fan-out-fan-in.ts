/**
 * Pattern 2, fan-out/fan-in: `GetBatch` (F1) returns the work items, `ProcessItem` (F2) runs once per item,
 * all in parallel, and `StoreTotal` (F3) receives the sum of their results.
 */
import * as df from "@taskhub/durable-functions";
import type { OrchestrationContext } from "@taskhub/durable-functions";
import { send } from "./outbox.js";

df.app.activity("GetBatch", { handler: (size: number) => Array.from({ length: size }, (_, i) => i + 1) });
df.app.activity("ProcessItem", {
  handler: async (item: number) => {
    await new Promise((r) => setTimeout(r, 10)); // some I/O
    return item * item;
  },
});
df.app.activity("StoreTotal", {
  handler: (total: number) => {
    send("total", `stored the total ${total}`);
    return `stored ${total}`;
  },
});

export interface FanOutFanInOutput {
  items: number;
  total: number;
  stored: string;
}

df.app.orchestration("FanOutFanIn", function* (context: OrchestrationContext) {
  const batch: number[] = yield context.df.callActivity("GetBatch", context.df.getInput<number>() ?? 10);
  const parallelTasks = batch.map((item) => context.df.callActivity("ProcessItem", item));
  const results: number[] = yield context.df.Task.all(parallelTasks);
  const total = results.reduce((a, b) => a + b, 0);
  const stored: string = yield context.df.callActivity("StoreTotal", total);
  return { items: batch.length, total, stored } satisfies FanOutFanInOutput;
});
