#!/usr/bin/env node
// Instance queries on a big task hub (issue 22): the first page of each of the dashboard's filters and the counts
// per status, on a hub of N instances in Azurite. Not a test: prints figures (BENCHMARKS.md has a run). Run from
// e2e/ after a build:
//   node scripts/query-bench.mjs [--n 20000] [--runs 3] [--top 100]
// It starts its own Azurite (data on disk, as the main bench), writes N Instances rows directly in DT.AS's format
// (InstancesTable.upsert: the same columns a checkpoint writes; starting N orchestrations would take minutes),
// then times each query through TaskHubClient (first page with payloads, as the HTTP list route reads it), runs
// times each after one warm-up, and prints the median with min and max, and the load average before and after.
import { loadavg, cpus } from "node:os";
import { parseArgs } from "node:util";
import { TaskHubClient } from "@taskhub/core";
import {
  AzureStorageOrchestrationService,
  createStorageClients,
  InstancesTable,
} from "@taskhub/azure-storage";
import { startAzurite } from "@taskhub/azurite";

const { values: args } = parseArgs({
  options: {
    n: { type: "string", default: "20000" },
    runs: { type: "string", default: "3" },
    top: { type: "string", default: "100" },
  },
});
const N = Number(args.n);
const RUNS = Number(args.runs);
const TOP = Number(args.top);

const NAMES = ["OrderFlow", "Payment", "Shipping", "Audit", "Report"];
/** Status mix of a hub that has run a while: most finished. */
const STATUS_MIX = [
  ["Completed", 60],
  ["Running", 15],
  ["Failed", 8],
  ["Terminated", 5],
  ["Pending", 5],
  ["Suspended", 4],
  ["ContinuedAsNew", 2],
  ["Canceled", 1],
];
const DAY = 24 * 3600 * 1000;
const now = Date.now();

/** A deterministic pseudo-random sequence (mulberry32: the same hub every run). */
let seed = 42;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (mix) => {
  let r = rand() * mix.reduce((s, [, w]) => s + w, 0);
  for (const [v, w] of mix) if ((r -= w) < 0) return v;
  return mix[mix.length - 1][0];
};
const hex = (n) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join("");

function record(i) {
  const name = NAMES[i % NAMES.length];
  // Half the ids are Durable Functions' default (32 hex digits), half the app's own ("order-000123").
  const instanceId = i % 2 === 0 ? hex(32) : `${name.toLowerCase()}-${String(i).padStart(6, "0")}`;
  const runtimeStatus = pick(STATUS_MIX);
  const createdAt = new Date(now - rand() * 30 * DAY);
  const lastUpdatedAt = new Date(Math.min(now, createdAt.getTime() + rand() * 3600 * 1000));
  const finished = ["Completed", "Failed", "Terminated", "Canceled"].includes(runtimeStatus);
  const r = rand();
  const customStatus =
    r < 0.01
      ? '"needs approval"'
      : r < 0.31
        ? JSON.stringify({ stage: `step-${Math.floor(rand() * 10)}` })
        : undefined;
  return {
    record: {
      instanceId,
      executionId: hex(32),
      name,
      version: "",
      runtimeStatus,
      createdAt,
      lastUpdatedAt,
      completedAt: finished ? lastUpdatedAt : undefined,
      serializedCustomStatus: customStatus,
      generation: 0,
    },
    io: {
      input: JSON.stringify({ orderId: i, items: [hex(8), hex(8)], note: "x".repeat(60) }),
      output: finished ? JSON.stringify({ ok: runtimeStatus === "Completed", id: i }) : undefined,
    },
  };
}

async function pool(count, concurrency, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
const ms = (t) => `${t.toFixed(0)}`;

const azurite = await startAzurite({ inMemory: false });
const hub = `qbench${Date.now().toString(36)}`;
const service = new AzureStorageOrchestrationService({
  taskHubName: hub,
  storage: { connectionString: azurite.connectionString },
});
try {
  await service.createIfNotExists();
  const clients = createStorageClients({ connectionString: azurite.connectionString });
  const instances = new InstancesTable(clients.table(service.names.instancesTable), hub);
  const fillStart = performance.now();
  await pool(N, 32, (i) => {
    const { record: r, io } = record(i);
    return instances.upsert(r, io);
  });
  const fillSeconds = (performance.now() - fillStart) / 1000;
  const client = new TaskHubClient(service);

  const since = (days) => new Date(now - days * DAY);
  const firstPages = [
    ["no filter", {}],
    ["runtimeStatus Running", { statuses: ["Running"] }],
    ["runtimeStatus Failed, Terminated", { statuses: ["Failed", "Terminated"] }],
    ["name Payment", { names: ["Payment"] }],
    ["names Payment, Audit", { names: ["Payment", "Audit"] }],
    ["instanceIdPrefix payment-00", { instanceIdPrefix: "payment-00" }],
    ["created in the last 3 days", { createdFrom: since(3) }],
    ["last updated in the last day", { lastUpdatedFrom: since(1) }],
    ['customStatusContains "stage" (30 %)', { customStatusContains: "stage" }],
    ['customStatusContains "approval" (1 %)', { customStatusContains: "approval" }],
    [
      "name + Failed + created in 7 days",
      { names: ["Payment"], statuses: ["Failed"], createdFrom: since(7) },
    ],
    ["name that matches nothing", { names: ["Nope"] }],
  ];
  const counts = [
    ["counts, no filter", {}],
    ["counts, name Payment", { names: ["Payment"] }],
    ["counts, created in the last 7 days", { createdFrom: since(7) }],
    ['counts, customStatusContains "approval"', { customStatusContains: "approval" }],
  ];

  async function time(fn) {
    await fn(); // warm-up
    const t = [];
    let last;
    for (let r = 0; r < RUNS; r++) {
      const start = performance.now();
      last = await fn();
      t.push(performance.now() - start);
    }
    t.sort((a, b) => a - b);
    return { median: t[Math.floor(t.length / 2)], min: t[0], max: t[t.length - 1], last };
  }

  const loadBefore = load();
  const rows = [];
  for (const [label, filter] of firstPages) {
    const r = await time(async () => {
      const page = (
        await client
          .listInstances({ ...filter, maxPageSize: TOP })
          .byPage()
          .next()
      ).value;
      return `${page.items.length} items${page.continuationToken ? ", more" : ""}`;
    });
    rows.push([`first page: ${label}`, r]);
  }
  for (const [label, filter] of counts) {
    const r = await time(async () => {
      const c = await client.countInstancesByStatus(filter);
      return `total ${c.total}`;
    });
    rows.push([label, r]);
  }
  const loadAfter = load();

  console.log(
    `query bench: ${N} instances (written in ${fillSeconds.toFixed(1)} s), top ${TOP}, median of ${RUNS} after a warm-up, ${cpus().length} cores`,
  );
  console.log(`load average (1, 5, 15 min) before: ${loadBefore}; after: ${loadAfter}`);
  console.log("");
  console.log("| query | median ms | min–max ms | answer |");
  console.log("|---|---|---|---|");
  for (const [label, r] of rows)
    console.log(`| ${label} | ${ms(r.median)} | ${ms(r.min)}–${ms(r.max)} | ${r.last} |`);
} finally {
  await service.deleteTaskHub().catch(() => {});
  await azurite.stop();
}
