// `npm run test:interop`: taskhub against the real DurableTask.AzureStorage (the .NET peer in dtf-peer/), on
// shared task hubs in one Azurite. Needs the .NET SDK; without it, stops at once with one line saying so.
// Prints its own closing "N passed, N failed" line from vitest's JSON report. Arguments go to vitest.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = join(dirname(fileURLToPath(import.meta.url)), "..");
const dotnet = spawnSync("dotnet", ["--list-sdks"], { encoding: "utf8" });
if (dotnet.error || dotnet.status !== 0 || !dotnet.stdout.trim()) {
  console.error(
    "test:interop needs the .NET SDK 10 or later (`dotnet`; the peer targets net10.0) to build the DurableTask.AzureStorage peer: install dotnet-sdk-10.0",
  );
  process.exit(1);
}
const report = join(here, "..", ".test-reports", "interop.json");
rmSync(report, { force: true });
const vitest = createRequire(import.meta.url).resolve("vitest/vitest.mjs");
const started = Date.now();
const run = spawnSync(
  process.execPath,
  [vitest, "run", "-c", "vitest.interop.config.ts", ...process.argv.slice(2)],
  {
    cwd: here,
    stdio: "inherit",
    env: { ...process.env, INTEROP_REPORT: report },
  },
);
let passed = 0,
  failed = 0,
  skipped = 0;
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, "utf8"));
  passed = r.numPassedTests ?? 0;
  failed = r.numFailedTests ?? 0;
  skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
}
console.log(
  `\ninterop (${Math.round((Date.now() - started) / 1000)} s): ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`,
);
process.exit(run.status !== 0 ? (run.status ?? 1) : failed > 0 || passed === 0 ? 1 : 0);
