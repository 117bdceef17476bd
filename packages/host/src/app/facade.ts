/**
 * `@taskhub/durable-functions`, the durable-functions facade, as the host uses it: loaded at run time (a peer
 * dependency: the facade's own tests use the host, so the host cannot depend on it at build time) and only when an
 * app needs it. `facadePath()` is the file the app's `durable-functions` import is aliased to, so that the app and
 * the host share one module instance (one function app, one client).
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { TaskRegistrar } from "@taskhub/core";

export const FACADE = "@taskhub/durable-functions";

/** The members of the facade the host calls; the classic ones exist once the facade has the classic model. */
export interface Facade {
  register(worker: TaskRegistrar): void;
  createHttpHandler(): (request: Request) => Promise<Response | undefined>;
  getClient(): unknown;
  registerClassicFunction?(
    registrar: TaskRegistrar,
    f: {
      name: string;
      trigger: "orchestrationTrigger" | "activityTrigger" | "entityTrigger";
      handler: unknown;
      bindings: readonly Record<string, unknown>[];
    },
  ): void;
  classicClientBinding?(client: unknown): Record<string, unknown>;
}

/** The facade's entry file, resolved from the host (throws a clear error when it is not installed). */
export function facadePath(): string {
  try {
    return createRequire(import.meta.url).resolve(FACADE);
  } catch {
    throw new Error(
      `${FACADE} is not installed: an app folder (or --app without a register export) needs it next to @taskhub/host`,
    );
  }
}

/** The facade module itself, the same instance an aliased `durable-functions` import gets. */
export async function loadFacade(): Promise<Facade> {
  return (await import(pathToFileURL(facadePath()).href)) as Facade;
}

/** The facade's classic registration, or a clear error when the installed facade has no classic model. */
export function classicMember<K extends "registerClassicFunction" | "classicClientBinding">(
  facade: Facade,
  member: K,
): NonNullable<Facade[K]> {
  const fn = facade[member];
  if (typeof fn !== "function")
    throw new Error(
      `the installed ${FACADE} has no ${member}: it predates the classic (durable-functions 2.x) model that function.json apps use`,
    );
  return fn as NonNullable<Facade[K]>;
}
