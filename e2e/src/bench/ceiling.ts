/**
 * Azurite's own capacity on this machine, measured in the same run before any scenario: queue
 * put+get+delete cycles per second and table upserts per second, each at concurrency 32, from this process
 * with the same storage clients the provider uses. Every throughput figure is held against it.
 */
import { createStorageClients } from "@taskhub/azure-storage";

export interface Ceiling {
  concurrency: number;
  durationMs: number;
  queueCyclesPerSecond: number;
  /** 3 requests per cycle. */
  queueRequestsPerSecond: number;
  tableUpsertsPerSecond: number;
  /**
   * Queue cycles per second again, with `backlog` messages lying (invisible) in another queue, as a workload's
   * backlog does: Azurite's queue store scans all stored messages on every queue request, so its cost per
   * request grows with them. Not used by the targets; it explains part of the gap to them.
   */
  queueCyclesPerSecondWithBacklog?: number;
  backlog?: number;
  /** Percent of one core used while measuring, by Azurite, this process and anything else. */
  cpu?: Record<string, number>;
}

// A queue message and a table row of the size the provider writes for a trivial activity.
const MESSAGE = JSON.stringify({ $type: "DurableTask.AzureStorage.MessageData", padding: "x".repeat(700) });
const ROW = {
  Name: "HelloSequence5",
  RuntimeStatus: "Running",
  CustomStatus: "null",
  ExecutionId: "0".repeat(32),
  Input: "null",
  Output: "x".repeat(40),
};

export async function measureCeiling(
  connectionString: string,
  durationMs: number,
  concurrency = 32,
  backlog = 500,
): Promise<Ceiling> {
  const clients = createStorageClients({ connectionString });
  const queue = clients.queue(`benchceiling${Date.now().toString(36)}`);
  await queue.createIfNotExists();
  const table = clients.table(`BenchCeiling${Date.now().toString(36)}`);
  await table.createTable();

  const cycle = async () => {
    await queue.sendMessage(MESSAGE);
    const r = await queue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 60 });
    const m = r.receivedMessageItems[0];
    if (!m) return false;
    await queue.deleteMessage(m.messageId, m.popReceipt);
    return true;
  };
  const queueCycles = await loops(concurrency, durationMs, cycle);
  const upserts = await loops(concurrency, durationMs, async (loop, i) => {
    // Mostly merges into existing rows, as the Instances upserts of a checkpoint are.
    await table.upsertEntity({ partitionKey: `p${loop}-${i % 50}`, rowKey: "", ...ROW, N: i }, "Merge");
    return true;
  });
  // The same cycles with a backlog the size of hello-sequence5's (500 instances, a message each; fewer in quick runs).
  const parked = clients.queue(`benchbacklog${Date.now().toString(36)}`);
  await parked.createIfNotExists();
  for (let i = 0; i < backlog; i += 50)
    await Promise.all(
      Array.from({ length: Math.min(50, backlog - i) }, () =>
        parked.sendMessage(MESSAGE, { visibilityTimeout: 3600 }),
      ),
    );
  const withBacklog = await loops(concurrency, durationMs, cycle);
  await Promise.all([queue.deleteIfExists(), parked.deleteIfExists(), table.deleteTable()]);
  return {
    queueCyclesPerSecondWithBacklog: Math.round(withBacklog),
    backlog,
    concurrency,
    durationMs,
    queueCyclesPerSecond: Math.round(queueCycles),
    queueRequestsPerSecond: Math.round(queueCycles * 3),
    tableUpsertsPerSecond: Math.round(upserts),
  };
}

/** Runs `op` in `concurrency` loops, a short warm-up first; returns completed operations per second. */
async function loops(
  concurrency: number,
  durationMs: number,
  op: (loop: number, i: number) => Promise<boolean>,
): Promise<number> {
  const warmUpMs = Math.min(1000, durationMs / 4);
  const start = Date.now();
  const measureFrom = start + warmUpMs;
  const end = measureFrom + durationMs;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, loop) => {
      for (let i = 0; Date.now() < end; i++) {
        const ok = await op(loop, i);
        if (ok && Date.now() >= measureFrom && Date.now() <= end) done++;
      }
    }),
  );
  return done / (durationMs / 1000);
}
