#!/usr/bin/env node
// Measures how a fan-out of slow activities spreads over worker processes (issue 21), with the provider's
// defaults (local dispatch on, table partition manager, 30 s maximum polling interval). Not a test: prints
// figures. Run from e2e/ after a build:
//   node scripts/fan-out-spread.mjs [--workers 1,4] [--n 400] [--ms 200] [--slots 16] [--runs 3] [--cold]
// Each run: a fresh task hub, the workers started and their partitions split, a warm-up fan-out of 16 (or,
// with --cold, 70 s without any work instead), then the measured fan-out of n activities that each wait ms.
// Figures: span = first activity start to last activity end; pickup = schedule to first activity start;
// activities per worker (the owner of the orchestration's partition first).
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    child: { type: "boolean", default: false },
    workers: { type: "string", default: "1,4" },
    n: { type: "string", default: "400" },
    ms: { type: "string", default: "200" },
    slots: { type: "string", default: "16" },
    runs: { type: "string", default: "3" },
    cold: { type: "boolean", default: false },
  },
});

const { TaskHubClient, TaskHubWorker } = await import("@taskhub/core");
const { AzureStorageOrchestrationService, partitionIndex } = await import(
  // AS_MODULE: another build of the provider to compare with (a path to its dist/index.js).
  process.env.AS_MODULE ?? "@taskhub/azure-storage"
);

if (args.child) {
  const service = new AzureStorageOrchestrationService({
    taskHubName: process.env.HUB,
    storage: { connectionString: process.env.CONN },
  });
  const worker = new TaskHubWorker(service, { maxConcurrentActivities: Number(process.env.SLOTS) });
  worker.addActivity("Wait", async (_ctx, ms) => {
    const startedAt = Date.now();
    await new Promise((r) => setTimeout(r, ms));
    return { pid: process.pid, startedAt, endedAt: Date.now() };
  });
  worker.addOrchestrator("FanOut", function* (ctx, input) {
    return yield ctx.whenAll(Array.from({ length: input.n }, () => ctx.callActivity("Wait", input.ms)));
  });
  await worker.start();
  const report = () =>
    process.stdout.write(JSON.stringify({ pid: process.pid, owned: service.ownedPartitions() }) + "\n");
  setInterval(report, 500).unref();
  report();
  process.on("SIGTERM", () => void worker.stop({ drainTimeoutMs: 2000 }).then(() => process.exit(0)));
  await new Promise(() => undefined);
}

const { startAzurite } = await import("@taskhub/azurite");
const n = Number(args.n);
const ms = Number(args.ms);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const azurite = await startAzurite();
console.log(
  `fan-out of ${n} × ${ms} ms, maxConcurrentActivities ${args.slots}, ${args.cold ? "cold (70 s idle)" : "warm"}; load before: ${load()}`,
);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = [];
for (const count of args.workers.split(",").map(Number)) {
  const spans = [];
  for (let run = 0; run < Number(args.runs); run++) {
    const hub = `spread${count}x${run}${Date.now().toString(36)}`;
    const owned = new Map();
    const children = Array.from({ length: count }, () => {
      const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--child"], {
        env: { ...process.env, HUB: hub, CONN: azurite.connectionString, SLOTS: args.slots },
        stdio: ["ignore", "pipe", "inherit"],
      });
      let buf = "";
      child.stdout.on("data", (c) => {
        buf += c.toString();
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = JSON.parse(buf.slice(0, i));
          buf = buf.slice(i + 1);
          owned.set(line.pid, line.owned);
        }
      });
      return child;
    });
    const split = () => {
      const o = [...owned.values()];
      return (
        o.length === count &&
        o.reduce((a, p) => a + p.length, 0) === 4 &&
        o.every((p) => p.length >= Math.floor(4 / count))
      );
    };
    while (!split()) await new Promise((r) => setTimeout(r, 200));
    const service = new AzureStorageOrchestrationService({
      taskHubName: hub,
      storage: { connectionString: azurite.connectionString },
    });
    const client = new TaskHubClient(service, { maxPollIntervalMs: 100 });
    if (args.cold) await new Promise((r) => setTimeout(r, 70_000));
    else {
      const w = await client.scheduleNewOrchestration("FanOut", { n: 16, ms: 10 });
      await client.waitForOrchestrationCompletion(w, { timeoutMs: 120_000 });
    }
    const scheduledAt = Date.now();
    const id = await client.scheduleNewOrchestration("FanOut", { n, ms });
    const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 600_000 });
    const doneAt = Date.now();
    const out = s.output;
    const first = Math.min(...out.map((o) => o.startedAt));
    const last = Math.max(...out.map((o) => o.endedAt));
    const ownerPid = [...owned.entries()].find(([, p]) => p.includes(partitionIndex(id, 4)))?.[0];
    const perWorker = [...owned.keys()]
      .sort((a, b) => (a === ownerPid ? -1 : b === ownerPid ? 1 : 0))
      .map((pid) => out.filter((o) => o.pid === pid).length);
    spans.push(last - first);
    console.log(
      `${count} worker(s), run ${run + 1}: span ${last - first} ms (${Math.round((n * 1000) / (last - first))} activities/s), ` +
        `pickup ${first - scheduledAt} ms, schedule to completion seen ${doneAt - scheduledAt} ms, split ${perWorker.join("/")}`,
    );
    for (const c of children) c.kill("SIGTERM");
    await Promise.all(children.map((c) => new Promise((r) => c.once("exit", r))));
    await service.deleteTaskHub();
  }
  summary.push({ count, median: median(spans), min: Math.min(...spans), max: Math.max(...spans) });
}
for (const s of summary)
  console.log(
    `${s.count} worker(s): span median ${s.median} ms (min ${s.min}, max ${s.max}), ${Math.round((n * 1000) / s.median)} activities/s`,
  );
if (summary.length > 1)
  console.log(
    `ratio ${summary.at(-1).count}:${summary[0].count} (medians) ${(summary[0].median / summary.at(-1).median).toFixed(2)}×`,
  );
console.log(`load after: ${load()}`);
await azurite.stop();
process.exit(0);
