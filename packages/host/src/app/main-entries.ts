/**
 * The v4 model's entry modules: the app folder's `package.json` `main`, a file or a glob (as the Functions Node.js
 * worker reads it), relative to the folder. Loading them is what registers the app's functions.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { globSync, isDynamicPattern } from "tinyglobby";
import { AppError } from "./app-error.js";

/** The files `main` names, in a stable order; none when the folder has no package.json or no `main`. */
export function mainEntries(folder: string): string[] {
  const file = join(folder, "package.json");
  if (!existsSync(file)) return [];
  let pkg: unknown;
  try {
    pkg = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new AppError(file, `is not valid JSON: ${(err as Error).message}`);
  }
  const main = (pkg as { main?: unknown } | null)?.main;
  if (main === undefined) return [];
  if (typeof main !== "string" || main.length === 0)
    throw new AppError(file, "main must be a path or a glob");
  if (!isDynamicPattern(main)) {
    const path = resolve(folder, main);
    if (!existsSync(path)) throw new AppError(file, `main names ${main}, which does not exist (${path})`);
    return [path];
  }
  const files = globSync(main, { cwd: folder, absolute: true, ignore: ["**/node_modules/**"] }).sort();
  if (files.length === 0) throw new AppError(file, `main's glob ${main} matches no file`);
  return files;
}
