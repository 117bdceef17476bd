// Rewind as DT.AS 2.11's client does it (AzureStorageOrchestrationService.RewindTaskOrchestrationAsync): the
// failed rows of the latest execution are rewritten in place into GenericEvent rows with Reason
// "Rewound: <type>", the SubOrchestrationInstanceCreated of a failed child is only marked, the child is rewound
// recursively, the Instances row goes to Pending, and the deepest failed instances get a GenericEvent message
// whose Data is the reason. A DT.AS worker carries that out; so must taskhub's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueServiceClient } from "@azure/storage-queue";
import { TaskHubClient, TaskHubWorker } from "@taskhub/core";
import type { AzureStorageOrchestrationService } from "../../src/index.js";
import { connectionString, newService } from "../helpers.js";

const allowed = new Set<string>();
const attempts = new Map<string, number>();

function newWorker(service: AzureStorageOrchestrationService): TaskHubWorker {
  const worker = new TaskHubWorker(service);
  worker.addActivity("Flaky", (_ctx, key: string) => {
    const n = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, n);
    if (!allowed.has(key)) throw new Error(`attempt ${n} of ${key} fails`);
    return `ok after ${n}`;
  });
  worker.addOrchestrator("FailOnce", function* (ctx, key: string) {
    return (yield ctx.callActivity("Flaky", key)) as string;
  });
  worker.addOrchestrator("Retried", function* (ctx, key: string) {
    return (yield ctx.callActivity("Flaky", key, {
      retry: { maxNumberOfAttempts: 2, firstRetryIntervalMs: 50 },
    })) as string;
  });
  worker.addOrchestrator("Parent", function* (ctx, key: string) {
    return {
      child: (yield ctx.callSubOrchestrator("FailOnce", key, {
        instanceId: `${ctx.instanceId}:child`,
      })) as string,
    };
  });
  return worker;
}

let service: AzureStorageOrchestrationService;
let client: TaskHubClient;

beforeAll(async () => {
  service = newService({ partitionCount: 1 });
  await service.createIfNotExists();
  client = new TaskHubClient(service, { maxPollIntervalMs: 100 });
});

afterAll(async () => {
  await service.deleteTaskHub();
});

interface Row {
  rowKey: string;
  EventType?: string;
  EventId?: number;
  Reason?: string;
  Name?: string;
  ExecutionId?: string;
}

async function rows(instanceId: string): Promise<Row[]> {
  const out: Row[] = [];
  const table = service.clients.table(service.names.historyTable);
  for await (const r of table.listEntities<Row>({
    queryOptions: { filter: `PartitionKey eq '${instanceId}'` },
  }))
    if (r.rowKey !== "sentinel") out.push(r as Row);
  return out;
}

async function runUntilFailed(ids: [string, string, string][]): Promise<void> {
  const worker = newWorker(service);
  await worker.start();
  try {
    for (const [name, id, key] of ids) await client.scheduleNewOrchestration(name, key, { instanceId: id });
    for (const [, id] of ids)
      expect((await client.waitForOrchestrationCompletion(id, { timeoutMs: 60_000 })).runtimeStatus).toBe(
        "Failed",
      );
  } finally {
    await worker.stop();
  }
}

