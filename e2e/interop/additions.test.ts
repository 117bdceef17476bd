// Scenario 8 of the interop suite: what taskhub adds to a task hub, met by a DT.AS worker that takes the hub
// over, never loses or corrupts an instance: (a) the `<hub>Poison` table with a quarantined message in it;
// (b) sentinel rows that carry taskhub's `ConsumedMessages` column; (c) activities a taskhub worker dispatched to
// itself (local activity dispatch) when it stops mid-flight.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { DtfPeer } from "./peer.js";
import { startTaskhubWorker, taskhubClient } from "./taskhub.js";

let azurite: AzuriteInstance;
let peer: DtfPeer;
const run = randomBytes(3).toString("hex");

beforeAll(async () => {
  azurite = await startAzurite();
  peer = await DtfPeer.start(azurite.connectionString);
});

afterAll(async () => {
  await peer?.stop();
  await azurite?.stop();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

const HELLO = ["Tokyo", "Seattle", "London", "Paris", "Cairo"].map((c) => `Hello, p ${c}!`);

describe("scenario 8: taskhub's additions met by a DT.AS worker", () => {
  it.concurrent(
    "a hub with a poison table: a DT.AS worker takes over and runs instances normally",
    async () => {
      const hub = `addPoison${run}`;
      const th = await startTaskhubWorker(azurite.connectionString, hub, {
        settings: { maxDequeueCount: 2 },
      });
      let stopped = false;
      try {
        // A message no runtime can read, on a control queue: taskhub retries it, then quarantines it.
        await th.service.clients.queue(th.service.names.controlQueues[0]!).sendMessage("not a task message");
        const rows = await until("the quarantine", async () => {
          const list = await th.service.poison.list();
          return list.length > 0 ? list : undefined;
        });
        expect(rows).toHaveLength(1);
        expect(rows[0]!.body).toBe("not a task message");
        await th.stop();
        stopped = true;
      } finally {
        if (!stopped) await th.stop();
      }

      await peer.startWorker(hub, { partitionManager: "table" });
      try {
        const client = taskhubClient(azurite.connectionString, hub);
        const ids = Array.from({ length: 4 }, (_, i) => `poison-after-${i}`);
        for (const id of ids) await client.scheduleNewOrchestration("HelloSequence", "p", { instanceId: id });
        for (const id of ids) {
          const s = await peer.wait(hub, id, 300);
          expect({ id, status: s?.status, output: s?.output && JSON.parse(s.output) }).toEqual({
            id,
            status: "Completed",
            output: HELLO,
          });
        }
        // The quarantined message stays where taskhub put it.
        expect((await th.service.poison.list()).map((r) => r.body)).toEqual(["not a task message"]);
      } finally {
        await peer.stopWorker(hub);
      }
    },
  );

  it.concurrent(
    "sentinel rows with ConsumedMessages: a DT.AS worker continues the instances to completion",
    async () => {
      const hub = `addConsumed${run}`;
      const client = taskhubClient(azurite.connectionString, hub);
      const th = await startTaskhubWorker(azurite.connectionString, hub);
      const ids = { event: "consumed-event", status: "consumed-status", long: "consumed-long" };
      try {
        await client.scheduleNewOrchestration("WaitForEvent", 600, { instanceId: ids.event });
        await client.scheduleNewOrchestration("CustomStatus", "c", { instanceId: ids.status });
        await client.scheduleNewOrchestration("LongRunning", undefined, { instanceId: ids.long });
        const history = th.service.clients.table(th.service.names.historyTable);
        for (const id of Object.values(ids))
          await until(`${id}'s sentinel with ConsumedMessages`, async () => {
            const row = await history
              .getEntity<Record<string, unknown>>(id, "sentinel")
              .catch(() => undefined);
            return row && typeof row.ConsumedMessages === "string" && row.ConsumedMessages !== ""
              ? row
              : undefined;
          });
      } finally {
        await th.stop();
      }

      await peer.startWorker(hub, { partitionManager: "table" });
      try {
        await peer.raise(hub, ids.event, "approve", '"yes"');
        await peer.raise(hub, ids.status, "next", '"go"');
        await peer.raise(hub, ids.long, "finish", '"fin"');
        const expected = {
          [ids.event]: { approved: "yes" },
          [ids.status]: "done",
          [ids.long]: { finished: "fin" },
        };
        for (const [id, output] of Object.entries(expected)) {
          const s = await peer.wait(hub, id, 300);
          expect({ id, status: s?.status, output: s?.output && JSON.parse(s.output) }).toEqual({
            id,
            status: "Completed",
            output,
          });
        }
        const status = await peer.state(hub, ids.status);
        expect(JSON.parse(status!.customStatus!)).toEqual({ step: 2, got: "go" });
      } finally {
        await peer.stopWorker(hub);
      }
    },
  );

  it.concurrent(
    "local activity dispatch: a taskhub worker stopped mid fan-out, a DT.AS worker finishes it",
    async () => {
      const hub = `addLocal${run}`;
      const id = "local-fan";
      const client = taskhubClient(azurite.connectionString, hub);
      // Double as the app's, but 6..20 never return on this worker: they are under way when it stops.
      let blocked = 0;
      const th = await startTaskhubWorker(azurite.connectionString, hub, {
        settings: { localActivityDispatch: true, workItemQueueVisibilityTimeoutMs: 20_000 },
        drainTimeoutMs: 1000,
        activities: {
          Double: async (_ctx, n: number) => {
            if (n > 5) {
              blocked++;
              await new Promise(() => undefined);
            }
            return n * 2;
          },
        },
      });
      try {
        await client.scheduleNewOrchestration("FanOutFanIn", 20, { instanceId: id });
        await until("5 results checkpointed and 15 activities under way", async () => {
          const done = (await client.getOrchestrationHistory(id)).filter((e) => e.type === "TaskCompleted");
          return done.length >= 5 && blocked >= 15 ? true : undefined;
        });
      } finally {
        await th.stop();
      }
      expect((await client.getOrchestrationState(id))?.runtimeStatus).toBe("Running");

      await peer.startWorker(hub, { partitionManager: "table", workItemVisibilitySeconds: 30 });
      try {
        const s = await peer.wait(hub, id, 300);
        expect(s?.status).toBe("Completed");
        expect(JSON.parse(s!.output!)).toBe(420);
        const history = await peer.history(hub, id);
        const scheduled = history.filter((e) => e.EventType === 4).map((e) => e.EventId);
        const completed = history.filter((e) => e.EventType === 5).map((e) => e.TaskScheduledId as number);
        expect(scheduled.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
        expect(completed.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      } finally {
        await peer.stopWorker(hub);
      }
    },
  );
});
