/**
 * The function app: what `app.orchestration / activity / entity / client.*` declare, and how it goes onto
 * a `TaskHubWorker`. `registerApp(worker)` (or the `register` export, which `taskhub worker --app` calls)
 * adds every declared function, the built-in HTTP activity used by `callHttp`, and makes `getClient()`
 * return a `DurableClient` for that worker's task hub.
 */
import {
  isEntityClass,
  TaskHubError,
  type EntityClass,
  type Logger,
  type TaskRegistrar,
} from "@taskhub/core";
import type { DurableClient } from "./client/durable-client.js";
import { createWorkerClient, type WorkerClientOptions } from "./client/worker-client.js";
import { toCoreEntity, type EntityHandler } from "./entity/entity-context.js";
import {
  DEFAULT_HTTP_POLL_INTERVAL_MS,
  registerHttpActivity,
  HTTP_ACTIVITY_NAME,
  type TokenProvider,
} from "./http/call-http.js";
import {
  compileRoute,
  HttpRequest,
  toResponse,
  type CompiledRoute,
  type HttpDurableClientOptions,
} from "./http/http-functions.js";
import { activityTask, subOrchestrationTask } from "./orchestration/context.js";
import { createInvocationContext, type InvocationContext } from "./orchestration/invocation-context.js";
import {
  isAsyncGeneratorFunction,
  toCoreOrchestrator,
  type OrchestrationHandler,
} from "./orchestration/orchestrator.js";
import type { RetryOptions } from "./retry-options.js";
import type { Task } from "./orchestration/tasks.js";

export type ActivityHandler = (input: any, context: InvocationContext) => unknown;

export interface ActivityOptions {
  handler: ActivityHandler;
  extraInputs?: unknown[];
  extraOutputs?: unknown[];
}

export interface OrchestrationOptions {
  handler: OrchestrationHandler;
}

export interface EntityOptions<T> {
  handler: EntityHandler<T>;
}

export interface RegisteredActivityTask extends Task {
  withRetry: (retryOptions: RetryOptions) => Task;
}
export type RegisteredActivity = (input?: unknown) => RegisteredActivityTask;

export interface RegisteredOrchestrationTask extends Task {
  withRetry: (retryOptions: RetryOptions) => Task;
}
export type RegisteredOrchestration = (input?: unknown, instanceId?: string) => RegisteredOrchestrationTask;

/** A client function of any other trigger type: run it yourself with `invokeClientFunction`. */
export interface DurableClientOptions {
  handler: (triggerInput: any, client: DurableClient, context: InvocationContext) => unknown;
  [option: string]: unknown;
}

export interface RegisterOptions extends WorkerClientOptions {
  /** Bearer tokens for `callHttp({ tokenSource })`. */
  tokenProvider?: TokenProvider;
  /** Delay between polls of a 202 without Retry-After (default 30 s). */
  httpPollIntervalMs?: number;
  /** Where `context.log` & co. go (default: the console). */
  logger?: Logger;
  /** Make `getClient()` return a client for this worker (default true). */
  setDefaultClient?: boolean;
}

interface ClientFunction {
  trigger: string;
  options: DurableClientOptions | HttpDurableClientOptions;
  route?: CompiledRoute;
}

/** One function app's declarations. `app` (the module export) is the default one. */
export class FunctionApp {
  private readonly orchestrations = new Map<string, OrchestrationHandler>();
  private readonly activities = new Map<string, ActivityOptions>();
  private readonly entities = new Map<string, EntityHandler<any> | EntityClass>();
  private readonly clientFunctions = new Map<string, ClientFunction>();
  private defaultClient: DurableClient | undefined;
  private logger: Logger | undefined;

