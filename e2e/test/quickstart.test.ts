// The README's two first steps, done as a user does them: `npm run pack`, the tarballs installed into an empty
// folder with npm, compiled with the TypeScript `npm install -D typescript` brings (the registry's latest), and run.
// The code, the compiler flags, the request and the expected outputs are read from README.md, so the README
// cannot drift from what works. Needs the npm registry (npm install), nothing else from outside.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const readme = readFileSync(join(root, "README.md"), "utf8");

/** The first fenced block of `lang` after the line `heading`. */
function readmeBlock(heading: string, lang: string): string {
  const at = readme.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`README.md has no heading ${heading}`);
  const m = new RegExp("```" + lang + "\\n([\\s\\S]*?)\\n```").exec(readme.slice(at));
  if (!m) throw new Error(`README.md has no ${lang} block after ${heading}`);
  return m[1]!;
}

function between(text: string, start: string, end: string): string {
  const i = text.indexOf(start);
  const j = text.indexOf(end, i + start.length);
  if (i < 0 || j < 0) throw new Error(`no text between ${start} and ${end}`);
  return text.slice(i + start.length, j);
}

const quickstart = readmeBlock("## Quickstart", "ts");
const ownApp = readmeBlock("### Your own app, from an empty folder", "sh");
const ownAppCode = between(ownApp, "cat > app.ts <<'TS'\n", "\nTS\n");
const tscLine = /^npx tsc app\.ts (.*)$/m.exec(ownApp)?.[1]?.split(/\s+/);
const secondTerminal = readmeBlock(
  "In a second terminal, start it over HTTP and from the CLI, and read its history:",
  "sh",
);
const startRequest = /^curl -X POST '(localhost:7071)(\/[^']*)'\n# (.*)$/m.exec(secondTerminal);
/** The quickstart's output, as its last console.log line's comment shows it. */
const quickstartOutput = /console\.log\(.*\); \/\/ (.*)$/m.exec(quickstart)?.[1];

/** The environment of a user's shell: none of the test run's npm/pnpm settings, storage or taskhub settings. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(npm_|pnpm_|AZURE_|TASKHUB_|AzureWebJobs|NODE_ENV$|NODE_OPTIONS$|NODE_PATH$|VITEST)/i.test(k))
      env[k] = v;
  }
  return {
    ...env,
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    ...extra,
  };
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; rejects with its output when it fails (unless `allowFailure`). */
function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; allowFailure?: boolean; timeoutMs?: number },
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? userEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 300_000);
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      const r = { code, stdout, stderr };
      if ((code === 0 || opts.allowFailure) && signal === null) resolve(r);
      else
        reject(
          new Error(`${cmd} ${args.join(" ")} ended with ${signal ?? `exit ${code}`}\n${stdout}\n${stderr}`),
        );
    });
  });
}

/** Processes running the Azurite installed in `folder` (Linux's /proc; none elsewhere). */
function azuriteProcesses(folder: string): string[] {
  if (!existsSync("/proc")) return [];
  const entry = join(folder, "node_modules/azurite/");
  return readdirSync("/proc").filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(entry);
    } catch {
      return false; // ended meanwhile
    }
  });
}

