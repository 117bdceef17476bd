// @taskhub/durable-functions: both durable-functions programming models on taskhub: v3's `df.app.*` (the
// Node.js v4 model) and 2.x's classic `df.orchestrator` / `df.entity` / `df.getClient(context)` (function.json
// apps). Change `import * as df from "durable-functions"` to `import * as df from "@taskhub/durable-functions"`.
// Its public types use Node's (Symbol.dispose, and the host's): this package depends on @types/node and this
// directive, kept in the emitted .d.ts, brings them into a user's program.
/// <reference types="node" preserve="true" />
import type { TaskRegistrar } from "@taskhub/core";
import { defaultApp, type RegisterOptions } from "./registry.js";
import type { DurableClient } from "./client/durable-client.js";
import { getClassicClient, isClassicContext } from "./classic/client-binding.js";
import type { DurableOrchestrationClient } from "./classic/orchestration-client.js";
import { clientFromContext } from "./client/client-from-context.js";

export * as app from "./app.js";
export {
  FunctionApp,
  createApp,
  type RegisterOptions,
  type ActivityHandler,
  type ActivityOptions,
  type OrchestrationOptions,
  type EntityOptions,
  type RegisteredActivity,
  type RegisteredActivityTask,
  type RegisteredOrchestration,
  type RegisteredOrchestrationTask,
  type DurableClientOptions as ClientFunctionOptions,
} from "./registry.js";
export { DurableOrchestrationContext, DurableLock, LockState } from "./orchestration/context.js";
export type { Task, TimerTask } from "./orchestration/tasks.js";
export type { OrchestrationContext, OrchestrationHandler } from "./orchestration/orchestrator.js";
export type { InvocationContext, LogHandler, LogLevel } from "./orchestration/invocation-context.js";
export { DummyOrchestrationContext, DummyEntityContext } from "./testing.js";
export type { DurableEntityContext, EntityContext, EntityHandler } from "./entity/entity-context.js";
export { EntityId } from "./entity/entity-id.js";
export { RetryOptions } from "./retry-options.js";
export {
  DurableError,
  AggregatedError,
  TaskFailedError,
  LockingRulesViolationError,
  type FailureDetails,
} from "./errors.js";
export {
  ManagedIdentityTokenSource,
  DurableHttpResponse,
  HTTP_ACTIVITY_NAME,
  type CallHttpOptions,
  type DurableHttpRequest,
  type TokenSource,
  type TokenProvider,
} from "./http/call-http.js";
export {
  HttpRequest,
  HttpResponse,
  type HttpResponseInit,
  type HttpDurableClientHandler,
  type HttpDurableClientOptions,
} from "./http/http-functions.js";
export { DurableClient, type DurableClientOptions, type RequestLike } from "./client/durable-client.js";
// Every status and option type of v3's client.
export * from "./client/status.js";
export type { HttpManagementPayload } from "@taskhub/core/management";

// The classic model (durable-functions 2.x).
export {
  orchestrator,
  entity,
  classicDefinitionOf,
  type ClassicDefinition,
  type ClassicHandler,
  type ClassicOrchestratorFunction,
  type ClassicEntityFunction,
} from "./classic/marker.js";
export {
  registerClassicFunction,
  type ClassicFunction,
  type ClassicRegisterOptions,
  type ClassicTrigger,
} from "./classic/register.js";
export { classicClientBinding } from "./classic/client-binding.js";
export {
  DurableOrchestrationClient,
  type ClassicHttpResponse,
  type ClassicOrchestrationStatus,
  type ClassicRequestLike,
} from "./classic/orchestration-client.js";
export { ClassicOrchestrationContext } from "./classic/orchestration-context.js";
export {
  createClassicContext,
  type ClassicContext,
  type ClassicContextInit,
  type ClassicLogger,
  type ClassicBindingDefinition,
  type ClassicOrchestrationFunctionContext,
  type ClassicOrchestrationFunctionContext as IOrchestrationFunctionContext,
  type ClassicEntityContext,
  type ClassicEntityContext as IEntityFunctionContext,
} from "./classic/function-context.js";

/** Add every function declared with `df.app.*` to the worker; `getClient()` then talks to its task hub. */
export function registerApp(worker: TaskRegistrar, options: RegisterOptions = {}): void {
  defaultApp.register(worker, options);
}

/** `taskhub worker --app <module>` calls this: `export { register } from "@taskhub/durable-functions"`. */
export function register(worker: TaskRegistrar): void {
  defaultApp.register(worker);
}

/**
 * Classic model (a Functions context with `bindings`, 2.x): the `DurableOrchestrationClient` of the function's
 * `durableClient` binding. v4 model (v3's `df.getClient(context)`): the `DurableClient` of the registered
 * worker (an `@azure/functions` v4 context must declare a durable client input).
 */
export function getClient(context: { bindings: Record<string, unknown> }): DurableOrchestrationClient;
export function getClient(context?: unknown): DurableClient;
export function getClient(context?: unknown): DurableClient | DurableOrchestrationClient {
  if (isClassicContext(context)) return getClassicClient(context);
  return clientFromContext(context) ?? defaultApp.getClient(context);
}

/** Use this client for `getClient()` (e.g. a client process without a worker). */
export function setClient(client: DurableClient | undefined): void {
  defaultApp.setClient(client);
}

/** Serve the `app.client.http` functions: a fetch-style handler resolving to undefined for other paths. */
export function createHttpHandler(
  options: { client?: DurableClient } = {},
): (request: Request) => Promise<Response | undefined> {
  return defaultApp.createHttpHandler(options);
}

/** Run a non-HTTP client function (timer, queue, ...) with its trigger input. */
export function invokeClientFunction(
  name: string,
  triggerInput: unknown,
  client?: DurableClient,
): Promise<unknown> {
  return defaultApp.invokeClientFunction(name, triggerInput, client);
}

/** v3's `df.input.durableClient()` / `df.trigger.*` binding descriptors, for source compatibility. */
export const input = { durableClient: () => ({ type: "durableClient", name: "durableClient" }) };
export const trigger = {
  orchestration: () => ({ type: "orchestrationTrigger", name: "context" }),
  activity: () => ({ type: "activityTrigger", name: "input" }),
  entity: () => ({ type: "entityTrigger", name: "context" }),
  client: () => ({ type: "durableClient", name: "durableClient" }),
};
