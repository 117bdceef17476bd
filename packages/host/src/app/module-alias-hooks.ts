/**
 * ESM resolve hooks for `registerModuleAliases` (loaded by `module.register` in Node's hooks thread): a bare
 * specifier that is aliased, or a subpath of one, resolves to its target file instead.
 */
import { pathToFileURL } from "node:url";

let aliases: Record<string, string> = {};

export function initialize(data: { aliases: Record<string, string> }): void {
  aliases = data.aliases;
}

type Next = (specifier: string, context: unknown) => Promise<{ url: string }>;

export async function resolve(
  specifier: string,
  context: unknown,
  next: Next,
): Promise<{ url: string; shortCircuit?: boolean }> {
  const target = aliases[specifier];
  if (target !== undefined) return { url: pathToFileURL(target).href, shortCircuit: true };
  return next(specifier, context);
}
