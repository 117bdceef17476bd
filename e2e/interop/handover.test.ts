// Scenario 3 of the interop suite: instances started and half run by one runtime (waiting on a timer, on an
// event, with activities and a sub-orchestration under way) are finished by the other once the first has
// stopped and its partition leases have moved, in both directions, with both lease managers.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { DtfPeer } from "./peer.js";
import { startTaskhubWorker, taskhubClient } from "./taskhub.js";

let azurite: AzuriteInstance;
let peer: DtfPeer;

beforeAll(async () => {
  azurite = await startAzurite();
  peer = await DtfPeer.start(azurite.connectionString);
});

afterAll(async () => {
  await peer?.stop();
  await azurite?.stop();
});

/** Half-run instances: what each waits on when the first runtime stops, and what it must end with. */
const INSTANCES = [
  { id: "timer", name: "DurableTimer", input: "25", output: "fired" },
  {
    id: "event",
    name: "WaitForEvent",
    input: "600",
    event: ["approve", '"late"'],
    output: { approved: "late" },
  },
  {
    id: "hello",
    name: "HelloSequence",
    input: '"h"',
    output: ["Tokyo", "Seattle", "London", "Paris", "Cairo"].map((c) => `Hello, h ${c}!`),
  },
  { id: "fan", name: "FanOutFanIn", input: "20", output: 420 },
  { id: "sub", name: "Parent", input: "7", output: { child: 15 } },
  { id: "children", name: "FanOutChildren", input: "6", output: 48 },
] as const;

type Manager = "blob" | "table";
const DTAS_MANAGER = { blob: "safe", table: "table" } as const;

describe.each(["blob", "table"] as const)("scenario 3 with the %s lease manager", (manager: Manager) => {
  it.concurrent.each(["taskhub to DT.AS", "DT.AS to taskhub"] as const)(
    "hands over from %s",
    async (direction) => {
      const hub = `handover${manager === "blob" ? "B" : "T"}${direction.startsWith("taskhub") ? "t" : "d"}${randomBytes(3).toString("hex")}`;
      const client = taskhubClient(azurite.connectionString, hub);
      // A stopping DT.AS worker leaves the messages it had dequeued invisible until their visibility timeout
      // runs out (DT.AS's default: 5 minutes for control and work-item queues), so the next owner can run them
      // only then, whichever runtime it is. 30 s keeps the suite short; the hand-over is the same.
      const startDtas = () =>
        peer.startWorker(hub, {
          partitionManager: DTAS_MANAGER[manager],
          controlQueueVisibilitySeconds: 30,
          workItemVisibilitySeconds: 30,
        });
      const startTaskhub = () =>
        startTaskhubWorker(azurite.connectionString, hub, { partitionManagement: manager });

      // The first runtime starts every instance and runs it until it waits (or is under way).
      const first = direction === "taskhub to DT.AS" ? await startTaskhub() : (await startDtas(), undefined);
      for (const i of INSTANCES)
        await client.scheduleNewOrchestration(i.name, JSON.parse(i.input), { instanceId: i.id });
      for (const i of INSTANCES) await client.waitForOrchestrationStart(i.id, { timeoutMs: 180_000 });
      const history = await client.getOrchestrationHistory("timer");
      expect(
        history.some((e) => e.type === "TimerCreated"),
        "the timer was created by the first runtime",
      ).toBe(true);

      // Stop it: leases are released (or expire) and the second runtime takes the partitions.
      if (first) await first.stop();
      else await peer.stopWorker(hub);
      const second = direction === "taskhub to DT.AS" ? (await startDtas(), undefined) : await startTaskhub();
      try {
        for (const i of INSTANCES)
          if ("event" in i) await client.raiseEvent(i.id, i.event[0], JSON.parse(i.event[1]));
        for (const i of INSTANCES) {
          const s = await client.waitForOrchestrationCompletion(i.id, { timeoutMs: 300_000 });
          expect({ id: i.id, status: s.runtimeStatus, output: s.output }).toEqual({
            id: i.id,
            status: "Completed",
            output: i.output,
          });
        }
      } finally {
        if (second) await second.stop();
        else await peer.stopWorker(hub);
      }
    },
  );
});
