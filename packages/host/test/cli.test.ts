// The taskhub CLI's management verbs against a task hub on Azurite with a worker running: human and --json
// output, exit codes (0 ok, 1 failure, 2 usage/configuration, 3 not found), and replay of a stored history.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newEvent, TaskHubClient, TaskHubWorker } from "@taskhub/core";
import { AzureStorageOrchestrationService } from "@taskhub/azure-storage";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
// @ts-expect-error -- plain JS fixture without types
import { register, registerCounter, registerWaiting } from "./fixtures/app.mjs";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const app = fileURLToPath(new URL("./fixtures/app.mjs", import.meta.url));
const changed = fileURLToPath(new URL("./fixtures/app-changed.mjs", import.meta.url));
const asyncApp = fileURLToPath(new URL("./fixtures/app-async.mjs", import.meta.url));
const registryOnlyApp = fileURLToPath(new URL("./fixtures/app-registry-only.mjs", import.meta.url));
const versionedApp = fileURLToPath(new URL("./fixtures/app-versioned.mjs", import.meta.url));
let azurite: AzuriteInstance;
let worker: TaskHubWorker;
let client: TaskHubClient;

beforeAll(async () => {
  azurite = await startAzurite();
  const service = new AzureStorageOrchestrationService({
    taskHubName: "CliHub",
    storage: { connectionString: azurite.connectionString },
    partitionManagement: "all",
    minPollingIntervalMs: 10,
    maxPollingIntervalMs: 200,
  });
  worker = new TaskHubWorker(service);
  (register as (w: TaskHubWorker) => void)(worker);
  (registerWaiting as (w: TaskHubWorker) => void)(worker);
  (registerCounter as (w: TaskHubWorker) => void)(worker);
  await worker.start();
  client = new TaskHubClient(service, { maxPollIntervalMs: 200 });
});
afterAll(async () => {
  await worker.stop();
  await azurite.stop();
});

function run(
  args: string[],
  env: Record<string, string | undefined> = {},
): { code: number | null; out: string; err: string; json: any } {
  const r = spawnSync(process.execPath, [cli, ...args], {
    encoding: "utf8",
    env: {
      ...process.env,
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
      TASKHUB_HUB_NAME: "CliHub",
      ...env,
    },
    timeout: 60_000,
  });
  let json: unknown;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    /* human output */
  }
  return { code: r.status, out: r.stdout, err: r.stderr, json };
}

/** As `run`, without blocking this process. */
function runAsync(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ args: string[]; code: number | null; err: string }> {
  const child = spawn(process.execPath, [cli, ...args], {
    env: {
      ...process.env,
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
      TASKHUB_HUB_NAME: "CliHub",
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ args, code, err })));
}

