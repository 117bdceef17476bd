// A worker process killed (SIGKILL, by itself, through the provider's checkpoint hooks) at each step of a
// checkpoint (issue 9): after the sends, after the history append, after the Instances write (before the
// message deletes), and after the final history append of an instance. Another worker takes over: the
// instance completes with the right output, its history has every event exactly once, and its Instances row
// agrees with the history (a row left Running by the last crash is repaired).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { activityRuns } from "./workers.js";
import { newHub, type Hub } from "./worker-hub.js";

let azurite: AzuriteInstance;
const hubs: Hub[] = [];

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  for (const h of hubs) for (const w of h.workers) if (w.exitedAt === undefined) w.kill("SIGKILL");
  await azurite?.stop();
});

const POINTS: [string, string][] = [
  ["after the sends (second checkpoint)", "beforeHistoryWrite:2"],
  ["after the history append (second checkpoint)", "beforeInstanceWrite:2"],
  ["after the Instances write, before the deletes (second checkpoint)", "beforeMessageDelete:2"],
  ["after the final history append (Instances row still Running)", "beforeInstanceWrite:final"],
  ["after the final Instances write, before the deletes", "beforeMessageDelete:final"],
];

describe("crash at each checkpoint step", () => {
  it("a real worker killed at each step: the instance completes once, its row repaired", async () => {
    const results = await Promise.all(
      POINTS.map(async ([what, crashAt]) => {
        const h = newHub(azurite.connectionString, {
          partitions: 1,
          env: { TASKHUB_VISIBILITY_MS: "4000", TASKHUB_LEASE_MS: "4000" },
        });
        hubs.push(h);
        const doomed = await h.start("doomed", { TASKHUB_CRASH_AT: crashAt });
        const id = await h.client.scheduleNewOrchestration("Seq5", 10);
        await doomed.exited(60_000);
        const crashed = doomed.events.some((e) => e.event === "crashing");
        const rowAtCrash = (await h.client.getOrchestrationState(id))?.runtimeStatus;
        const t0 = Date.now();
        await h.start("rescuer");
        const s = await h.client.waitForOrchestrationCompletion(id, { timeoutMs: 90_000 });
        const history = await h.client.getOrchestrationHistory(id);
        const count = (t: string): number => history.filter((e) => e.type === t).length;
        const done = history.find((e) => e.type === "ExecutionCompleted");
        const runs = activityRuns(h.env.TASKHUB_RUNS_FILE!);
        return {
          what,
          crashed,
          status: s.runtimeStatus,
          output: s.output,
          scheduled: count("TaskScheduled"),
          completedTasks: count("TaskCompleted"),
          completions: count("ExecutionCompleted"),
          rowAgrees:
            done?.type === "ExecutionCompleted" &&
            done.orchestrationStatus === s.runtimeStatus &&
            done.result === s.serializedOutput,
          rowAtCrash,
          recoveredMs: Date.now() - t0,
          activityRuns: runs.total,
        };
      }),
    );
    for (const r of results) {
      expect(r, r.what).toMatchObject({
        crashed: true,
        status: "Completed",
        output: 15,
        scheduled: 5,
        completedTasks: 5,
        completions: 1,
        rowAgrees: true,
      });
      expect(r.activityRuns, r.what).toBeGreaterThanOrEqual(5);
    }
    // The crash after the final history append left the row behind the history until it was repaired.
    expect(results[3]!.rowAtCrash).toBe("Running");
    console.log(
      `reliability-crash:\n${results.map((r) => `  ${r.what}: row ${r.rowAtCrash} at the crash, Completed with 15 ${(r.recoveredMs / 1000).toFixed(1)} s after the rescuer started; 5 activities in history, ${r.activityRuns} runs`).join("\n")}`,
    );
  }, 180_000);
});
