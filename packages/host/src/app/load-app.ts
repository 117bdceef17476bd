/**
 * What `taskhub worker --app <path>` and `taskhub replay --app <path>` load. A module (file) exports
 * `register(worker)` (or a default function) and optionally `httpHandler`. A folder is a Functions app:
 * `local.settings.json`, `host.json`, every `<Function>/function.json` (the classic model) and the modules
 * `package.json` `main` names (the v4 model, registered without a `register` export). The app's
 * `durable-functions` import is aliased to `@taskhub/durable-functions` unless `aliasDurableFunctions` is false.
 * Everything is loaded and registered once on a bare registry here, so that a bad app fails at start.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { TaskRegistry, type Logger, type TaskRegistrar } from "@taskhub/core";
import type { HttpHandler } from "../host.js";
import { AppError, loadFailure, type AppNotice } from "./app-error.js";
import { createClassicHttpHandler } from "./classic-http.js";
import { loadClassicFunction, registerClassicFunctions, type ClassicFunction } from "./classic-functions.js";
import { classicMember, facadePath, loadFacade, type Facade } from "./facade.js";
import { readFunctionJsons } from "./function-json.js";
import { readHostJson } from "./host-json.js";
import { applyLocalSettings } from "./local-settings.js";
import { mainEntries } from "./main-entries.js";
import { registerModuleAliases } from "./module-aliases.js";

/** `taskhub worker` gives it a `TaskHubWorker`; `taskhub replay` a bare `TaskRegistry` (no worker, no backend). */
export type RegisterFn = (worker: TaskRegistrar) => void | Promise<void>;

export interface LoadAppOptions {
  /** Resolve the app's `durable-functions` to `@taskhub/durable-functions` (default true). */
  aliasDurableFunctions?: boolean;
  /** Refuse (an `AppError`) a function whose binding the host does not run, instead of a notice. */
  strict?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** What the host needs to serve HTTP functions: its key and its logger (known once configuration is read). */
export interface HttpContext {
  auth: { key: string } | "disabled";
  logger(): Logger | undefined;
}

export interface LoadedApp {
  register: RegisterFn;
  /** The app's HTTP functions, given the host's key and logger. */
  httpHandler?: (http: HttpContext) => HttpHandler;
  /** A folder's host.json settings, the configuration's lowest layer. */
  appSettings?: Record<string, unknown>;
  /** `extensions.http.routePrefix` (`api` unless host.json says otherwise). */
  routePrefix: string;
  notices: AppNotice[];
}

export async function loadApp(path: string, options: LoadAppOptions = {}): Promise<LoadedApp> {
  const full = resolve(path);
  if (!existsSync(full))
    throw new AppError(full, "does not exist (--app takes a module or a Functions app folder)");
  const aliasing = options.aliasDurableFunctions !== false;
  if (!statSync(full).isDirectory()) {
    if (aliasing) tryAliasDurableFunctions();
    return loadModule(full);
  }
  const env = options.env ?? process.env;
  applyLocalSettings(full, env);
  const hostJson = readHostJson(full);
  const { functions: definitions, notices } = readFunctionJsons(full, env);
  if (options.strict) {
    const refused = notices.find((n) => n.event === "app.bindingNotHosted");
    if (refused) throw new AppError(refused.file, `${refused.message} (--strict)`);
  }
  const entries = mainEntries(full);
  if (definitions.length === 0 && entries.length === 0)
    throw new AppError(full, "holds no function: no <Function>/function.json and no package.json main");
  if (aliasing) registerModuleAliases({ "durable-functions": facadePath() });
  const facade = await loadFacade();
  for (const entry of entries) {
    try {
      await import(pathToFileURL(entry).href);
    } catch (err) {
      throw new AppError(entry, `cannot be loaded: ${loadFailure(err)}`, { cause: err });
    }
  }
  const classic: ClassicFunction[] = [];
  for (const d of definitions) classic.push(await loadClassicFunction(d));

  const register: RegisterFn = (worker) => {
    facade.register(worker);
    registerClassicFunctions(worker, classic, facade);
  };
  // A dry run on a bare registry: a name registered twice (two models, or a classic and a v4 function) fails now.
  try {
    await register(new TaskRegistry());
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError(full, (err as Error).message, { cause: err });
  }
  const http = classic.filter((f) => f.trigger === "httpTrigger");
  return {
    register,
    httpHandler: (ctx) => folderHttpHandler(facade, http, hostJson.routePrefix, ctx),
    // As Functions: the storage connection is the app setting AzureWebJobsStorage unless host.json names another
    // (the configuration falls back to AZURE_STORAGE_CONNECTION_STRING when it is not set).
    appSettings: { connectionName: "AzureWebJobsStorage", ...hostJson.settings },
    routePrefix: hostJson.routePrefix,
    notices: [...hostJson.notices, ...notices],
  };
}

/** Classic HTTP functions first, then the v4 model's `app.client.http` functions. */
function folderHttpHandler(
  facade: Facade,
  http: readonly ClassicFunction[],
  routePrefix: string,
  ctx: HttpContext,
): HttpHandler {
  const classic =
    http.length === 0
      ? undefined
      : createClassicHttpHandler({
          functions: http,
          routePrefix,
          auth: ctx.auth,
          logger: ctx.logger,
          clientBinding: () => classicMember(facade, "classicClientBinding")(facade.getClient()),
        });
  const v4 = facade.createHttpHandler();
  return async (request) => (await classic?.(request)) ?? (await v4(request));
}

/** A module app: the aliasing applies when the facade is installed. */
function tryAliasDurableFunctions(): void {
  let target: string;
  try {
    target = facadePath();
  } catch {
    return;
  }
  registerModuleAliases({ "durable-functions": target });
}

async function loadModule(file: string): Promise<LoadedApp> {
  let mod: { register?: RegisterFn; default?: RegisterFn; httpHandler?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as typeof mod;
  } catch (err) {
    throw new AppError(file, `cannot be loaded: ${loadFailure(err)}`, { cause: err });
  }
  const fn = mod.register ?? mod.default;
  if (typeof fn !== "function") return zeroChangeModule(file);
  if (mod.httpHandler !== undefined && typeof mod.httpHandler !== "function")
    throw new Error(`${file}: httpHandler must be a function (request) => Response | undefined`);
  const own = mod.httpHandler as HttpHandler | undefined;
  return { register: fn, ...(own ? { httpHandler: () => own } : {}), routePrefix: "api", notices: [] };
}

/**
 * A module with no register export: a durable-functions app whose `df.app.*` declarations (on the facade the
 * module imported) are the app, as in an app folder. One that declares nothing is refused as before.
 */
async function zeroChangeModule(file: string): Promise<LoadedApp> {
  const refuse = (): never => {
    throw new Error(
      `${file} must export a register(worker) function (or a default function), or declare durable-functions functions (df.app.*)`,
    );
  };
  let facade: Facade;
  try {
    facade = await loadFacade();
  } catch {
    return refuse();
  }
  const registry = new TaskRegistry();
  facade.register(registry);
  // The facade adds its built-in HTTP activity (callHttp's) to every app: it does not count.
  const declared = [
    ...registry.orchestratorNames(),
    ...registry.activityNames().filter((n) => n !== "BuiltIn::HttpActivity"),
    ...registry.entityNames(),
  ];
  if (declared.length === 0) refuse();
  return {
    register: (worker) => facade.register(worker),
    httpHandler: () => facade.createHttpHandler(),
    routePrefix: "api",
    notices: [],
  };
}
