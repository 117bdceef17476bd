/**
 * Module aliasing: an app's `import ... from "<specifier>"` (ESM) and `require("<specifier>")` (CommonJS) load a
 * file the host chooses instead, e.g. `durable-functions` → `@taskhub/durable-functions`, so that an unchanged
 * Functions app gets the host's module instance. ESM goes through Node's documented resolve hooks
 * (`module.register`); CommonJS through its resolver (`Module._resolveFilename`, which require() calls for every
 * specifier). Aliases apply to modules loaded after the call, process-wide; a specifier is aliased once.
 */
import Module, { register } from "node:module";

const active = new Map<string, string>();
let cjsHooked = false;

/** Make each `specifier` (a bare module name) load the file `target` (an absolute path) instead. */
export function registerModuleAliases(aliases: Readonly<Record<string, string>>): void {
  const added: Record<string, string> = {};
  for (const [specifier, target] of Object.entries(aliases)) {
    const before = active.get(specifier);
    if (before !== undefined && before !== target)
      throw new Error(`module '${specifier}' is already aliased to ${before}`);
    if (before === undefined) added[specifier] = target;
    active.set(specifier, target);
  }
  if (Object.keys(added).length === 0) return;
  register(new URL("./module-alias-hooks.js", import.meta.url), { data: { aliases: added } });
  if (!cjsHooked) {
    cjsHooked = true;
    const resolver = Module as unknown as {
      _resolveFilename(request: string, ...rest: unknown[]): string;
    };
    const original = resolver._resolveFilename;
    resolver._resolveFilename = function (request: string, ...rest: unknown[]): string {
      const target = active.get(request);
      return original.call(this, target ?? request, ...rest);
    };
  }
}

/** The aliases in force (specifier → target path). */
export function moduleAliases(): ReadonlyMap<string, string> {
  return active;
}
