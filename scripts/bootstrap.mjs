#!/usr/bin/env node
// Entry point of the README commands (`npm test`, `npm start`, `npm run bench`) on a machine that has only Node 20+ and
// npm: fetch pnpm through npx (no global install), install the workspace from the lockfile, build with turbo,
// then run the test suites (printing one closing "N passed, N failed" line), the main job or the benchmark.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const PNPM_VERSION = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).packageManager.split(
  "@",
)[1];
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1", NO_UPDATE_NOTIFIER: "1" };

const mode = process.argv[2] ?? "test";
const CHROMIUM = "/usr/bin/chromium";
// `npm run pack` prints only what it made (and everything when a step fails); the other modes show their steps.
const quiet = mode === "pack";

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {
    cwd: root,
    stdio: quiet ? "pipe" : "inherit",
    encoding: "utf8",
    maxBuffer: 256 * 2 ** 20,
    env,
    ...opts,
  });
  if (r.error) throw r.error;
  if (quiet && r.status !== 0) process.stderr.write(`${r.stdout ?? ""}${r.stderr ?? ""}`);
  return r.status ?? 1;
}

/** The command that runs pnpm with `args`: the installed pnpm when it is the pinned version, else through npx. */
function pnpmCommand(args) {
  const local = spawnSync("pnpm", ["--version"], { env, encoding: "utf8" });
  if (local.status === 0 && local.stdout.trim() === PNPM_VERSION) return ["pnpm", args];
  return ["npx", ["--yes", `pnpm@${PNPM_VERSION}`, ...args]];
}

function pnpm(args) {
  return run(...pnpmCommand(args));
}

function must(status, what) {
  if (status !== 0) {
    console.error(`bootstrap: ${what} failed (exit ${status})`);
    process.exit(status);
  }
}

if (mode === "interop") {
  // Before installing anything: without .NET there is nothing to run (`npm test` never needs it).
  const dotnet = spawnSync("dotnet", ["--list-sdks"], { env, encoding: "utf8" });
  if (dotnet.error || dotnet.status !== 0 || !dotnet.stdout.trim()) {
    console.error(
      "test:interop needs the .NET SDK 10 or later (`dotnet`; the peer targets net10.0) to build the DurableTask.AzureStorage peer: install dotnet-sdk-10.0",
    );
    process.exit(1);
  }
}
if (mode === "browser") {
  // Before installing anything: the dashboard's browser tests drive Debian's Chromium, never a downloaded one.
  if (!existsSync(CHROMIUM)) {
    console.error(
      `test:browser needs Chromium at ${CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it)`,
    );
    process.exit(1);
  }
}
const lockfile = existsSync(join(root, "pnpm-lock.yaml"));
must(pnpm(["install", ...(lockfile ? ["--frozen-lockfile"] : []), "--reporter=append-only"]), "pnpm install");

if (mode === "start") {
  must(pnpm(["exec", "turbo", "run", "build", "--output-logs=errors-only"]), "build");
  // The samples' process gets the terminal's Ctrl+C itself (it is in the same process group) and stops
  // gracefully; this wrapper must outlive it, so that npm and the shell wait for the drain and see its exit code.
  // A SIGTERM sent to this wrapper alone is passed on.
  const main = spawn("node", ["packages/samples/dist/main.js", ...process.argv.slice(3)], {
    cwd: root,
    stdio: "inherit",
    env,
  });
  process.on("SIGINT", () => {});
  process.on("SIGTERM", () => main.kill("SIGTERM"));
  main.on("error", (err) => {
    console.error(`bootstrap: cannot run the samples: ${err.message}`);
    process.exit(1);
  });
  main.on("exit", (code, signal) =>
    process.exit(code ?? (signal === "SIGINT" ? 130 : signal === "SIGTERM" ? 143 : 1)),
  );
  await new Promise(() => {}); // until the exit handler above ends this process
}

/** Runs turbo's test tasks (the builds above are not run again: `--only`) for the given filters, one at a time. */
function turboTests(filters, opts) {
  const args = [
    "exec",
    "turbo",
    "run",
    "test",
    "--only",
    "--concurrency=1",
    "--output-logs=full",
    "--log-order=grouped",
  ];
  return pnpmAsync([...args, ...filters.map((f) => `--filter=${f}`)], opts);
}

function pnpmAsync(args, { buffered = false } = {}) {
  const [cmd, argv] = pnpmCommand(args);
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, argv, {
      cwd: root,
      env,
      stdio: buffered ? ["ignore", "pipe", "pipe"] : "inherit",
    });
    const chunks = [];
    child.stdout?.on("data", (c) => chunks.push(c));
    child.stderr?.on("data", (c) => chunks.push(c));
    child.on("error", (err) => resolvePromise({ status: 1, output: `bootstrap: ${err.message}\n` }));
    child.on("exit", (code, signal) =>
      resolvePromise({ status: code ?? (signal ? 1 : 0), output: Buffer.concat(chunks).toString() }),
    );
  });
}

