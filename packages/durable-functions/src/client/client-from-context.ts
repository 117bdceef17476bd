/**
 * `df.getClient(context)` given the `InvocationContext` of an `@azure/functions` v4 function (an `app.http`,
 * `app.get`, ... handler served by the taskhub host): as durable-functions 3.x, the function must declare a
 * durable client input (`extraInputs: [df.input.durableClient()]`), else getClient throws durable-functions'
 * own error. The input's value is the extension's client binding; when it carries a client under
 * `Symbol.for("taskhub.durable-functions.client")` that client is the one, otherwise the registered worker's.
 *
 * Contexts the facade makes itself (activities, `app.client.*` functions) and anything else are not looked at:
 * `undefined` lets the caller use the registered worker's client.
 */
import { DurableClient } from "./durable-client.js";
import { BasicInvocationContext } from "../orchestration/invocation-context.js";

export const CLIENT_SYMBOL = Symbol.for("taskhub.durable-functions.client");

const NO_INPUT =
  "Could not find a registered durable client input binding. Check your extraInputs definition when registering your function.";

interface V4Context {
  options: { extraInputs: unknown[] };
  extraInputs: { get(input: unknown): unknown };
}

function isV4Context(context: unknown): context is V4Context {
  const c = context as Partial<V4Context> | null | undefined;
  return (
    typeof c === "object" &&
    c !== null &&
    !(c instanceof BasicInvocationContext) &&
    Array.isArray(c.options?.extraInputs) &&
    typeof c.extraInputs?.get === "function"
  );
}

function isDurableClientInput(input: unknown): boolean {
  const type = (input as { type?: unknown } | null)?.type;
  return type === "durableClient" || type === "orchestrationClient";
}

/** The client the context's durable client input carries; undefined when the caller should use its default. */
export function clientFromContext(context: unknown): DurableClient | undefined {
  if (!isV4Context(context)) return undefined;
  const input = context.options.extraInputs.find(isDurableClientInput);
  if (!input) throw new Error(NO_INPUT);
  const value = context.extraInputs.get(input) as Record<symbol, unknown> | null | undefined;
  const carried = typeof value === "object" && value !== null ? value[CLIENT_SYMBOL] : undefined;
  return carried instanceof DurableClient ? carried : undefined;
}
