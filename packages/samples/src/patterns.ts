/**
 * The Durable Functions application patterns, written against the taskhub API:
 * function chaining, fan-out/fan-in, async HTTP-style status (every instance has it), monitor,
 * human interaction, the eternal orchestration, and the aggregator (a counter entity, in function and class
 * style). `registerSamples` adds them to a worker.
 */
import {
  TimeoutError,
  type DurableTask,
  type EntityContext,
  type OrchestrationContext,
  type TaskHubWorker,
} from "@taskhub/core";

export interface MonitorInput {
  jobId: string;
  pollingIntervalMs: number;
  expiryMs: number;
}

export interface ApprovalInput {
  requestId: string;
  /** How long to wait for the approval event (the classic sample uses 72 hours). */
  timeoutMs: number;
}

export interface EternalInput {
  iteration: number;
  /** Stop after this many iterations (the classic sample runs forever). */
  stopAfter: number;
  intervalMs: number;
}

/** Pattern 1: function chaining, F1 → F2 → F3 → F4, each output feeding the next. */
export function* functionChaining(
  ctx: OrchestrationContext,
  input: number,
): Generator<DurableTask<number>, number, number> {
  const x = yield ctx.callActivity("F1", input);
  const y = yield ctx.callActivity("F2", x);
  const z = yield ctx.callActivity("F3", y);
  return yield ctx.callActivity("F4", z);
}

/** Pattern 2: fan-out/fan-in: one activity per work item in parallel, then the sum. */
export function* fanOutFanIn(
  ctx: OrchestrationContext,
  count: number,
): Generator<DurableTask<any>, number, any> {
  const items: number[] = yield* ctx.callActivity<number[]>("GetWorkItems", count);
  const results: number[] = yield* ctx.whenAll(
    items.map((item) => ctx.callActivity<number>("ProcessItem", item)),
  );
  return results.reduce((a, b) => a + b, 0);
}

/** Pattern 4: monitor: poll a job with durable timers until it is done or the monitor expires. */
export function* monitor(
  ctx: OrchestrationContext,
  input: MonitorInput,
): Generator<DurableTask<any>, { status: string; polls: number }, any> {
  const expiry = ctx.currentUtcDateTime.getTime() + input.expiryMs;
  let polls = 0;
  while (ctx.currentUtcDateTime.getTime() < expiry) {
    polls++;
    const status: string = yield* ctx.callActivity<string>("GetJobStatus", input.jobId);
    ctx.setCustomStatus({ polls, status });
    if (status === "Completed") {
      yield ctx.callActivity("SendAlert", `job ${input.jobId} completed`);
      return { status, polls };
    }
    const next = Math.min(ctx.currentUtcDateTime.getTime() + input.pollingIntervalMs, expiry);
    yield ctx.createTimer(new Date(next));
  }
  return { status: "Expired", polls };
}

/** Pattern 5: human interaction: request approval, then wait for the event or escalate on timeout. */
export function* humanInteraction(
  ctx: OrchestrationContext,
  input: ApprovalInput,
): Generator<DurableTask<any>, string, any> {
  yield ctx.callActivity("RequestApproval", input.requestId);
  try {
    const approved: boolean = yield* ctx.waitForExternalEvent<boolean>("ApprovalEvent", {
      timeoutMs: input.timeoutMs,
    });
    return approved ? "approved" : "rejected";
  } catch (err) {
    if (!(err instanceof TimeoutError)) throw err;
    yield ctx.callActivity("Escalate", input.requestId);
    return "escalated";
  }
}

/** Pattern 6: eternal orchestration: periodic work, then continue-as-new with a fresh history. */
export function* eternal(
  ctx: OrchestrationContext,
  input: EternalInput,
): Generator<DurableTask<any>, number | undefined, any> {
  yield ctx.callActivity("Cleanup", input.iteration);
  if (input.iteration + 1 >= input.stopAfter) return input.iteration + 1;
  yield ctx.createTimer(input.intervalMs);
  ctx.continueAsNew({ ...input, iteration: input.iteration + 1 });
  return undefined;
}