describe("taskhub CLI", () => {
  it("starts an instance, shows its status, history and the instance list", async () => {
    const started = run([
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
    const status = run(["get-runtime-status", "--id", "cli-1", "--json"]);
    expect(status.json).toMatchObject({
      instanceId: "cli-1",
      name: "SlowTwice",
      runtimeStatus: "Completed",
      output: ["slept 10", "slept 10"],
    });
    expect(run(["get-runtime-status", "--id", "cli-1"]).out).toMatch(/runtimeStatus\s+Completed/);
    const history = run(["get-history", "--id", "cli-1", "--json"]);
    expect(history.json.map((e: { EventType: string }) => e.EventType)).toEqual([
      "ExecutionStarted",
      "TaskCompleted",
      "TaskCompleted",
      "ExecutionCompleted",
    ]);
    expect(history.json[1]).toMatchObject({ FunctionName: "Slow", Result: "slept 10" });
    expect(run(["get-history", "--id", "cli-1"]).out).toMatch(/TaskCompleted\s+Slow/);
    const list = run(["get-instances", "--runtime-status", "Completed", "--json"]);
    expect(list.json.instances.map((s: { instanceId: string }) => s.instanceId)).toContain("cli-1");
    expect(run(["get-instances"]).out).toMatch(/cli-1\s+SlowTwice\s+Completed/);
  });

  it("raises events, suspends, resumes and terminates", async () => {
    expect(run(["start-new", "--function-name", "WaitFor", "--id", "cli-wait"]).code).toBe(0);
    await client.waitForOrchestrationStart("cli-wait", { timeoutMs: 30_000 });
    expect(run(["suspend", "--id", "cli-wait", "--reason", "pause"]).code).toBe(0);
    expect(run(["resume", "--id", "cli-wait"]).code).toBe(0);
    expect(
      run(["raise-event", "--id", "cli-wait", "--event-name", "go", "--event-data", '{"ok":true}']).code,
    ).toBe(0);
    expect((await client.waitForOrchestrationCompletion("cli-wait", { timeoutMs: 30_000 })).output).toEqual({
      ok: true,
    });
    expect(run(["start-new", "--function-name", "WaitFor", "--id", "cli-term"]).code).toBe(0);
    await client.waitForOrchestrationStart("cli-term", { timeoutMs: 30_000 });
    expect(run(["terminate", "--id", "cli-term", "--reason", "stop"]).code).toBe(0);
    expect(
      (await client.waitForOrchestrationCompletion("cli-term", { timeoutMs: 30_000 })).runtimeStatus,
    ).toBe("Terminated");
  });

  it("signals, reads and lists entities", async () => {
    expect(run(["signal-entity", "--id", "@counter@cli", "--operation", "add", "--input", "5"]).out).toMatch(
      /signaled add on @counter@cli/,
    );
    expect(
      run(["signal-entity", "--id", "counter@cli", "--operation", "add", "--input", "2", "--json"]).json,
    ).toEqual({ signaled: "counter@cli", operation: "add" });
    const deadline = Date.now() + 30_000;
    while (
      (await client.getEntity<number>({ name: "counter", key: "cli" }))?.state !== 7 &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 100));
    const got = run(["get-entity", "--id", "@counter@cli", "--json"]);
    expect(got.code).toBe(0);
    expect(got.json).toMatchObject({ id: "@counter@cli", state: 7, backlogQueueSize: 0, lockedBy: null });
    expect(run(["get-entity", "--id", "@counter@cli"]).out).toMatch(/state\s+7/);
    const list = run(["list-entities", "--name", "counter", "--include-state", "--json"]);
    expect(list.json.entities).toEqual([expect.objectContaining({ id: "@counter@cli", state: 7 })]);
    expect(run(["list-entities"]).out).toMatch(/@counter@cli/);
    expect(run(["get-entity", "--id", "@counter@nobody"]).code).toBe(3);
    expect(run(["signal-entity", "--id", "nobody", "--operation", "add"]).code).toBe(2);
    expect(run(["clean-entity-storage", "--json"]).json).toEqual({
      emptyEntitiesRemoved: 0,
      orphanedLocksReleased: 0,
    });
  });

  it("replays a stored history against current code and reports non-determinism", () => {
    const dir = mkdtempSync(join(tmpdir(), "taskhub-cli-"));
    const file = join(dir, "history.json");
    writeFileSync(file, run(["get-history", "--id", "cli-1", "--raw", "--json"]).out);
    const same = run(["replay", "--app", app, "--file", file]);
    expect(same.code).toBe(0);
    expect(same.out).toMatch(/deterministic/);
    const diff = run(["replay", "--app", changed, "--file", file, "--json"]);
    expect(diff.code).toBe(1);
    expect(diff.json).toMatchObject({ deterministic: false });
    expect(diff.json.failure).toMatch(/TaskScheduled #0 'Slow'.*ScheduleTask #0 'Fast'/);
    // The same orchestrator written as an async function* replays the function* history.
    const asyncReplay = run(["replay", "--app", asyncApp, "--file", file, "--json"]);
    expect(asyncReplay.code).toBe(0);
    expect(asyncReplay.json).toEqual(run(["replay", "--app", app, "--file", file, "--json"]).json);
    expect(asyncReplay.json).toMatchObject({ deterministic: true });
  });

  it("replay reads the app's registry without building a worker or a backend", () => {
    const dir = mkdtempSync(join(tmpdir(), "taskhub-cli-"));
    const file = join(dir, "history.json");
    writeFileSync(file, run(["get-history", "--id", "cli-1", "--raw", "--json"]).out);
    const r = run(["replay", "--app", registryOnlyApp, "--file", file, "--json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ deterministic: true });
  });

  it("replays a history against the orchestrator of the version it was started with", () => {
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
    const replay = (file: string) => run(["replay", "--app", versionedApp, "--file", file, "--json"]);
    expect(replay(history("1.0", "A"))).toMatchObject({ code: 0, json: { deterministic: true } });
    expect(replay(history("2.0", "B"))).toMatchObject({ code: 0, json: { deterministic: true } });
    const wrong = replay(history("2.0", "A"));
    expect(wrong.code).toBe(1);
    expect(wrong.json.failure).toMatch(/'A'.*'B'/);
    const unknown = run(["replay", "--app", versionedApp, "--file", history("3.0", "A")]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no orchestrator named 'Versioned' for version '3\.0'/);
  });

  it("uses exit codes: 3 not found, 2 bad usage or no storage, 1 failure", () => {
    const missing = run(["get-runtime-status", "--id", "nobody"]);
    expect(missing.code).toBe(3);
    expect(missing.err).toMatch(/no instance with id 'nobody'/);
    expect(run(["start-new", "--function-name", "X", "--input", "{bad"]).code).toBe(2);
    expect(run(["get-instances"], { AZURE_STORAGE_CONNECTION_STRING: undefined }).code).toBe(2);
    expect(run(["delete-task-hub"]).code).toBe(2);
    expect(run(["rewind", "--id", "cli-1"]).code).toBe(1);
    expect(run(["poison"]).out).toMatch(/no poison messages/);
    expect(run(["get-history", "--help"]).out).toMatch(/--id <instanceId>/);
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
    for (const r of await Promise.all(usage.map((args) => runAsync(args)))) {
      expect({ args: r.args, code: r.code }).toEqual({ args: r.args, code: 2 });
      expect(r.err).not.toMatch(/\n\s+at /); // a message, not a stack
    }
    for (const r of await Promise.all(
      [["--help"], ["get-instances", "--help"]].map((args) => runAsync(args)),
    ))
      expect(r.code).toBe(0);
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
    // Four at a time, without blocking this process (the worker of the other tests runs in it).
    const results: { args: string[]; code: number | null; err: string }[] = [];
    for (let i = 0; i < verbs.length; i += 4)
      results.push(
        ...(await Promise.all(
          verbs
            .slice(i, i + 4)
            .map((args, j) =>
              runAsync(
                (i + j) % 2 ? [...args, "--task-hub", "CliHubTypo"] : args,
                (i + j) % 2 ? {} : { TASKHUB_HUB_NAME: "CliHubTypo" },
              ),
            ),
        )),
      );
    for (const r of results) {
      expect({ args: r.args, code: r.code }).toEqual({ args: r.args, code: 3 });
      expect(r.err).toMatch(/^taskhub: task hub 'CliHubTypo' does not exist in this storage account/);
    }
    expect(await resources()).toEqual([]);
    // The configured hub still answers.
    expect(run(["get-instances", "--task-hub", "CliHub"]).code).toBe(0);
  }, 120_000);

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
      ];
      const results: { args: string[]; code: number | null; err: string }[] = [];
      for (let i = 0; i < verbs.length; i += 4)
        results.push(
          ...(await Promise.all(
            verbs.slice(i, i + 4).map((args) => runAsync(args, { TASKHUB_HUB_NAME: "CliDtas" })),
          )),
        );
      expect(results.map((r) => ({ args: r.args, code: r.code }))).toEqual(
        verbs.map((args) => ({
          args,
          code: args[0] === "get-entity" ? 3 : args.includes("garbage") ? 2 : 0,
        })),
      );
      expect(await resources()).toEqual(before);
      expect(
        run(["get-runtime-status", "--id", "dtas-1", "--json"], { TASKHUB_HUB_NAME: "CliDtas" }).json,
      ).toMatchObject({ instanceId: "dtas-1", runtimeStatus: "Pending" });
      expect(run(["poison", "--json"], { TASKHUB_HUB_NAME: "CliDtas" }).json).toEqual([]);
      expect(await resources()).toEqual(before);
    } finally {
      await writer.deleteTaskHub();
    }
  }, 120_000);

  it("a closed stdout (taskhub ... | head) ends a verb normally, without an EPIPE crash", async () => {
    const withClosedStdout = (
      args: string[],
    ): Promise<{ args: string[]; code: number | null; err: string }> => {
      const child = spawn(process.execPath, [cli, ...args], {
        env: {
          ...process.env,
          AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
          TASKHUB_HUB_NAME: "CliHub",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.destroy(); // the reader is gone before the verb writes anything
      let err = "";
      child.stderr.on("data", (c: Buffer) => (err += c.toString()));
      return new Promise((resolve) => child.once("exit", (code) => resolve({ args, code, err })));
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
      const r = run(["partitions", "--json"], { TASKHUB_HUB_NAME: "CliLeases" });
      expect(r.code).toBe(0);
      const ownership = r.json.filter((x: { lease: string }) => x.lease === "ownership");
      expect(ownership).toHaveLength(2);
      for (const x of ownership)
        expect(x).toMatchObject({ manager: "blob", owner: leased.workerId, leaseState: "leased" });
      expect(run(["partitions"], { TASKHUB_HUB_NAME: "CliLeases" }).out).toMatch(
        /blob\s+clileases-control-00\s+ownership/,
      );
      expect(run(["partitions"]).out).toMatch(/no partition leases/);
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
    const coloured = run(["get-instances", "--created-after", from], { FORCE_COLOR: "1" });
    expect(coloured.out).toContain("\x1b[1minstance"); // bold header
    expect(coloured.out.replace(/ +/g, " ")).toContain("cli-p1 SlowTwice \u001b[32mCompleted"); // green status
    expect(run(["get-instances", "--created-after", from], { NO_COLOR: "1" }).out).not.toContain("\x1b[");
    expect(run(["purge-history", "--created-after", from, "--runtime-status", "Running"]).code).toBe(2);
    const purged = run(["purge-history", "--created-after", from, "--runtime-status", "Completed"], {
      FORCE_COLOR: "1",
    });
    expect(purged.code).toBe(0);
    expect(purged.out).toMatch(/purged 3 instance\(s\)/);
    expect(purged.err).toContain("[##############################] 3/3");
    for (const id of ids) expect(run(["get-runtime-status", "--id", id]).code).toBe(3);
  });

  it("purges history", () => {
    const r = run(["purge-history", "--id", "cli-1", "--json"]);
    expect(r.json).toEqual({ deletedInstanceCount: 1 });
    expect(run(["get-runtime-status", "--id", "cli-1"]).code).toBe(3);
  });
});
