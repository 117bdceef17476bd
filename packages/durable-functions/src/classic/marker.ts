/**
 * `df.orchestrator(fn)` and `df.entity(fn)` of the classic model (durable-functions 2.x): `module.exports =
 * df.orchestrator(function* (context) { ... })`. Each returns a handler carrying
 * `Symbol.for("taskhub.durable-functions.classic")` = `{ kind, fn }`, by which `registerClassicFunction`
 * (and the host reading an app folder) knows what the module exports. The handler itself is not called:
 * the worker runs `fn`.
 */
import type { ClassicEntityContext, ClassicOrchestrationFunctionContext } from "./function-context.js";

export const CLASSIC_MARKER: unique symbol = Symbol.for("taskhub.durable-functions.classic");

export type ClassicOrchestratorFunction = (
  context: ClassicOrchestrationFunctionContext,
) => Generator<unknown, unknown, any>;
export type ClassicEntityFunction<T = unknown> = (context: ClassicEntityContext<T>) => void | Promise<void>;

export type ClassicDefinition =
  | { kind: "orchestrator"; fn: ClassicOrchestratorFunction }
  | { kind: "entity"; fn: ClassicEntityFunction<any> };

/** What `df.orchestrator` / `df.entity` return (2.x: a function of the Functions context). */
export type ClassicHandler<C> = ((context: C) => void) & { readonly [CLASSIC_MARKER]: ClassicDefinition };

function handlerFor<C>(definition: ClassicDefinition): ClassicHandler<C> {
  const wrapper = (): void => {
    throw new Error(
      `this ${definition.kind} is run by a taskhub worker (taskhub worker --app, or registerClassicFunction); ` +
        "it cannot be called directly",
    );
  };
  Object.defineProperty(wrapper, CLASSIC_MARKER, { value: Object.freeze(definition), enumerable: false });
  return wrapper as unknown as ClassicHandler<C>;
}

/** The classic orchestrator: `module.exports = df.orchestrator(function* (context) { ... })`. */
export function orchestrator(
  fn: ClassicOrchestratorFunction,
): ClassicHandler<ClassicOrchestrationFunctionContext> {
  if (typeof fn !== "function")
    throw new TypeError(
      `df.orchestrator expects a generator function (function* (context) {...}), got ${typeof fn}`,
    );
  return handlerFor({ kind: "orchestrator", fn });
}

/** The classic entity: `module.exports = df.entity(function (context) { ... context.df.getState() ... })`. */
export function entity<T = unknown>(fn: ClassicEntityFunction<T>): ClassicHandler<ClassicEntityContext<T>> {
  if (typeof fn !== "function")
    throw new TypeError(`df.entity expects a function (context) => ..., got ${typeof fn}`);
  return handlerFor({ kind: "entity", fn: fn as ClassicEntityFunction<any> });
}

/** The `{ kind, fn }` a module export carries, or undefined for anything else. */
export function classicDefinitionOf(handler: unknown): ClassicDefinition | undefined {
  if (typeof handler !== "function") return undefined;
  const d = (handler as { [CLASSIC_MARKER]?: unknown })[CLASSIC_MARKER] as ClassicDefinition | undefined;
  return d && (d.kind === "orchestrator" || d.kind === "entity") && typeof d.fn === "function"
    ? d
    : undefined;
}