describe("rewind, as DT.AS's client does it", () => {
  it("rewrites the failed rows into GenericEvent rows, sets Pending, and wakes the instance with a GenericEvent", async () => {
    await runUntilFailed([["FailOnce", "rw-once", "k-once"]]);
    const before = await rows("rw-once");
    await client.rewindOrchestration("rw-once", "try again");

    // Rows keep their keys and columns; the failure, its TaskScheduled and the ExecutionCompleted are GenericEvents.
    const after = await rows("rw-once");
    expect(after.map((r) => r.rowKey)).toEqual(before.map((r) => r.rowKey));
    const changed = after
      .map((r, i) => ({ r, was: before[i]! }))
      .filter(({ r, was }) => r.EventType !== was.EventType || r.Reason !== was.Reason)
      .map(({ r, was }) => [was.EventType, r.EventType, r.Reason, r.EventId]);
    expect(changed).toEqual([
      ["TaskScheduled", "GenericEvent", "Rewound: TaskScheduled", 0],
      ["TaskFailed", "GenericEvent", "Rewound: TaskFailed", -1],
      ["ExecutionCompleted", "GenericEvent", "Rewound: ExecutionCompleted", 1],
    ]);
    expect(after.find((r) => r.Reason === "Rewound: TaskScheduled")?.Name).toBe("Flaky");
    expect((await client.getOrchestrationState("rw-once"))?.runtimeStatus).toBe("Pending");

    // The wake-up: a GenericEvent (EventType 17) with the reason as Data, addressed to the instance only.
    const queue = QueueServiceClient.fromConnectionString(connectionString()).getQueueClient(
      service.names.controlQueues[0]!,
    );
    const peeked = (await queue.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.map(
      (m) =>
        JSON.parse(m.messageText) as {
          TaskMessage: { Event: Record<string, unknown>; OrchestrationInstance: Record<string, unknown> };
        },
    );
    expect(
      peeked.map((m) => [
        m.TaskMessage.Event.EventType,
        m.TaskMessage.Event.Data,
        m.TaskMessage.OrchestrationInstance,
      ]),
    ).toEqual([
      [
        17,
        "try again",
        { $type: "DurableTask.Core.OrchestrationInstance", InstanceId: "rw-once", ExecutionId: null },
      ],
    ]);

    // A worker replays the rewritten history and runs the activity again.
    allowed.add("k-once");
    const worker = newWorker(service);
    await worker.start();
    try {
      const done = await client.waitForOrchestrationCompletion("rw-once", { timeoutMs: 60_000 });
      expect([done.runtimeStatus, done.output]).toEqual(["Completed", "ok after 2"]);
    } finally {
      await worker.stop();
    }
  });

  it("rewinds a failed child in place and wakes only the child; rewrites the retry timers of a retried activity", async () => {
    await runUntilFailed([
      ["Parent", "rw-parent", "k-parent"],
      ["Retried", "rw-retry", "k-retry"],
    ]);
    await client.rewindOrchestration("rw-parent", "again");
    await client.rewindOrchestration("rw-retry", "again");

    const parent = await rows("rw-parent");
    expect(parent.filter((r) => r.Reason?.startsWith("Rewound")).map((r) => [r.EventType, r.Reason])).toEqual(
      [
        ["SubOrchestrationInstanceCreated", "Rewound: SubOrchestrationInstanceCreated"],
        ["GenericEvent", "Rewound: SubOrchestrationInstanceFailed"],
        ["GenericEvent", "Rewound: ExecutionCompleted"],
      ],
    );
    const child = await rows("rw-parent:child");
    expect(child.filter((r) => r.Reason?.startsWith("Rewound")).map((r) => r.Reason)).toEqual([
      "Rewound: TaskScheduled",
      "Rewound: TaskFailed",
      "Rewound: ExecutionCompleted",
    ]);
    const retried = await rows("rw-retry");
    expect(
      retried.some(
        (r) => r.EventType === "TimerCreated" || r.EventType === "TimerFired" || r.EventType === "TaskFailed",
      ),
    ).toBe(false);
    expect((await client.getOrchestrationState("rw-parent:child"))?.runtimeStatus).toBe("Pending");

    const queue = QueueServiceClient.fromConnectionString(connectionString()).getQueueClient(
      service.names.controlQueues[0]!,
    );
    const woken = (await queue.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.map(
      (m) =>
        (JSON.parse(m.messageText) as { TaskMessage: { OrchestrationInstance: { InstanceId: string } } })
          .TaskMessage.OrchestrationInstance.InstanceId,
    );
    expect(woken.sort()).toEqual(["rw-parent:child", "rw-retry"]);

    allowed.add("k-parent");
    allowed.add("k-retry");
    const worker = newWorker(service);
    await worker.start();
    try {
      const p = await client.waitForOrchestrationCompletion("rw-parent", { timeoutMs: 60_000 });
      expect([p.runtimeStatus, p.output]).toEqual(["Completed", { child: "ok after 2" }]);
      const r = await client.waitForOrchestrationCompletion("rw-retry", { timeoutMs: 60_000 });
      expect([r.runtimeStatus, r.output]).toEqual(["Completed", "ok after 3"]);
    } finally {
      await worker.stop();
    }
  });
});
