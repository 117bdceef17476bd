/**
 * The embedded development Azurite (of `createHost` with no storage configured, and of `npm start`), owned by
 * this process.
 *
 * Contracts:
 * - Azurite's default ports (10000-10002) when they are free, so that Storage Explorer's local emulator and
 *   `UseDevelopmentStorage=true` find it (`onDefaultPorts`); free ports otherwise. In memory.
 * - Its own process group: Azurite runs under a small supervisor process spawned detached, so a terminal's
 *   Ctrl+C (SIGINT to the whole foreground process group) reaches this process and not Azurite. Storage stays
 *   up while the host drains its work, and `stop()` stops it afterwards.
 * - No orphan: the supervisor watches its stdin, a pipe from this process; when that pipe closes (this process
 *   exited, crashed or was SIGKILLed) it stops Azurite and exits. Azurite watches the supervisor the same way
 *   (`startAzurite`'s contract), so killing the supervisor does not orphan Azurite either.
 * - `stop()` resolves once the supervisor has exited (Azurite is stopped by then, and its ports are free); it is
 *   idempotent.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { TaskHubError } from "@taskhub/core";
import type { AzuriteInstance, AzuritePorts } from "@taskhub/azurite";

export const AZURITE_DEFAULT_PORTS: AzuritePorts = { blob: 10000, queue: 10001, table: 10002 };

export interface EmbeddedAzurite extends AzuriteInstance {
  /** True when Azurite got its default ports (`UseDevelopmentStorage=true` reaches it). */
  readonly onDefaultPorts: boolean;
  /** The supervisor process: the leader of the process group Azurite runs in. */
  readonly supervisorPid: number | undefined;
}

/** What the supervisor reports on its stdout, one JSON line. */
type Report =
  | { ready: Omit<AzuriteInstance, "stop" | "location"> & { onDefaultPorts: boolean } }
  | { error: string; code?: string };

/** Grace for Azurite's own stop (5 s) plus the supervisor's exit. */
const STOP_GRACE_MS = 15_000;
const OUTPUT_TAIL_CHARS = 4_000;

/**
 * Runs in the supervisor (an ES module given with `-e`): argv[1] is the URL of `@taskhub/azurite`,
 * argv[2] the default ports as JSON.
 */
const SUPERVISOR = `
const { startAzurite } = await import(process.argv[1]);
const defaultPorts = JSON.parse(process.argv[2]);
let azurite;
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  Promise.resolve(azurite?.stop()).finally(() => process.exit(0));
};
process.stdin.on("data", () => {}).on("end", stop).on("error", stop);
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, stop);
process.stdout.on("error", () => {}); // the parent went away: no one is left to report to
const report = (m) => process.stdout.write(JSON.stringify(m) + "\\n");
let onDefaultPorts = true;
try {
  // The default ports taken (or refused): free ports instead; a failure of that start is the one reported.
  azurite = await startAzurite({ blobPort: defaultPorts.blob, queuePort: defaultPorts.queue, tablePort: defaultPorts.table }).catch(() => {
    onDefaultPorts = false;
    return startAzurite();
  });
} catch (err) {
  report({ error: String(err && err.message || err), code: err && err.code });
  process.exit(1);
}
if (stopping) stop();
else {
  const { connectionString, blobEndpoint, queueEndpoint, tableEndpoint, accountName, accountKey, ports, pid } = azurite;
  report({ ready: { connectionString, blobEndpoint, queueEndpoint, tableEndpoint, accountName, accountKey, ports, pid, onDefaultPorts } });
}
`;

/** Starts Azurite under a supervisor in its own process group (see the file comment). */
export async function startEmbeddedAzurite(
  options: { defaultPorts?: AzuritePorts } = {},
): Promise<EmbeddedAzurite> {
  let launcherModule: string;
  try {
    launcherModule = pathToFileURL(createRequire(import.meta.url).resolve("@taskhub/azurite")).href;
  } catch (err) {
    throw new TaskHubError("Storage", "cannot find @taskhub/azurite, which starts the embedded Azurite", {
      cause: err,
    });
  }
  const child = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      SUPERVISOR,
      "--",
      launcherModule,
      JSON.stringify(options.defaultPorts ?? AZURITE_DEFAULT_PORTS),
    ],
    { detached: true, stdio: ["pipe", "pipe", "pipe"], windowsHide: true },
  );
  child.stdin.on("error", () => {}); // nothing is written; the pipe only has to stay open while this process lives
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  let tail = "";
  child.stderr.on("data", (c: Buffer) => (tail = (tail + c.toString()).slice(-OUTPUT_TAIL_CHARS)));

  const report = await new Promise<Report>((resolve) => {
    let buffered = "";
    const onData = (c: Buffer): void => {
      buffered += c.toString();
      const newline = buffered.indexOf("\n");
      if (newline < 0) return;
      child.stdout.off("data", onData);
      try {
        resolve(JSON.parse(buffered.slice(0, newline)) as Report);
      } catch {
        resolve({ error: `the Azurite supervisor printed ${JSON.stringify(buffered.slice(0, 200))}` });
      }
    };
    child.stdout.on("data", onData);
    child.once("error", (err) => resolve({ error: `cannot start the Azurite supervisor: ${err.message}` }));
    void exited.then(() =>
      resolve({
        error: `the Azurite supervisor exited before Azurite was ready${tail.trim() ? `:\n${tail.trim()}` : ""}`,
      }),
    );
  });
  child.stdout.resume(); // nothing more is expected; never let a full pipe block the supervisor
  child.stderr.resume();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end(); // the supervisor stops Azurite and exits
      let grace: NodeJS.Timeout | undefined;
      const late = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((done) => (grace = setTimeout(() => done(true), STOP_GRACE_MS))),
      ]);
      clearTimeout(grace);
      if (late) {
        // The whole group: the supervisor and Azurite.
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          /* already gone */
        }
        await exited;
      }
    })();
    return stopping;
  };

  if ("error" in report) {
    await stop();
    // A missing azurite package is the user's setup (InvalidArgument: the CLI exits 2); the rest is storage.
    const code = report.code === "InvalidArgument" ? "InvalidArgument" : "Storage";
    throw new TaskHubError(code, `cannot start the embedded Azurite: ${report.error}`);
  }
  return { ...report.ready, location: undefined, supervisorPid: child.pid, stop };
}
