// A client read of an Instances row in the worker's own process, answered after a checkpoint wrote the row,
// must not make the worker forget the version it wrote: else its next checkpoint's conditional write fails
// with 412 and costs a sentinel read, a row read and a second write.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { TaskHubClient, TaskHubWorker } from "@taskhub/core";
import {
  classifyStorageRequest,
  RequestCounter,
  type AzureStorageOrchestrationService,
  type StorageService,
} from "../../src/index.js";
import { newService } from "../helpers.js";

/**
 * Counts 412 answers, and can hold back the answer to the next read of one Instances row until a merge of
 * that row has been answered (a read served before a write whose answer arrives after it, as concurrent
 * requests on separate connections may).
 */
class ReorderingCounter extends RequestCounter {
  preconditionFailed = 0;
  private armed: { instanceId: string; release: Promise<void>; onMerge: () => void } | undefined;

  /** Hold the next read of `instanceId`'s row until its next merge is answered. */
  arm(instanceId: string): void {
    let onMerge!: () => void;
    const release = new Promise<void>((r) => (onMerge = r));
    this.armed = { instanceId, release, onMerge };
  }

  override policy(service?: StorageService): PipelinePolicy {
    const inner = super.policy(service);
    return {
      name: inner.name,
      sendRequest: async (request, next) => {
        const response = await inner.sendRequest(request, next);
        if (response.status === 412) this.preconditionFailed++;
        const a = this.armed;
        const path = decodeURIComponent(new URL(request.url).pathname);
        if (a && path.includes(`Instances(PartitionKey='${a.instanceId}'`)) {
          const { operation } = classifyStorageRequest(request, service);
          if (operation === "MergeEntity") {
            this.armed = undefined;
            a.onMerge();
          } else if (request.method === "GET") {
            await a.release;
            // Let the merge's answer reach its caller first.
            await new Promise((r) => setTimeout(r, 20));
          }
        }
        return response;
      },
    };
  }
}

let counter: ReorderingCounter;
let service: AzureStorageOrchestrationService;
let worker: TaskHubWorker;

beforeAll(async () => {
  counter = new ReorderingCounter();
  service = newService({ requestCounter: counter });
  worker = new TaskHubWorker(service);
  worker.addOrchestrator("TwoEvents", function* (ctx) {
    const a = (yield ctx.waitForExternalEvent("e")) as number;
    const b = (yield ctx.waitForExternalEvent("e")) as number;
    return a + b;
  });
  await worker.start();
});

afterAll(async () => {
  await worker?.stop();
  await service?.deleteTaskHub();
});

describe("a client read in the worker's process answered after a checkpoint", () => {
  it("leaves the worker's remembered row version alone: the next checkpoint writes without a 412 or a read", async () => {
    const client = new TaskHubClient(service, { minPollIntervalMs: 50 });
    // Completion is watched through another service object, whose requests are neither counted nor held.
    const watcher = new TaskHubClient(newService({ taskHubName: service.names.hub }), {
      minPollIntervalMs: 50,
    });
    const id = "etag-race";
    await client.scheduleNewOrchestration("TwoEvents", undefined, { instanceId: id });
    await watcher.waitForOrchestrationStart(id, { timeoutMs: 60_000 });

    // The read is served now (the first step's row) and answered after the second step's checkpoint.
    counter.arm(id);
    const read = client.getOrchestrationState(id);
    await client.raiseEvent(id, "e", 1);
    expect((await read)?.runtimeStatus).toBe("Running");

    const before = counter.snapshot();
    const conflictsBefore = counter.preconditionFailed;
    await client.raiseEvent(id, "e", 2);
    const done = await watcher.waitForOrchestrationCompletion(id, { timeoutMs: 60_000 });
    expect(done.output).toBe(3);
    const d = RequestCounter.diff(before, counter.snapshot());
    console.log("third step's requests", d.byOperation, "412s", counter.preconditionFailed - conflictsBefore);
    expect(counter.preconditionFailed - conflictsBefore).toBe(0);
    // The third step reads nothing (its history is cached): no sentinel read, no row read.
    expect(d.byOperation["table.QueryEntities"] ?? 0).toBe(0);
    expect(d.byOperation["table.MergeEntity"]).toBe(1);
  });
});
