#!/usr/bin/env node
// The full benchmark run for BENCHMARKS.md (issue 21), in four parts, one after another, each through
// `npm run bench` (scripts/bootstrap.mjs bench: builds, then e2e/dist/bench/main.js):
//
//   main     --runs 3 --scenarios 1,2,3,4,5,6,7          throughput (1 and 4 workers), latency, idle cost
//   spread   --runs 3 --scenarios 8,9                    fan-outs of 400 I/O-bound and CPU-bound activities
//   latency  --runs 3 --storage-latency 8 --scenarios 1 --workers 1,2,4
//                                                        hello-sequence5 with a real account's latency
//   peer     --peer dtf --rounds 3                       side by side with DT.AS (needs the .NET SDK; skipped,
//                                                        and said so, without it)
//
// Writes <out>/<part>.md and <part>.json for each part and <out>/full-bench.md: every part's markdown under
// its own heading, with the command, the commit, its duration and the machine's load before it. Run it on a
// quiet machine (each part prints the load during its runs and says "busy" when others used the CPU).
//
//   node e2e/scripts/full-bench.mjs [--out <dir>] [--parts main,spread,latency,peer] [--quick]
//   (or, in e2e/, npm run bench:full -- [...])
//
// --quick passes --quick to every part (tiny sizes, still 3 rounds): checks that the whole run works, in minutes.
// Exits 1 when a part fails (the others still run).
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const PARTS = {
  main: {
    title: "Throughput, latency and idle cost (1 and 4 workers)",
    args: ["--runs", "3", "--scenarios", "1,2,3,4,5,6,7"],
  },
  spread: {
    title: "Activities spread over workers (fan-outs 8 and 9)",
    args: ["--runs", "3", "--scenarios", "8,9"],
  },
  latency: {
    title: "Storage with Azure's latency (8 ms per request), hello-sequence5 with 1, 2 and 4 workers",
    args: ["--runs", "3", "--storage-latency", "8", "--scenarios", "1", "--workers", "1,2,4"],
  },
  peer: {
    title: "Side by side with DT.AS (one worker each)",
    args: ["--peer", "dtf", "--rounds", "3"],
    needsDotnet: true,
  },
};

const { values: opts } = parseArgs({
  options: {
    out: {
      type: "string",
      default: `bench-full-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, "")}`,
    },
    parts: { type: "string", default: Object.keys(PARTS).join(",") },
    quick: { type: "boolean", default: false },
  },
});

const parts = opts.parts.split(",").map((p) => p.trim());
for (const p of parts)
  if (!(p in PARTS)) {
    console.error(`full-bench: unknown part ${p} (${Object.keys(PARTS).join(", ")})`);
    process.exit(2);
  }
const out = resolve(opts.out);
mkdirSync(out, { recursive: true });

const log = (m) => process.stderr.write(`[full-bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const minutes = (ms) => `${(ms / 60_000).toFixed(1)} min`;
const git = (...a) => spawnSync("git", a, { cwd: ROOT, encoding: "utf8" }).stdout.trim();
const hasDotnet = spawnSync("dotnet", ["--version"], { encoding: "utf8" }).status === 0;

/** One part through scripts/bootstrap.mjs bench; its progress (stderr) shown as it goes. */
function runPart(args) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, "scripts/bootstrap.mjs"), "bench", ...args], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "inherit"],
    });
    child.on("exit", (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

/** A part's markdown under the part's heading: its own headings pushed two levels down. */
function demote(md) {
  return md.replace(/^(#{1,4}) /gm, (_, h) => `${h}## `);
}

const started = new Date();
const commit = `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain", "--untracked-files=no") ? " (with uncommitted changes)" : ""}`;
const sections = [];
let failed = 0;
for (const name of parts) {
  const part = PARTS[name];
  const args = [...part.args, ...(opts.quick ? ["--quick"] : [])];
  const md = join(out, `${name}.md`);
  const json = join(out, `${name}.json`);
  const command = `npm run bench -- ${args.join(" ")}`;
  if (part.needsDotnet && !hasDotnet) {
    log(`${name}: skipped, no .NET SDK (dotnet) on this machine`);
    sections.push(`## ${part.title}\n\nNot run: no .NET SDK on this machine (\`${command}\`).\n`);
    continue;
  }
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");
  log(`${name}: ${command} (load ${load})`);
  const t0 = Date.now();
  const code = await runPart([...args, "--md", md, "--out", json]);
  const took = Date.now() - t0;
  log(`${name}: exit ${code} after ${minutes(took)}`);
  if (code !== 0) failed++;
  const body = existsSync(md) ? demote(readFileSync(md, "utf8").trim()) : "(no report written)";
  sections.push(
    [
      `## ${part.title}`,
      "",
      `\`${command}\` — ${minutes(took)}, load average before it ${load}${code !== 0 ? `, **exit ${code}**` : ""}`,
      "",
      body,
      "",
    ].join("\n"),
  );
}
const total = Date.now() - started.getTime();
const report = [
  `# Full benchmark run, ${started.toISOString().slice(0, 16).replace("T", " ")} UTC${opts.quick ? " (quick: tiny sizes, not figures)" : ""}`,
  "",
  `Commit ${commit}; ${minutes(total)} in all; parts: ${parts.join(", ")}. Made by \`node e2e/scripts/full-bench.mjs\`.`,
  "",
  ...sections,
].join("\n");
writeFileSync(join(out, "full-bench.md"), report + "\n");
log(`done in ${minutes(total)}: ${join(out, "full-bench.md")}${failed ? ` (${failed} part(s) failed)` : ""}`);
process.exit(failed ? 1 : 0);
