// Hostile input against real worker processes on a real Azurite (issue 9): bad instance ids, unknown
// names, inputs that are not JSON, large payloads, malformed queue messages of every kind. Each gets a clear
// error (a typed error, a failed instance with its reason, or a poison entry with its reason), writes nothing
// it should not, and other work keeps flowing. HTTP and secrets: reliability-http.test.ts.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskHubClient, TaskHubError, newEvent } from "@taskhub/core";
import {
  AzureStorageOrchestrationService,
  messageDataToJson,
  newMessageData,
  partitionIndex,
} from "@taskhub/azure-storage";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { incompressible, queueLength, waitForPoison } from "./hostile.js";
import { newHub, type Hub } from "./worker-hub.js";

let azurite: AzuriteInstance;
let h: Hub;
const figures: string[] = [];

beforeAll(async () => {
  azurite = await startAzurite();
  // Quarantine after 3 deliveries (1 s apart) so the poison path runs within the test's time.
  // (and once older than twice the 4 s visibility timeout: a message may be waiting for one a dead worker holds).
  h = newHub(azurite.connectionString, { env: { TASKHUB_MAX_DEQUEUE: "3", TASKHUB_VISIBILITY_MS: "4000" } });
  await h.start("a");
});
afterAll(async () => {
  for (const w of h?.workers ?? []) if (w.exitedAt === undefined) w.kill("SIGKILL");
  await azurite?.stop();
  if (figures.length) console.log(`reliability-hostile figures:\n  ${figures.join("\n  ")}`);
});

/** Background work that must keep completing while the hostile input is being handled. */
async function otherWork(client: TaskHubClient, count: number): Promise<number> {
  const ids = await Promise.all(
    Array.from({ length: count }, (_, i) => client.scheduleNewOrchestration("Seq5", i * 10)),
  );
  let ok = 0;
  for (const [i, id] of ids.entries()) {
    const s = await client.waitForOrchestrationCompletion(id, { timeoutMs: 60_000 });
    expect(s.runtimeStatus).toBe("Completed");
    expect(s.output).toBe(i * 10 + 5);
    ok++;
  }
  return ok;
}

async function expectCode(p: Promise<unknown>, code: string): Promise<TaskHubError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a ${code} error`).toBeInstanceOf(TaskHubError);
  expect((err as TaskHubError).code).toBe(code);
  return err as TaskHubError;
}

const BAD_IDS: [string, string][] = [
  ["slash", "a/b"],
  ["backslash", "a\\b"],
  ["hash", "a#b"],
  ["question mark", "a?b"],
  ["NUL", "a\u0000b"],
  ["newline", "a\nb"],
  ["DEL", "a\u007fb"],
  ["C1 control (NEL)", "a\u0085b"],
  ["leading @", "@counter@x"],
  ["257 characters", "x".repeat(257)],
  ["empty", ""],
];

describe("instance ids", () => {
  it("refuses / \\ # ? control characters, a leading @ and more than 256 characters on every verb, writing nothing", async () => {
    // A hub nobody has touched: after all the refused calls, not one of its queues or tables may exist.
    const fresh = new AzureStorageOrchestrationService({
      taskHubName: `untouched${randomUUID().slice(0, 8)}`,
      storage: { connectionString: azurite.connectionString },
    });
    const client = new TaskHubClient(fresh);
    let refused = 0;
    for (const [, id] of BAD_IDS) {
      await expectCode(client.scheduleNewOrchestration("Echo", 1, { instanceId: id }), "InvalidArgument");
      await expectCode(client.raiseEvent(id, "echo", 1), "InvalidArgument");
      await expectCode(client.getOrchestrationState(id), "InvalidArgument");
      await expectCode(client.terminateOrchestration(id), "InvalidArgument");
      await expectCode(client.suspendOrchestration(id), "InvalidArgument");
      await expectCode(client.purgeOrchestration(id), "InvalidArgument");
      refused += 6;
    }
    const queues: string[] = [];
    for await (const q of fresh.clients.queueService.listQueues({ prefix: fresh.names.hub.toLowerCase() }))
      queues.push(q.name);
    const tables: string[] = [];
    for await (const t of fresh.clients.tableService.listTables())
      if (t.name?.toLowerCase().startsWith(fresh.names.hub.toLowerCase())) tables.push(t.name);
    expect(queues).toEqual([]);
    expect(tables).toEqual([]);
    figures.push(
      `bad instance ids: ${BAD_IDS.length} ids x 6 verbs = ${refused} calls refused with InvalidArgument, 0 queues/tables created`,
    );
  });

  it("accepts and round-trips odd but valid ids (quotes, %, .., spaces, astral characters, exactly 256 characters)", async () => {
    const odd = [
      `it's "quoted" 50%`,
      "..",
      "..%2F..%2Fetc",
      "sp ace",
      "ü日本🎉",
      "x".repeat(256),
      "a|b~c*d",
      "'; DROP TABLE x--",
      "<img src=x onerror=alert(1)>",
      "ends-with-space ",
    ];
    const ids = await Promise.all(
      odd.map((id) => h.client.scheduleNewOrchestration("Echo", id, { instanceId: id })),
    );
    for (const id of ids) {
      const s = await h.client.waitForOrchestrationCompletion(id, { timeoutMs: 60_000 });
      expect(s.instanceId).toBe(id);
      expect(s.runtimeStatus).toBe("Completed");
      expect(s.output).toBe(id);
      expect((await h.client.getOrchestrationHistory(id)).some((e) => e.type === "ExecutionCompleted")).toBe(
        true,
      );
    }
    figures.push(`odd valid ids: ${odd.length} completed with their id as output`);
  });
});