/**
 * The test suites in two lanes, since most of their time is spent waiting (on Azurite, worker processes, timers),
 * not computing: the e2e suite (the longest, ~10 min) runs beside the packages whose tests start Azurite only on
 * free ports (their output is printed when the e2e suite has ended, so the logs do not interleave); then the host
 * and samples suites, whose tests start embedded Azurites on the emulator's default ports (10000-10002) as `npm
 * start` does, and so must not overlap with the e2e suite's quickstart, which does the same.
 */
async function runTests() {
  const DEFAULT_PORT_USERS = ["@taskhub/host", "@taskhub/samples"];
  const e2e = turboTests(["@taskhub/e2e"]);
  const beside = turboTests(["!@taskhub/e2e", ...DEFAULT_PORT_USERS.map((p) => `!${p}`)], { buffered: true });
  const e2eDone = await e2e;
  const besideDone = await beside;
  process.stdout.write(besideDone.output);
  const after = await turboTests(DEFAULT_PORT_USERS);
  return e2eDone.status || besideDone.status || after.status;
}

if (mode === "test") {
  // Each package's vitest writes a JSON report here; the totals make the closing line CI reads.
  const reports = join(root, ".test-reports");
  rmSync(reports, { recursive: true, force: true });
  // Formatting is checked first and counts as a failed step (Prettier names the files); the tests still run.
  const formatted = pnpm(["exec", "prettier", "--check", "--log-level=warn", "."]);
  if (formatted !== 0)
    console.error("bootstrap: formatting check failed: run `npm run format` (prettier --write .)");
  // Tests mirror sources (docs/architecture.md, "Tests"); a misplaced test file counts as a failed step too.
  const layout = run("node", ["scripts/check-test-layout.mjs"]);
  // Builds, type checks and lints use both cores (they start no servers); then the tests (runTests).
  const checked = pnpm(["exec", "turbo", "run", "build", "typecheck", "lint", "--output-logs=errors-only"]);
  if (checked !== 0)
    console.error("bootstrap: build, typecheck or lint failed (see above); the tests still run");
  const tested = await runTests();
  const status = checked !== 0 ? checked : tested;
  let passed = 0,
    failed = 0,
    skipped = 0;
  if (existsSync(reports)) {
    for (const f of readdirSync(reports)) {
      const r = JSON.parse(readFileSync(join(reports, f), "utf8"));
      passed += r.numPassedTests ?? 0;
      failed += r.numFailedTests ?? 0;
      skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    }
  }
  console.log(`\ntaskhub: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
  process.exit(status !== 0 ? status : failed > 0 || formatted !== 0 || layout !== 0 ? 1 : 0);
}

if (mode === "interop") {
  // Scenarios against the real DurableTask.AzureStorage (docs/dtf-compatibility.md); prints its own closing line.
  must(
    pnpm(["exec", "turbo", "run", "build", "--filter=@taskhub/e2e...", "--output-logs=errors-only"]),
    "build",
  );
  process.exit(run("node", ["e2e/scripts/interop.mjs", ...process.argv.slice(3)]));
}

if (mode === "browser") {
  // The dashboard in a real headless Chromium against a real host and Azurite (docs/dashboard.md).
  must(
    pnpm([
      "exec",
      "turbo",
      "run",
      "build",
      "--filter=@taskhub/dashboard...",
      "--filter=@taskhub/host",
      "--output-logs=errors-only",
    ]),
    "build",
  );
  process.exit(pnpm(["--filter", "@taskhub/dashboard", "run", "test:browser"]));
}

if (mode === "bench") {
  // The benchmark of issue 8 (BENCHMARKS.md): its own Azurite and worker processes; args pass through
  // (`npm run bench -- --quick`).
  must(
    pnpm(["exec", "turbo", "run", "build", "--filter=@taskhub/e2e", "--output-logs=errors-only"]),
    "build",
  );
  process.exit(run("node", ["e2e/dist/bench/main.js", ...process.argv.slice(3)]));
}

if (mode === "pack") {
  // Installable tarballs of the packages (workspace:* turned into versions), for an app outside this
  // repository until they are published: `npm install <dir>/*.tgz` (README, "Your own app").
  // `--out DIR` writes them elsewhere than dist-packages/ (the quickstart test packs into a temporary folder).
  const outArg = process.argv.indexOf("--out");
  const out =
    outArg > 0 && process.argv[outArg + 1] ? resolve(process.argv[outArg + 1]) : join(root, "dist-packages");
  rmSync(out, { recursive: true, force: true });
  must(pnpm(["exec", "turbo", "run", "build", "--output-logs=errors-only"]), "build");
  for (const p of ["core", "azure-storage", "azurite", "dashboard", "host", "durable-functions"]) {
    must(pnpm(["pack", "--dir", join(root, "packages", p), "--pack-destination", out]), `pack ${p}`);
    const { name, version } = JSON.parse(readFileSync(join(root, "packages", p, "package.json"), "utf8"));
    const file = `${name.replace("@", "").replace("/", "-")}-${version}.tgz`;
    console.log(
      `packed ${name}@${version}: ${file} (${Math.round(statSync(join(out, file)).size / 1024)} KB)`,
    );
  }
  console.log(`tarballs in ${out}: npm install ${out}/*.tgz`);
  process.exit(0);
}

console.error(`bootstrap: unknown mode ${mode} (use test, interop, browser, start, bench or pack)`);
process.exit(2);
