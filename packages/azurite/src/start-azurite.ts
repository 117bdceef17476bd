/**
 * Starts a real Azurite (the `azurite` npm package, an optional peer dependency: installed by whoever starts
 * Azurite) as a child process, for tests and the host's embedded development mode (`taskhub worker` without a
 * storage account).
 *
 * Contracts:
 * - In memory by default; on disk in `location` (or a fresh temporary directory) with `inMemory: false`.
 * - Ports: 0 by default for each service, so the OS picks free ports when Azurite binds them, and Azurite
 *   prints the ports it got ("... successfully listening at http://127.0.0.1:<port>"). Nothing else can take
 *   a port between choosing and binding it, so there is no race to retry. Fixed ports that are taken make
 *   Azurite exit with EADDRINUSE, which `startAzurite` reports.
 * - Resolves once all three services accept TCP connections; rejects (code "Storage") after
 *   `startTimeoutMs` (default 30 s) or when Azurite exits first, quoting the end of Azurite's output.
 * - `stop()` sends SIGTERM; Azurite then closes its servers and saves on-disk data, and prints "... service
 *   successfully closed" per service, but its process lingers until idle keep-alive connections time out. So
 *   once all three services report closed (or after 5 s) the process is SIGKILLed. `stop()` resolves when
 *   the process has exited, so its ports are free, and is idempotent.
 * - HTTPS with `cert` and `key` (PEM files; Azurite's `--cert` / `--key`): endpoints and the connection
 *   string are then https. `oauth: "basic"` (Azurite's `--oauth basic`, which needs HTTPS) also accepts bearer
 *   tokens: Azurite decodes them without checking a signature and checks their lifetime, issuer and audience.
 * - No orphan: the child is SIGKILLed when this process exits (`process.on("exit")`), and it watches its
 *   stdin, a pipe from this process, so it also ends itself when this process dies without running exit
 *   handlers (a signal, SIGKILL, a crash).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { createRequire } from "node:module";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { InvalidArgumentError, TaskHubError } from "@taskhub/core";

/** Azurite's well-known development account (the one `UseDevelopmentStorage=true` means). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

const HOST = "127.0.0.1";
const AZURITE_ENTRY = "azurite/dist/src/azurite.js";
const STOP_GRACE_MS = 5_000;
const OUTPUT_TAIL_CHARS = 8_000;

export interface AzuriteOptions {
  /** Keep all data in memory (default: true, unless `location` is given). */
  inMemory?: boolean;
  /** Directory for on-disk data when not in memory (default: a new temporary directory). */
  location?: string;
  /** File for Azurite's debug log (`--debug`). */
  debugLog?: string;
  /** Fixed ports; 0 or absent lets the OS choose a free port. */
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  /** How long to wait for all three services (default 30 000). */
  startTimeoutMs?: number;
  /** PEM certificate and private key files: serve HTTPS (`--cert`, `--key`); give both or neither. */
  cert?: string;
  key?: string;
  /** `"basic"`: accept OAuth bearer tokens too (`--oauth basic`; needs `cert` and `key`). */
  oauth?: "basic";
  /** Node flags for Azurite's process, e.g. `["--cpu-prof", "--cpu-prof-dir=/tmp/prof"]` (written when it stops). */
  execArgv?: string[];
}

export interface AzuritePorts {
  blob: number;
  queue: number;
  table: number;
}

export interface AzuriteInstance {
  /** Azurite's full connection string (account, key and the three endpoints). */
  connectionString: string;
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
  accountName: string;
  accountKey: string;
  ports: AzuritePorts;
  /** The on-disk data directory; undefined in memory. */
  location: string | undefined;
  pid: number | undefined;
  stop(): Promise<void>;
}

