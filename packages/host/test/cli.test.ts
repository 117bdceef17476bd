// The taskhub CLI's management verbs against a task hub on Azurite with a worker running: human and --json
// output, exit codes (0 ok, 1 failure, 2 usage/configuration, 3 not found), and replay of a stored history.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newEvent, TaskHubClient, type TaskHubWorker } from "@taskhub/core";
import { AzureStorageOrchestrationService } from "@taskhub/azure-storage";
import type { AzuriteInstance } from "@taskhub/azurite";
// @ts-expect-error -- plain JS fixture without types
import { register, registerCounter, registerWaiting } from "./fixtures/app.mjs";
import { startAzuriteHub, type AzuriteHub } from "./fixtures/azurite-hub.js";
import { cliRunner } from "./fixtures/cli-process.js";

const app = fileURLToPath(new URL("./fixtures/app.mjs", import.meta.url));
const changed = fileURLToPath(new URL("./fixtures/app-changed.mjs", import.meta.url));
const asyncApp = fileURLToPath(new URL("./fixtures/app-async.mjs", import.meta.url));
const registryOnlyApp = fileURLToPath(new URL("./fixtures/app-registry-only.mjs", import.meta.url));
const versionedApp = fileURLToPath(new URL("./fixtures/app-versioned.mjs", import.meta.url));
let hub: AzuriteHub;
let azurite: AzuriteInstance;
let client: TaskHubClient;

beforeAll(async () => {
  hub = await startAzuriteHub("CliHub", (worker) => {
    (register as (w: TaskHubWorker) => void)(worker);
    (registerWaiting as (w: TaskHubWorker) => void)(worker);
    (registerCounter as (w: TaskHubWorker) => void)(worker);
  });
  ({ azurite, client } = hub);
});

const cli = cliRunner(() => ({
  AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
  TASKHUB_HUB_NAME: "CliHub",
}));
const { run, runAll } = cli;
afterAll(async () => {
  cli.killAll();
  await hub.stop();
});

