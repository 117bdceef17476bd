// Runs the e2e suite as two vitest processes side by side: the idle-cost file (about 95 s of a worker
// sitting idle, which needs no CPU) next to everything else, which runs file after file. Each writes its own
// JSON report under .test-reports/; the idle run's output is printed when it ends, so the logs do not interleave.
// Extra arguments (a file filter, -t ...) go to the main run only, and then the idle run is skipped unless named.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const vitest = require.resolve("vitest/vitest.mjs");
const IDLE = "test/idle-cost.test.ts";
const args = process.argv.slice(2);
const runIdle = args.length === 0 || args.some((a) => a.includes("idle-cost"));

function run(argv, env, buffered) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vitest, "run", ...argv], {
      env: { ...process.env, ...env },
      stdio: buffered ? ["ignore", "pipe", "pipe"] : "inherit",
    });
    const chunks = [];
    if (buffered) {
      child.stdout.on("data", (c) => chunks.push(c));
      child.stderr.on("data", (c) => chunks.push(c));
    }
    child.on("exit", (code, signal) =>
      resolve({ code: code ?? (signal ? 1 : 0), output: Buffer.concat(chunks).toString() }),
    );
  });
}

const idle = runIdle ? run([IDLE], { E2E_REPORT: "../.test-reports/e2e-idle.json" }, true) : undefined;
const main =
  args.length === 0 || !runIdle ? run(["--exclude", IDLE, ...args], {}, false) : Promise.resolve({ code: 0 });
const [m, i] = await Promise.all([main, idle ?? Promise.resolve({ code: 0, output: "" })]);
if (i.output) process.stdout.write(`\n--- ${IDLE} (ran alongside) ---\n${i.output}`);
process.exit(m.code || i.code);
