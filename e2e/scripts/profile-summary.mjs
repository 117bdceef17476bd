#!/usr/bin/env node
// Where a worker's CPU goes, from the profiles `npm run bench -- --cpu-prof <dir>` writes (one .cpuprofile per
// worker process): self time by category (taskhub's core and provider, the Azure SDK, Node's HTTP and other
// built-ins, GC, ...) and the functions with the most self time, all profiles summed. Not a test: BENCHMARKS.md
// quotes its output. --from/--to (seconds since each profile started) keep only the samples of a window, e.g.
// the scenario's, without the process's start-up:
//   node e2e/scripts/profile-summary.mjs [--from 1] [--to 25] [--top 25] <dir or .cpuprofile>...
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    from: { type: "string", default: "0" },
    to: { type: "string", default: "Infinity" },
    top: { type: "string", default: "25" },
  },
});
const fromUs = Number(opts.from) * 1e6;
const toUs = Number(opts.to) * 1e6;
const files = positionals.flatMap((p) =>
  statSync(p).isDirectory()
    ? readdirSync(p)
        .filter((f) => f.endsWith(".cpuprofile"))
        .map((f) => join(p, f))
    : [p],
);
if (files.length === 0) {
  console.error("profile-summary: no .cpuprofile given");
  process.exit(2);
}

/** The category of a profile node, from its script's URL. */
function category(url, name) {
  if (name === "(garbage collector)") return "GC";
  if (name === "(idle)") return "idle";
  if (name === "(program)") return "V8 (compiler, runtime)";
  if (!url) return "Node/V8 built-ins (native)";
  if (/packages\/core\//.test(url)) return "taskhub core";
  if (/packages\/azure-storage\//.test(url)) return "taskhub azure-storage";
  if (/\/e2e\//.test(url) && !url.includes("node_modules")) return "bench harness";
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(@[^/]+\/[^/]+|[^/]+)/.exec(url)?.[1];
  if (pkg) {
    if (pkg.startsWith("@azure/core") || pkg.startsWith("@typespec/") || pkg.startsWith("@azure-rest/"))
      return "Azure SDK core pipeline";
    if (pkg.startsWith("@azure/")) return `Azure SDK ${pkg.slice(7)}`;
    if (/^(fast-xml-|strnum|path-expression-matcher|@nodable\/)/.test(pkg)) return "XML (Azure SDK's parser)";
    return `other packages (${pkg})`;
  }
  if (url.startsWith("node:")) {
    const mod = url.slice(5);
    if (/http/.test(mod)) return "Node HTTP";
    if (/net|stream|tls|dns/.test(mod)) return "Node sockets and streams";
    if (/crypto/.test(mod)) return "Node crypto (request signing)";
    return "Node other";
  }
  return "other";
}

const byCategory = new Map();
const byFunction = new Map();
const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
let sampled = 0;
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  let t = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (t < fromUs || t > toUs) continue;
    const { url, functionName, lineNumber } = nodes.get(profile.samples[i]).callFrame;
    const cat = category(url, functionName);
    sampled += dt;
    add(byCategory, cat, dt);
    if (cat !== "idle") {
      const where = url.replace(/.*node_modules\//, "").replace(/.*packages\//, "");
      add(byFunction, `${functionName || "(anonymous)"} ${where}:${lineNumber + 1}`, dt);
    }
  }
}
const busy = sampled - (byCategory.get("idle") ?? 0);
const pct = (us) => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
console.log(
  `${files.length} profile(s), ${(sampled / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (self time, % of busy):`,
);
for (const [cat, us] of [...byCategory].sort((a, b) => b[1] - a[1]))
  if (cat !== "idle") console.log(`${pct(us)} ${(us / 1e3).toFixed(0).padStart(7)} ms  ${cat}`);
console.log("functions with the most self time:");
for (const [fn, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(opts.top)))
  console.log(`${pct(us)}  ${fn}`);
