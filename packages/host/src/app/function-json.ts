/**
 * The classic model's functions: every `<Function>/function.json` of an app folder, with its bindings, its
 * `scriptFile` (default `index.js` next to it), `entryPoint` and `disabled` (or the app setting
 * `AzureWebJobs.<Function>.Disabled`). A function whose trigger the host does not run (queue, timer, blob, ...)
 * and a binding it does not fill are notices; a malformed function.json or a missing script is an `AppError`.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { AppError, type AppNotice } from "./app-error.js";
import { isObject, readJsonObject } from "./json-file.js";

export type Binding = Record<string, unknown> & { type: string; name?: string; direction?: string };

/** Triggers the host runs. */
export const HOSTED_TRIGGERS = [
  "orchestrationTrigger",
  "activityTrigger",
  "entityTrigger",
  "httpTrigger",
] as const;
export type HostedTrigger = (typeof HOSTED_TRIGGERS)[number];

/** Non-trigger bindings the host fills: an HTTP function's response, and the durable client. */
const HOSTED_BINDINGS = new Set(["http", "durableClient", "orchestrationClient"]);

export interface FunctionDefinition {
  name: string;
  /** The function.json file. */
  file: string;
  directory: string;
  /** Absolute path of the script. */
  scriptFile: string;
  entryPoint: string | undefined;
  trigger: HostedTrigger;
  bindings: Binding[];
}

export interface FunctionsFound {
  functions: FunctionDefinition[];
  notices: AppNotice[];
}

/** Every function.json directly under `folder`'s subfolders (Functions' layout); disabled ones left out. */
export function readFunctionJsons(folder: string, env: NodeJS.ProcessEnv = process.env): FunctionsFound {
  const found: FunctionsFound = { functions: [], notices: [] };
  const seen = new Map<string, string>();
  // In code-point order, whatever the locale: the same folder is always read in the same order.
  const entries = readdirSync(folder, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const file = join(folder, entry.name, "function.json");
    if (!existsSync(file)) continue;
    // Function names are case-insensitive in Functions: two folders differing in case are one name twice.
    const key = entry.name.toLowerCase();
    const other = seen.get(key);
    if (other) throw new AppError(file, `a second function named '${entry.name}' (the first is ${other})`);
    seen.set(key, file);
    const f = readOne(entry.name, file, env, found.notices);
    if (f) found.functions.push(f);
  }
  return found;
}

function readOne(
  name: string,
  file: string,
  env: NodeJS.ProcessEnv,
  notices: AppNotice[],
): FunctionDefinition | undefined {
  const raw = readJsonObject(file);
  const disabledSetting = env[`AzureWebJobs.${name}.Disabled`] ?? env[`AzureWebJobs_${name}_Disabled`];
  if (raw.disabled === true || raw.disabled === "true" || /^(true|1)$/i.test(disabledSetting ?? ""))
    return undefined;
  if (!Array.isArray(raw.bindings) || raw.bindings.some((b) => !isObject(b) || typeof b.type !== "string"))
    throw new AppError(file, "bindings must be an array of objects, each with a type");
  const bindings = raw.bindings as Binding[];
  const triggers = bindings.filter((b) => /Trigger$/i.test(b.type));
  if (triggers.length !== 1)
    throw new AppError(file, `a function has exactly one trigger binding; '${name}' has ${triggers.length}`);
  const trigger = triggers[0]!;
  if (!(HOSTED_TRIGGERS as readonly string[]).includes(trigger.type)) {
    notices.push({
      event: "app.bindingNotHosted",
      file,
      function: name,
      message: `function '${name}' (${file}) has a ${trigger.type}, which taskhub does not run: the function is not loaded`,
    });
    return undefined;
  }
  for (const b of bindings)
    if (b !== trigger && !HOSTED_BINDINGS.has(b.type))
      notices.push({
        event: "app.bindingNotHosted",
        file,
        function: name,
        message: `function '${name}' (${file}) has a ${b.type} binding '${b.name ?? ""}', which taskhub does not fill: the function runs without it`,
      });
  const directory = resolve(file, "..");
  if (raw.scriptFile !== undefined && typeof raw.scriptFile !== "string")
    throw new AppError(file, "scriptFile must be a path");
  const scriptFile = raw.scriptFile
    ? resolve(directory, raw.scriptFile)
    : (["index.js", "index.mjs", "index.cjs"].map((n) => join(directory, n)).find((p) => existsSync(p)) ??
      join(directory, "index.js"));
  if (!existsSync(scriptFile) || !statSync(scriptFile).isFile())
    throw new AppError(
      file,
      `the script of function '${name}' does not exist: ${scriptFile}${raw.scriptFile ? "" : " (no scriptFile given: index.js next to function.json)"}`,
    );
  if (raw.entryPoint !== undefined && typeof raw.entryPoint !== "string")
    throw new AppError(file, "entryPoint must be the name of an export");
  return {
    name,
    file,
    directory,
    scriptFile,
    entryPoint: raw.entryPoint as string | undefined,
    trigger: trigger.type as HostedTrigger,
    bindings,
  };
}
