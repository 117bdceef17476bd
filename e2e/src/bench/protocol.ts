/**
 * The storage requests DTF's Azure Storage provider needs for the bench workloads, derived from its
 * checkpoint protocol (docs/architecture.md, "One orchestration step") with DTF's defaults (extended sessions off,
 * so every orchestration step re-reads the history; activity work items received one message per
 * GetMessages; control queues received 32 messages per GetMessages). The derivation is written out in
 * BENCHMARKS.md. Keys are the request counter's `<service>.<operation>` names.
 */

export interface ProtocolFigure {
  total: number;
  byOperation: Record<string, number>;
  /** How the control-queue receives were counted. */
  note: string;
}

const PAGE_ROWS = 1000; // rows per table query page
const BATCH_ROWS = 99; // history rows per entity-group transaction (plus the sentinel)

/**
 * One orchestration that calls `k` activities one after another (k+1 steps), started by a client.
 * Control-queue receives are counted at the batched minimum, (k+1)/32, i.e. as if every receive were full.
 */
export function dtfSequence(k: number): ProtocolFigure {
  const steps = k + 1;
  const byOperation: Record<string, number> = {
    // client: start message; each activity: TaskScheduled to the work-item queue, its result to the control queue
    "queue.PutMessage": 1 + k + k,
    // each consumed control message (start + k results) and each work item
    "queue.DeleteMessage": steps + k,
    // a work item per receive; control messages 32 per receive
    "queue.GetMessages": k + steps / 32,
    // client reads the Instances row (dedupe); the worker reads it once (start dedupe) and the
    // history at every step (no extended sessions); a sequence of <= 1000 rows is one page
    "table.QueryEntities": 1 + 1 + steps * Math.max(1, Math.ceil((3 + 4 * k) / PAGE_ROWS)),
    // client writes the Pending row
    "table.InsertEntity": 1,
    // one history batch per step (each step adds < 99 rows)
    "table.Batch": steps,
    // Instances InsertOrMerge per step
    "table.MergeEntity": steps,
  };
  return { total: sumValues(byOperation), byOperation, note: "control-queue receives at 32 messages each" };
}

/**
 * One orchestration that fans out `n` activities and fans in their results over `steps` steps in all (the
 * first schedules everything; the results arrive spread evenly over the remaining steps).
 */
export function dtfFanOutFanIn(n: number, steps: number): ProtocolFigure {
  const resultSteps = Math.max(1, steps - 1);
  // History rows: step 1 writes OrchestratorStarted, ExecutionStarted, n TaskScheduled, OrchestratorCompleted;
  // every later step OrchestratorStarted + its results + OrchestratorCompleted (+ ExecutionCompleted at the end).
  let rows = n + 3;
  let batches = Math.ceil(rows / BATCH_ROWS);
  let reads = 1; // step 1: the (empty) history
  for (let s = 0; s < resultSteps; s++) {
    reads += Math.max(1, Math.ceil(rows / PAGE_ROWS));
    const results = Math.floor(n / resultSteps) + (s < n % resultSteps ? 1 : 0);
    const added = results + 2 + (s === resultSteps - 1 ? 1 : 0);
    batches += Math.ceil(added / BATCH_ROWS);
    rows += added;
  }
  const byOperation: Record<string, number> = {
    "queue.PutMessage": 1 + n + n,
    "queue.DeleteMessage": 1 + n + n,
    "queue.GetMessages": n + Math.ceil((n + 1) / 32),
    "table.QueryEntities": 1 + 1 + reads,
    "table.InsertEntity": 1,
    "table.Batch": batches,
    "table.MergeEntity": resultSteps + 1,
  };
  return {
    total: sumValues(byOperation),
    byOperation,
    note: `${resultSteps + 1} steps; control-queue receives at 32 messages each`,
  };
}

function sumValues(o: Record<string, number>): number {
  return Object.values(o).reduce((a, b) => a + b, 0);
}
