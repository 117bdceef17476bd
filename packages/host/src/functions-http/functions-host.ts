/**
 * What the host does with an app's `@azure/functions` registrations: at start, close registration (and the
 * app's `app.setup` options; HTTP streaming is refused: the host has no proxy for it), compile
 * the HTTP functions' routes (a bad route or authLevel refuses the start, naming the function), say once what
 * is served and what is not (a timer, queue, blob, ... trigger is named with its type and never run; so is a
 * binding the host does not provide), run the app's `appStart` hooks; then serve the HTTP functions; at stop,
 * run the `appTerminate` hooks.
 *
 * Log events: `functions.httpFunction` (info, one per HTTP function: functionName, methods, route, authLevel),
 * `functions.triggerNotHosted` (warn: functionName, trigger), `functions.bindingNotHosted` (warn: functionName,
 * binding, type, direction), plus `functions.log` and `functions.invocationFailed` while serving.
 */
import { logEvent } from "@taskhub/core";
import { TaskHubError, type Logger } from "@taskhub/core";
import type { DurableClientBindingData } from "@taskhub/core/management";
import type { HostAuth } from "./auth-level.js";
import type { FunctionsCore } from "./functions-core.js";
import { createHttpFunctionsHandler, httpRoutes } from "./http-functions.js";

export interface FunctionsHostOptions {
  /** `extensions.http.routePrefix` (default `api`; `""` for none). */
  routePrefix?: string;
  /** What `appStart` hooks see as `functionAppDirectory` (default: the working directory). */
  functionAppDirectory?: string;
}

export interface StartedFunctions {
  handler(request: Request): Promise<Response | undefined>;
  /** Runs the `appTerminate` hooks (a hook's failure is logged, not thrown). */
  stop(): Promise<void>;
}

/** Triggers of durable functions: registered through `@azure/functions` only by the real `durable-functions`. */
const DURABLE_TRIGGERS = /^(orchestrationTrigger|activityTrigger|entityTrigger)$/i;

function reportUnhosted(core: FunctionsCore, logger: Logger): void {
  for (const fn of core.functions.values()) {
    const name = fn.metadata.name;
    const bindings = Object.entries(fn.metadata.bindings ?? {});
    const trigger = bindings.find(([, b]) => typeof b.type === "string" && /trigger$/i.test(b.type))?.[1];
    const type = String(trigger?.type ?? "none");
    if (type.toLowerCase() !== "httptrigger") {
      logEvent(
        logger,
        "functions.triggerNotHosted",
        { functionName: name, trigger: type },
        DURABLE_TRIGGERS.test(type)
          ? `the function '${name}' (${type}) was registered through @azure/functions: the app imports the real durable-functions package; import @taskhub/durable-functions (or let taskhub alias it) to run it`
          : `the function '${name}' has a ${type}, which taskhub does not run: it is not served`,
      );
      continue;
    }
    for (const [binding, b] of bindings) {
      if (b === trigger) continue;
      const t = String(b.type ?? "");
      if (b.direction === "out" && t.toLowerCase() === "http") continue;
      if (b.direction === "in" && /^(durableClient|orchestrationClient)$/i.test(t)) continue;
      logEvent(
        logger,
        "functions.bindingNotHosted",
        { functionName: name, binding, type: t, direction: b.direction },
        `the function '${name}' declares the ${b.direction ?? ""} binding '${binding}' (${t}), which taskhub does not provide: it gets nothing there`,
      );
    }
  }
}

export async function startFunctions(
  core: FunctionsCore,
  options: FunctionsHostOptions & {
    auth: HostAuth;
    durableClientBinding(request: Request): DurableClientBindingData;
    logger: Logger;
    baseUrl: string;
  },
): Promise<StartedFunctions> {
  const { logger } = options;
  core.useLogger(logger);
  core.markStarted();
  // As the worker does once the app is loaded: this locks `app.setup(...)`, and says whether the app asked for
  // HTTP streaming, which answers through a proxy of the Functions host's that taskhub does not have.
  const capabilities = await core.programmingModel?.getCapabilities?.({});
  if (capabilities?.HttpUri)
    throw new TaskHubError(
      "InvalidArgument",
      "the app enables HTTP streaming (app.setup({ enableHttpStream: true })), which taskhub does not host: remove that setup call",
    );
  const prefix = (options.routePrefix ?? "api").replace(/^\/+|\/+$/g, "");
  const routes = httpRoutes(core, prefix);
  for (const r of routes)
    logEvent(
      logger,
      "functions.httpFunction",
      {
        functionName: r.name,
        methods: r.methods.length ? r.methods : ["*"],
        route: `/${[prefix, r.route.template].filter(Boolean).join("/")}`,
        authLevel: r.authLevel,
      },
      `HTTP function ${r.name}: ${options.baseUrl}/${[prefix, r.route.template].filter(Boolean).join("/")}`,
    );
  reportUnhosted(core, logger);
  const hookContext = () => ({
    hookData: {},
    appHookData: core.appHookData,
    functionAppDirectory: options.functionAppDirectory ?? process.cwd(),
  });
  for (const hook of [...core.hooksOf("appStart")]) await hook(hookContext());
  const handler = createHttpFunctionsHandler(core, routes, {
    auth: options.auth,
    durableClientBinding: options.durableClientBinding,
    logger,
  });
  return {
    handler,
    async stop() {
      for (const hook of [...core.hooksOf("appTerminate")]) {
        try {
          await hook({ hookData: {}, appHookData: core.appHookData });
        } catch (err) {
          logEvent(logger, "functions.appTerminateFailed", { err }, "an appTerminate hook failed");
        }
      }
    },
  };
}
