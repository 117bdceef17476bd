// `taskhub dashboard` as a real process against a task hub on Azurite, with no worker: it prints its URL (with a
// key of its own when none is configured), answers the dashboard's endpoints and the management API behind that
// key, and stops on SIGINT with exit 0. An unknown task hub is exit 3, a bad port exit 2.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskHubClient } from "@taskhub/core";
import { AzureStorageOrchestrationService } from "@taskhub/azure-storage";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";

const cli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
let azurite: AzuriteInstance;

beforeAll(async () => {
  azurite = await startAzurite();
  const service = new AzureStorageOrchestrationService({
    taskHubName: "CliDash",
    storage: { connectionString: azurite.connectionString },
    partitionCount: 2,
  });
  await service.createIfNotExists();
  await new TaskHubClient(service).scheduleNewOrchestration("Pending", null, { instanceId: "waiting-1" });
});

const running = new Set<ChildProcess>();
afterAll(async () => {
  for (const child of running) child.kill("SIGKILL");
  await azurite?.stop();
});

function start(args: string[], env: Record<string, string | undefined> = {}) {
  const child = spawn(process.execPath, [cli, "dashboard", ...args], {
    env: {
      ...process.env,
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
      TASKHUB_HUB_NAME: "CliDash",
      TASKHUB_HTTP_KEY: undefined,
      TASKHUB_HTTP_AUTH: undefined,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let out = "";
  let err = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once("close", (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", () => {
      if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
    });
    void exited.then((code) => reject(new Error(`exited ${code} before printing: ${err}`)));
  });
  firstLine.catch(() => {}); // awaited only by the tests that expect a line
  return { child, exited, firstLine, output: () => ({ out, err }) };
}

describe("taskhub dashboard", () => {
  it("serves the hub view and the management API behind its own key, and stops on SIGINT with exit 0", async () => {
    const p = start(["--port", "0", "--json"]);
    const printed = JSON.parse(await p.firstLine) as { url: string; taskHub: string; managementApi: string };
    expect(printed).toMatchObject({
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/dashboard\/\?code=.{16,}$/),
      taskHub: "CliDash",
    });
    const url = new URL(printed.url);
    const key = url.searchParams.get("code")!;
    const hub = await fetch(`${url.origin}/dashboard/api/hub`, { headers: { "x-functions-key": key } });
    expect(hub.status).toBe(200);
    expect(await hub.json()).toMatchObject({
      taskHub: "CliDash",
      partitionCount: 2,
      partitions: [{ partition: "clidash-control-00" }, { partition: "clidash-control-01" }],
    });
    // The start message waits on its control queue: nobody runs it.
    const depth = (
      (await (await fetch(`${url.origin}/dashboard/api/hub?code=${key}`)).json()) as any
    ).partitions
      .map((p: { queueDepth: number }) => p.queueDepth)
      .reduce((a: number, b: number) => a + b, 0);
    expect(depth).toBe(1);
    expect((await fetch(`${url.origin}/dashboard/api/hub`)).status).toBe(401);
    const status = await fetch(`${printed.managementApi}/instances/waiting-1?code=${key}`);
    expect(status.status).toBe(202);
    expect(await status.json()).toMatchObject({ instanceId: "waiting-1", runtimeStatus: "Pending" });
    p.child.kill("SIGINT");
    expect(await p.exited).toBe(0);
  });

  it("an unknown task hub is exit 3; a bad port is exit 2", async () => {
    const unknown = start(["--port", "0", "--task-hub", "NoSuchHub"]);
    const badPort = start(["--port", "http"]);
    expect(await unknown.exited).toBe(3);
    expect(unknown.output().err).toMatch(/task hub 'NoSuchHub' does not exist/);
    expect(await badPort.exited).toBe(2);
    expect(badPort.output().err).toMatch(/--port must be a port number/);
  });
});