  orchestration(
    functionName: string,
    handlerOrOptions: OrchestrationHandler | OrchestrationOptions,
  ): RegisteredOrchestration {
    const handler = typeof handlerOrOptions === "function" ? handlerOrOptions : handlerOrOptions?.handler;
    if (typeof handler !== "function") throw new TypeError(`orchestration '${functionName}' needs a handler`);
    if (isAsyncGeneratorFunction(handler))
      throw new TaskHubError(
        "InvalidArgument",
        `orchestration '${functionName}' is an async generator: durable-functions v3 orchestrations are function* (context) => ..., ` +
          `so write it as function* to keep it portable to Azure Functions; code in the durabletask-js style ` +
          `(async function* (ctx, input) with the core ctx API) runs on the worker itself: worker.addOrchestrator(name, fn)`,
      );
    this.claim(functionName, this.orchestrations);
    this.orchestrations.set(functionName, handler);
    return (input?: unknown, instanceId?: string) => subOrchestrationTask(functionName, input, instanceId);
  }

  activity(functionName: string, options: ActivityOptions): RegisteredActivity {
    if (typeof options?.handler !== "function")
      throw new TypeError(`activity '${functionName}' needs { handler }`);
    this.claim(functionName, this.activities);
    this.activities.set(functionName, options);
    return (input?: unknown) => activityTask(functionName, input);
  }

  /** A v3 entity function; a class (methods are operations) is accepted too, as core runs it. */
  entity<T = unknown>(
    functionName: string,
    handlerOrOptions: EntityHandler<T> | EntityOptions<T> | EntityClass,
  ): void {
    const handler = typeof handlerOrOptions === "function" ? handlerOrOptions : handlerOrOptions?.handler;
    if (typeof handler !== "function") throw new TypeError(`entity '${functionName}' needs a handler`);
    this.claim(functionName, this.entities);
    this.entities.set(functionName, handler as EntityHandler<any> | EntityClass);
  }

  /** `app.client.http / timer / generic / ...`: functions that receive a `DurableClient`. */
  readonly client = {
    http: (name: string, options: HttpDurableClientOptions): void =>
      this.addClient(
        name,
        "http",
        options,
        compileRoute(name, options.route, options.methods ?? ["GET", "POST"]),
      ),
    timer: (name: string, options: DurableClientOptions): void => this.addClient(name, "timer", options),
    storageBlob: (name: string, options: DurableClientOptions): void =>
      this.addClient(name, "storageBlob", options),
    storageQueue: (name: string, options: DurableClientOptions): void =>
      this.addClient(name, "storageQueue", options),
    serviceBusQueue: (name: string, options: DurableClientOptions): void =>
      this.addClient(name, "serviceBusQueue", options),
    serviceBusTopic: (name: string, options: DurableClientOptions): void =>
      this.addClient(name, "serviceBusTopic", options),
    eventHub: (name: string, options: DurableClientOptions): void =>
      this.addClient(name, "eventHub", options),
    eventGrid: (name: string, options: DurableClientOptions): void =>
      this.addClient(name, "eventGrid", options),
    cosmosDB: (name: string, options: DurableClientOptions): void =>
      this.addClient(name, "cosmosDB", options),
    generic: (name: string, options: DurableClientOptions): void => this.addClient(name, "generic", options),
  };

  /** Accepted for source compatibility; custom exception properties are not propagated (see README). */
  setExceptionPropertiesProvider(_provider: unknown): void {}

  /** Names of everything declared, by kind. */
  functionNames(): {
    orchestrations: string[];
    activities: string[];
    entities: string[];
    clientFunctions: string[];
  } {
    return {
      orchestrations: [...this.orchestrations.keys()],
      activities: [...this.activities.keys()],
      entities: [...this.entities.keys()],
      clientFunctions: [...this.clientFunctions.keys()],
    };
  }

