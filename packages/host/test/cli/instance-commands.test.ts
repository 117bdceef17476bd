// The CLI's instance filters and count-instances (docs/cli.md), as processes against a task hub on Azurite:
// every filter option reaches the query, counts per status, and bad values exit 2 before anything is read.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzuriteHub, type AzuriteHub } from "../fixtures/azurite-hub.js";
import { addLabelled } from "../fixtures/labelled-orchestrator.js";
import { cliRunner, type CliResult } from "../fixtures/cli-process.js";

let hub: AzuriteHub;
let mark: Date;

beforeAll(async () => {
  hub = await startAzuriteHub("CliQueryHub", (worker) => {
    addLabelled(worker);
    worker.addOrchestrator("Other", () => "other");
  });
  const client = hub.client;
  const start = async (name: string, id: string, input: object): Promise<void> => {
    await client.scheduleNewOrchestration(name, input, { instanceId: id });
  };
  await start("Labelled", "cq-1", { status: "Needs Approval", wait: true });
  await start("Labelled", "cq-2", { status: "shipped" });
  await start("Other", "cq-3", {});
  await client.waitForOrchestrationCompletion("cq-2", { timeoutMs: 60_000 });
  await client.waitForOrchestrationCompletion("cq-3", { timeoutMs: 60_000 });
  for (;;) {
    const s = await client.getOrchestrationState("cq-1");
    if (s?.runtimeStatus === "Running" && s.customStatus === "Needs Approval") break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 30));
  mark = new Date();
  await new Promise((r) => setTimeout(r, 30));
  await start("Other", "cq-4", {});
  await client.waitForOrchestrationCompletion("cq-4", { timeoutMs: 60_000 });
}, 120_000);

/** `taskhub <args>` as a process, asynchronously (the worker of this file runs in this process). */
const cli = cliRunner(() => ({
  AZURE_STORAGE_CONNECTION_STRING: hub.azurite.connectionString,
  TASKHUB_HUB_NAME: "CliQueryHub",
  NO_COLOR: "1",
}));
const { run } = cli;
afterAll(async () => {
  cli.killAll();
  await hub?.stop();
});

const ids = (r: CliResult): string[] =>
  (r.json.instances as { instanceId: string }[]).map((s) => s.instanceId).sort();

describe("get-instances and count-instances filters", () => {
  it("get-instances applies every filter option", async () => {
    const [byName, byNames, byCustom, byStatus, byUpdated, byCreated] = await Promise.all([
      run(["get-instances", "--name", "Labelled", "--json"]),
      run(["get-instances", "--name", "Labelled", "--name", "Other", "--prefix", "cq-", "--json"]),
      run(["get-instances", "--custom-status", "approval", "--json"]),
      run(["get-instances", "--runtime-status", "running,Failed", "--json"]),
      run(["get-instances", "--last-updated-after", mark.toISOString(), "--json"]),
      run(["get-instances", "--created-before", mark.toISOString(), "--name", "Other", "--json"]),
    ]);
    for (const r of [byName, byNames, byCustom, byStatus, byUpdated, byCreated]) expect(r.err).toBe("");
    expect(ids(byName)).toEqual(["cq-1", "cq-2"]);
    expect(ids(byNames)).toEqual(["cq-1", "cq-2", "cq-3", "cq-4"]);
    expect(ids(byCustom)).toEqual(["cq-1"]);
    expect(ids(byStatus)).toEqual(["cq-1"]);
    expect(ids(byUpdated)).toEqual(["cq-4"]);
    expect(ids(byCreated)).toEqual(["cq-3"]);
  }, 120_000);

  it("count-instances counts per status with the same filters, as JSON and as a table", async () => {
    const [all, labelled, human] = await Promise.all([
      run(["count-instances", "--json"]),
      run(["count-instances", "--name", "Labelled", "--json"]),
      run(["count-instances", "--last-updated-before", mark.toISOString()]),
    ]);
    expect(all.code).toBe(0);
    expect(all.json).toEqual({
      total: 4,
      byStatus: {
        Running: 1,
        Completed: 3,
        ContinuedAsNew: 0,
        Failed: 0,
        Canceled: 0,
        Terminated: 0,
        Pending: 0,
        Suspended: 0,
      },
    });
    expect(labelled.json).toMatchObject({ total: 2, byStatus: { Running: 1, Completed: 1 } });
    expect(human.code).toBe(0);
    expect(human.out).toMatch(/Running\s+1\n/);
    expect(human.out).toMatch(/Completed\s+2\n/);
    expect(human.out).toMatch(/total\s+3\s*$/);
  }, 120_000);

  it("bad filter values exit 2 with a message naming them", async () => {
    const cases: [string[], RegExp][] = [
      [["get-instances", "--runtime-status", "Runing"], /unknown --runtime-status 'Runing'/],
      [["count-instances", "--runtime-status", "Done"], /unknown --runtime-status 'Done'/],
      [["get-instances", "--created-after", "yesterday"], /--created-after is not a date/],
      [["count-instances", "--last-updated-before", "soon"], /--last-updated-before is not a date/],
      [["get-instances", "--top", "0"], /--top must be an integer from 1 to 1000/],
      [["get-instances", "--name", ""], /names must be an array of non-empty orchestration names/],
      [["get-instances", "--top", "1001"], /--top must be an integer from 1 to 1000/],
      [["count-instances", "--custom-status", ""], /--custom-status needs a text/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    results.forEach((r, i) => {
      expect(r.code, cases[i]![0].join(" ")).toBe(2);
      expect(r.err).toMatch(cases[i]![1]);
    });
  }, 120_000);
});
