// `taskhub worker --app <folder>` given a bad Functions app: one error line naming the file and exit 2 at start,
// before anything (storage, the HTTP port) is touched; and the module form's errors. No storage is configured, so
// a worker that got past loading would start an embedded Azurite: each case must stop before that.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runWorker } from "../fixtures/app-host.js";

const noStorage = {
  AZURE_STORAGE_CONNECTION_STRING: undefined,
  AZURE_STORAGE_ACCOUNT_NAME: undefined,
  TASKHUB_HTTP_AUTH: "disabled",
};

/** An app folder from a map of relative path → content (objects as JSON). */
function appFolder(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "taskhub-app-"));
  for (const [path, content] of Object.entries({ "package.json": { name: "app" }, ...files })) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), typeof content === "string" ? content : JSON.stringify(content));
  }
  return dir;
}

const activity = { bindings: [{ type: "activityTrigger", direction: "in", name: "input" }] };
const orchestrator = { bindings: [{ type: "orchestrationTrigger", direction: "in", name: "context" }] };

function refused(dir: string, extra: string[] = []): { err: string; out: string } {
  const r = runWorker(["--app", dir, ...extra], noStorage);
  expect(r.code, r.err).toBe(2);
  const lines = r.err.trim().split("\n");
  expect(lines, r.err).toHaveLength(1);
  expect(lines[0]).toMatch(/^taskhub: /);
  // Refused before anything started: no embedded Azurite, no host.
  expect(r.out).not.toMatch(/host\.embeddedAzurite|host\.started/);
  return r;
}

describe("a bad app folder is refused at start with one line naming the file, exit 2", () => {
  it("a function.json whose scriptFile does not exist", () => {
    const dir = appFolder({ "Hello/function.json": { ...activity, scriptFile: "../dist/Hello/index.js" } });
    expect(refused(dir).err).toContain(
      `${join(dir, "Hello", "function.json")}: the script of function 'Hello' does not exist: ${join(dir, "dist", "Hello", "index.js")}`,
    );
  });

  it("a function.json with no scriptFile and no index.js", () => {
    const dir = appFolder({ "Hello/function.json": activity });
    expect(refused(dir).err).toContain(
      `${join(dir, "Hello", "function.json")}: the script of function 'Hello'`,
    );
  });

  it("a syntax error in a function's script, with its line", () => {
    const dir = appFolder({
      "Hello/function.json": activity,
      "Hello/index.js": "module.exports = async function (context) {\n  return 1 +;\n};\n",
    });
    expect(refused(dir).err).toMatch(
      new RegExp(
        `${join(dir, "Hello", "index.js")}: cannot be loaded \\(function 'Hello'\\): .*Unexpected token.*\\(line 2\\)`,
      ),
    );
  });

  it("two functions with one name (function names are case-insensitive)", () => {
    const dir = appFolder({
      "Hello/function.json": activity,
      "Hello/index.js": "module.exports = async () => 1;",
      "hello/function.json": activity,
      "hello/index.js": "module.exports = async () => 2;",
    });
    expect(refused(dir).err).toContain(
      `${join(dir, "hello", "function.json")}: a second function named 'hello' (the first is ${join(dir, "Hello", "function.json")})`,
    );
  });

  it("two v4 entry modules that register one name", () => {
    const register = `import * as df from "durable-functions";\ndf.app.activity("Same", { handler: () => 1 });\n`;
    const dir = appFolder({
      "package.json": { name: "app", type: "module", main: "src/*.js" },
      "src/a.js": register,
      "src/b.js": register,
    });
    expect(refused(dir).err).toContain(
      `${join(dir, "src", "b.js")}: cannot be loaded: a function named 'Same' is already registered`,
    );
  });

  it("an orchestrator that is not df.orchestrator(...)", () => {
    const dir = appFolder({
      "Orch/function.json": orchestrator,
      "Orch/index.js": "module.exports = async function (context) { return 1; };",
    });
    expect(refused(dir).err).toContain(
      `${join(dir, "Orch", "index.js")}: orchestrator 'Orch' must be module.exports = df.orchestrator(function* (context) { ... })`,
    );
  });

  it("an orchestrator that is not a generator", () => {
    // Marked as df.orchestrator(fn) marks it (the classic model's symbol), around a plain async function.
    const dir = appFolder({
      "Orch/function.json": orchestrator,
      "Orch/index.js":
        'const fn = async function (context) { return 1; };\nconst handler = () => {};\nhandler[Symbol.for("taskhub.durable-functions.classic")] = { kind: "orchestrator", fn };\nmodule.exports = handler;\n',
    });
    expect(refused(dir).err).toContain(
      `${join(dir, "Orch", "index.js")}: orchestrator 'Orch' is not a generator: write df.orchestrator(function* (context) { ... })`,
    );
  });

  it("an entryPoint the script does not export", () => {
    const dir = appFolder({
      "Hello/function.json": { ...activity, entryPoint: "run" },
      "Hello/index.js": "exports.other = async () => 1;",
    });
    expect(refused(dir).err).toContain(
      `${join(dir, "Hello", "index.js")}: has no function export 'run' (entryPoint of function 'Hello')`,
    );
  });

  it("a host.json that is not JSON, and one naming another storage provider", () => {
    const bad = appFolder({ "host.json": "{ version: 2", "Hello/function.json": activity });
    expect(refused(bad).err).toContain(`${join(bad, "host.json")}: is not valid JSON`);
    const mssql = appFolder({
      "host.json": { version: "2.0", extensions: { durableTask: { storageProvider: { type: "mssql" } } } },
    });
    expect(refused(mssql).err).toContain("taskhub runs only the Azure Storage provider");
  });

  it("a folder with no function at all", () => {
    const dir = appFolder({ "host.json": { version: "2.0" } });
    expect(refused(dir).err).toContain(`${dir}: holds no function`);
  });

  it("a module with no register export that declares no durable-functions function", () => {
    const module = new URL("../fixtures/app-nothing.mjs", import.meta.url).pathname;
    expect(refused(module).err).toContain(
      `${module} must export a register(worker) function (or a default function), or declare durable-functions functions (df.app.*)`,
    );
  });

  it("a path that does not exist", () => {
    expect(refused("/nonexistent/app").err).toContain("/nonexistent/app: does not exist");
  });
});
