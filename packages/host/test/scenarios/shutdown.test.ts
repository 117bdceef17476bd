// `taskhub worker --app` with the embedded Azurite, as a real process stopped the way a terminal stops it:
// Ctrl+C sends SIGINT to the whole foreground process group. The host must drain with storage still up, stop
// Azurite after the drain, exit 0 without a stack dump, and leave no Azurite process behind, also when it is
// SIGKILLed.
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { RecordingLogger } from "@taskhub/core/testing";
import { allGone, isRunning } from "../fixtures/processes.js";
import { spawnWorker } from "../fixtures/worker-process.js";

const app = fileURLToPath(new URL("../fixtures/app.mjs", import.meta.url));

interface RunningHost {
  child: ChildProcess;
  exited: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  url: string;
  /** From the host's `host.embeddedAzurite` log line. */
  azuritePid: number | undefined;
  supervisorPid: number | undefined;
}

/** Starts a host with no storage configured (so the embedded Azurite), in its own process group as a shell would. */
async function startHost(): Promise<RunningHost> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TASKHUB_HTTP_AUTH: "disabled",
    TASKHUB_HTTP_PORT: "0",
    TASKHUB_HUB_NAME: "ShutdownHub",
  };
  delete env.AZURE_STORAGE_CONNECTION_STRING;
  delete env.AZURE_STORAGE_ACCOUNT_NAME;
  delete env.TASKHUB_CONFIG;
  const worker = spawnWorker(["--app", app], env, { detached: true });
  await worker.ready.catch(() => undefined);
  const logged = RecordingLogger.fromPinoLines(worker.stdout());
  const url = logged.events("host.started")[0]?.url as string | undefined;
  const azurite = logged.events("host.embeddedAzurite")[0];
  if (!url) throw new Error(`host did not start:\n${worker.stdout()}\n${worker.stderr()}`);
  return {
    child: worker.child,
    exited: worker.exited,
    stdout: worker.stdout,
    stderr: worker.stderr,
    url,
    azuritePid: azurite?.azuritePid as number | undefined,
    supervisorPid: azurite?.supervisorPid as number | undefined,
  };
}

async function statusOf(url: string, id: string): Promise<{ runtimeStatus?: string; output?: unknown }> {
  return (await (await fetch(`${url}/runtime/webhooks/durabletask/instances/${id}`)).json()) as {
    runtimeStatus?: string;
  };
}

describe("a host with the embedded Azurite", () => {
  it("on Ctrl+C (SIGINT to its process group) drains with storage up, stops Azurite last, exits 0, prints no stack, leaves no Azurite", async () => {
    const host = await startHost();
    try {
      // Work in flight when the signal comes: an activity that sleeps.
      const started = await fetch(
        `${host.url}/runtime/webhooks/durabletask/orchestrators/SlowTwice/in-flight`,
        { method: "POST", body: "1000" },
      );
      expect(started.status).toBe(202);
      for (let i = 0; i < 300 && (await statusOf(host.url, "in-flight")).runtimeStatus !== "Running"; i++)
        await new Promise((r) => setTimeout(r, 100));
      process.kill(-host.child.pid!, "SIGINT"); // what the terminal does: the whole foreground group
      expect(await host.exited).toBe(0);
      const log = host.stdout();
      const logged = RecordingLogger.fromPinoLines(log);
      expect(logged.events("host.signal")).toEqual([{ signal: "SIGINT" }]);
      expect(logged.events("host.stopped")).toHaveLength(1);
      expect(logged.events("host.stopFailed")).toEqual([]);
      expect(log).not.toContain("ECONNREFUSED");
      expect(log).not.toMatch(/"level":50/); // nothing logged as an error
      expect(host.stderr()).not.toMatch(/\n\s+at /); // no stack dump
      expect(host.azuritePid).toBeDefined();
      expect(isRunning(host.supervisorPid!)).toBe(false);
      expect(isRunning(host.azuritePid!)).toBe(false);
    } finally {
      if (host.child.exitCode === null) process.kill(-host.child.pid!, "SIGKILL");
    }
  }, 120_000);

  it("leaves no Azurite behind when it is SIGKILLed", async () => {
    const host = await startHost();
    host.child.kill("SIGKILL");
    await host.exited;
    // The supervisor sees its stdin pipe close and stops Azurite (which watches the supervisor the same way).
    expect(host.azuritePid).toBeDefined();
    expect(await allGone([host.supervisorPid!, host.azuritePid!], 30_000)).toBe(true);
  }, 120_000);
});