export function azuriteConnectionString(ports: AzuritePorts, protocol: "http" | "https" = "http"): string {
  const endpoint = (port: number): string => `${protocol}://${HOST}:${port}/${AZURITE_ACCOUNT}`;
  return (
    `DefaultEndpointsProtocol=${protocol};AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `BlobEndpoint=${endpoint(ports.blob)};QueueEndpoint=${endpoint(ports.queue)};TableEndpoint=${endpoint(ports.table)};`
  );
}

/**
 * Runs in the Azurite process before Azurite's entry point: when this process's end of the stdin pipe
 * closes (it exited or died), stop Azurite as `stop()` would, and make sure it goes.
 */
const WATCHDOG = `
process.stdin.on("data", () => {}).on("end", () => {
  setTimeout(() => process.exit(0), ${STOP_GRACE_MS}).unref();
  process.kill(process.pid, "SIGTERM");
}).on("error", () => {});
`;

/** With Node flags such as `--cpu-prof`, whose output is written on exit: exit soon after SIGTERM. */
const EXIT_ON_SIGTERM = `process.on("SIGTERM", () => setTimeout(() => process.exit(0), 2000).unref());`;

const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at https?:\/\/\S*:(\d+)/;
const CLOSED = /Azurite (Blob|Queue|Table) service successfully closed/;

function checkPort(name: string, port: number | undefined): number {
  const p = port ?? 0;
  if (!Number.isInteger(p) || p < 0 || p > 65535)
    throw new InvalidArgumentError(`${name} must be an integer from 0 to 65535`);
  return p;
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteInstance> {
  const inMemory = options.inMemory ?? options.location === undefined;
  if (inMemory && options.location !== undefined) {
    throw new InvalidArgumentError(
      "Azurite keeps data either in memory or in a location: pass inMemory: false with location",
    );
  }
  const requested = {
    blob: checkPort("blobPort", options.blobPort),
    queue: checkPort("queuePort", options.queuePort),
    table: checkPort("tablePort", options.tablePort),
  };
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  if ((options.cert === undefined) !== (options.key === undefined))
    throw new InvalidArgumentError("Azurite serves HTTPS with both cert and key: give both or neither");
  if (options.oauth !== undefined && options.oauth !== "basic")
    throw new InvalidArgumentError(`oauth must be "basic", got ${JSON.stringify(options.oauth)}`);
  if (options.oauth !== undefined && options.cert === undefined)
    throw new InvalidArgumentError(
      "Azurite accepts OAuth tokens only over HTTPS: give cert and key with oauth",
    );
  const protocol = options.cert !== undefined ? "https" : "http";

  const cli = azuriteEntryPoint();
  const location = inMemory
    ? undefined
    : resolve(options.location ?? (await mkdtemp(join(tmpdir(), "taskhub-azurite-"))));
  const profiling = (options.execArgv?.length ?? 0) > 0;
  const args = [
    ...(options.execArgv ?? []),
    "--import",
    `data:text/javascript,${encodeURIComponent(WATCHDOG)}`,
    // Azurite may take minutes to close its open connections; a profile is only written by an exit.
    ...(profiling ? ["--import", `data:text/javascript,${encodeURIComponent(EXIT_ON_SIGTERM)}`] : []),
    cli,
    ...["--blobHost", HOST, "--queueHost", HOST, "--tableHost", HOST],
    ...[
      "--blobPort",
      String(requested.blob),
      "--queuePort",
      String(requested.queue),
      "--tablePort",
      String(requested.table),
    ],
    "--skipApiVersionCheck",
    "--disableTelemetry",
    "--loose",
    "--silent", // no access log on stdout
  ];
  // Azurite rejects --location together with --inMemoryPersistence.
  if (inMemory) args.push("--inMemoryPersistence");
  else args.push("--location", location!);
  if (options.debugLog !== undefined) args.push("--debug", resolve(options.debugLog));
  if (options.cert !== undefined) args.push("--cert", resolve(options.cert), "--key", resolve(options.key!));
  if (options.oauth !== undefined) args.push("--oauth", options.oauth);

  // In memory, Azurite still takes its working directory as its workspace; keep that out of the caller's.
  const child = spawn(process.execPath, args, { cwd: location ?? tmpdir(), stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.on("error", () => {}); // the pipe breaks when Azurite exits; nothing is ever written to it
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.on("exit", killOnExit);
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  void exited.then(() => process.removeListener("exit", killOnExit));

  // Ports and closed services are read line by line from stdout; the end of all output is kept for errors.
  const found: Partial<AzuritePorts> = {};
  const closed = new Set<string>();
  let onClosed: (() => void) | undefined;
  let partialLine = "";
  let outputTail = "";
  child.stdout.on("data", (chunk: Buffer) => {
    const lines = (partialLine + chunk.toString()).split("\n");
    partialLine = lines.pop()!.slice(-OUTPUT_TAIL_CHARS);
    for (const line of lines) {
      const m = LISTENING.exec(line);
      if (m) found[m[1]!.toLowerCase() as keyof AzuritePorts] = Number(m[2]);
      const c = CLOSED.exec(line);
      if (c) closed.add(c[1]!);
      if (closed.size === 3) onClosed?.();
    }
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream.on("data", (chunk: Buffer) => {
      outputTail = (outputTail + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
    });
  }

  let ports: AzuritePorts;
  try {
    ports = await waitUntilReady(child, found, startTimeoutMs);
  } catch (err) {
    child.kill("SIGKILL");
    // After a spawn error there may be no exit event.
    await Promise.race([exited, new Promise((r) => setTimeout(r, STOP_GRACE_MS).unref())]);
    process.removeListener("exit", killOnExit);
    const output = outputTail.trim();
    throw new TaskHubError(
      "Storage",
      `${(err as Error).message}${output ? `\n--- Azurite output ---\n${output}` : " (Azurite printed nothing)"}`,
      { cause: err },
    );
  }

  let stopping: Promise<void> | undefined;
  const endpoint = (port: number): string => `${protocol}://${HOST}:${port}/${AZURITE_ACCOUNT}`;
  return {
    connectionString: azuriteConnectionString(ports, protocol),
    blobEndpoint: endpoint(ports.blob),
    queueEndpoint: endpoint(ports.queue),
    tableEndpoint: endpoint(ports.table),
    accountName: AZURITE_ACCOUNT,
    accountKey: AZURITE_KEY,
    ports,
    location,
    pid: child.pid,
    stop(): Promise<void> {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const allClosed = new Promise<void>((done) => (onClosed = done));
          let grace: NodeJS.Timeout | undefined;
          child.kill("SIGTERM");
          // With Node flags (a CPU profile is written at exit) wait for the exit itself, within a longer grace.
          await Promise.race([
            exited,
            ...(profiling ? [] : [allClosed]),
            new Promise((done) => (grace = setTimeout(done, profiling ? 30_000 : STOP_GRACE_MS))),
          ]);
          clearTimeout(grace);
          child.kill("SIGKILL"); // no-op once it has exited
          await exited;
        }
        process.removeListener("exit", killOnExit);
      })();
      return stopping;
    },
  };
}