// Each CLI process costs a Node start and the Azure SDK's load, about 0.8 s of CPU: 10 to 20 s of wall time with
// the machine's load average at 45 (measured), whatever the test does. The verbs of a test run side by side
// where they are independent, so a test waits for at most four processes one after another; this limit leaves
// room for that on a busy machine (it guards against a hang, it measures nothing).
describe("taskhub CLI", { timeout: 120_000 }, () => {
  it("starts an instance, shows its status, history and the instance list", async () => {
    const started = await run([
      "start-new",
      "--function-name",
      "SlowTwice",
      "--input",
      "10",
      "--id",
      "cli-1",
      "--json",
    ]);
    expect(started.code).toBe(0);
    expect(started.json).toEqual({ id: "cli-1" });
    await client.waitForOrchestrationCompletion("cli-1", { timeoutMs: 30_000 });
    const [status, humanStatus, history, humanHistory, list, humanList] = await runAll([
      ["get-runtime-status", "--id", "cli-1", "--json"],
      ["get-runtime-status", "--id", "cli-1"],
      ["get-history", "--id", "cli-1", "--json"],
      ["get-history", "--id", "cli-1"],
      ["get-instances", "--runtime-status", "Completed", "--json"],
      ["get-instances"],
    ]);
    expect(status!.json).toMatchObject({
      instanceId: "cli-1",
      name: "SlowTwice",
      runtimeStatus: "Completed",
      output: ["slept 10", "slept 10"],
    });
    expect(humanStatus!.out).toMatch(/runtimeStatus\s+Completed/);
    expect(history!.json.map((e: { EventType: string }) => e.EventType)).toEqual([
      "ExecutionStarted",
      "TaskCompleted",
      "TaskCompleted",
      "ExecutionCompleted",
    ]);
    expect(history!.json[1]).toMatchObject({ FunctionName: "Slow", Result: "slept 10" });
    expect(humanHistory!.out).toMatch(/TaskCompleted\s+Slow/);
    expect(list!.json.instances.map((s: { instanceId: string }) => s.instanceId)).toContain("cli-1");
    expect(humanList!.out).toMatch(/cli-1\s+SlowTwice\s+Completed/);
  });

  it("raises events, suspends, resumes and terminates", async () => {
    // The two instances are independent: their verbs run side by side, each instance's in order.
    const raised = async (): Promise<void> => {
      expect((await run(["start-new", "--function-name", "WaitFor", "--id", "cli-wait"])).code).toBe(0);
      await client.waitForOrchestrationStart("cli-wait", { timeoutMs: 30_000 });
      expect((await run(["suspend", "--id", "cli-wait", "--reason", "pause"])).code).toBe(0);
      expect((await run(["resume", "--id", "cli-wait"])).code).toBe(0);
      expect(
        (await run(["raise-event", "--id", "cli-wait", "--event-name", "go", "--event-data", '{"ok":true}']))
          .code,
      ).toBe(0);
      expect((await client.waitForOrchestrationCompletion("cli-wait", { timeoutMs: 30_000 })).output).toEqual(
        {
          ok: true,
        },
      );
    };
    const terminated = async (): Promise<void> => {
      expect((await run(["start-new", "--function-name", "WaitFor", "--id", "cli-term"])).code).toBe(0);
      await client.waitForOrchestrationStart("cli-term", { timeoutMs: 30_000 });
      expect((await run(["terminate", "--id", "cli-term", "--reason", "stop"])).code).toBe(0);
      expect(
        (await client.waitForOrchestrationCompletion("cli-term", { timeoutMs: 30_000 })).runtimeStatus,
      ).toBe("Terminated");
    };
    await Promise.all([raised(), terminated()]);
  });

  it("signals, reads and lists entities", async () => {
    const [human, json] = await runAll([
      ["signal-entity", "--id", "@counter@cli", "--operation", "add", "--input", "5"],
      ["signal-entity", "--id", "counter@cli", "--operation", "add", "--input", "2", "--json"],
    ]);
    expect(human!.out).toMatch(/signaled add on @counter@cli/);
    expect(json!.json).toEqual({ signaled: "counter@cli", operation: "add" });
    const deadline = Date.now() + 30_000;
    while (
      (await client.getEntity<number>({ name: "counter", key: "cli" }))?.state !== 7 &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 100));
    const [got, humanGot, list, humanList, nobody, badId, cleaned] = await runAll([
      ["get-entity", "--id", "@counter@cli", "--json"],
      ["get-entity", "--id", "@counter@cli"],
      ["list-entities", "--name", "counter", "--include-state", "--json"],
      ["list-entities"],
      ["get-entity", "--id", "@counter@nobody"],
      ["signal-entity", "--id", "nobody", "--operation", "add"],
      ["clean-entity-storage", "--json"],
    ]);
    expect(got!.code).toBe(0);
    expect(got!.json).toMatchObject({ id: "@counter@cli", state: 7, backlogQueueSize: 0, lockedBy: null });
    expect(humanGot!.out).toMatch(/state\s+7/);
    expect(list!.json.entities).toEqual([expect.objectContaining({ id: "@counter@cli", state: 7 })]);
    expect(humanList!.out).toMatch(/@counter@cli/);
    expect(nobody!.code).toBe(3);
    expect(badId!.code).toBe(2);
    expect(cleaned!.json).toEqual({
      emptyEntitiesRemoved: 0,
      orphanedLocksReleased: 0,
    });
  });

  it("replays a stored history against current code and reports non-determinism", async () => {
    const dir = mkdtempSync(join(tmpdir(), "taskhub-cli-"));
    const file = join(dir, "history.json");
    writeFileSync(file, (await run(["get-history", "--id", "cli-1", "--raw", "--json"])).out);
    const [same, diff, asyncReplay, replay] = await runAll([
      ["replay", "--app", app, "--file", file],
      ["replay", "--app", changed, "--file", file, "--json"],
      ["replay", "--app", asyncApp, "--file", file, "--json"],
      ["replay", "--app", app, "--file", file, "--json"],
    ]);
    expect(same!.code).toBe(0);
    expect(same!.out).toMatch(/deterministic/);
    expect(diff!.code).toBe(1);
    expect(diff!.json).toMatchObject({ deterministic: false });
    expect(diff!.json.failure).toMatch(/TaskScheduled #0 'Slow'.*ScheduleTask #0 'Fast'/);
    // The same orchestrator written as an async function* replays the function* history.
    expect(asyncReplay!.code).toBe(0);
    expect(asyncReplay!.json).toEqual(replay!.json);
    expect(asyncReplay!.json).toMatchObject({ deterministic: true });
  });

  it("replay reads the app's registry without building a worker or a backend", async () => {
    const dir = mkdtempSync(join(tmpdir(), "taskhub-cli-"));
    const file = join(dir, "history.json");
    writeFileSync(file, (await run(["get-history", "--id", "cli-1", "--raw", "--json"])).out);
    const r = await run(["replay", "--app", registryOnlyApp, "--file", file, "--json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ deterministic: true });
  });

  it("replays a history against the orchestrator of the version it was started with", async () => {
    const dir = mkdtempSync(join(tmpdir(), "taskhub-cli-"));
    const history = (version: string, activity: string): string => {
      const file = join(dir, `history-${version}-${activity}.json`);
      const at = new Date(Date.UTC(2026, 0, 1));
      const events = [
        newEvent("OrchestratorStarted", { timestamp: at }),
        newEvent("ExecutionStarted", {
          timestamp: at,
          orchestrationInstance: { instanceId: "v", executionId: "e" },
          name: "Versioned",
          version,
          input: undefined,
        }),
        newEvent("TaskScheduled", { eventId: 0, timestamp: at, name: activity, version: "" }),
        newEvent("OrchestratorCompleted", { timestamp: at }),
      ];
      writeFileSync(file, JSON.stringify(events));
      return file;
    };
    const replay = (file: string): string[] => ["replay", "--app", versionedApp, "--file", file, "--json"];
    const [v1, v2, wrong, unknown] = await runAll([
      replay(history("1.0", "A")),
      replay(history("2.0", "B")),
      replay(history("2.0", "A")),
      ["replay", "--app", versionedApp, "--file", history("3.0", "A")],
    ]);
    expect(v1).toMatchObject({ code: 0, json: { deterministic: true } });
    expect(v2).toMatchObject({ code: 0, json: { deterministic: true } });
    expect(wrong!.code).toBe(1);
    expect(wrong!.json.failure).toMatch(/'A'.*'B'/);
    expect(unknown!.code).toBe(2);
    expect(unknown!.err).toMatch(/no orchestrator named 'Versioned' for version '3\.0'/);
  });

  it("uses exit codes: 3 not found, 2 bad usage or no storage, 1 failure", async () => {
    const [missing, badInput, noStorage, deleteUnconfirmed, rewind, poison, help] = await Promise.all([
      run(["get-runtime-status", "--id", "nobody"]),
      run(["start-new", "--function-name", "X", "--input", "{bad"]),
      run(["get-instances"], { AZURE_STORAGE_CONNECTION_STRING: undefined }),
      run(["delete-task-hub"]),
      run(["rewind", "--id", "cli-1"]),
      run(["poison"]),
      run(["get-history", "--help"]),
    ]);
    expect(missing.code).toBe(3);
    expect(missing.err).toMatch(/no instance with id 'nobody'/);
    expect(badInput.code).toBe(2);
    expect(noStorage.code).toBe(2);
    expect(deleteUnconfirmed.code).toBe(2);
    expect(rewind.code).toBe(1);
    expect(poison.out).toMatch(/no poison messages/);
    expect(help.out).toMatch(/--id <instanceId>/);
  });

  it("bad usage exits 2, as the README says: unknown verbs and options, missing arguments, no verb", async () => {
    const usage = [
      ["no-such-verb"],
      ["get-runtime-status"],
      ["get-instances", "--no-such-option"],
      ["start-new"],
      [],
      ["get-instances", "--continuation-token", "garbage"],
      ["start-new", "--function-name", "SlowTwice", "--id", " "],
    ];
    const help = [["--help"], ["get-instances", "--help"]];
    const results = await runAll([...usage, ...help]);
    for (const r of results.slice(0, usage.length)) {
      expect({ args: r.args, code: r.code }).toEqual({ args: r.args, code: 2 });
      expect(r.err).not.toMatch(/\n\s+at /); // a message, not a stack
    }
    for (const r of results.slice(usage.length)) expect(r.code).toBe(0);
  });

  it("never creates a task hub: an unknown one is an error (exit 3) for every verb, and stays unknown", async () => {
    const probe = new AzureStorageOrchestrationService({
      taskHubName: "CliHubTypo",
      storage: { connectionString: azurite.connectionString },
      partitionManagement: "all",
    });
    const resources = async (): Promise<string[]> => {
      const found: string[] = [];
      for await (const t of probe.clients.tableService.listTables())
        if (t.name!.toLowerCase().startsWith("clihubtypo")) found.push(t.name!);
      for await (const q of probe.clients.queueService.listQueues({ prefix: "clihubtypo" }))
        found.push(q.name);
      for await (const c of probe.clients.blobService.listContainers({ prefix: "clihubtypo" }))
        found.push(c.name);
      return found;
    };
    const verbs = [
      ["get-instances"],
      ["get-runtime-status", "--id", "cli-1"],
      ["get-history", "--id", "cli-1"],
      ["list-entities"],
      ["get-entity", "--id", "@counter@cli"],
      ["poison"],
      ["partitions"],
      ["raise-event", "--id", "cli-1", "--event-name", "go"],
      ["terminate", "--id", "cli-1"],
      ["purge-history", "--id", "cli-1"],
      ["start-new", "--function-name", "SlowTwice"],
      ["signal-entity", "--id", "@counter@cli", "--operation", "add"],
      ["clean-entity-storage"],
      ["delete-task-hub", "--yes"],
    ];
    // Every verb at once (the worker of the other tests runs in this process), half naming the hub by option
    // and half by environment.
    const results = await Promise.all(
      verbs.map((args, i) =>
        run(
          i % 2 ? [...args, "--task-hub", "CliHubTypo"] : args,
          i % 2 ? {} : { TASKHUB_HUB_NAME: "CliHubTypo" },
        ),
      ),
    );
    for (const r of results) {
      expect({ args: r.args, code: r.code }).toEqual({ args: r.args, code: 3 });
      expect(r.err).toMatch(/^taskhub: task hub 'CliHubTypo' does not exist in this storage account/);
    }
    expect(await resources()).toEqual([]);
    // The configured hub still answers.
    expect((await run(["get-instances", "--task-hub", "CliHub"])).code).toBe(0);
  });

  it("read-only verbs create nothing on a task hub that DT.AS wrote (no Poison table)", async () => {
    // DT.AS's tables, queues and container, with one instance started by a client; taskhub's own Poison table removed.
    const writer = new AzureStorageOrchestrationService({
      taskHubName: "CliDtas",
      storage: { connectionString: azurite.connectionString },
      partitionManagement: "all",
    });
    await new TaskHubClient(writer).scheduleNewOrchestration("SlowTwice", 1, { instanceId: "dtas-1" });
    await writer.clients.tableService.deleteTable(writer.names.poisonTable);
    const resources = async (): Promise<string[]> => {
      const found: string[] = [];
      for await (const t of writer.clients.tableService.listTables())
        if (t.name!.toLowerCase().startsWith("clidtas")) found.push(t.name!);
      for await (const q of writer.clients.queueService.listQueues({ prefix: "clidtas" })) found.push(q.name);
      for await (const c of writer.clients.blobService.listContainers({ prefix: "clidtas" }))
        found.push(c.name);
      return found.sort();
    };
    const before = await resources();
    expect(before).toEqual(
      expect.arrayContaining([
        "CliDtasHistory",
        "CliDtasInstances",
        "clidtas-control-00",
        "clidtas-workitems",
      ]),
    );
    expect(before).not.toContain("CliDtasPoison");
    try {
      const verbs = [
        ["get-instances"],
        ["get-runtime-status", "--id", "dtas-1"],
        ["get-history", "--id", "dtas-1"],
        ["poison"],
        ["poison", "list", "--json"],
        ["partitions"],
        ["list-entities"],
        ["get-entity", "--id", "@counter@nobody"],
        ["get-instances", "--continuation-token", "garbage"],
        ["get-runtime-status", "--id", "dtas-1", "--json"],
        ["poison", "--json"],
      ];
      const results = await runAll(verbs, { TASKHUB_HUB_NAME: "CliDtas" });
      expect(results.map((r) => ({ args: r.args, code: r.code }))).toEqual(
        verbs.map((args) => ({
          args,
          code: args[0] === "get-entity" ? 3 : args.includes("garbage") ? 2 : 0,
        })),
      );
      expect(results[9]!.json).toMatchObject({ instanceId: "dtas-1", runtimeStatus: "Pending" });
      expect(results[10]!.json).toEqual([]);
      expect(await resources()).toEqual(before);
    } finally {
      await writer.deleteTaskHub();
    }
  });

  it("a closed stdout (taskhub ... | head) ends a verb normally, without an EPIPE crash", async () => {
    const withClosedStdout = (
      args: string[],
    ): Promise<{ args: string[]; code: number | null; err: string }> => {
      const child = cli.start(args);
      child.stdout.destroy(); // the reader is gone before the verb writes anything
      let err = "";
      child.stderr.on("data", (c: Buffer) => (err += c.toString()));
      return new Promise((resolve) => child.once("close", (code) => resolve({ args, code, err })));
    };
    const results = await Promise.all(
      [["get-instances", "--json"], ["get-instances"], ["poison"], ["--help"]].map(withClosedStdout),
    );
    expect(results).toEqual(results.map((r) => ({ args: r.args, code: 0, err: "" })));
  });

  it("shows partition ownership", async () => {
    const leased = new AzureStorageOrchestrationService({
      taskHubName: "CliLeases",
      storage: { connectionString: azurite.connectionString },
      partitionCount: 2,
      partitionManagement: "blob",
    });
    await leased.start();
    try {
      const deadline = Date.now() + 20_000;
      while (leased.ownedPartitions().length < 2 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      const [r, human, none] = await Promise.all([
        run(["partitions", "--json"], { TASKHUB_HUB_NAME: "CliLeases" }),
        run(["partitions"], { TASKHUB_HUB_NAME: "CliLeases" }),
        run(["partitions"]),
      ]);
      expect(r.code).toBe(0);
      const ownership = r.json.filter((x: { lease: string }) => x.lease === "ownership");
      expect(ownership).toHaveLength(2);
      for (const x of ownership)
        expect(x).toMatchObject({ manager: "blob", owner: leased.workerId, leaseState: "leased" });
      expect(human.out).toMatch(/blob\s+clileases-control-00\s+ownership/);
      expect(none.out).toMatch(/no partition leases/);
    } finally {
      await leased.stop();
      await leased.deleteTaskHub();
    }
  });

  it("colours a terminal's tables and shows a progress bar while purging by filter", async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    const ids = ["cli-p1", "cli-p2", "cli-p3"];
    for (const id of ids) await client.scheduleNewOrchestration("SlowTwice", undefined, { instanceId: id });
    for (const id of ids)
      expect((await client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 })).runtimeStatus).toBe(
        "Completed",
      );
    const [coloured, plain, refused] = await Promise.all([
      run(["get-instances", "--created-after", from], { FORCE_COLOR: "1" }),
      run(["get-instances", "--created-after", from], { NO_COLOR: "1" }),
      run(["purge-history", "--created-after", from, "--runtime-status", "Running"]),
    ]);
    expect(coloured.out).toContain("\x1b[1minstance"); // bold header
    expect(coloured.out.replace(/ +/g, " ")).toContain("cli-p1 SlowTwice \u001b[32mCompleted"); // green status
    expect(plain.out).not.toContain("\x1b[");
    expect(refused.code).toBe(2);
    const purged = await run(["purge-history", "--created-after", from, "--runtime-status", "Completed"], {
      FORCE_COLOR: "1",
    });
    expect(purged.code).toBe(0);
    expect(purged.out).toMatch(/purged 3 instance\(s\)/);
    expect(purged.err).toContain("[##############################] 3/3");
    for (const r of await runAll(ids.map((id) => ["get-runtime-status", "--id", id]))) expect(r.code).toBe(3);
  });

  it("purges history", async () => {
    const r = await run(["purge-history", "--id", "cli-1", "--json"]);
    expect(r.json).toEqual({ deletedInstanceCount: 1 });
    expect((await run(["get-runtime-status", "--id", "cli-1"])).code).toBe(3);
  });
});
