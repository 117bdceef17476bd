/**
 * Drives the DT.AS peer (e2e/dtf-peer, built by global-setup.ts): one `dotnet` process, one JSON line per
 * request on its stdin, one answer line per request on its stdout (see e2e/dtf-peer/Program.cs).
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const PEER_DLL = fileURLToPath(
  new URL("../dtf-peer/bin/Release/net10.0/dtf-peer.dll", import.meta.url),
);

/** The instance state as DT.AS's client reads it (Peer.State in Peer.cs). */
export interface DtfState {
  instanceId: string;
  executionId: string;
  name: string;
  version: string;
  status: string;
  input: string | null;
  output: string | null;
  customStatus: string | null;
  createdTime: string | null;
  lastUpdatedTime: string | null;
  completedTime: string | null;
  scheduledStartTime: string | null;
  parentInstanceId: string | null;
  failureDetails: { errorType: string; errorMessage: string } | null;
}

/** A DurableTask.Core history event as Core serializes it (PascalCase, `EventType` a number). */
export type DtfEvent = Record<string, unknown> & { EventType: number; EventId: number };

export interface WorkerOptions {
  partitionCount?: number;
  /** DT.AS's partition managers: "safe" (its default blob leases), "legacy" (blob), "table". */
  partitionManager?: "safe" | "legacy" | "table";
  extendedSessions?: boolean;
  workerId?: string;
  leaseSeconds?: number;
  controlQueueVisibilitySeconds?: number;
  workItemVisibilitySeconds?: number;
  /** Register the peer's entities (DT.AS's UseSeparateQueueForEntityWorkItems; see e2e/dtf-peer/Entities.cs). */
  entities?: boolean;
}

/** An entity as DT.AS's own entity query reads it (EntityBackendQueries.GetEntityAsync). */
export interface DtfEntity {
  id: string;
  state: string | null;
  lockedBy: string | null;
  backlogQueueSize: number;
  lastModifiedTime: string | null;
}

export class DtfPeer {
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private stderr = "";
  private exited = false;
  readonly ready: Promise<void>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    let onReady!: () => void;
    this.ready = new Promise((r) => (onReady = r));
    createInterface({ input: child.stdout }).on("line", (line) => {
      let m: { id?: number; ok?: boolean; result?: unknown; error?: string; type?: string; event?: string };
      try {
        m = JSON.parse(line) as typeof m;
      } catch {
        return; // DT.AS or the runtime writing to stdout
      }
      if (m.event === "ready") onReady();
      if (m.id === undefined) return;
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.ok) w?.resolve(m.result);
      else w?.reject(new Error(`peer: ${m.error} (${m.type})`));
    });
    child.stderr.on("data", (c: Buffer) => {
      this.stderr = (this.stderr + c.toString()).slice(-8000);
      if (process.env.DTF_PEER_STDERR) process.stderr.write(c);
    });
    child.once("exit", (code) => {
      this.exited = true;
      for (const w of this.waiting.values()) w.reject(new Error(`peer exited (${code}): ${this.stderr}`));
      this.waiting.clear();
    });
  }

  static async start(connectionString: string): Promise<DtfPeer> {
    const child = spawn("dotnet", [PEER_DLL], {
      env: { ...process.env, TASKHUB_CONNECTION_STRING: connectionString, DOTNET_gcServer: "0" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const peer = new DtfPeer(child);
    await Promise.race([
      peer.ready,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`peer did not start: ${peer.stderr}`)), 60_000),
      ),
    ]);
    return peer;
  }

  call<T = unknown>(verb: string, hub: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`peer has exited: ${this.stderr}`));
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin.write(JSON.stringify({ id, verb, hub, ...args }) + "\n");
    });
  }

  startWorker(hub: string, options: WorkerOptions = {}): Promise<{ workerId: string }> {
    return this.call("startWorker", hub, { ...options });
  }

  stopWorker(hub: string): Promise<boolean> {
    return this.call("stopWorker", hub);
  }

  /** Starts an instance with DT.AS's TaskHubClient; `input` is JSON text (or undefined for none). */
  startInstance(
    hub: string,
    name: string,
    instanceId: string,
    input: string | undefined,
    startAt?: string,
  ): Promise<{ instanceId: string; executionId: string }> {
    return this.call("start", hub, { name, instanceId, input: input ?? null, startAt });
  }

  raise(hub: string, instanceId: string, name: string, data: string | null): Promise<boolean> {
    return this.call("raise", hub, { instanceId, name, data });
  }

  wait(hub: string, instanceId: string, timeoutSeconds = 180): Promise<DtfState | null> {
    return this.call("wait", hub, { instanceId, timeoutSeconds });
  }

  state(hub: string, instanceId: string): Promise<DtfState | null> {
    return this.call("state", hub, { instanceId });
  }

  history(hub: string, instanceId: string, executionId?: string): Promise<DtfEvent[]> {
    return this.call("history", hub, { instanceId, executionId });
  }

  /**
   * Signals an entity as DurableTask.Core's clients do (ClientEntityHelpers); `input` is JSON text. Answers the
   * event name and the request JSON it sent.
   */
  signalEntity(
    hub: string,
    name: string,
    key: string,
    operation: string,
    input?: string,
    scheduledTime?: Date,
  ): Promise<{ eventName: string; request: string }> {
    return this.call("signalEntity", hub, {
      name,
      key,
      operation,
      input: input ?? null,
      scheduledTime: scheduledTime?.toISOString(),
    });
  }

  /** DT.AS's entity query; null when the entity does not exist (or, without `includeStateless`, has no state). */
  getEntity(hub: string, name: string, key: string, includeStateless = false): Promise<DtfEntity | null> {
    return this.call("getEntity", hub, { name, key, includeStateless, entities: true });
  }

  /** Closes stdin (the peer stops its workers and exits); SIGKILL after `graceMs`. */
  async stop(graceMs = 60_000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((r) => this.child.once("exit", () => r()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    this.child.kill("SIGKILL");
  }
}
