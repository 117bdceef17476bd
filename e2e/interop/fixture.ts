/**
 * What every interop test file starts the same way: one Azurite, one DT.AS peer process on it, and the
 * long-lived workers the file's tests share (DT.AS workers in the peer, taskhub workers in this process). Call
 * `useInterop` at the top of a test file; it registers the hooks that start and stop them all.
 */
import { afterAll, beforeAll } from "vitest";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { DtfPeer, type WorkerOptions } from "./peer.js";
import { startTaskhubWorker, type RunningTaskhubWorker, type TaskhubWorkerOptions } from "./taskhub.js";

export interface InteropSetup {
  /** Hubs served by a DT.AS worker in the peer for the whole file, with its options. */
  dtasWorkers?: Record<string, WorkerOptions>;
  /** Hubs served by a taskhub worker for the whole file, with its options. */
  taskhubWorkers?: Record<string, TaskhubWorkerOptions>;
}

export interface InteropFixture {
  readonly azurite: AzuriteInstance;
  readonly connectionString: string;
  readonly peer: DtfPeer;
  /** Resolves once DT.AS's client reads `id` on `hub` as Running. */
  runningOnDtas(hub: string, id: string, timeoutMs?: number): Promise<void>;
}

export function useInterop(setup: InteropSetup = {}): InteropFixture {
  let azurite: AzuriteInstance | undefined;
  let peer: DtfPeer | undefined;
  const workers: RunningTaskhubWorker[] = [];

  beforeAll(async () => {
    azurite = await startAzurite();
    peer = await DtfPeer.start(azurite.connectionString);
    for (const [hub, options] of Object.entries(setup.dtasWorkers ?? {}))
      await peer.startWorker(hub, options);
    for (const [hub, options] of Object.entries(setup.taskhubWorkers ?? {}))
      workers.push(await startTaskhubWorker(azurite.connectionString, hub, options));
  });

  afterAll(async () => {
    for (const w of workers) await w.stop();
    await peer?.stop();
    await azurite?.stop();
  });

  const started = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`the interop fixture's ${what} is used before beforeAll ran`);
    return v;
  };
  const fixture: InteropFixture = {
    get azurite() {
      return started(azurite, "Azurite");
    },
    get connectionString() {
      return started(azurite, "Azurite").connectionString;
    },
    get peer() {
      return started(peer, "peer");
    },
    /**
     * Events are raised once the instance runs: a DT.AS worker defers an ExecutionStarted message until the
     * client has written the Pending Instances row, and discards events that reach an instance with no history
     * meanwhile (docs/dtf-compatibility.md, "Events raised right after the start").
     */
    async runningOnDtas(hub, id, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while ((await fixture.peer.state(hub, id))?.status !== "Running") {
        if (Date.now() > deadline) throw new Error(`${id} on ${hub} did not start`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
  };
  return fixture;
}
