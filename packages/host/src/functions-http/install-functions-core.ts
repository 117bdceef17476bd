/**
 * Provides `@azure/functions-core` to the process (once; later calls return the same registrations). Call it
 * before the app loads `@azure/functions`: that package looks for the core module the first time the app
 * declares a function or a hook, and when it finds none it stays in "test mode" for the life of the process
 * (it warns and skips every registration).
 */
import { aliasBuiltinModule } from "./core-module-alias.js";
import { FunctionsCore } from "./functions-core.js";

export const CORE_MODULE_NAME = "@azure/functions-core";

let core: FunctionsCore | undefined;

export function installFunctionsCore(): FunctionsCore {
  if (!core) {
    core = new FunctionsCore();
    aliasBuiltinModule(CORE_MODULE_NAME, core.api);
  }
  return core;
}