describe("unknown names", () => {
  it("fails the instance for an unknown orchestrator or activity, quarantines messages to an unknown entity, and other work flows", async () => {
    const background = otherWork(h.client, 10);
    const orch = await h.client.scheduleNewOrchestration("NoSuchOrchestrator", 1);
    const act = await h.client.scheduleNewOrchestration("CallActivity", { name: "NoSuchActivity", input: 1 });
    await h.client.signalEntity({ name: "nosuchentity", key: "k1" }, "add", 1);
    const so = await h.client.waitForOrchestrationCompletion(orch, { timeoutMs: 60_000 });
    expect(so.runtimeStatus).toBe("Failed");
    expect(so.failureDetails?.errorType).toBe("OrchestratorNotRegistered");
    expect(so.failureDetails?.errorMessage).toContain("NoSuchOrchestrator");
    const sa = await h.client.waitForOrchestrationCompletion(act, { timeoutMs: 60_000 });
    expect(sa.runtimeStatus).toBe("Failed");
    expect(sa.failureDetails?.errorMessage).toContain("no activity named 'NoSuchActivity' is registered");
    expect(sa.failureDetails?.innerFailure?.errorType).toBe("ActivityNotRegistered");
    const poison = await waitForPoison(
      h.service,
      (p) => p.some((m) => m.instanceId === "@nosuchentity@k1"),
      60_000,
    );
    const entry = poison.find((m) => m.instanceId === "@nosuchentity@k1");
    expect(entry, "the signal to an unregistered entity is in the poison store").toBeDefined();
    expect(entry!.reason).toMatch(/nosuchentity/i);
    expect(entry!.eventType).toBe("EventRaised");
    expect(await background).toBe(10);
    figures.push(
      `unknown names: orchestrator → Failed (OrchestratorNotRegistered), activity → Failed (ActivityNotRegistered), entity signal → poison ("${entry!.reason.slice(0, 90)}"); 10/10 other orchestrations completed`,
    );
  });
});

