// `taskhub bulk <verb>` as a process against a task hub on Azurite (the worker runs in this process): a dry run
// counts and starts nothing, a bulk raise-event follows its progress to the end (plain lines when stderr is not a
// terminal), --no-wait returns the bulk operation's id, and bad requests exit 2 before anything is read.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskHubClient } from "@taskhub/core";
import { startAzuriteHub, type AzuriteHub } from "../fixtures/azurite-hub.js";
import { cliRunner } from "../fixtures/cli-process.js";

let hub: AzuriteHub;
let client: TaskHubClient;
const TARGETS = ["cb-1", "cb-2", "cb-3"];

beforeAll(async () => {
  hub = await startAzuriteHub("CliBulkHub", (worker) =>
    worker.addOrchestrator("Waits", function* (ctx) {
      return (yield ctx.waitForExternalEvent("go")) as unknown;
    }),
  );
  client = hub.client;
  for (const id of [...TARGETS, "cx-1"])
    await client.scheduleNewOrchestration("Waits", null, { instanceId: id });
  for (const id of [...TARGETS, "cx-1"]) await client.waitForOrchestrationStart(id, { timeoutMs: 60_000 });
}, 120_000);

const cli = cliRunner(() => ({
  AZURE_STORAGE_CONNECTION_STRING: hub.azurite.connectionString,
  TASKHUB_HUB_NAME: "CliBulkHub",
  NO_COLOR: "1",
}));
const { run } = cli;
afterAll(async () => {
  cli.killAll();
  await hub?.stop();
});

describe("taskhub bulk", () => {
  it("refuses a request that cannot run with exit 2 and a clear message", async () => {
    const [unknown, noName, empty, badStatus, both] = await Promise.all([
      run(["bulk", "explode", "--status", "Running"]),
      run(["bulk", "raise-event", "--prefix", "cb-"]),
      run(["bulk", "terminate"]),
      run(["bulk", "terminate", "--status", "Sleeping"]),
      run(["bulk", "terminate", "--status", "Running", "--runtime-status", "Running"]),
    ]);
    expect(unknown).toMatchObject({ code: 2, err: expect.stringContaining("unknown bulk verb 'explode'") });
    expect(noName).toMatchObject({ code: 2, err: expect.stringContaining("raise-event needs --event-name") });
    expect(empty).toMatchObject({ code: 2, err: expect.stringContaining("give a condition, or --all") });
    expect(badStatus).toMatchObject({
      code: 2,
      err: expect.stringContaining("unknown --runtime-status 'Sleeping'"),
    });
    expect(both.code).toBe(2);
    for (const id of TARGETS) expect((await client.getOrchestrationState(id))?.runtimeStatus).toBe("Running");
  }, 60_000);

  it("--dry-run counts the targets and starts nothing", async () => {
    const r = await run([
      "bulk",
      "terminate",
      "--status",
      "Running",
      "--prefix",
      "cb-",
      "--dry-run",
      "--json",
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.json).toMatchObject({ dryRun: true, verb: "terminate", matched: 3, byStatus: { Running: 3 } });
    const human = await run(["bulk", "terminate", "--prefix", "cb-", "--dry-run"]);
    expect(human.out).toContain("bulk terminate would take 3 instances (dry run: nothing started)");
    expect((await client.countInstancesByStatus({ names: ["taskhub:bulk"] })).total).toBe(0);
  }, 60_000);

  it("raise-event follows the progress to the end; --no-wait returns the id", async () => {
    const r = await run([
      "bulk",
      "raise-event",
      "--prefix",
      "cb-",
      "--event-name",
      "go",
      "--event-data",
      '{"x":1}',
      "--page-size",
      "2",
      "--poll-interval-ms",
      "100",
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/started bulk raise-event: \w+/);
    expect(r.out).toContain("bulk raise-event Completed: 3 matched, 3 done, 0 failed");
    // Not a terminal: plain progress lines, the last one complete.
    expect(r.err.trim().split("\n").at(-1)).toBe("bulk raise-event: 3/3 (done 3, failed 0)");
    for (const id of TARGETS)
      expect((await client.waitForOrchestrationCompletion(id)).output).toEqual({ x: 1 });

    const noWait = await run(["bulk", "terminate", "--prefix", "cx-", "--no-wait", "--json"]);
    expect(noWait.code, noWait.err).toBe(0);
    const s = await client.waitForOrchestrationCompletion(noWait.json.id, { timeoutMs: 60_000 });
    expect(s.customStatus).toMatchObject({ verb: "terminate", matched: 1, done: 1 });
    expect((await client.waitForOrchestrationCompletion("cx-1")).runtimeStatus).toBe("Terminated");
  }, 90_000);
});