/**
 * Azurite's entry point. `azurite` is an optional peer dependency (it is a development tool, far larger than
 * taskhub): it is found from this package, as a sibling in the app's node_modules (npm), or from the
 * working directory's project (pnpm's isolated layout).
 */
function azuriteEntryPoint(): string {
  const from = [import.meta.url, pathToFileURL(join(process.cwd(), "package.json")).href];
  for (const base of from) {
    try {
      return createRequire(base).resolve(AZURITE_ENTRY);
    } catch {
      // not installed there
    }
  }
  // A setup problem the user fixes (bad configuration, as the CLI counts it: exit 2), not a storage failure.
  throw new TaskHubError(
    "InvalidArgument",
    "cannot start Azurite: the azurite package is not installed. It is an optional development dependency: " +
      "install it with `npm install -D azurite`, or use a storage account (AZURE_STORAGE_CONNECTION_STRING).",
  );
}

/** The ports Azurite reported (in `found`), once each accepts a TCP connection. */
async function waitUntilReady(
  child: ChildProcess,
  found: Partial<AzuritePorts>,
  timeoutMs: number,
): Promise<AzuritePorts> {
  const deadline = Date.now() + timeoutMs;
  let exitedWith: string | undefined;
  let spawnError: Error | undefined;
  child.once("exit", (code, signal) => (exitedWith = signal ?? `code ${code}`));
  child.once("error", (err) => (spawnError = err));
  for (;;) {
    if (spawnError) throw new Error(`cannot start Azurite: ${spawnError.message}`);
    if (exitedWith !== undefined) throw new Error(`Azurite exited (${exitedWith}) before it was ready`);
    if (Date.now() > deadline) throw new Error(`Azurite was not ready within ${timeoutMs} ms`);
    if (found.blob !== undefined && found.queue !== undefined && found.table !== undefined) {
      const ports: AzuritePorts = { blob: found.blob, queue: found.queue, table: found.table };
      const accepting = await Promise.all(
        [ports.blob, ports.queue, ports.table].map((p) => acceptsConnections(p)),
      );
      if (accepting.every(Boolean)) return ports;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: HOST, port });
    socket.setTimeout(1_000);
    const finish = (ok: boolean): void => {
      socket.destroy();
      done(ok);
    };
    socket.once("connect", () => finish(true));
    socket.once("error", () => finish(false));
    socket.once("timeout", () => finish(false));
  });
}
