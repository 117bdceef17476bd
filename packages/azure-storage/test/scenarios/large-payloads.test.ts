// Large inputs and outputs on a real Azurite, read back with the plain @azure/* clients: which blobs exist
// (one per large payload and place, named as DT.AS names them) and what the Instances row points at —
// DT.AS's AzureStorageOrchestrationService.CreateTaskOrchestrationAsync and AzureTableTrackingStore
// (SetNewExecutionAsync, UpdateStateAsync, GetBlobName).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TableClient } from "@azure/data-tables";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { TaskHubClient, TaskHubWorker } from "@taskhub/core";
import {
  escapePartitionKey,
  type AzureStorageOrchestrationService,
  type CheckpointTestHooks,
} from "../../src/index.js";
import { connectionString, newService } from "../helpers.js";

let service: AzureStorageOrchestrationService;
let client: TaskHubClient;
let worker: TaskHubWorker;

beforeAll(async () => {
  service = newService();
  await service.createIfNotExists();
  client = new TaskHubClient(service);
  worker = new TaskHubWorker(service);
  // eslint-disable-next-line require-yield -- completes in its first step
  worker.addOrchestrator("Length", function* (_ctx, input: string) {
    return input.length;
  });
  // eslint-disable-next-line require-yield -- completes in its first step
  worker.addOrchestrator("Echo", function* (_ctx, input: string) {
    return input;
  });
});

afterAll(async () => {
  await worker.stop();
  await service.deleteTaskHub();
});

function instancesRow(instanceId: string): Promise<Record<string, unknown>> {
  return TableClient.fromConnectionString(connectionString(), service.names.instancesTable, {
    allowInsecureConnection: true,
  }).getEntity<Record<string, unknown>>(escapePartitionKey(instanceId), "");
}

function container(): ContainerClient {
  return BlobServiceClient.fromConnectionString(connectionString()).getContainerClient(
    service.names.largeMessagesContainer,
  );
}

async function blobNames(instanceId: string): Promise<string[]> {
  const names: string[] = [];
  for await (const b of container().listBlobsFlat({ prefix: `${instanceId}/` })) names.push(b.name);
  return names.sort();
}

async function historyRow(instanceId: string, eventType: string): Promise<Record<string, unknown>> {
  const history = TableClient.fromConnectionString(connectionString(), service.names.historyTable, {
    allowInsecureConnection: true,
  });
  for await (const r of history.listEntities<Record<string, unknown>>({
    queryOptions: {
      filter: `PartitionKey eq '${escapePartitionKey(instanceId)}' and EventType eq '${eventType}'`,
    },
  }))
    return r;
  throw new Error(`no ${eventType} row for ${instanceId}`);
}

/** Runs the worker until the instance completes; the Pending row is inspected before. */
async function runToCompletion(instanceId: string): Promise<void> {
  await worker.start();
  try {
    expect(
      (await client.waitForOrchestrationCompletion(instanceId, { timeoutMs: 60_000 })).runtimeStatus,
    ).toBe("Completed");
  } finally {
    await worker.stop();
  }
}

describe("large start inputs", () => {
  it("a start message offloaded to a blob: the Pending row's Input is that blob's URL, as DT.AS writes it", async () => {
    const big = "p".repeat(80 * 1024);
    const id = await client.scheduleNewOrchestration("Length", big, { instanceId: "big-start-1" });
    const [messageBlob, ...others] = await blobNames(id);
    expect(others).toEqual([]);
    expect(messageBlob).toMatch(/^big-start-1\/message-[0-9a-f]{32}-ExecutionStarted\.json\.gz$/);
    const pending = await instancesRow(id);
    expect(pending.RuntimeStatus).toBe("Pending");
    expect(pending.Input).toBe(service.payloads.urlOf(messageBlob!));
    expect(pending).not.toHaveProperty("InputBlobName");
    // Readers take the input out of the start message's envelope.
    expect((await client.getOrchestrationState(id, { fetchPayloads: true }))?.serializedInput).toBe(
      JSON.stringify(big),
    );
    await runToCompletion(id);
  });

  it("a start message small enough for the queue but too large for a column: InputBlobName under DT.AS's Instances-row name", async () => {
    // 40,000 characters: a 40 KB envelope (under 45 KB) but 80,000 UTF-16 bytes (over 60 KB).
    const mid = "m".repeat(40_000);
    const id = await client.scheduleNewOrchestration("Length", mid, { instanceId: "mid-start-1" });
    const names = await blobNames(id);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^mid-start-1\/history--Input-[0-9A-F]{8}-Input\.json\.gz$/);
    const pending = await instancesRow(id);
    expect(pending.Input).toBe("");
    expect(pending.InputBlobName).toBe(names[0]);
    expect((await client.getOrchestrationState(id, { fetchPayloads: true }))?.serializedInput).toBe(
      JSON.stringify(mid),
    );

    await runToCompletion(id);
    // The checkpoint points Input at the history row's blob, as DT.AS does; InputBlobName stays (DT.AS merges too).
    const started = await historyRow(id, "ExecutionStarted");
    expect(started.InputBlobName).toMatch(
      /^mid-start-1\/history-0000000000000001-ExecutionStarted-[0-9A-F]{8}-Input\.json\.gz$/,
    );
    const row = await instancesRow(id);
    expect(row.Input).toBe(service.payloads.urlOf(String(started.InputBlobName)));
    expect(row.InputBlobName).toBe(names[0]);
    expect((await client.getOrchestrationState(id, { fetchPayloads: true }))?.serializedInput).toBe(
      JSON.stringify(mid),
    );
  });
});

