/**
 * Starts a real Azurite (the `azurite` npm package) as a child process for tests and for the embedded
 * development mode: in memory by default, on free ports (port 0; Azurite prints the ports it bound),
 * with `--skipApiVersionCheck --disableTelemetry --loose`. `stop()` ends it; it is also killed when this
 * process exits, so no orphan survives a test run.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";

export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuriteOptions {
  /** Keep data in memory (default true); otherwise in `location`. */
  inMemory?: boolean;
  location?: string;
  /** Fixed ports (default: free ports chosen by the OS). */
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  startTimeoutMs?: number;
}

export interface AzuriteInstance {
  connectionString: string;
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
  accountName: string;
  accountKey: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

export function azuriteConnectionString(ports: { blob: number; queue: number; table: number }): string {
  const base = "http://127.0.0.1";
  return (
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `BlobEndpoint=${base}:${ports.blob}/${AZURITE_ACCOUNT};QueueEndpoint=${base}:${ports.queue}/${AZURITE_ACCOUNT};` +
    `TableEndpoint=${base}:${ports.table}/${AZURITE_ACCOUNT};`
  );
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteInstance> {
  const cli = createRequire(import.meta.url).resolve("azurite/dist/src/azurite.js");
  const args = [
    cli,
    "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
    "--blobPort", String(options.blobPort ?? 0),
    "--queuePort", String(options.queuePort ?? 0),
    "--tablePort", String(options.tablePort ?? 0),
    "--skipApiVersionCheck", "--disableTelemetry", "--loose", "--silent",
  ];
  if (options.inMemory ?? true) args.push("--inMemoryPersistence", "--extentMemoryLimit", "1024");
  if (options.location) args.push("--location", options.location);
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);

  let output = "";
  const ports = await new Promise<{ blob: number; queue: number; table: number }>((resolve, reject) => {
    const found: Record<string, number> = {};
    const timer = setTimeout(() => fail(new Error(`Azurite did not start within ${options.startTimeoutMs ?? 30_000} ms`)), options.startTimeoutMs ?? 30_000);
    function fail(err: Error): void {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${err.message}\n--- Azurite output ---\n${output}`));
    }
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      for (const m of output.matchAll(/Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/[^:]+:(\d+)/g))
        found[m[1]!.toLowerCase()] = Number(m[2]);
      if (found.blob && found.queue && found.table) {
        clearTimeout(timer);
        resolve({ blob: found.blob, queue: found.queue, table: found.table });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => fail(new Error(`Azurite exited with code ${code} before it was ready`)));
    child.once("error", (err) => fail(err));
  });
  child.removeAllListeners("exit");

  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    connectionString: azuriteConnectionString(ports),
    blobEndpoint: `http://127.0.0.1:${ports.blob}/${AZURITE_ACCOUNT}`,
    queueEndpoint: `http://127.0.0.1:${ports.queue}/${AZURITE_ACCOUNT}`,
    tableEndpoint: `http://127.0.0.1:${ports.table}/${AZURITE_ACCOUNT}`,
    accountName: AZURITE_ACCOUNT,
    accountKey: AZURITE_KEY,
    pid: child.pid,
    async stop(): Promise<void> {
      process.removeListener("exit", killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}
