// versionFailureStrategy Reject on a real Azurite: a worker that does not run an instance's version gives its
// messages back for another worker, uncounted (as fresh copies: an Azure queue's dequeue count only grows),
// so however often it is rejected the instance stays Pending with nothing in the poison store, and a worker
// of its version, started later on the same hub, runs it.
import { afterEach, describe, expect, it } from "vitest";
import { TaskHubClient, TaskHubWorker, type VersioningOptions } from "@taskhub/core";
import { RecordingLogger } from "@taskhub/core/testing";
import type { AzureStorageOrchestrationService } from "../../src/index.js";
import { newService, uniqueHubName } from "../helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** Quarantine after 2 deliveries, once older than twice the 2 s visibility timeout. */
function service(taskHubName: string, logger: RecordingLogger): AzureStorageOrchestrationService {
  return newService({ taskHubName, maxDequeueCount: 2, controlQueueVisibilityTimeoutMs: 2000, logger });
}

async function startWorker(
  s: AzureStorageOrchestrationService,
  versioning: VersioningOptions,
  output: string,
  logger: RecordingLogger,
): Promise<TaskHubWorker> {
  const worker = new TaskHubWorker(s, { versioning, logger, abandonDelayMs: 100 });
  worker.addOrchestrator("Work", (_ctx, input: string) => `${output}: ${input}`);
  await worker.start();
  return worker;
}

describe("versionFailureStrategy Reject", () => {
  it("keeps a rejected instance queued past maxDequeueCount, out of the poison store, for a worker of its version", async () => {
    const hub = uniqueHubName();
    const logger = new RecordingLogger();
    const v1Service = service(hub, logger);
    cleanups.push(() => v1Service.deleteTaskHub());
    const v1 = await startWorker(
      v1Service,
      { version: "1.0", matchStrategy: "CurrentOrOlder", failureStrategy: "Reject" },
      "v1",
      logger,
    );
    cleanups.push(() => v1.stop({ drainTimeoutMs: 2000 }));
    const client = new TaskHubClient(v1Service);
    const id = await client.scheduleNewOrchestration("Work", "hello", { version: "2.0" });

    // Six rejections: a counted abandon quarantines the start by its third delivery once it is 4 s old.
    const rejections = (): number =>
      logger.events("orchestration.versionRejected").filter((e) => e.instanceId === id).length;
    for (const deadline = Date.now() + 45_000; rejections() < 6 && Date.now() < deadline;) {
      if ((await v1Service.listPoisonMessages()).length > 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await v1Service.listPoisonMessages()).toEqual([]);
    expect(logger.events("message.quarantined")).toEqual([]);
    expect(rejections()).toBeGreaterThanOrEqual(6);
    expect((await client.getOrchestrationState(id))?.runtimeStatus).toBe("Pending");
    expect(await client.getOrchestrationHistory(id)).toEqual([]);
    await v1.stop({ drainTimeoutMs: 2000 });

    // Another worker (its own service, as another process would have) of the instance's version runs it.
    const v2Service = service(hub, logger);
    const v2 = await startWorker(
      v2Service,
      { version: "2.0", matchStrategy: "CurrentOrOlder" },
      "v2",
      logger,
    );
    cleanups.push(() => v2.stop({ drainTimeoutMs: 2000 }));
    const done = await new TaskHubClient(v2Service).waitForOrchestrationCompletion(id, { timeoutMs: 60_000 });
    expect(done).toMatchObject({ runtimeStatus: "Completed", output: "v2: hello", version: "2.0" });
    expect(await v2Service.listPoisonMessages()).toEqual([]);
  });
});
