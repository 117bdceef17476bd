/**
 * A worker process for e2e tests. Configured by environment: TASKHUB_CONNECTION_STRING, TASKHUB_HUB,
 * TASKHUB_PARTITIONS, TASKHUB_MANAGEMENT ("blob" | "table"), TASKHUB_RUNS_FILE (each activity run appends
 * "<instanceId> <taskId>" there). Prints one JSON line per ownership change:
 * {"event":"gained"|"lost","partition":n,"worker":id,"t":ms}, and {"event":"ready"} once started.
 * SIGTERM stops gracefully (drain, release leases, exit 0).
 */
import { appendFileSync } from "node:fs";
import { TaskHubWorker, type EntityContext } from "@taskhub/core";
import { AzureStorageOrchestrationService, BlobPartitionManager, TablePartitionManager, createStorageClients, taskHubNames, type PartitionManager } from "@taskhub/azure-storage";

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const connectionString = env("TASKHUB_CONNECTION_STRING");
const hub = env("TASKHUB_HUB");
const partitions = Number(env("TASKHUB_PARTITIONS"));
const management = env("TASKHUB_MANAGEMENT");
const runsFile = env("TASKHUB_RUNS_FILE");
const workerId = `${process.env.TASKHUB_WORKER_NAME ?? "w"}-${process.pid}`;

const say = (o: object): void => {
  process.stdout.write(JSON.stringify({ ...o, worker: workerId, t: Date.now() }) + "\n");
};

/** Wraps the real manager to report ownership changes as they happen. */
function reporting(inner: PartitionManager): PartitionManager {
  return {
    start: (listener) =>
      inner.start({
        onPartitionGained: (p) => {
          say({ event: "gained", partition: p });
          listener.onPartitionGained(p);
        },
        onPartitionLost: (p) => {
          listener.onPartitionLost(p);
          say({ event: "lost", partition: p });
        },
        inFlight: (p) => listener.inFlight?.(p) ?? 0,
      }),
    stop: () => inner.stop(),
    ownedPartitions: () => inner.ownedPartitions(),
  };
}

const names = taskHubNames(hub, partitions);
const clients = createStorageClients({ connectionString });
const manager =
  management === "table"
    ? new TablePartitionManager({ table: clients.table(names.partitionsTable), controlQueues: names.controlQueues, workerId, leaseIntervalMs: 8000, acquireIntervalMs: 1000 })
    : new BlobPartitionManager({
        container: clients.container(names.leasesContainer),
        taskHubName: hub,
        controlQueues: names.controlQueues,
        workerId,
        intent: { leaseIntervalMs: 15_000, renewIntervalMs: 3000, acquireIntervalMs: 1000 },
        ownership: { leaseIntervalMs: 15_000, renewIntervalMs: 3000, acquireIntervalMs: 1000 },
      });

const service = new AzureStorageOrchestrationService({
  taskHubName: hub,
  storage: { connectionString },
  partitionCount: partitions,
  partitionManagement: reporting(manager),
  workerId,
  minPollingIntervalMs: 20,
  maxPollingIntervalMs: 500,
  // Short visibility so messages a killed worker had locked come back within the test's time.
  controlQueueVisibilityTimeoutMs: 20_000,
  workItemQueueVisibilityTimeoutMs: 20_000,
});
const worker = new TaskHubWorker(service, { abandonDelayMs: 200 });
worker.addActivity("Work", async (ctx, n: number) => {
  appendFileSync(runsFile, `${ctx.instanceId} ${ctx.taskId}\n`);
  await new Promise((r) => setTimeout(r, 20));
  return n + 1;
});
worker.addOrchestrator("Seq5", function* (ctx, start: number) {
  let n = start;
  for (let i = 0; i < 5; i++) n = (yield ctx.callActivity("Work", n)) as number;
  return n;
});
// Entities (issue 6): the aggregator's counter, bank accounts, and transfers in critical sections.
worker.addEntity("counter", (ctx: EntityContext<number>) => {
  const v = ctx.getState(() => 0) ?? 0;
  if (ctx.operationName === "add") ctx.setState(v + (ctx.getInput<number>() ?? 1));
  return v;
});
worker.addEntity("account", (ctx: EntityContext<number>) => {
  const balance = ctx.getState(() => 0) ?? 0;
  const amount = ctx.getInput<number>() ?? 0;
  if (ctx.operationName === "deposit") ctx.setState(balance + amount);
  if (ctx.operationName === "withdraw") {
    if (amount > balance) throw new Error(`insufficient funds: ${balance} < ${amount}`);
    ctx.setState(balance - amount);
  }
  return balance;
});
worker.addOrchestrator("Transfer", function* (ctx, input: { from: string; to: string; amount: number }) {
  const from = { name: "account", key: input.from };
  const to = { name: "account", key: input.to };
  const lock = yield* ctx.entities.lockEntities(from, to);
  const balance: number = yield ctx.entities.callEntity(from, "balance");
  const amount = Math.min(balance, input.amount);
  yield ctx.whenAll([ctx.entities.callEntity(from, "withdraw", amount), ctx.entities.callEntity(to, "deposit", amount)]);
  lock.release();
  return amount;
});
await worker.start();
say({ event: "ready" });

let stopping = false;
const shutdown = async (): Promise<void> => {
  if (stopping) process.exit(1);
  stopping = true;
  await worker.stop({ drainTimeoutMs: 10_000 });
  say({ event: "stopped" });
  process.exit(0);
};
process.on("SIGTERM", () => void shutdown());
process.on("SIGINT", () => void shutdown());
