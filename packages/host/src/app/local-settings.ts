/**
 * `local.settings.json` (what `func start` reads): its `Values` go into the environment where a variable of that
 * name is not already set, so the environment always wins. `IsEncrypted: true` files are refused.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AppError } from "./app-error.js";

/** Returns the names it set. */
export function applyLocalSettings(folder: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const file = join(folder, "local.settings.json");
  if (!existsSync(file)) return [];
  let raw: { IsEncrypted?: unknown; Values?: unknown };
  try {
    raw = JSON.parse(readFileSync(file, "utf8")) as typeof raw;
  } catch (err) {
    throw new AppError(file, `is not valid JSON: ${(err as Error).message}`);
  }
  if (raw.IsEncrypted === true)
    throw new AppError(file, "is encrypted (IsEncrypted: true): decrypt it first");
  const values = raw.Values ?? {};
  if (typeof values !== "object" || values === null || Array.isArray(values))
    throw new AppError(file, "Values must be an object of strings");
  const set: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (env[name] !== undefined) continue;
    env[name] = String(value);
    set.push(name);
  }
  return set;
}
