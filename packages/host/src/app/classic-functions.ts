/**
 * Loading the classic model's function scripts and registering them: each function.json's `scriptFile` is
 * imported (ESM or CommonJS), its `entryPoint` (or the module's function) taken, and orchestrator, activity and
 * entity functions registered through the facade's `registerClassicFunction`. A script that cannot be loaded, an
 * export that is not a function, an orchestrator that is not `df.orchestrator(function* ...)`: an `AppError`
 * naming the file.
 */
import { pathToFileURL } from "node:url";
import type { TaskRegistrar } from "@taskhub/core";
import { AppError, loadFailure } from "./app-error.js";
import { classicMember, type Facade } from "./facade.js";
import type { FunctionDefinition } from "./function-json.js";

export interface ClassicFunction extends FunctionDefinition {
  handler: (...args: any[]) => unknown;
}

/** The contract's mark on `df.orchestrator(fn)` / `df.entity(fn)`: `{ kind, fn }`. */
const CLASSIC = Symbol.for("taskhub.durable-functions.classic");
const GeneratorFunction = Object.getPrototypeOf(function* () {}) as object;

export async function loadClassicFunction(def: FunctionDefinition): Promise<ClassicFunction> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(def.scriptFile).href)) as Record<string, unknown>;
  } catch (err) {
    throw new AppError(def.scriptFile, `cannot be loaded (function '${def.name}'): ${loadFailure(err)}`, {
      cause: err,
    });
  }
  const handler = pickEntryPoint(mod, def.entryPoint);
  if (typeof handler !== "function")
    throw new AppError(
      def.scriptFile,
      def.entryPoint
        ? `has no function export '${def.entryPoint}' (entryPoint of function '${def.name}')`
        : `exports no function for '${def.name}' (module.exports = function, a single exported function, run or index; or set entryPoint)`,
    );
  if (def.trigger === "orchestrationTrigger") {
    const mark = (handler as unknown as Record<symbol, { kind?: string; fn?: unknown } | undefined>)[CLASSIC];
    if (mark?.kind !== "orchestrator")
      throw new AppError(
        def.scriptFile,
        `orchestrator '${def.name}' must be module.exports = df.orchestrator(function* (context) { ... })`,
      );
    if (typeof mark.fn !== "function" || Object.getPrototypeOf(mark.fn) !== GeneratorFunction)
      throw new AppError(
        def.scriptFile,
        `orchestrator '${def.name}' is not a generator: write df.orchestrator(function* (context) { ... })`,
      );
  }
  return { ...def, handler: handler as ClassicFunction["handler"] };
}

/** As the Functions Node.js worker: the entryPoint export, else the module's function, `run`, `index`, or its only function. */
function pickEntryPoint(mod: Record<string, unknown>, entryPoint: string | undefined): unknown {
  const cjs = mod.default;
  const exportsOf = (m: unknown): Record<string, unknown> =>
    typeof m === "object" && m !== null ? (m as Record<string, unknown>) : {};
  if (entryPoint) return mod[entryPoint] ?? exportsOf(cjs)[entryPoint];
  if (typeof cjs === "function") return cjs;
  const all = { ...exportsOf(cjs), ...mod };
  delete all.default;
  if (typeof all.run === "function") return all.run;
  if (typeof all.index === "function") return all.index;
  const fns = Object.values(all).filter((v) => typeof v === "function");
  return fns.length === 1 ? fns[0] : undefined;
}

/** Registers the orchestrator, activity and entity functions (HTTP functions are served, not registered). */
export function registerClassicFunctions(
  registrar: TaskRegistrar,
  functions: readonly ClassicFunction[],
  facade: Facade,
): void {
  const durable = functions.filter((f) => f.trigger !== "httpTrigger");
  if (durable.length === 0) return;
  const registerClassic = classicMember(facade, "registerClassicFunction");
  for (const f of durable) {
    try {
      registerClassic(registrar, {
        name: f.name,
        trigger: f.trigger as "orchestrationTrigger" | "activityTrigger" | "entityTrigger",
        handler: f.handler,
        bindings: f.bindings,
      });
    } catch (err) {
      throw new AppError(f.scriptFile, (err as Error).message, { cause: err });
    }
  }
}