  /**
   * Add every declared orchestration, activity and entity (and the built-in HTTP activity) to `worker`. Given a
   * bare `TaskRegistry` (no worker, so no task hub: `taskhub replay` reads the app that way), no client is made.
   */
  register(worker: TaskRegistrar, options: RegisterOptions = {}): void {
    const logger = options.logger;
    this.logger = logger;
    const httpPollIntervalMs = options.httpPollIntervalMs ?? DEFAULT_HTTP_POLL_INTERVAL_MS;
    for (const [name, handler] of this.orchestrations)
      worker.addOrchestrator(name, toCoreOrchestrator(name, handler, { logger, httpPollIntervalMs }));
    for (const [name, { handler }] of this.activities)
      worker.addActivity(name, (actx, input) =>
        handler(
          input,
          createInvocationContext(name, "activityTrigger", logger, {
            instanceId: actx.instanceId,
            taskId: actx.taskId,
          }),
        ),
      );
    for (const [name, handler] of this.entities)
      worker.addEntity(
        name,
        isEntityClass(handler as EntityClass)
          ? (handler as EntityClass)
          : toCoreEntity(name, handler as EntityHandler<any>, logger),
      );
    if (!this.activities.has(HTTP_ACTIVITY_NAME)) registerHttpActivity(worker, options.tokenProvider);
    if (options.setDefaultClient !== false) {
      const client = createWorkerClient(worker, options);
      if (client) this.defaultClient = client;
    }
  }

  /** The client set by `register` (or `setClient`). Throws when there is none. */
  getClient(_context?: unknown): DurableClient {
    if (!this.defaultClient)
      throw new TaskHubError(
        "InvalidOperation",
        "no durable client: call registerApp(worker) first (the taskhub host does), or setClient(client)",
      );
    return this.defaultClient;
  }

  setClient(client: DurableClient | undefined): void {
    this.defaultClient = client;
  }

  /** Run a non-HTTP client function with its trigger input (e.g. from your own timer or queue listener). */
  async invokeClientFunction(
    name: string,
    triggerInput: unknown,
    client: DurableClient = this.getClient(),
  ): Promise<unknown> {
    const fn = this.clientFunctions.get(name);
    if (!fn) throw new TaskHubError("InvalidArgument", `no client function named '${name}'`);
    const context = createInvocationContext(name, fn.trigger, this.logger);
    return (fn.options.handler as (t: unknown, c: DurableClient, x: InvocationContext) => unknown)(
      triggerInput,
      client,
      context,
    );
  }

  /**
   * A fetch-style handler for the `app.client.http` functions under `/api/...`: resolves to the response,
   * or to undefined when no function matches the path (404 is then the caller's to send). A handler that
   * throws answers 500.
   */
  createHttpHandler(
    options: { client?: DurableClient } = {},
  ): (request: Request) => Promise<Response | undefined> {
    return async (request) => {
      const path = new URL(request.url).pathname;
      for (const [name, fn] of this.clientFunctions) {
        if (!fn.route) continue;
        const params = fn.route.match(path);
        if (!params) continue;
        if (fn.route.methods && !fn.route.methods.includes(request.method.toUpperCase())) continue;
        const client = options.client ?? this.getClient();
        const context = createInvocationContext(name, "httpTrigger", this.logger);
        try {
          const out = await (fn.options as HttpDurableClientOptions).handler(
            new HttpRequest(request, params),
            client,
            context,
          );
          return await toResponse(out);
        } catch (err) {
          context.error(err);
          return new Response(JSON.stringify({ error: (err as Error).message }), {
            status: 500,
            headers: { "content-type": "application/json" },
          });
        }
      }
      return undefined;
    };
  }

  private addClient(
    name: string,
    trigger: string,
    options: DurableClientOptions | HttpDurableClientOptions,
    route?: CompiledRoute,
  ): void {
    if (typeof options?.handler !== "function")
      throw new TypeError(`client function '${name}' needs { handler }`);
    this.claim(name, this.clientFunctions);
    this.clientFunctions.set(name, { trigger, options, ...(route ? { route } : {}) });
  }

  private claim(name: string, _into: Map<string, unknown>): void {
    if (typeof name !== "string" || name.length === 0)
      throw new TypeError("function name must be a non-empty string");
    const taken = [this.orchestrations, this.activities, this.entities, this.clientFunctions].some((m) =>
      m.has(name),
    );
    if (taken) throw new TaskHubError("InvalidArgument", `a function named '${name}' is already registered`);
  }
}

/** A separate function app (e.g. one per test); the package's `app` is the default one. */
export function createApp(): FunctionApp {
  return new FunctionApp();
}

export const defaultApp = new FunctionApp();
