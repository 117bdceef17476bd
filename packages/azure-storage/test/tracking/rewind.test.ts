// Rewind as DT.AS 2.11's client does it (AzureStorageOrchestrationService.RewindTaskOrchestrationAsync): the
// failed rows of the latest execution are rewritten in place into GenericEvent rows with Reason
// "Rewound: <type>", the SubOrchestrationInstanceCreated of a failed child is only marked, the child is rewound
// recursively, the Instances row goes to Pending, and the deepest failed instances get a GenericEvent message
// whose Data is the reason. A DT.AS worker carries that out; so must taskhub's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueServiceClient } from "@azure/storage-queue";
import { newEvent, TaskHubClient, TaskHubWorker } from "@taskhub/core";
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

describe("rewind, traced: the rewound run is a new span (as DTF's dispatcher makes it), not the failed run's again", () => {
  const TRACE = "0af7651916cd43dd8448eb211c80319c";
  const CALLER = "b7ad6b7169203331";
  type Raw = Record<string, unknown> & { rowKey: string };
  async function rawRows(instanceId: string): Promise<Raw[]> {
    const out: Raw[] = [];
    const table = service.clients.table(service.names.historyTable);
    for await (const r of table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: `PartitionKey eq '${instanceId}'` },
    }))
      if (r.rowKey !== "sentinel") out.push(r as Raw);
    return out;
  }
  const startRow = async (id: string): Promise<Raw> =>
    (await rawRows(id)).find((r) => r.EventType === "ExecutionStarted")!;
  const traceOf = (row: Raw): Record<string, string | null> =>
    JSON.parse(row.ParentTraceContext as string) as Record<string, string | null>;
  /** The row without its trace context and the table's own metadata. */
  const rest = (row: Raw): Record<string, unknown> => {
    const { ParentTraceContext: _tc, etag: _e, timestamp: _t, ...others } = row;
    return others;
  };
  /** Span ids of the activity client spans the execution's TaskScheduled rows (rewound ones included) name. */
  const scheduledSpanIds = async (id: string): Promise<string[]> =>
    (await rawRows(id))
      .filter((r) => r.Name === "Flaky" && typeof r.ParentTraceContext === "string")
      .map((r) => String(traceOf(r).TraceParent).split("-")[2]!);

  async function startTraced(name: string, instanceId: string, key: string): Promise<void> {
    const orchestrationInstance = { instanceId, executionId: `${instanceId}-e1`.replace(/[^a-z0-9]/g, "") };
    await service.createTaskOrchestration({
      event: newEvent("ExecutionStarted", {
        timestamp: new Date(),
        orchestrationInstance,
        name,
        version: "",
        input: JSON.stringify(key),
        parentTraceContext: { traceParent: `00-${TRACE}-${CALLER}-01`, traceState: "a=1" },
      }),
      orchestrationInstance,
    });
  }
  const failed = async (id: string): Promise<void> =>
    expect((await client.waitForOrchestrationCompletion(id, { timeoutMs: 60_000 })).runtimeStatus).toBe(
      "Failed",
    );

  it("restamps the start row's span identity on each rewind, and a rewound child's client span", async () => {
    const worker = newWorker(service);
    await worker.start();
    try {
      await startTraced("FailOnce", "rwt-once", "kt-once");
      await startTraced("Parent", "rwt-parent", "kt-parent");
      await client.scheduleNewOrchestration("FailOnce", "kt-plain", { instanceId: "rwt-plain" });
      for (const id of ["rwt-once", "rwt-parent", "rwt-plain"]) await failed(id);

      const first = await startRow("rwt-once");
      const plain = await startRow("rwt-plain");
      const parentCreated = async (): Promise<Raw> =>
        (await rawRows("rwt-parent")).find((r) => r.EventType === "SubOrchestrationInstanceCreated")!;
      const childFirst = await startRow("rwt-parent:child");
      const clientSpanBefore = (await parentCreated()).ClientSpanId as string;
      expect(traceOf(childFirst).TraceParent).toBe(`00-${TRACE}-${clientSpanBefore}-01`);

      await client.rewindOrchestration("rwt-once", "again");
      await failed("rwt-once"); // still failing: rewound a second time below
      const second = await startRow("rwt-once");
      await client.rewindOrchestration("rwt-plain", "again");
      await client.rewindOrchestration("rwt-parent", "again");
      await failed("rwt-plain");
      await failed("rwt-parent");

      // The parent (the caller's span) is kept; the execution's own span is new; nothing else in the row changes.
      const ids = [first, second].map((r) => traceOf(r));
      for (const tc of ids) {
        expect(tc).toMatchObject({ TraceParent: `00-${TRACE}-${CALLER}-01`, TraceState: "a=1" });
        expect(tc.Id).toBe(`00-${TRACE}-${tc.SpanId}-01`);
      }
      expect(rest(second)).toEqual(rest(first));
      await client.rewindOrchestration("rwt-once", "again");
      const third = traceOf(await startRow("rwt-once"));
      expect(new Set([ids[0]!.SpanId, ids[1]!.SpanId, third.SpanId]).size).toBe(3);
      expect(third.ActivityStartTime).not.toBe(ids[0]!.ActivityStartTime);

      // Each run's activity hangs off a client span of its own (derived from the run's span).
      allowed.add("kt-once");
      expect(
        (await client.waitForOrchestrationCompletion("rwt-once", { timeoutMs: 60_000 })).runtimeStatus,
      ).toBe("Completed");
      const activitySpans = await scheduledSpanIds("rwt-once");
      expect(activitySpans).toHaveLength(3);
      expect(new Set(activitySpans).size).toBe(3);

      // The child: a new client span in the parent's row, named by the child's start row, and a new span.
      const clientSpanAfter = (await parentCreated()).ClientSpanId as string;
      expect(clientSpanAfter).toMatch(/^[0-9a-f]{16}$/);
      expect(clientSpanAfter).not.toBe(clientSpanBefore);
      const child = traceOf(await startRow("rwt-parent:child"));
      expect(child.TraceParent).toBe(`00-${TRACE}-${clientSpanAfter}-01`);
      expect(child.SpanId).not.toBe(traceOf(childFirst).SpanId);
      expect(child.Id).toBe(`00-${TRACE}-${child.SpanId}-01`);

      // An untraced execution is left as it was.
      expect(await startRow("rwt-plain")).toMatchObject({ ParentTraceContext: plain.ParentTraceContext });
    } finally {
      await worker.stop();
    }
  });
});
