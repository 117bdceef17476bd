// The `Sender` (and `Episode`) of queue messages, read off the queues with the plain queue client before any
// worker takes them. DT.AS sends every client message (start, event, terminate, suspend, resume, entity
// signal) with `Sender = {"InstanceId":"","ExecutionId":""}` (its EmptySourceInstance) and no `Episode`, and an
// orchestration's messages with the orchestration as `Sender` and its episode.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueServiceClient } from "@azure/storage-queue";
import { BlobServiceClient } from "@azure/storage-blob";
import { gunzipSync } from "node:zlib";
import { executeOrchestrationWorkItem, TaskHubClient, type Orchestrator } from "@taskhub/core";
import type { AzureStorageOrchestrationService } from "../../src/index.js";
import { connectionString, newService, nextOrchestrationWorkItem } from "../helpers.js";

let service: AzureStorageOrchestrationService;
let client: TaskHubClient;

beforeAll(async () => {
  service = newService();
  await service.createIfNotExists();
  client = new TaskHubClient(service);
});

afterAll(async () => {
  await service.deleteTaskHub();
});

async function peekAll(): Promise<Record<string, unknown>[]> {
  const queues = QueueServiceClient.fromConnectionString(connectionString());
  const bodies: string[] = [];
  for (const name of service.names.controlQueues) {
    const res = await queues.getQueueClient(name).peekMessages({ numberOfMessages: 32 });
    bodies.push(...res.peekedMessageItems.map((m) => m.messageText));
  }
  return bodies.map((b) => JSON.parse(b) as Record<string, unknown>);
}

function eventTypeOf(envelope: Record<string, unknown>): number {
  return ((envelope.TaskMessage as Record<string, unknown>).Event as { EventType: number }).EventType;
}

describe("messages sent by a client", () => {
  it("carry DT.AS's empty Sender and no Episode", async () => {
    const id = await client.scheduleNewOrchestration("Anything", { n: 1 }, { instanceId: "client-sender-1" });
    await client.raiseEvent(id, "Ping", 1);
    await client.suspendOrchestration(id, "pause");
    await client.resumeOrchestration(id, "go on");
    // A Pending instance is terminated in the Instances row without a message: this one reads as Running.
    const running = await client.scheduleNewOrchestration("Anything", undefined, {
      instanceId: "client-sender-2",
    });
    await service.instances.merge(running, { RuntimeStatus: "Running" });
    await client.terminateOrchestration(running, { output: "stop" });
    await client.signalEntity({ name: "counter", key: "k" }, "add", 1);
    const envelopes = await peekAll();
    // ExecutionStarted 0 (two), ExecutionTerminated 3, EventRaised 15 (the event and the signal), Suspended 19, Resumed 20.
    expect(envelopes.map(eventTypeOf).sort((a, b) => a - b)).toEqual([0, 0, 3, 15, 15, 19, 20]);
    for (const e of envelopes) {
      expect(e.Sender).toEqual({ InstanceId: "", ExecutionId: "" });
      expect(e).not.toHaveProperty("Episode");
    }
  });

  it("an offloaded start message: the wrapper has no Sender, the envelope in the blob has the empty one", async () => {
    const before = new Set((await peekAll()).map((e) => JSON.stringify(e)));
    await client.scheduleNewOrchestration("Anything", "x".repeat(60 * 1024), {
      instanceId: "client-sender-big",
    });
    const wrapper = (await peekAll()).find((e) => !before.has(JSON.stringify(e)))!;
    expect(wrapper.TaskMessage).toBeNull();
    expect(wrapper).not.toHaveProperty("Sender");
    const blob = BlobServiceClient.fromConnectionString(connectionString())
      .getContainerClient(service.names.largeMessagesContainer)
      .getBlockBlobClient(String(wrapper.CompressedBlobName));
    const envelope = JSON.parse(gunzipSync(await blob.downloadToBuffer()).toString("utf8")) as Record<
      string,
      unknown
    >;
    expect(envelope.Sender).toEqual({ InstanceId: "", ExecutionId: "" });
    expect(envelope.CompressedBlobName).toBeNull();
  });
});

describe("messages sent by an orchestration", () => {
  it("carry the orchestration as Sender and its episode", async () => {
    const other = newService();
    await other.createIfNotExists();
    const c = new TaskHubClient(other);
    const callsOne: Orchestrator = function* (ctx) {
      yield ctx.callActivity("Later");
    };
    try {
      const id = await c.scheduleNewOrchestration("CallsOne", undefined, {
        instanceId: "orchestration-sender-1",
      });
      // One step by hand: with no activity dispatcher on this worker, the work item goes on the shared queue.
      await other.start();
      const wi = await nextOrchestrationWorkItem(other, new AbortController().signal);
      await other.completeOrchestrationWorkItem(
        wi,
        executeOrchestrationWorkItem(wi, { resolveOrchestrator: () => callsOne, now: new Date() }),
      );
      await other.stop();
      const state = await c.getOrchestrationState(id);
      const peeked = await QueueServiceClient.fromConnectionString(connectionString())
        .getQueueClient(other.names.workItemQueue)
        .peekMessages();
      const envelope = JSON.parse(peeked.peekedMessageItems[0]!.messageText) as Record<string, unknown>;
      expect(eventTypeOf(envelope)).toBe(4); // TaskScheduled
      expect(envelope.Sender).toEqual({ InstanceId: id, ExecutionId: state!.executionId });
      expect(envelope.Episode).toBe(1);
    } finally {
      await other.deleteTaskHub();
    }
  });
});
