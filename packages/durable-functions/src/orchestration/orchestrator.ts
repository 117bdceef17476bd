/**
 * Runs a v3 orchestration handler (`function* (context) { ... yield context.df.callActivity(...) ... }`) as a
 * core orchestrator. It is a thin driver over core's replay engine: each v3 task the user yields is
 * scheduled on the core context (lazily, so ids follow yield order), the core task is yielded to the
 * engine, and the user's generator is resumed with the v3 task's `result` — or has it thrown in when the
 * task faulted. Anything but a v3 task fails the orchestration with v3's "programming constraint
 * violation" message.
 */
import type { DurableTask, Logger, OrchestrationContext as CoreContext, Orchestrator } from "@taskhub/core";
import { LockingRulesViolationError } from "../errors.js";
import { DurableOrchestrationContext } from "./context.js";
import { createInvocationContext, type InvocationContext } from "./invocation-context.js";
import { DFTask, DFTimerTask, never, type Task } from "./tasks.js";

export interface OrchestrationContext extends InvocationContext {
  df: DurableOrchestrationContext;
}

export type OrchestrationHandler = (context: OrchestrationContext) => Generator<Task, unknown, any>;

export interface OrchestratorAdapterOptions {
  logger?: Logger;
  httpPollIntervalMs: number;
}

export function isGenerator(v: unknown): v is Generator<unknown, unknown, unknown> {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as Generator).next === "function" &&
    typeof (v as Generator).throw === "function"
  );
}

function constraintViolation(value: unknown): Error {
  let msg = `Durable Functions programming constraint violation: Orchestration yielded data of type ${typeof value}.`;
  msg +=
    value === undefined
      ? ' This is likely a result of yielding a "fire-and-forget API" such as signalEntity or continueAsNew.' +
        " These APIs should not be yielded as they are not blocking operations. Please remove the yield statement preceding those invocations." +
        " If you are not calling those APIs, p"
      : " Only Task types can be yielded. P";
  msg +=
    "lease check your yield statements to make sure you only yield Task types resulting from calling Durable Functions APIs.";
  return new Error(msg);
}

export function isAsyncGeneratorFunction(fn: unknown): boolean {
  return typeof fn === "function" && fn.constructor?.name === "AsyncGeneratorFunction";
}

export function toCoreOrchestrator(
  name: string,
  handler: OrchestrationHandler,
  options: OrchestratorAdapterOptions,
): Orchestrator {
  return function* (ctx, input) {
    const df = new DurableOrchestrationContext(ctx, input, {
      httpPollIntervalMs: options.httpPollIntervalMs,
    });
    const context = createInvocationContext(name, "orchestrationTrigger", options.logger, {
      instanceId: ctx.instanceId,
    }) as OrchestrationContext;
    context.df = df;
    const out: unknown = handler(context);
    if (!isGenerator(out)) return out;
    return yield* driveHandler(ctx, out);
  };
}

/**
 * Drive a handler's generator on the core context: schedule each yielded task, hand its core task to the
 * engine, resume the generator with the task's result or throw its error in. Shared by both models.
 */
export function* driveHandler(
  ctx: CoreContext,
  gen: Generator<unknown, unknown, unknown>,
): Generator<DurableTask<unknown>, unknown, unknown> {
  let step = gen.next();
  for (;;) {
    if (step.done) return step.value;
    const task = step.value;
    if (!(task instanceof DFTask)) throw constraintViolation(task);
    let core: DurableTask<unknown>;
    try {
      // A cancelled timer never completes: yielding it waits forever, as in v3.
      core = task instanceof DFTimerTask && task.isCanceled ? never() : task._schedule(ctx);
    } catch (err) {
      // A locking rule core enforces when the task is scheduled: thrown at the yield, where it can be caught.
      if (!(err instanceof LockingRulesViolationError)) throw err;
      step = gen.throw(err);
      continue;
    }
    try {
      yield core;
    } catch {
      // the outcome is read from the task below
    }
    step = task.isFaulted ? gen.throw(task.result) : gen.next(task.result);
  }
}