describe("inputs that are not JSON", () => {
  it("refuses BigInt, cycles, functions and symbols with a Serialization error and writes nothing", async () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    const bad: [string, unknown][] = [
      ["BigInt", 10n],
      ["nested BigInt", { n: [1n] }],
      ["cycle", cycle],
      ["function", () => 1],
      ["symbol", Symbol("s")],
    ];
    const waiting = await h.client.scheduleNewOrchestration("EchoEvent");
    await h.client.waitForOrchestrationStart(waiting, { timeoutMs: 30_000 });
    for (const [what, value] of bad) {
      const id = `nonjson-${what.replaceAll(" ", "-")}-${randomUUID().slice(0, 6)}`;
      const err = await expectCode(
        h.client.scheduleNewOrchestration("Echo", value, { instanceId: id }),
        "Serialization",
      );
      expect(err.message).toMatch(/not JSON-serializable/);
      expect(await h.client.getOrchestrationState(id)).toBeUndefined();
      await expectCode(h.client.raiseEvent(waiting, "echo", value), "Serialization");
      await expectCode(
        h.client.signalEntity({ name: "counter", key: "nonjson" }, "add", value),
        "Serialization",
      );
    }
    // Nothing of the refused events got through: the first event the instance sees is this one.
    await h.client.raiseEvent(waiting, "echo", "the good one");
    const s = await h.client.waitForOrchestrationCompletion(waiting, { timeoutMs: 30_000 });
    expect(s.output).toBe("the good one");
    expect(await h.client.getEntity({ name: "counter", key: "nonjson" })).toBeUndefined();
    figures.push(
      `non-JSON inputs: ${bad.length} kinds x 3 verbs refused with Serialization; nothing written`,
    );
  });
});

describe("payload sizes", () => {
  it("round-trips 64 KB, 1 MB and 10 MB payloads through queues, tables and large-payload blobs", async () => {
    const sizes = [64 * 1024, 1024 * 1024, 10 * 1024 * 1024];
    for (const size of sizes) {
      const payload = incompressible(size);
      const t0 = Date.now();
      const id = await h.client.scheduleNewOrchestration("Echo", payload);
      const s = await h.client.waitForOrchestrationCompletion(id, { timeoutMs: 120_000 });
      expect(s.runtimeStatus).toBe("Completed");
      expect(s.output === payload, `output of the ${size}-byte round trip is identical`).toBe(true);
      expect(s.input === payload, `input of the ${size}-byte round trip is identical`).toBe(true);
      const history = await h.client.getOrchestrationHistory(id);
      const completed = history.find((e) => e.type === "TaskCompleted");
      expect(completed?.type === "TaskCompleted" && completed.result === JSON.stringify(payload)).toBe(true);
      let blobs = 0;
      for await (const b of h.service.payloads.container.listBlobsFlat({ prefix: id })) if (b.name) blobs++;
      expect(blobs, "large payloads went to blobs").toBeGreaterThan(0);
      figures.push(`payload ${size / 1024} KB: round trip ${Date.now() - t0} ms, ${blobs} blobs`);
    }
  }, 180_000);
});

describe("custom status over the limit", () => {
  it("fails the instance with a clear error instead of losing the status", async () => {
    const ok = await h.client.scheduleNewOrchestration("Status", "x".repeat(8000));
    expect((await h.client.waitForOrchestrationCompletion(ok, { timeoutMs: 30_000 })).customStatus).toBe(
      "x".repeat(8000),
    );
    const big = await h.client.scheduleNewOrchestration("Status", "x".repeat(100_000));
    const s = await h.client.waitForOrchestrationCompletion(big, { timeoutMs: 30_000 });
    expect(s.runtimeStatus).toBe("Failed");
    expect(s.failureDetails?.errorMessage).toMatch(/custom status is \d+ bytes .*the limit is 16 KB/);
    figures.push(
      `custom status: 16 KB accepted, 200 KB fails the instance ("${s.failureDetails?.errorMessage}")`,
    );
  });
});