/** The classic hello-cities sequence. */
export function* helloCities(ctx: OrchestrationContext): Generator<DurableTask<string>, string[], string> {
  const out: string[] = [];
  for (const city of ["Tokyo", "Seattle", "London"]) out.push(yield ctx.callActivity("SayHello", city));
  return out;
}

export interface SampleEnvironment {
  /** Calls to GetJobStatus before it reports Completed (default 3). */
  jobCompletesAfterPolls?: number;
  /** Receives side effects (alerts, approval requests, escalations, cleanups) for inspection. */
  record?: (kind: string, value: unknown) => void;
}

/** Pattern 6, the aggregator: a counter entity (function style) with add, reset, get and delete. */
export function counter(ctx: EntityContext<number>): number | undefined {
  const value = ctx.getState(() => 0) ?? 0;
  switch (ctx.operationName) {
    case "add":
      ctx.setState(value + (ctx.getInput<number>() ?? 1));
      return undefined;
    case "reset":
      ctx.setState(0);
      return undefined;
    case "get":
      return value;
    case "delete":
      ctx.deleteState();
      return undefined;
    default:
      throw new Error(`Counter has no operation '${ctx.operationName}'`);
  }
}

/** The same counter in class style: methods are operations, fields are state, `delete` is built in. */
export class CounterClass {
  value = 0;
  add(amount?: number): void {
    this.value += amount ?? 1;
  }
  reset(): void {
    this.value = 0;
  }
  get(): number {
    return this.value;
  }
}

/** Reads the counter from an orchestration (entity calls are replayed like activities). */
export function* readCounter(
  ctx: OrchestrationContext,
  key: string,
): Generator<DurableTask<number>, number, number> {
  return yield ctx.entities.callEntity({ name: "Counter", key }, "get");
}

export function registerSamples(worker: TaskHubWorker, env: SampleEnvironment = {}): TaskHubWorker {
  const record = env.record ?? (() => {});
  const polls = new Map<string, number>();
  return worker
    .addActivity("F1", (_ctx, n: number) => n + 1)
    .addActivity("F2", (_ctx, n: number) => n * 2)
    .addActivity("F3", (_ctx, n: number) => n - 3)
    .addActivity("F4", (_ctx, n: number) => n * 10)
    .addActivity("GetWorkItems", (_ctx, count: number) => Array.from({ length: count }, (_, i) => i + 1))
    .addActivity("ProcessItem", (_ctx, item: number) => item * item)
    .addActivity("GetJobStatus", (_ctx, jobId: string) => {
      const n = (polls.get(jobId) ?? 0) + 1;
      polls.set(jobId, n);
      return n >= (env.jobCompletesAfterPolls ?? 3) ? "Completed" : "Running";
    })
    .addActivity("SendAlert", (_ctx, message: string) => record("alert", message))
    .addActivity("RequestApproval", (_ctx, requestId: string) => record("approvalRequested", requestId))
    .addActivity("Escalate", (_ctx, requestId: string) => record("escalated", requestId))
    .addActivity("Cleanup", (_ctx, iteration: number) => record("cleanup", iteration))
    .addActivity("SayHello", (_ctx, name: string) => `Hello ${name}!`)
    .addOrchestrator("FunctionChaining", functionChaining)
    .addOrchestrator("FanOutFanIn", fanOutFanIn)
    .addOrchestrator("Monitor", monitor)
    .addOrchestrator("HumanInteraction", humanInteraction)
    .addOrchestrator("Eternal", eternal)
    .addOrchestrator("HelloCities", helloCities)
    .addOrchestrator("ReadCounter", readCounter)
    .addEntity("Counter", counter)
    .addEntity("CounterClass", CounterClass);
}
