/**
 * The host's `@azure/functions-core`: what `@azure/functions` v4 calls when an app declares `app.http(...)`,
 * `app.get(...)`, `app.timer(...)`, hooks, ... `registerFunction` records the function (metadata + callback),
 * `setProgrammingModel` records the model whose invocation path the host then runs (`@azure/functions`' own:
 * it builds the `HttpRequest`, the `InvocationContext` and turns the handler's return into the response),
 * `registerHook` records app and invocation hooks, `log` goes to the host's logger once it has one.
 *
 * As in the worker, functions are registered while the app loads: once the host has started, registering or
 * disposing one throws. Two functions with one name are refused (Functions refuses them too).
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "@taskhub/core";
import type {
  FunctionCallback,
  FunctionMetadata,
  HookCallback,
  HookData,
  ProgrammingModel,
  RpcLogCategory,
  RpcLogLevel,
} from "./core-types.js";

/**
 * `version` (the worker's) and `hostVersion` (the Functions host's): `@azure/functions` reads neither (it tests for
 * `log` to know the worker is recent); an app that prints them sees that taskhub hosts it.
 */
const CORE_API_VERSION = "taskhub";
const HOST_VERSION = "taskhub";

export type HookName = "appStart" | "appTerminate" | "preInvocation" | "postInvocation" | "log";

export interface RegisteredFunction {
  readonly metadata: FunctionMetadata;
  readonly callback: FunctionCallback;
}

/** Disposable as `@azure/functions-core` declares it. */
export class Disposable {
  static from(...likes: { dispose: () => unknown }[]): Disposable {
    return new Disposable(() => likes.forEach((l) => l.dispose()));
  }
  #callOnDispose: (() => unknown) | undefined;
  constructor(callOnDispose: () => unknown) {
    this.#callOnDispose = callOnDispose;
  }
  dispose(): unknown {
    const f = this.#callOnDispose;
    this.#callOnDispose = undefined;
    return f?.();
  }
}

/** The registrations an app made through `@azure/functions`, and the module object it `require`s. */
export class FunctionsCore {
  readonly functions = new Map<string, RegisteredFunction>();
  readonly appHookData: HookData = {};
  programmingModel: ProgrammingModel | undefined;
  private readonly hooks = new Map<HookName, HookCallback[]>();
  private started = false;
  private logger: Logger | undefined;

  /** The object `require("@azure/functions-core")` returns. */
  readonly api = {
    version: CORE_API_VERSION,
    hostVersion: HOST_VERSION,
    registerFunction: (metadata: FunctionMetadata, callback: FunctionCallback): Disposable =>
      this.registerFunction(metadata, callback),
    registerHook: (hookName: string, callback: HookCallback): Disposable =>
      this.registerHook(hookName, callback),
    setProgrammingModel: (model: ProgrammingModel): void => {
      this.programmingModel = model;
    },
    getProgrammingModel: (): ProgrammingModel | undefined => this.programmingModel,
    log: (level: RpcLogLevel, category: RpcLogCategory, message: string): void =>
      this.log(level, category, message),
    Disposable,
  };

  /** Where `log` (and the invocations' logs) go from now on; before that, warnings and errors go to the console. */
  useLogger(logger: Logger): void {
    this.logger = logger;
  }

  /** After this, the app's registrations are final (`registerFunction` throws). */
  markStarted(): void {
    this.started = true;
  }

  hooksOf(name: HookName): readonly HookCallback[] {
    return this.hooks.get(name) ?? [];
  }

  log(
    level: RpcLogLevel,
    category: RpcLogCategory,
    message: string,
    fields: Record<string, unknown> = {},
  ): void {
    const logger = this.logger;
    const entry = { event: "functions.log", category, ...fields };
    if (!logger) {
      if (level === "warning" || level === "error" || level === "critical") console.warn(message);
      return;
    }
    switch (level) {
      case "trace":
      case "debug":
        return logger.debug(entry, message);
      case "information":
        return logger.info(entry, message);
      case "warning":
        return logger.warn(entry, message);
      case "error":
      case "critical":
        return logger.error(entry, message);
      case "none":
        return;
    }
  }

  private registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
    if (this.started) throw new Error("A function can only be registered during app startup.");
    const name = metadata?.name;
    if (typeof name !== "string" || name.length === 0) throw new Error("a function needs a non-empty name");
    if (typeof callback !== "function") throw new Error(`function '${name}' needs a handler`);
    if (this.functions.has(name.toLowerCase()))
      throw new Error(
        `a function named '${name}' is already registered (function names are case-insensitive)`,
      );
    const fn: RegisteredFunction = {
      metadata: { ...metadata, functionId: metadata.functionId ?? randomUUID() },
      callback,
    };
    this.functions.set(name.toLowerCase(), fn);
    return new Disposable(() => {
      if (this.started) throw new Error("A function can only be disposed during app startup.");
      this.functions.delete(name.toLowerCase());
    });
  }

  private registerHook(hookName: string, callback: HookCallback): Disposable {
    if (!["appStart", "appTerminate", "preInvocation", "postInvocation", "log"].includes(hookName))
      throw new RangeError(`unknown hook '${hookName}'`);
    if (typeof callback !== "function") throw new TypeError(`the ${hookName} hook must be a function`);
    const list = this.hooks.get(hookName as HookName) ?? [];
    list.push(callback);
    this.hooks.set(hookName as HookName, list);
    return new Disposable(() => {
      const at = list.indexOf(callback);
      if (at >= 0) list.splice(at, 1);
    });
  }
}
