/**
 * `registerClassicFunction(registrar, { name, trigger, handler, bindings })`: puts one function of a classic
 * (durable-functions 2.x) app on a worker. The host calls it for each `<Function>/function.json` whose
 * trigger is durable; `bindings` are that file's bindings.
 * - `orchestrationTrigger`: the export must be `df.orchestrator(function* (context) {...})`;
 * - `entityTrigger`: the export must be `df.entity((context) => {...})`;
 * - `activityTrigger`: the export is the function itself, `async function (context, input)`; the input is
 *   also in `context.bindings[<trigger binding name>]`; it returns its result (or a promise of it), or
 *   calls `context.done(err, result)`. A `durableClient` (or older `orchestrationClient`) binding gets
 *   `classicClientBinding(...)`.
 * Anything else throws an Error naming the function and what was expected.
 */
import type { Activity, EntityFunction, Logger, Orchestrator, TaskRegistrar } from "@taskhub/core";
import type { DurableClient } from "../client/durable-client.js";
import { createWorkerClient } from "../client/worker-client.js";
import { durableEntityContext } from "../entity/entity-context.js";
import { useClassicTaskErrors } from "../errors.js";
import {
  DEFAULT_HTTP_POLL_INTERVAL_MS,
  registerHttpActivity,
  type TokenProvider,
} from "../http/call-http.js";
import { DurableOrchestrationContext } from "../orchestration/context.js";
import { driveHandler, isGenerator } from "../orchestration/orchestrator.js";
import { classicClientBinding } from "./client-binding.js";
import {
  createClassicContext,
  type ClassicContext,
  type ClassicEntityContext,
  type ClassicOrchestrationFunctionContext,
} from "./function-context.js";
import {
  classicDefinitionOf,
  type ClassicEntityFunction,
  type ClassicOrchestratorFunction,
} from "./marker.js";
import { ClassicOrchestrationContext } from "./orchestration-context.js";

export type ClassicTrigger = "orchestrationTrigger" | "activityTrigger" | "entityTrigger";

export interface ClassicFunction {
  /** The function's name (its folder's name): the orchestrator / activity / entity name. */
  name: string;
  trigger: ClassicTrigger;
  /** What the function's script exports (`module.exports`, or its `entryPoint`). */
  handler: unknown;
  /** The `bindings` of its function.json. */
  bindings: readonly Record<string, unknown>[];
  /** The function's folder (`context.executionContext.functionDirectory`). */
  functionDirectory?: string;
}

export interface ClassicRegisterOptions {
  /** Where `context.log` goes (pino-compatible); default the console. */
  logger?: Logger;
  /** Default delay between polls of a 202 without Retry-After in `callHttp` (default 30 s). */
  httpPollIntervalMs?: number;
  /** Bearer tokens for `callHttp(..., tokenSource)`. */
  tokenProvider?: TokenProvider;
  /** The client for activities' `durableClient` bindings (default: one for the worker's task hub). */
  client?: DurableClient;
}

type ActivityFunction = (context: ClassicContext, input: unknown) => unknown;

const DEFAULT_BINDING_NAME: Record<ClassicTrigger, string> = {
  orchestrationTrigger: "context",
  entityTrigger: "context",
  activityTrigger: "input",
};

const EXPECTED: Record<ClassicTrigger, string> = {
  orchestrationTrigger: "df.orchestrator(function* (context) { ... })",
  entityTrigger: "df.entity(function (context) { ... })",
  activityTrigger: "a function (context, input) => result",
};

function typeOf(b: Record<string, unknown>): string {
  return typeof b.type === "string" ? b.type.toLowerCase() : "";
}

function describe(handler: unknown): string {
  const d = classicDefinitionOf(handler);
  if (d) return d.kind === "orchestrator" ? "df.orchestrator(...)" : "df.entity(...)";
  if (typeof handler === "function")
    return handler.constructor?.name === "GeneratorFunction" ? "a generator function" : "a function";
  return handler === null ? "null" : typeof handler;
}

function refuse(f: ClassicFunction, what: string): never {
  throw new Error(
    `function '${f.name}' (${f.trigger}): ${what}; its export must be ${EXPECTED[f.trigger]}, ` +
      `but it is ${describe(f.handler)}`,
  );
}

