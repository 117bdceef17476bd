// Storage goes away (issue 9): Azurite, keeping its data on disk, is stopped in the middle of a run and started
// again on the same ports a few seconds later. Two worker processes ride it out: every orchestration
// completes with the right output, the entity counter is exact, and neither worker process exits.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { activityRuns } from "./workers.js";
import { newHub, type Hub } from "./worker-hub.js";

const DOWN_MS = Number(process.env.TASKHUB_AZURITE_DOWN_MS ?? 3000);

let azurite: AzuriteInstance;
let h: Hub;

beforeAll(async () => {
  azurite = await startAzurite({ inMemory: false });
  h = newHub(azurite.connectionString, {
    partitions: 4,
    env: { TASKHUB_VISIBILITY_MS: "8000", TASKHUB_TRY_TIMEOUT_MS: "3000" },
  });
  await h.service.createIfNotExists();
});
afterAll(async () => {
  for (const w of h?.workers ?? []) if (w.exitedAt === undefined) w.kill("SIGKILL");
  await azurite?.stop();
});

describe("Azurite restart", () => {
  it(`workers ride out storage being down for ${DOWN_MS / 1000} s in the middle of a run`, async () => {
    await Promise.all([h.start("a"), h.start("b")]);
    const instances: { id: string; kind: "seq" | "mixed"; n: number }[] = [];
    for (let i = 0; i < 30; i++) {
      const kind = i % 5 === 4 ? "mixed" : "seq";
      const id = `restart-${i}`;
      if (kind === "seq") await h.client.scheduleNewOrchestration("Seq5", i, { instanceId: id });
      else {
        await h.client.scheduleNewOrchestration(
          "Mixed",
          { n: i, gen: 0, acc: 0, counter: "restart" },
          { instanceId: id },
        );
        await h.client.raiseEvent(id, "go", i);
      }
      instances.push({ id, kind, n: i });
    }
    // Let the work get going, then take storage away mid-flight.
    for (let i = 0; i < 100 && activityRuns(h.env.TASKHUB_RUNS_FILE!).total < 40; i++)
      await new Promise((r) => setTimeout(r, 100));
    const before = activityRuns(h.env.TASKHUB_RUNS_FILE!).total;
    const { ports, location } = azurite;
    await azurite.stop();
    const downAt = Date.now();
    await new Promise((r) => setTimeout(r, DOWN_MS));
    azurite = await startAzurite({
      inMemory: false,
      location,
      blobPort: ports.blob,
      queuePort: ports.queue,
      tablePort: ports.table,
    });
    const upAt = Date.now();

    const wrong: string[] = [];
    for (const inst of instances) {
      const s = await h.client.waitForOrchestrationCompletion(inst.id, { timeoutMs: 180_000 });
      const expected = inst.kind === "seq" ? inst.n + 5 : 12 * inst.n + 342 + inst.n;
      if (s.runtimeStatus !== "Completed" || s.output !== expected)
        wrong.push(`${inst.id}: ${s.runtimeStatus} ${JSON.stringify(s.output)} (expected ${expected})`);
    }
    const doneAfter = Date.now() - upAt;
    expect(wrong).toEqual([]);
    const mixed = instances.filter((i) => i.kind === "mixed").length;
    let counter: number | undefined;
    for (let i = 0; i < 100; i++) {
      counter = (await h.client.getEntity<number>({ name: "counter", key: "restart" }))?.state;
      if (counter === mixed * 3) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(counter).toBe(mixed * 3);
    for (const w of h.workers) expect(w.exitedAt, `worker ${w.id} exited`).toBeUndefined();
    const runs = activityRuns(h.env.TASKHUB_RUNS_FILE!);
    expect(runs.distinct).toBe((instances.length - mixed) * 5 + mixed * 12);
    console.log(
      `reliability-azurite-restart: ${instances.length} orchestrations (${instances.length - mixed} Seq5, ${mixed} Mixed) on 2 workers; Azurite (on disk) stopped after ${before} activity runs, ` +
        `down ${((upAt - downAt) / 1000).toFixed(1)} s; all completed ${(doneAfter / 1000).toFixed(1)} s after it came back; entity counter ${counter}/${mixed * 3}; ` +
        `${runs.distinct} activities ran ${runs.total} times; workers alive 2/2`,
    );
  }, 300_000);
});