describe("each large payload written once", () => {
  it("an 80 KB input: the start message's blob and the history row's blob, nothing else; Instances points at the history blob", async () => {
    const big = "i".repeat(80 * 1024);
    const before = service.requestCounter.snapshot();
    const id = await client.scheduleNewOrchestration("Length", big, { instanceId: "big-once-1" });
    await runToCompletion(id);
    const uploads = service.requestCounter.diff(before).byOperation["blob.PutBlob"] ?? 0;
    console.log(`80 KB input, one orchestration: ${uploads} blob uploads`);
    const names = await blobNames(id);
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(
      /^big-once-1\/history-0000000000000001-ExecutionStarted-[0-9A-F]{8}-Input\.json\.gz$/,
    );
    expect(names[1]).toMatch(/^big-once-1\/message-[0-9a-f]{32}-ExecutionStarted\.json\.gz$/);
    expect(uploads).toBe(2);
    const row = await instancesRow(id);
    expect(row.Input).toBe(service.payloads.urlOf(names[0]!));
    expect(row).not.toHaveProperty("InputBlobName");
    const s = await client.getOrchestrationState(id, { fetchPayloads: true });
    expect(s?.serializedInput).toBe(JSON.stringify(big));
    expect(s?.serializedOutput).toBe(String(big.length));
  });

  it("an 80 KB output: Instances Output is the URL of the ExecutionCompleted row's Result blob", async () => {
    const big = "o".repeat(80 * 1024);
    const id = await client.scheduleNewOrchestration("Echo", big, { instanceId: "big-out-1" });
    await runToCompletion(id);
    const completed = await historyRow(id, "ExecutionCompleted");
    expect(completed.Result).toBe("");
    expect(completed.ResultBlobName).toMatch(
      /^big-out-1\/history-[0-9A-F]{16}-ExecutionCompleted-[0-9A-F]{8}-Result\.json\.gz$/,
    );
    const row = await instancesRow(id);
    expect(row.Output).toBe(service.payloads.urlOf(String(completed.ResultBlobName)));
    // Start message, history Input, history Result: three blobs for two payloads in three places.
    expect(await blobNames(id)).toHaveLength(3);
    const s = await client.getOrchestrationState(id, { fetchPayloads: true });
    expect(s?.serializedOutput).toBe(JSON.stringify(big));
    expect(s?.serializedInput).toBe(JSON.stringify(big));
  });

  it("a large termination reason before the instance started: Output is the URL of a blob under DT.AS's Instances-row name", async () => {
    const reason = "r".repeat(40_000);
    const id = await client.scheduleNewOrchestration("Length", "small", { instanceId: "big-terminate-1" });
    await client.terminateOrchestration(id, { output: reason });
    const names = await blobNames(id);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^big-terminate-1\/history--Output-[0-9A-F]{8}-Output\.json\.gz$/);
    const row = await instancesRow(id);
    expect(row.RuntimeStatus).toBe("Terminated");
    expect(row.Output).toBe(service.payloads.urlOf(names[0]!));
    expect((await client.getOrchestrationState(id, { fetchPayloads: true }))?.serializedOutput).toBe(
      JSON.stringify(reason),
    );
  });
});

describe("Instances row repaired from history", () => {
  it("a crash before the final Instances write: the repaired row points at the history's blobs, no copies", async () => {
    const hooks: CheckpointTestHooks = {};
    const other = newService({ testHooks: hooks });
    let crashed = false;
    hooks.beforeInstanceWrite = async (_wi, commit) => {
      if (!crashed && commit.state.runtimeStatus === "Completed") {
        crashed = true;
        throw new Error("injected crash after the final history write");
      }
    };
    const w = new TaskHubWorker(other, { abandonDelayMs: 10 });
    // eslint-disable-next-line require-yield -- completes in its first step
    w.addOrchestrator("Echo", function* (_ctx, input: string) {
      return input;
    });
    await w.start();
    try {
      const c = new TaskHubClient(other);
      const big = "e".repeat(80 * 1024);
      const id = await c.scheduleNewOrchestration("Echo", big, { instanceId: "big-repair-1" });
      const s = await c.waitForOrchestrationCompletion(id, { timeoutMs: 60_000 });
      expect(crashed).toBe(true);
      expect(s.output).toBe(big);
      expect(s.input).toBe(big);
      const names: string[] = [];
      for await (const b of BlobServiceClient.fromConnectionString(connectionString())
        .getContainerClient(other.names.largeMessagesContainer)
        .listBlobsFlat({ prefix: `${id}/` }))
        names.push(b.name);
      // The start message, the history's Input and Result: the repair wrote no blob of its own.
      expect(names.sort()).toEqual([
        expect.stringMatching(
          /^big-repair-1\/history-0000000000000001-ExecutionStarted-[0-9A-F]{8}-Input\.json\.gz$/,
        ),
        expect.stringMatching(
          /^big-repair-1\/history-0000000000000002-ExecutionCompleted-[0-9A-F]{8}-Result\.json\.gz$/,
        ),
        expect.stringMatching(/^big-repair-1\/message-[0-9a-f]{32}-ExecutionStarted\.json\.gz$/),
      ]);
      const row = await TableClient.fromConnectionString(connectionString(), other.names.instancesTable, {
        allowInsecureConnection: true,
      }).getEntity<Record<string, unknown>>(id, "");
      expect(row.RuntimeStatus).toBe("Completed");
      expect(row.Input).toBe(other.payloads.urlOf(names[0]!));
      expect(row.Output).toBe(other.payloads.urlOf(names[1]!));
    } finally {
      await w.stop();
      await other.deleteTaskHub();
    }
  });
});