/** Add one classic function to the worker (see the file's comment). */
export function registerClassicFunction(
  registrar: TaskRegistrar,
  f: ClassicFunction,
  options: ClassicRegisterOptions = {},
): void {
  if (!f || typeof f.name !== "string" || f.name.length === 0)
    throw new TypeError("registerClassicFunction needs { name, trigger, handler, bindings }");
  const bindings = Array.isArray(f.bindings) ? f.bindings : [];
  const trigger = bindings.find((b) => typeOf(b) === String(f.trigger).toLowerCase());
  const bindingName = typeof trigger?.name === "string" ? trigger.name : DEFAULT_BINDING_NAME[f.trigger];
  const definition = classicDefinitionOf(f.handler);
  switch (f.trigger) {
    case "orchestrationTrigger": {
      if (definition?.kind !== "orchestrator") refuse(f, "not an orchestrator");
      const fn = definition.fn;
      if (fn.constructor?.name !== "GeneratorFunction")
        refuse(f, "the function given to df.orchestrator is not a generator function (function*)");
      registrar.addOrchestrator(f.name, classicOrchestrator(f, bindingName, fn, options));
      registerHttpActivity(registrar, options.tokenProvider);
      return;
    }
    case "entityTrigger":
      if (definition?.kind !== "entity") refuse(f, "not an entity");
      registrar.addEntity(f.name, classicEntity(f, bindingName, definition.fn, options));
      return;
    case "activityTrigger": {
      if (definition || typeof f.handler !== "function") refuse(f, "not an activity");
      // `orchestrationClient` is the binding's name in older (1.x-era) function.json files.
      const clients = bindings.filter(
        (b) =>
          (typeOf(b) === "durableclient" || typeOf(b) === "orchestrationclient") &&
          typeof b.name === "string",
      );
      let client = options.client;
      if (clients.length > 0 && !client) client = createWorkerClient(registrar);
      const clientBindings: Record<string, unknown> = {};
      if (client) for (const b of clients) clientBindings[b.name as string] = classicClientBinding(client);
      registrar.addActivity(
        f.name,
        classicActivity(f, bindingName, f.handler as ActivityFunction, clientBindings, options),
      );
      return;
    }
    default:
      throw new Error(
        `function '${f.name}': registerClassicFunction runs orchestrationTrigger, activityTrigger and ` +
          `entityTrigger functions, not '${String(f.trigger)}'`,
      );
  }
}

function classicOrchestrator(
  f: ClassicFunction,
  bindingName: string,
  fn: ClassicOrchestratorFunction,
  options: ClassicRegisterOptions,
): Orchestrator {
  return function* (ctx, input) {
    useClassicTaskErrors(ctx);
    const inner = new DurableOrchestrationContext(ctx, input, {
      httpPollIntervalMs: options.httpPollIntervalMs ?? DEFAULT_HTTP_POLL_INTERVAL_MS,
    });
    const context = createClassicContext({
      functionName: f.name,
      ...(f.functionDirectory ? { functionDirectory: f.functionDirectory } : {}),
      // The part of 2.x's orchestration binding a function may read (`context.bindings.context.input`).
      bindings: {
        [bindingName]: {
          instanceId: ctx.instanceId,
          input,
          parentInstanceId: ctx.parent?.instanceId,
          isReplaying: ctx.isReplaying,
        },
      },
      bindingData: { instanceId: ctx.instanceId },
      bindingDefinitions: f.bindings,
      ...(options.logger ? { logger: options.logger } : {}),
      logFields: { instanceId: ctx.instanceId },
    }) as ClassicOrchestrationFunctionContext;
    context.df = new ClassicOrchestrationContext(inner);
    const gen: unknown = fn(context);
    if (!isGenerator(gen))
      throw new TypeError(`orchestrator '${f.name}' did not return a generator (write it as function*)`);
    return yield* driveHandler(ctx, gen);
  };
}

function classicEntity(
  f: ClassicFunction,
  bindingName: string,
  fn: ClassicEntityFunction<any>,
  options: ClassicRegisterOptions,
): EntityFunction {
  return async (ctx) => {
    const df = durableEntityContext<unknown>(ctx as never);
    const context = createClassicContext({
      functionName: f.name,
      ...(f.functionDirectory ? { functionDirectory: f.functionDirectory } : {}),
      bindings: { [bindingName]: { self: df.entityId, exists: !df.isNewlyConstructed } },
      bindingDefinitions: f.bindings,
      ...(options.logger ? { logger: options.logger } : {}),
      logFields: { entity: `@${df.entityName}@${df.entityKey}` },
    }) as ClassicEntityContext<unknown>;
    context.df = df;
    await fn(context);
    return undefined;
  };
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    (typeof v === "object" || typeof v === "function") &&
    v !== null &&
    typeof (v as { then?: unknown }).then === "function"
  );
}

/**
 * An activity: the result is what its promise resolves to, what `context.done(null, result)` passes, or
 * (for a plain function that never calls `done`) what it returns. The first of these wins, as in Functions.
 */
function classicActivity(
  f: ClassicFunction,
  bindingName: string,
  fn: ActivityFunction,
  clientBindings: Record<string, unknown>,
  options: ClassicRegisterOptions,
): Activity {
  return (actx, input) =>
    new Promise<unknown>((resolve, reject) => {
      let settled = false;
      const done = (err?: unknown, result?: unknown): void => {
        if (settled) return;
        settled = true;
        if (err !== undefined && err !== null)
          reject(err instanceof Error ? err : new Error(typeof err === "string" ? err : JSON.stringify(err)));
        else resolve(result);
      };
      const context = createClassicContext({
        functionName: f.name,
        ...(f.functionDirectory ? { functionDirectory: f.functionDirectory } : {}),
        bindings: { ...clientBindings, [bindingName]: input },
        bindingData: { [bindingName]: input, instanceId: actx.instanceId },
        bindingDefinitions: f.bindings,
        ...(options.logger ? { logger: options.logger } : {}),
        logFields: { instanceId: actx.instanceId, taskId: actx.taskId },
        done,
      });
      let out: unknown;
      try {
        out = fn(context, input);
      } catch (err) {
        done(err ?? new Error(`activity '${f.name}' threw ${String(err)}`));
        return;
      }
      if (isThenable(out))
        out.then(
          (value) => done(null, value),
          (err: unknown) => done(err ?? new Error(`activity '${f.name}' rejected with ${String(err)}`)),
        );
      else if (out !== undefined) done(null, out);
    });
}