let dir: string;
let packOutput: string[] = [];
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "taskhub-quickstart-"));
  const packages = join(dir, "packages");
  const app = join(dir, "app");
  // `npm run pack` (built already when npm test runs this; the build is then a cache hit).
  const packed = await run(
    process.execPath,
    [join(root, "scripts/bootstrap.mjs"), "pack", "--out", packages],
    { cwd: root, env: process.env },
  );
  packOutput = `${packed.stdout}${packed.stderr}`.trim().split("\n");
  mkdirSync(app);
  await run(npm, ["init", "-y"], { cwd: app });
  await run(npm, ["pkg", "set", "type=module"], { cwd: app });
  const tarballs = readdirSync(packages)
    .filter((f) => f.endsWith(".tgz"))
    .map((f) => join(packages, f));
  // core, azure-storage, azurite, dashboard (the host serves its files), host, durable-functions.
  expect(tarballs).toHaveLength(6);
  await run(npm, ["install", ...tarballs], { cwd: app });
  await run(npm, ["install", "-D", "typescript"], { cwd: app });
}, 600_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the README's quickstart, from the packed tarballs", () => {
  it("the README has what this test reads", () => {
    expect(quickstart).toContain('from "@taskhub/core/testing"');
    expect(ownAppCode).toContain("export function register(worker: TaskHubWorker)");
    expect(tscLine).toEqual([
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--target",
      "es2022",
      "--strict",
    ]);
    expect(startRequest?.[2]).toMatch(/^\/runtime\/webhooks\/durabletask\/orchestrators\/HelloCities\//);
    expect(quickstartOutput).toMatch(/^Completed /);
  });

  it("npm run pack prints what it made, a line a package", () => {
    expect(packOutput.filter((l) => l.startsWith("packed @taskhub/"))).toHaveLength(6);
    expect(packOutput.length).toBeLessThanOrEqual(7);
  });

  it("the tarballs install without azurite", () => {
    const app = join(dir, "app");
    expect(existsSync(join(app, "node_modules/@taskhub/host/package.json"))).toBe(true);
    expect(existsSync(join(app, "node_modules/azurite"))).toBe(false);
  });

  it("the in-memory quickstart compiles with the latest TypeScript and with the repository's, and prints its result", async () => {
    const app = join(dir, "app");
    writeFileSync(join(app, "quickstart.ts"), `${quickstart}\n`);
    const tsc = join(app, "node_modules/typescript/bin/tsc");
    const version = (await run(process.execPath, [tsc, "--version"], { cwd: app })).stdout.trim();
    console.log(`quickstart: compiling with npm's TypeScript (${version})`);
    // No @types/node and no vitest are installed by the app: the published .d.ts files must not need them.
    await run(process.execPath, [tsc, "quickstart.ts", ...tscLine!], { cwd: app });
    const repoTsc = join(root, "node_modules/typescript/bin/tsc");
    await run(process.execPath, [repoTsc, "quickstart.ts", "--noEmit", ...tscLine!], { cwd: app });
    const out = await run(process.execPath, ["quickstart.js"], { cwd: app, timeoutMs: 120_000 });
    expect(out.stdout.trim()).toBe(quickstartOutput);
  }, 240_000);

  it("the own app compiles, and without azurite `taskhub worker` says to install it", async () => {
    const app = join(dir, "app");
    writeFileSync(join(app, "app.ts"), `${ownAppCode}\n`);
    await run(process.execPath, [join(app, "node_modules/typescript/bin/tsc"), "app.ts", ...tscLine!], {
      cwd: app,
    });
    const r = await run(join(app, "node_modules/.bin/taskhub"), ["worker", "--app", "app.js"], {
      cwd: app,
      env: userEnv({ TASKHUB_HTTP_AUTH: "disabled", TASKHUB_HTTP_PORT: "0" }),
      allowFailure: true,
      timeoutMs: 120_000,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("npm install -D azurite");
  }, 240_000);

  it("with azurite, `taskhub worker --app app.js` runs the orchestration started over HTTP and stops cleanly", async () => {
    const app = join(dir, "app");
    await run(npm, ["install", "-D", "azurite"], { cwd: app });
    // The README's command, with a free HTTP port instead of 7071 (the machine may be running other hosts).
    const worker: ChildProcess = spawn(
      join(app, "node_modules/.bin/taskhub"),
      ["worker", "--app", "app.js"],
      {
        cwd: app,
        env: userEnv({ TASKHUB_HTTP_AUTH: "disabled", TASKHUB_HTTP_PORT: "0" }),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let log = "";
    worker.stdout!.on("data", (c: Buffer) => (log += c.toString()));
    worker.stderr!.on("data", (c: Buffer) => (log += c.toString()));
    const exited = new Promise<number | null>((done) => worker.once("exit", (code) => done(code)));
    try {
      const started = await new Promise<{ url: string }>((resolve, reject) => {
        const check = (): void => {
          const lines = log.split("\n").flatMap((l) => {
            try {
              return [JSON.parse(l) as { event?: string; url?: string; queueEndpoint?: string }];
            } catch {
              return [];
            }
          });
          const host = lines.find((l) => l.event === "host.started");
          const azurite = lines.find((l) => l.event === "host.embeddedAzurite");
          if (host?.url && azurite?.queueEndpoint) resolve({ url: host.url });
        };
        worker.stdout!.on("data", check);
        void exited.then((code) =>
          reject(new Error(`taskhub worker exited (${code}) before it started:\n${log}`)),
        );
      });

      expect(azuriteProcesses(app)).toHaveLength(1);
      // The README's request; on a busy machine the 30 s wait may end first (202): then follow the status URL.
      const [, , path, expected] = startRequest!;
      let res = await fetch(`${started.url}${path}`, { method: "POST" });
      let output: string;
      if (res.status === 202) {
        const statusUrl = res.headers.get("location")!;
        const deadline = Date.now() + 120_000;
        do {
          await new Promise((r) => setTimeout(r, 1_000));
          res = await fetch(statusUrl);
        } while (res.status === 202 && Date.now() < deadline);
        expect(res.status).toBe(200);
        output = JSON.stringify(((await res.json()) as { output: unknown }).output);
      } else {
        expect(res.status).toBe(200);
        output = await res.text();
      }
      expect(output).toBe(expected);

      // Stopped as the README says (SIGINT): drains, stops its Azurite, exits 0.
      worker.kill("SIGINT");
      expect(await exited).toBe(0);
      expect(log).toContain('"event":"host.stopped"');
      expect(azuriteProcesses(app)).toEqual([]);
    } finally {
      if (worker.exitCode === null && worker.signalCode === null) worker.kill("SIGKILL");
    }
  }, 300_000);
});
