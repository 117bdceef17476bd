// Runs classic (2.x) function folders as the host does: the durable ones registered with
// registerClassicFunction on a worker over the in-memory backend (virtual clock: timers of hours take
// milliseconds), the HTTP ones called with a classic context whose durableClient binding is
// classicClientBinding(client), as the host's HTTP server would call them.
import { TaskHubWorker, type OrchestrationService } from "@taskhub/core";
import { InMemoryOrchestrationService } from "@taskhub/core/testing";
import {
  classicClientBinding,
  createClassicContext,
  registerClassicFunction,
  type ClassicRegisterOptions,
  type ClassicTrigger,
  type DurableClient,
} from "../../src/index.js";
import { createWorkerClient } from "../../src/client/worker-client.js";
import type { FunctionFolder } from "../fixtures/classic-app.js";

const DURABLE: ClassicTrigger[] = ["orchestrationTrigger", "activityTrigger", "entityTrigger"];

export interface HttpCall {
  method?: string;
  url?: string;
  params?: Record<string, string>;
  body?: unknown;
}

export interface ClassicRunning {
  service: OrchestrationService;
  worker: TaskHubWorker;
  client: DurableClient;
  /** Call an HTTP function; resolves with what it returned or put in context.res. */
  http(
    name: string,
    call?: HttpCall,
  ): Promise<{ status?: number; body?: unknown; headers?: Record<string, unknown> }>;
  stop(): Promise<void>;
}

export function triggerOf(f: FunctionFolder): string | undefined {
  return f.bindings.map((b) => String(b.type)).find((t) => t.endsWith("Trigger"));
}

export async function startClassic(
  functions: FunctionFolder[],
  options: ClassicRegisterOptions & {
    virtual?: boolean;
    service?: OrchestrationService;
    origin?: string;
  } = {},
): Promise<ClassicRunning> {
  const virtual = options.virtual ?? true;
  const service =
    options.service ??
    new InMemoryOrchestrationService(
      virtual ? { clock: "virtual", autoAdvanceTime: true, pollIntervalMs: 20 } : { pollIntervalMs: 20 },
    );
  const worker = new TaskHubWorker(service);
  // context.log goes nowhere unless the test asks for it.
  const quiet = {
    info() {},
    warn() {},
    error() {},
    debug() {},
  } as unknown as ClassicRegisterOptions["logger"];
  options = { logger: quiet, ...options };
  for (const f of functions) {
    const trigger = triggerOf(f) as ClassicTrigger;
    if (DURABLE.includes(trigger))
      registerClassicFunction(
        worker,
        { name: f.name, trigger, handler: f.handler, bindings: f.bindings },
        options,
      );
  }
  await worker.start();
  const client = createWorkerClient(worker, {
    ...(options.service ? {} : { taskHubName: "TestHub" }),
    origin: options.origin ?? "http://localhost:7071",
  })!;
  return {
    service,
    worker,
    client,
    async http(name, call = {}) {
      const f = functions.find((x) => x.name === name);
      if (!f) throw new Error(`no function ${name}`);
      const req = {
        method: call.method ?? "POST",
        url: call.url ?? `http://localhost:7071/api/${name}`,
        params: call.params ?? {},
        query: {},
        headers: {},
        body: call.body,
      };
      const bindings: Record<string, unknown> = { req };
      for (const b of f.bindings)
        if (b.type === "durableClient") bindings[b.name as string] = classicClientBinding(client);
      let doneWith: unknown;
      const context = createClassicContext({
        functionName: name,
        bindings,
        bindingData: { req, ...req.params },
        bindingDefinitions: f.bindings,
        ...(options.logger ? { logger: options.logger } : {}),
        done: (err, result) => {
          if (err) throw err;
          doneWith = result;
        },
      });
      context.req = req;
      const out = await (f.handler as (c: unknown, r: unknown) => unknown)(context, req);
      return (out ?? doneWith ?? context.res) as {
        status?: number;
        body?: unknown;
        headers?: Record<string, unknown>;
      };
    },
    stop: () => worker.stop({ drainTimeoutMs: 1000 }),
  };
}
