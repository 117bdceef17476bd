// Continue-as-new under fire (issue 9): eternal orchestrations continue as new every three events or timeouts
// while a client raises numbered events at them and a random one of three worker processes is SIGKILLed and
// restarted every few seconds. Every event must arrive exactly once, in some generation, and no stale timer
// or event of an earlier generation may be applied to a later one (that would fail replay or drop an event).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import type { WorkerProcess } from "./workers.js";
import { newHub, type Hub } from "./worker-hub.js";

const EVENTS = Number(process.env.TASKHUB_CAN_EVENTS ?? 40);
const INSTANCES = 3;

let azurite: AzuriteInstance;
let h: Hub;

beforeAll(async () => {
  azurite = await startAzurite();
  h = newHub(azurite.connectionString, {
    partitions: 4,
    env: { TASKHUB_VISIBILITY_MS: "4000", TASKHUB_LEASE_MS: "4000" },
  });
  await h.service.createIfNotExists();
});
afterAll(async () => {
  for (const w of h?.workers ?? []) if (w.exitedAt === undefined) w.kill("SIGKILL");
  await azurite?.stop();
});

describe("continue-as-new under fire", () => {
  it(`${INSTANCES} eternal orchestrations x ${EVENTS} events through worker kills: every event exactly once`, async () => {
    const alive: WorkerProcess[] = await Promise.all([h.start("a"), h.start("b"), h.start("c")]);
    const ids = await Promise.all(
      Array.from({ length: INSTANCES }, (_, i) =>
        h.client.scheduleNewOrchestration(
          "Eternal",
          { received: [], gen: 0, timeouts: 0, target: EVENTS },
          { instanceId: `eternal-${i}` },
        ),
      ),
    );
    let kills = 0;
    let sending = true;
    const killer = (async () => {
      while (sending) {
        await new Promise((r) => setTimeout(r, 3000));
        if (!sending) break;
        const victim = alive.splice(Math.floor(Math.random() * alive.length), 1)[0]!;
        victim.kill("SIGKILL");
        await victim.exited();
        kills++;
        alive.push(await h.start(`r${kills}`));
      }
    })();
    for (let n = 1; n <= EVENTS; n++) {
      for (const id of ids) await h.client.raiseEvent(id, "e", n);
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 300));
    }
    sending = false;
    await killer;
    const problems: string[] = [];
    let generations = 0;
    let timeouts = 0;
    for (const id of ids) {
      const s = await h.client.waitForOrchestrationCompletion(id, { timeoutMs: 180_000 });
      if (s.runtimeStatus !== "Completed") {
        problems.push(`${id}: ${s.runtimeStatus} ${s.failureDetails?.errorMessage ?? ""}`);
        continue;
      }
      const out = s.output as { received: number[]; gen: number; timeouts: number };
      const sorted = [...out.received].sort((a, b) => a - b);
      const expected = Array.from({ length: EVENTS }, (_, i) => i + 1);
      if (JSON.stringify(sorted) !== JSON.stringify(expected)) {
        const dup = out.received.filter((v, i) => out.received.indexOf(v) !== i);
        const lost = expected.filter((v) => !out.received.includes(v));
        problems.push(`${id}: duplicated ${JSON.stringify(dup)}, lost ${JSON.stringify(lost)}`);
      }
      generations += out.gen + 1;
      timeouts += out.timeouts;
    }
    expect(problems).toEqual([]);
    expect(generations).toBeGreaterThan(INSTANCES * 3);
    console.log(
      `reliability-continue-as-new: ${INSTANCES} eternal orchestrations x ${EVENTS} events, ${generations} generations, ${timeouts} timer timeouts, ` +
        `${kills} SIGKILLs: every event received exactly once, 0 lost, 0 duplicated, 0 failed`,
    );
  }, 300_000);

  it("an event whose message is redelivered after its checkpoint (worker killed before the delete) is applied once", async () => {
    const received = await Promise.all(
      ["beforeInstanceWrite", "beforeMessageDelete"].map(async (hook) => {
        const hub = newHub(azurite.connectionString, {
          partitions: 1,
          env: { TASKHUB_VISIBILITY_MS: "3000", TASKHUB_LEASE_MS: "4000" },
        });
        // Checkpoint 1 starts the instance; checkpoint 2 consumes event 1 and is where the worker dies.
        const doomed = await hub.start("doomed", { TASKHUB_CRASH_AT: `${hook}:2` });
        const id = await hub.client.scheduleNewOrchestration("Eternal", {
          received: [],
          gen: 0,
          timeouts: 0,
          target: 3,
        });
        await hub.client.waitForOrchestrationStart(id, { timeoutMs: 30_000 });
        await new Promise((r) => setTimeout(r, 500));
        await hub.client.raiseEvent(id, "e", 1);
        await doomed.exited(30_000);
        expect(doomed.events.some((e) => e.event === "crashing")).toBe(true);
        const rescuer = await hub.start("rescuer");
        await hub.client.raiseEvent(id, "e", 2);
        await hub.client.raiseEvent(id, "e", 3);
        const s = await hub.client.waitForOrchestrationCompletion(id, { timeoutMs: 60_000 });
        rescuer.kill("SIGKILL");
        return `${hook}: ${s.runtimeStatus} ${JSON.stringify((s.output as { received?: number[] } | undefined)?.received)}`;
      }),
    );
    expect(received).toEqual([
      "beforeInstanceWrite: Completed [1,2,3]",
      "beforeMessageDelete: Completed [1,2,3]",
    ]);
  }, 120_000);
});
