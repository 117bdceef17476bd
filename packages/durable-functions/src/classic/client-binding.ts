/**
 * The classic model's `durableClient` input binding. `classicClientBinding(client)` is the value the host
 * puts in `context.bindings[<binding name>]` of a classic function: the JSON the Durable Functions extension
 * passes (`taskHubName`, `creationUrls`, `managementUrls`, `baseUrl`, `requiredQueryStringParameters`), plus
 * the facade's `DurableClient` under `Symbol.for("taskhub.durable-functions.client")`. `df.getClient(context)`
 * finds it there, as 2.x finds the extension's JSON, and returns a 2.x `DurableOrchestrationClient`.
 */
import { createDurableClientBindingData } from "@taskhub/core/management";
import type { DurableClient } from "../client/durable-client.js";
import { DurableOrchestrationClient } from "./orchestration-client.js";

export const CLIENT_SYMBOL: unique symbol = Symbol.for("taskhub.durable-functions.client");

/** The binding value for `client` (DF's binding JSON + the client under `CLIENT_SYMBOL`). */
export function classicClientBinding(client: DurableClient): Record<string, unknown> {
  const binding: Record<string | symbol, unknown> = {
    ...createDurableClientBindingData(client.managementUrlOptions),
  };
  // Enumerable, so that a copy of the bindings ({ ...bindings }) keeps it; JSON never shows symbol keys.
  binding[CLIENT_SYMBOL] = client;
  return binding as Record<string, unknown>;
}

/** A classic context: it has `bindings` (a v4 `InvocationContext` has none). */
export function isClassicContext(context: unknown): context is { bindings: Record<string, unknown> } {
  const bindings = (context as { bindings?: unknown } | null | undefined)?.bindings;
  return typeof bindings === "object" && bindings !== null && !Array.isArray(bindings);
}

function isBindingJson(v: unknown): boolean {
  const o = v as Record<string, unknown> | null;
  return (
    typeof o === "object" &&
    o !== null &&
    o.taskHubName !== undefined &&
    o.creationUrls !== undefined &&
    o.managementUrls !== undefined
  );
}

/** 2.x's `df.getClient(context)`: the client of the function's `durableClient` binding. */
export function getClassicClient(context: { bindings: Record<string, unknown> }): DurableOrchestrationClient {
  const values = Object.values(context.bindings);
  for (const v of values) {
    const client = (v as { [CLIENT_SYMBOL]?: unknown } | null)?.[CLIENT_SYMBOL];
    if (isBindingJson(v) && client) return new DurableOrchestrationClient(client as DurableClient);
  }
  if (values.some(isBindingJson))
    throw new Error(
      "The durableClient binding on context.bindings was not made by taskhub (classicClientBinding): " +
        "taskhub talks to the task hub directly, so it needs the binding its host made.",
    );
  throw new Error(
    "An orchestration client function must have an orchestrationClient input binding. Check your function.json definition.",
  );
}
