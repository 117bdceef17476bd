/**
 * `taskhub worker <args>` as a child process (the CLI `npx taskhub` runs): `ready` resolves with the URL and task
 * hub of its `host.started` line, or rejects with the end of its output when it exits first (the process's own
 * signals, not a time); `stop()` sends SIGTERM (the host drains and exits) and resolves with its exit code. What
 * it writes goes to `onOutput` as it comes; only the end of it is kept, for the error.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";

export interface WorkerProcessOptions {
  /** The whole environment of the process. */
  env: NodeJS.ProcessEnv;
  /** In its own process group, so a terminal's Ctrl+C does not reach it. */
  detached?: boolean;
  /** Each piece of its stdout and stderr as it comes. */
  onOutput?: (text: string, stream: "stdout" | "stderr") => void;
}

export interface WorkerProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly exited: Promise<number | null>;
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

export function spawnWorker(args: string[], options: WorkerProcessOptions): WorkerProcess {
  const command = `taskhub worker ${args.join(" ")}`;
  const child = spawn(process.execPath, [taskhubCli(), "worker", ...args], {
    env: options.env,
    detached: options.detached ?? false,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let tail = "";
  let lines = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = new Promise<{ url: string; taskHub: string }>((resolve, reject) => {
    const onData = (c: Buffer): void => {
      const text = c.toString();
      options.onOutput?.(text, "stdout");
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
    child.stderr.on("data", (c: Buffer) => {
      const text = c.toString();
      options.onOutput?.(text, "stderr");
      tail = (tail + text).slice(-OUTPUT_TAIL_CHARS);
    });
    child.once("error", (err) => reject(new Error(`cannot start ${command}: ${err.message}`)));
    void exited.then((code) =>
      reject(new Error(`${command} exited (${code}) before it served:\n${tail.trim()}`)),
    );
  });
  ready.catch(() => {}); // awaited by the caller; never an unhandled rejection meanwhile
  let stopping: Promise<number | null> | undefined;
  return {
    child,
    exited,
    ready,
    stop: () => {
      stopping ??=
        child.exitCode !== null || child.signalCode !== null ? exited : (child.kill("SIGTERM"), exited);
      return stopping;
    },
  };
}
