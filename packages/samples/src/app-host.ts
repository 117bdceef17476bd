/**
 * A Functions app folder run as a user runs it: `taskhub worker --app <folder>`, a child process of the main job,
 * on the storage the main job uses (given as `AzureWebJobsStorage`, over the folder's local.settings.json). The
 * host's log is kept, not printed; `ready` resolves with the URL it serves at (from its `host.started` line),
 * or rejects with the end of its output when it exits first.
 *
 * The child runs in its own process group, so a terminal's Ctrl+C reaches the main job only, which stops it
 * (`stop()`: SIGTERM, the host drains and exits) before it stops the storage. If the main job exits without
 * stopping it, the child is killed on the way out.
 */
import { spawnWorker } from "./worker-process.js";

export interface AppHostOptions {
  /** The storage connection string (the embedded Azurite's, or the user's). */
  connectionString: string;
  /** The host key; undefined: `TASKHUB_HTTP_AUTH=disabled`. */
  key: string | undefined;
}

export interface AppHost {
  readonly folder: string;
  readonly pid: number | undefined;
  /** Resolves once the host serves: its URL and task hub. */
  readonly ready: Promise<{ url: string; taskHub: string }>;
  /** Stops the host (SIGTERM, drain) and resolves with its exit code; idempotent. */
  stop(): Promise<number | null>;
}

export function startAppHost(folder: string, options: AppHostOptions): AppHost {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AzureWebJobsStorage: options.connectionString,
    TASKHUB_HTTP_PORT: "0",
    // host.started (info) says where it serves.
    TASKHUB_LOG_LEVEL: "info",
    ...(options.key
      ? { TASKHUB_HTTP_KEY: options.key, TASKHUB_HTTP_AUTH: "" }
      : { TASKHUB_HTTP_AUTH: "disabled" }),
  };
  // The app's own settings decide the rest (its host.json's hub name, ...).
  for (const name of ["AZURE_STORAGE_CONNECTION_STRING", "TASKHUB_HUB_NAME", "TASKHUB_CONFIG"])
    delete env[name];
  if (!options.key) delete env.TASKHUB_HTTP_KEY;
  const worker = spawnWorker(["--app", folder], { env, detached: true });
  const killOnExit = (): void => void worker.child.kill("SIGKILL");
  process.once("exit", killOnExit);
  void worker.exited.then(() => process.off("exit", killOnExit));
  return { folder, pid: worker.child.pid, ready: worker.ready, stop: worker.stop };
}