describe("malformed queue messages", () => {
  it("retries, then quarantines every kind with its reason, never drops one, and other work flows", async () => {
    const ghost = `ghost-${randomUUID().slice(0, 8)}`;
    const envelope = (m: Parameters<typeof newMessageData>[0]): string =>
      messageDataToJson(newMessageData(m));
    const goodEnvelope = JSON.parse(
      envelope({
        event: newEvent("EventRaised", { timestamp: new Date(), name: "x", input: "1" }),
        orchestrationInstance: { instanceId: ghost },
      }),
    ) as Record<string, any>;
    const variant = (f: (o: Record<string, any>) => void): string => {
      const o = structuredClone(goodEnvelope);
      f(o);
      return JSON.stringify(o);
    };
    const control: [string, string][] = [
      ["not JSON", "this is not json"],
      ["not base64 JSON either", "!!!###"],
      ["a JSON array", "[1,2,3]"],
      ["a JSON string", '"hello"'],
      [
        "truncated JSON",
        envelope({
          event: newEvent("EventRaised", { timestamp: new Date(), name: "x" }),
          orchestrationInstance: { instanceId: ghost },
        }).slice(0, 60),
      ],
      ["empty object", "{}"],
      ["TaskMessage without Event", variant((o) => delete o.TaskMessage.Event)],
      [
        "unknown event type",
        variant(
          (o) => (
            (o.TaskMessage.Event.EventType = 99),
            (o.TaskMessage.Event.$type = "DurableTask.Core.History.NoSuchEvent")
          ),
        ),
      ],
      [
        "event of the wrong type for a control queue",
        envelope({
          event: newEvent("TaskScheduled", { timestamp: new Date(), eventId: 0, name: "Work", input: "1" }),
          orchestrationInstance: { instanceId: ghost },
        }),
      ],
      ["missing OrchestrationInstance", variant((o) => delete o.TaskMessage.OrchestrationInstance)],
      ["InstanceId not a string", variant((o) => (o.TaskMessage.OrchestrationInstance.InstanceId = 42))],
      [
        "event for an instance that does not exist",
        envelope({
          event: newEvent("EventRaised", { timestamp: new Date(), name: "x", input: "1" }),
          orchestrationInstance: { instanceId: `${ghost}-event` },
        }),
      ],
      [
        "timer for an instance that does not exist",
        envelope({
          event: newEvent("TimerFired", {
            timestamp: new Date(),
            timerId: 3,
            fireAt: new Date().toISOString(),
          }),
          orchestrationInstance: { instanceId: `${ghost}-timer` },
        }),
      ],
      [
        "result for an instance that does not exist",
        envelope({
          event: newEvent("TaskCompleted", { timestamp: new Date(), taskScheduledId: 0, result: "1" }),
          orchestrationInstance: { instanceId: `${ghost}-result` },
        }),
      ],
      [
        "large-message wrapper whose blob is missing",
        JSON.stringify({
          TaskMessage: null,
          CompressedBlobName: `${ghost}/message-00000000000000000000000000000000-EventRaised.json.gz`,
          SequenceNumber: 0,
        }),
      ],
    ];
    const workItems: [string, string][] = [
      ["not JSON", "<xml>not json</xml>"],
      ["empty object", "{}"],
      ["unknown event type", variant((o) => (o.TaskMessage.Event.EventType = 1234))],
      [
        "an orchestration event on the work-item queue",
        envelope({
          event: newEvent("EventRaised", { timestamp: new Date(), name: "x", input: "1" }),
          orchestrationInstance: { instanceId: ghost },
        }),
      ],
    ];
    // A well-formed activity for an instance that does not exist runs; its result then has nowhere to go.
    const orphanActivity = envelope({
      event: newEvent("TaskScheduled", {
        timestamp: new Date(),
        eventId: 7,
        name: "Echo",
        input: '"orphan"',
      }),
      orchestrationInstance: { instanceId: `${ghost}-orphan`, executionId: "e1" },
    });

    const names = h.service.names;
    const home = (id: string): string => names.controlQueues[partitionIndex(id, names.controlQueues.length)]!;
    // Well-formed, but on the other partition's queue (where a second worker could run the instance).
    const misplaced = envelope({
      event: newEvent("EventRaised", { timestamp: new Date(), name: "x", input: "1" }),
      orchestrationInstance: { instanceId: `${ghost}-misplaced` },
    });
    control.push(["on another partition's control queue", misplaced]);
    const sent: { queue: string; what: string; body: string }[] = [];
    for (const [i, [what, body]] of control.entries()) {
      // Messages naming an instance go on its own partition's queue (so that "no such instance" is what is
      // tested), except the misplaced one; the unreadable ones are spread over both queues.
      const target = /"InstanceId":"([^"]+)"/.exec(body)?.[1];
      const queue =
        body === misplaced
          ? names.controlQueues.find((q) => q !== home(`${ghost}-misplaced`))!
          : target
            ? home(target)
            : names.controlQueues[i % names.controlQueues.length]!;
      await h.queues.getQueueClient(queue).sendMessage(body, { messageTimeToLive: -1 });
      sent.push({ queue, what, body });
    }
    for (const [what, body] of workItems) {
      await h.queues.getQueueClient(names.workItemQueue).sendMessage(body, { messageTimeToLive: -1 });
      sent.push({ queue: names.workItemQueue, what, body });
    }
    await h.queues.getQueueClient(names.workItemQueue).sendMessage(orphanActivity, { messageTimeToLive: -1 });
    const background = otherWork(h.client, 20);

    const expected = sent.length + 1; // + the orphan activity's result, on the ghost's control queue
    const poison = await waitForPoison(
      h.service,
      (p) =>
        p.filter((m) => m.body.includes(ghost) || sent.some((s) => s.body === m.body)).length >= expected,
      90_000,
    );
    const mine = poison.filter((m) => m.body.includes(ghost) || sent.some((s) => s.body === m.body));
    const missing = sent
      .filter((s) => !mine.some((m) => m.queueName === s.queue && m.body === s.body))
      .map((s) => `${s.queue}: ${s.what}`);
    expect(
      missing,
      "every malformed message is in the poison store, on its own queue, body unchanged",
    ).toEqual([]);
    for (const m of mine) {
      expect(m.reason.length, `reason of ${m.body.slice(0, 40)}`).toBeGreaterThan(10);
      expect(m.dequeueCount).toBeGreaterThanOrEqual(3);
    }
    const orphanResult = mine.find((m) => m.instanceId === `${ghost}-orphan`);
    expect(orphanResult?.eventType, "the orphan activity ran and its result was quarantined").toBe(
      "TaskCompleted",
    );
    expect(orphanResult?.queueName).toBe(home(`${ghost}-orphan`));
    expect(await background).toBe(20);
    // Completed is reported before the last step's messages are deleted: give the deletes a moment.
    for (const q of [...names.controlQueues, names.workItemQueue]) {
      for (let i = 0; i < 50 && (await queueLength(h.queues, q)) > 0; i++)
        await new Promise((r) => setTimeout(r, 200));
      expect(await queueLength(h.queues, q), `${q} is empty`).toBe(0);
    }
    // Nothing was created for the ghosts.
    for (const suffix of ["", "-event", "-timer", "-result", "-orphan", "-misplaced"])
      expect(await h.client.getOrchestrationState(`${ghost}${suffix}`)).toBeUndefined();
    // Replaying one puts it back on its queue, where it fails again and returns to the store: never lost.
    const one = mine.find((m) => m.body === "this is not json")!;
    expect(await h.service.replayPoisonMessage(one.queueName, one.messageId)).toBe(true);
    const back = await waitForPoison(
      h.service,
      (p) =>
        p.filter((m) => m.body === "this is not json").length === 1 &&
        !p.some((m) => m.messageId === one.messageId),
      30_000,
    );
    expect(back.filter((m) => m.body === "this is not json")).toHaveLength(1);
    figures.push(
      `malformed queue messages: ${control.length} kinds on control queues + ${workItems.length} on the work-item queue + 1 orphan activity result = ${mine.length} quarantined with reasons, 0 dropped, 0 left on queues; 20/20 other orchestrations completed`,
    );
    for (const s of sent)
      figures.push(`  ${s.what}: ${mine.find((m) => m.body === s.body)?.reason.slice(0, 100)}`);
  }, 150_000);
});
