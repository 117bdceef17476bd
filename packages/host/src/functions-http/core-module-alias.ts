/**
 * Makes `require(name)` return a given object in every CommonJS module of the process, the way the Azure
 * Functions Node.js worker provides its built-in `@azure/functions-core`: that module is never installed from
 * npm, the worker answers the `require` itself. ESM `import`s of a CommonJS package load it through the same
 * `require`, so an ESM app importing `@azure/functions` is covered too.
 *
 * Installed at most once per name and process (the returned function undoes it). A minimal alias: the app
 * loader's module aliasing (`packages/host/src/app/`) is the general one.
 */
import Module from "node:module";

type RequireFn = (this: unknown, id: string) => unknown;

const aliased = new Map<string, unknown>();
let installed = false;

/** `require(name)` returns `exports` from now on. Throws if `name` is already aliased to something else. */
export function aliasBuiltinModule(name: string, exports: unknown): () => void {
  const existing = aliased.get(name);
  if (existing !== undefined && existing !== exports)
    throw new Error(`the module '${name}' is already provided by this process`);
  aliased.set(name, exports);
  if (!installed) {
    installed = true;
    const proto = Module.prototype as unknown as { require: RequireFn };
    const previous = proto.require;
    proto.require = function require(this: unknown, id: string): unknown {
      return aliased.has(id) ? aliased.get(id) : previous.call(this, id);
    };
  }
  return () => void aliased.delete(name);
}
