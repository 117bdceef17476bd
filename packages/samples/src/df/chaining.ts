/**
 * Pattern 1, function chaining: F1 → F2 → F3 → F4, each output the next input. When a step fails, the
 * orchestrator catches the error and compensates the steps that already ran, newest first, with `Undo`.
 * F3 refuses values over 1000, so input 5 runs through (→ 90) and input 600 fails at F3 (F2 gives 1202).
 */
import * as df from "@taskhub/durable-functions";
import type { OrchestrationContext } from "@taskhub/durable-functions";
import { send } from "./outbox.js";

export const F3_LIMIT = 1000;

df.app.activity("F1", { handler: (n: number) => n + 1 });
df.app.activity("F2", { handler: (n: number) => n * 2 });
df.app.activity("F3", {
  handler: (n: number) => {
    if (n > F3_LIMIT) throw new Error(`F3 refuses ${n}: over the limit of ${F3_LIMIT}`);
    return n - 3;
  },
});
df.app.activity("F4", { handler: (n: number) => n * 10 });
df.app.activity("Undo", {
  handler: ({ step, output }: { step: string; output: number }) => {
    send("compensation", `undid ${step} (its output was ${output})`);
    return `undid ${step}`;
  },
});

export type ChainingOutput = { result: number } | { error: string; compensated: string[] };

df.app.orchestration("Chaining", function* (context: OrchestrationContext) {
  const done: { step: string; output: number }[] = [];
  try {
    const x: number = yield context.df.callActivity("F1", context.df.getInput<number>());
    done.push({ step: "F1", output: x });
    const y: number = yield context.df.callActivity("F2", x);
    done.push({ step: "F2", output: y });
    const z: number = yield context.df.callActivity("F3", y);
    done.push({ step: "F3", output: z });
    const result: number = yield context.df.callActivity("F4", z);
    return { result } satisfies ChainingOutput;
  } catch (err) {
    // Compensation: undo what succeeded, in reverse order, then report the failure as the output.
    const compensated: string[] = [];
    for (const step of done.reverse()) compensated.push(yield context.df.callActivity("Undo", step));
    return { error: (err as Error).message, compensated } satisfies ChainingOutput;
  }
});
