/**
 * What an orchestrator is: a generator function, an async generator function or a plain function, and how
 * replay tells apart what calling one returned.
 */
import type { OrchestrationContext } from "./orchestration-context.js";
import type { DurableTask } from "./tasks.js";

/**
 * An orchestrator: a generator function (`function* (ctx, input) { ... yield task ... }`), an async generator
 * function (`async function* (ctx, input) { ... yield task ... }`, replayed by `replayOrchestrationAsync` and
 * the worker; see the note at the top of `replay.ts` about `await`), or a plain function returning its output
 * directly.
 */
export type Orchestrator<TInput = any, TOutput = any> = (
  ctx: OrchestrationContext,
  input: TInput,
) => Generator<DurableTask<any>, TOutput, any> | AsyncGenerator<DurableTask<any>, TOutput, any> | TOutput;

/** @internal */
export function isGenerator(v: unknown): v is Generator<DurableTask<any>, unknown, any> {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as Generator).next === "function" &&
    typeof (v as Generator).throw === "function" &&
    Symbol.iterator in v
  );
}

/** @internal */
export function isAsyncGenerator(v: unknown): v is AsyncGenerator<DurableTask<any>, unknown, any> {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as AsyncGenerator).next === "function" &&
    typeof (v as AsyncGenerator).throw === "function" &&
    typeof (v as AsyncGenerator).return === "function" &&
    Symbol.asyncIterator in v
  );
}

/** @internal */
export function isAsyncIterator(v: unknown): boolean {
  return typeof v === "object" && v !== null && Symbol.asyncIterator in v;
}
