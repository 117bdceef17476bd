// UseDevelopmentStorage=true: which connection strings mean the local emulator; with nothing listening on the
// emulator's ports an embedded Azurite (a real one) is started there, with something listening nothing is; and a
// real `taskhub worker --app` process whose local.settings.json says UseDevelopmentStorage=true runs an
// orchestration, on the embedded Azurite it started or on the emulator already listening.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { AzuritePorts } from "@taskhub/azurite";
import {
  emulatorListening,
  isLocalDevelopmentStorage,
  startDevelopmentStorage,
} from "../src/development-storage.js";
import { allGone, isRunning } from "./fixtures/processes.js";
import { spawnWorker } from "./fixtures/worker-process.js";

const fixtureApp = fileURLToPath(new URL("./fixtures/apps/v4", import.meta.url));

/** Three ports that were free a moment ago (the OS hands out each once before reusing it). */
async function freePorts(): Promise<AzuritePorts> {
  const servers = [createServer(), createServer(), createServer()];
  const ports = await Promise.all(
    servers.map(
      (s) =>
        new Promise<number>((resolve) =>
          s.listen(0, "127.0.0.1", () => resolve((s.address() as { port: number }).port)),
        ),
    ),
  );
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return { blob: ports[0]!, queue: ports[1]!, table: ports[2]! };
}

describe("isLocalDevelopmentStorage", () => {
  it("is UseDevelopmentStorage=true (any case, any order of keys), with no proxy or a loopback proxy", () => {
    expect(isLocalDevelopmentStorage("UseDevelopmentStorage=true")).toBe(true);
    expect(isLocalDevelopmentStorage("usedevelopmentstorage=TRUE;")).toBe(true);
    expect(
      isLocalDevelopmentStorage("UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://127.0.0.1"),
    ).toBe(true);
    expect(
      isLocalDevelopmentStorage("DevelopmentStorageProxyUri=http://localhost;UseDevelopmentStorage=true"),
    ).toBe(true);
  });

  it("is not an emulator elsewhere, UseDevelopmentStorage=false, or an account's connection string", () => {
    expect(
      isLocalDevelopmentStorage("UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://emulator.lan"),
    ).toBe(false);
    expect(isLocalDevelopmentStorage("UseDevelopmentStorage=false")).toBe(false);
    expect(
      isLocalDevelopmentStorage(
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1",
      ),
    ).toBe(false);
  });
});

describe("startDevelopmentStorage", () => {
  it("starts a real Azurite on the emulator's ports when nothing listens there, and starts none while one does", async () => {
    const ports = await freePorts();
    expect(await emulatorListening(ports)).toBe(false);
    const azurite = await startDevelopmentStorage({ ports });
    try {
      expect(azurite).toBeDefined();
      expect(azurite!.onDefaultPorts).toBe(true);
      expect(azurite!.queueEndpoint).toBe(`http://127.0.0.1:${ports.queue}/devstoreaccount1`);
      expect(azurite!.tableEndpoint).toBe(`http://127.0.0.1:${ports.table}/devstoreaccount1`);
      // It is a real Azurite: its queue service answers (an unsigned request is refused by Azurite itself).
      const answer = await fetch(`${azurite!.queueEndpoint}?comp=list`);
      expect(answer.headers.get("server") ?? "").toMatch(/Azurite/);
      expect(await emulatorListening(ports)).toBe(true);
      // Something listens now: connect to it, start nothing.
      expect(await startDevelopmentStorage({ ports })).toBeUndefined();
    } finally {
      await azurite?.stop();
    }
    expect(await emulatorListening(ports)).toBe(false);
  }, 60_000);
});

describe("taskhub worker --app with UseDevelopmentStorage=true in local.settings.json", () => {
  it("runs the app on storage it reaches: the embedded Azurite it starts when nothing listens on 10000-10002, else the emulator there", async () => {
    const app = mkdtempSync(join(tmpdir(), "taskhub-devstorage-"));
    cpSync(fixtureApp, app, { recursive: true });
    writeFileSync(
      join(app, "local.settings.json"),
      JSON.stringify({
        IsEncrypted: false,
        Values: { AzureWebJobsStorage: "UseDevelopmentStorage=true", V4_HUB_NAME: "DevStorageHub" },
      }),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, TASKHUB_HTTP_PORT: "0", TASKHUB_HTTP_AUTH: "disabled" };
    for (const name of [
      "AZURE_STORAGE_CONNECTION_STRING",
      "AzureWebJobsStorage",
      "TASKHUB_HUB_NAME",
      "NODE_ENV",
    ])
      delete env[name];
    // The machine's state decides the branch; the host must take the one that matches it.
    const emulatorWasUp = await emulatorListening();
    const worker = spawnWorker(["--app", app], env);
    const { child } = worker;
    try {
      const url = await worker.ready.catch(() => undefined);
      expect(url, worker.output()).toBeDefined();
      const events = worker
        .output()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const embedded = events.find((e) => e.event === "host.embeddedAzurite");
      if (emulatorWasUp) {
        expect(embedded).toBeUndefined();
        expect(events.find((e) => e.event === "host.developmentStorage")).toMatchObject({
          ports: [10000, 10001, 10002],
        });
      } else {
        expect(embedded, worker.output()).toBeDefined();
        expect(String(embedded!.msg)).toContain("UseDevelopmentStorage=true");
      }

      const started = await fetch(`${url}/api/orchestrators/HelloCities`, { method: "POST" });
      expect(started.status).toBe(202);
      const { statusQueryGetUri } = (await started.json()) as { statusQueryGetUri: string };
      expect(statusQueryGetUri).toContain("taskHub=DevStorageHub");
      let status: { runtimeStatus?: string; output?: unknown } = {};
      for (let i = 0; i < 600 && status.runtimeStatus !== "Completed"; i++) {
        status = (await (await fetch(statusQueryGetUri)).json()) as typeof status;
        if (status.runtimeStatus !== "Completed") await new Promise((r) => setTimeout(r, 200));
      }
      expect(status).toMatchObject({
        runtimeStatus: "Completed",
        output: ["Hello, Tokyo", "Hello, Seattle", "Hello, Cairo"],
      });

      child.kill("SIGTERM");
      expect(await worker.exited).toBe(0);
      // The embedded Azurite stopped with the host.
      if (embedded) {
        const pids = [Number(embedded.azuritePid), Number(embedded.supervisorPid)];
        expect(await allGone(pids, 30_000)).toBe(true);
      }
    } finally {
      if (child.exitCode === null && isRunning(child.pid!)) child.kill("SIGKILL");
      rmSync(app, { recursive: true, force: true });
    }
  }, 180_000);
});
