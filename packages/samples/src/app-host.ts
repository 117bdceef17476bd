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
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

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

const OUTPUT_TAIL_CHARS = 4_000;

/** `node_modules/@taskhub/host/dist/cli.js`: what `npx taskhub` runs. */
export function taskhubCli(): string {
  return join(dirname(createRequire(import.meta.url).resolve("@taskhub/host")), "cli.js");
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
  const child = spawn(process.execPath, [taskhubCli(), "worker", "--app", folder], {
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const killOnExit = (): void => void child.kill("SIGKILL");
  process.once("exit", killOnExit);
  let tail = "";
  let lines = "";
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      process.off("exit", killOnExit);
      resolve(code);
    }),
  );
  const ready = new Promise<{ url: string; taskHub: string }>((resolve, reject) => {
    const onData = (c: Buffer): void => {
      const text = c.toString();
      tail = (tail + text).slice(-OUTPUT_TAIL_CHARS);
      lines += text;
      let newline: number;
      while ((newline = lines.indexOf("\n")) >= 0) {
        const line = lines.slice(0, newline);
        lines = lines.slice(newline + 1);
        if (!line.includes('"host.started"')) continue;
        const started = JSON.parse(line) as { url: string; taskHub: string };
        resolve({ url: started.url, taskHub: started.taskHub });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (c: Buffer) => (tail = (tail + c.toString()).slice(-OUTPUT_TAIL_CHARS)));
    child.once("error", (err) =>
      reject(new Error(`cannot start taskhub worker --app ${folder}: ${err.message}`)),
    );
    void exited.then((code) =>
      reject(new Error(`taskhub worker --app ${folder} exited (${code}) before it served:\n${tail.trim()}`)),
    );
  });
  ready.catch(() => {}); // awaited by the caller; never an unhandled rejection meanwhile
  let stopping: Promise<number | null> | undefined;
  return {
    folder,
    pid: child.pid,
    ready,
    stop: () => {
      stopping ??=
        child.exitCode !== null || child.signalCode !== null ? exited : (child.kill("SIGTERM"), exited);
      return stopping;
    },
  };
}
