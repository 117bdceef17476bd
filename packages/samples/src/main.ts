/**
 * The main job (`npm start`): a taskhub host running the six application patterns written in the
 * durable-functions style (src/df), on Azure Storage. Without AZURE_STORAGE_CONNECTION_STRING it starts an
 * embedded Azurite (in memory; Storage Explorer's default emulator ports when free). The host serves the
 * samples' HTTP starters under /api and the Durable Functions management API; every pattern is started with
 * a real HTTP request, printed as the curl line that does the same, followed by what came back. Then it
 * prints where to look in Storage Explorer and keeps serving until Ctrl+C. Flags: `--exit` stops after the
 * samples (and so does the embedded Azurite: the Storage Explorer advice then says how to keep it);
 * `--in-memory` uses the in-memory backend instead of Azure Storage.
 *
 * Ctrl+C (or SIGTERM), at any point: the samples stop, the host drains and stops, the embedded Azurite (in its
 * own process group, so the terminal's SIGINT does not reach it) stops last, and the process exits 0. The
 * configuration is validated before anything starts.
 */
import { createServer } from "node:net";
import { TaskHubWorker } from "@taskhub/core";
import { InMemoryOrchestrationService } from "@taskhub/core/testing";
import {
  createHost,
  createManagementApi,
  loadConfig,
  serve,
  startEmbeddedAzurite,
  stopOnSignals,
  type EmbeddedAzurite,
  type HostConfigInput,
} from "@taskhub/host";
import * as df from "@taskhub/durable-functions";
import { httpHandler, onOutboxMessage } from "./df/app.js";

const args = new Set(process.argv.slice(2));
const TASK_HUB = process.env.TASKHUB_NAME ?? "SamplesHub";
const KEY = process.env.TASKHUB_HTTP_KEY;

let base = "";
/** Aborted by Ctrl+C: the samples' requests stop, and the process stops the host. */
const interrupted = new AbortController();
const signal = interrupted.signal;

/** The preferred port when it is free, else 0 (any free port). */
async function freePort(preferred: number): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(0));
    probe.listen(preferred, "127.0.0.1", () => probe.close(() => resolve(preferred)));
  });
}

function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Prints the curl line for the request, sends it, prints the answer's status and body. */
async function curl(
  method: "GET" | "POST",
  url: string,
  body?: unknown,
): Promise<{ status: number; json: any; location: string | null }> {
  const data = body === undefined ? "" : ` -H 'Content-Type: application/json' -d '${JSON.stringify(body)}'`;
  console.log(`  $ curl -s${method === "POST" ? " -X POST" : ""} '${url}'${data}`);
  const res = await fetch(url, {
    method,
    signal,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  const location = res.headers.get("location");
  if (res.status === 202 && json?.statusQueryGetUri)
    console.log(
      `  ← 202 Accepted, Location: ${location}  (id ${json.id}; also sendEventPostUri, terminatePostUri, purgeHistoryDeleteUri, ...)`,
    );
  else console.log(`  ← ${res.status} ${clip(text) || (res.status === 202 ? "Accepted" : "")}`);
  return { status: res.status, json, location };
}

/** Polls a status URL (printing the first poll and the last): 202 while running, then 200 with the output. */
async function pollStatus(statusUrl: string): Promise<unknown> {
  const started = Date.now();
  let polls = 0;
  for (;;) {
    const res = await fetch(statusUrl, { signal });
    const status = (await res.json()) as { runtimeStatus: string; customStatus?: unknown; output?: unknown };
    polls++;
    if (polls === 1) {
      console.log(`  $ curl -s '${statusUrl}'`);
      if (res.status === 202)
        console.log(
          `  ← 202 ${status.runtimeStatus}${status.customStatus !== null && status.customStatus !== undefined ? ` (customStatus ${JSON.stringify(status.customStatus)})` : ""}  ... polling`,
        );
    }
    if (res.status !== 202) {
      console.log(
        `  ← ${res.status} ${status.runtimeStatus} ${clip(JSON.stringify(status.output))}  (after ${polls} poll${polls > 1 ? "s" : ""}, ${Date.now() - started} ms)`,
      );
      return status.output;
    }
    if (Date.now() - started > 120_000)
      throw new Error(`${statusUrl} still ${status.runtimeStatus} after 2 minutes`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function startAndPoll(
  path: string,
  body?: unknown,
): Promise<{ id: string; sendEventPostUri: string; output: unknown }> {
  const started = await curl("POST", `${base}${path}`, body);
  if (started.status !== 202) throw new Error(`${path} answered ${started.status}`);
  return { ...started.json, output: await pollStatus(started.json.statusQueryGetUri) };
}

function heading(text: string): void {
  console.log(`\n${text}`);
}

async function until(url: string, state: unknown): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const res = await fetch(url, { signal });
    if (
      res.status === 200 &&
      JSON.stringify(((await res.json()) as { state: unknown }).state) === JSON.stringify(state)
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never reached ${JSON.stringify(state)}`);
}

async function runPatterns(): Promise<void> {
  heading("1. Function chaining: F1 → F2 → F3 → F4, each output the next input (waits for the output)");
  await curl("POST", `${base}/api/orchestrators/Chaining/wait`, 5);
  console.log(
    "  with 600, F3 fails (over its limit) and the orchestrator compensates F2 and F1 in its catch block:",
  );
  await curl("POST", `${base}/api/orchestrators/Chaining/wait`, 600);

  heading(
    "2. Fan-out/fan-in: GetBatch returns 100 items, ProcessItem runs per item in parallel, StoreTotal gets the sum",
  );
  await startAndPoll("/api/orchestrators/FanOutFanIn", 100);

  heading(
    "3. Async HTTP APIs: the starter answers 202 + Location; the status URL says 202 while running, 200 when done",
  );
  await startAndPoll("/api/reports/north");

  heading(
    "4. Monitor: check a job with a durable timer between checks until it completes (alert) or the monitor expires",
  );
  await startAndPoll("/api/monitors/job-1", {
    pollingIntervalSeconds: 1,
    expirySeconds: 60,
    jobCompletesAfterChecks: 3,
  });
  console.log("  a job that never completes, with a 3-second expiry:");
  await startAndPoll("/api/monitors/job-2", { pollingIntervalSeconds: 1, expirySeconds: 3 });

  heading(
    "5. Human interaction: request approval, wait for ApprovalEvent or a 72-hour timer; escalate on timeout",
  );
  const first = await curl("POST", `${base}/api/approvals`, { item: "laptop" });
  console.log("  approve over HTTP, with the management API's raiseEvent route (sendEventPostUri):");
  await curl("POST", first.json.sendEventPostUri.replace("{eventName}", "ApprovalEvent"), {
    approved: true,
    by: "ann",
  });
  await pollStatus(first.json.statusQueryGetUri);
  const second = await curl("POST", `${base}/api/approvals`, { item: "monitor" });
  console.log(
    `  reject from code: await df.getClient().raiseEvent("${second.json.id}", "ApprovalEvent", { approved: false, by: "bob" })`,
  );
  await df.getClient().raiseEvent(second.json.id, "ApprovalEvent", { approved: false, by: "bob" });
  await pollStatus(second.json.statusQueryGetUri);
  console.log("  nobody answers (APPROVAL_TIMEOUT_SECONDS=2 for this one, instead of 72 hours):");
  process.env.APPROVAL_TIMEOUT_SECONDS = "2";
  try {
    await startAndPoll("/api/approvals", { item: "chair" });
  } finally {
    delete process.env.APPROVAL_TIMEOUT_SECONDS;
  }

  heading(
    "6. Aggregator: a Counter entity (function style) and CounterClass (class style), signalled by clients",
  );
  for (const n of [1, 2, 3, 4]) await curl("POST", `${base}/api/counters/Counter/visits/add`, n);
  await until(`${base}/api/counters/Counter/visits`, 10);
  await curl("GET", `${base}/api/counters/Counter/visits`);
  console.log(
    "  read from an orchestration (callEntity), then signal through the management API's entity route:",
  );
  await curl("POST", `${base}/api/orchestrators/ReadCounter/wait`, { key: "visits" });
  await curl(
    "POST",
    `${base}/runtime/webhooks/durabletask/entities/Counter/visits?op=add${KEY ? `&code=${KEY}` : ""}`,
    5,
  );
  await until(`${base}/api/counters/Counter/visits`, 15);
  await curl("GET", `${base}/api/counters/Counter/visits`);
  await curl("POST", `${base}/api/counters/CounterClass/visits/add`, 10);
  await curl("POST", `${base}/api/counters/CounterClass/visits/add`, 20);
  await until(`${base}/api/counters/CounterClass/visits`, { value: 30 });
  await curl("GET", `${base}/api/counters/CounterClass/visits`);
  console.log("  reset and delete:");
  await curl("POST", `${base}/api/counters/CounterClass/visits/reset`);
  await until(`${base}/api/counters/CounterClass/visits`, { value: 0 });
  await curl("POST", `${base}/api/counters/CounterClass/visits/delete`);
  for (
    let i = 0;
    i < 100 && (await fetch(`${base}/api/counters/CounterClass/visits`, { signal })).status !== 404;
    i++
  )
    await new Promise((r) => setTimeout(r, 100));
  await curl("GET", `${base}/api/counters/CounterClass/visits`);
}

/** Resolves when everything `main` starts has started (or failed to); a signal's stop waits for it. */
let started: Promise<unknown> = Promise.resolve();
let stop: () => Promise<void> = async () => {};

async function main(): Promise<void> {
  stopOnSignals(
    async () => {
      await started.catch(() => undefined); // a failed start is reported by main's own catch
      await stop();
    },
    { onSignal: () => interrupted.abort() },
  );
  onOutboxMessage((m) => console.log(`  [${m.kind}] ${m.message}`));
  const port = await freePort(Number(process.env.TASKHUB_HTTP_PORT ?? 7071));
  let azurite: EmbeddedAzurite | undefined;
  let connectionString: string | undefined;

  if (args.has("--in-memory")) {
    const worker = new TaskHubWorker(new InMemoryOrchestrationService());
    df.registerApp(worker, { taskHubName: TASK_HUB });
    await worker.start();
    const api = createManagementApi({
      client: df.getClient().client,
      taskHubName: TASK_HUB,
      auth: "disabled",
      orchestratorNames: () => worker.orchestratorNames(),
    });
    const server = await serve(async (request) => (await httpHandler(request)) ?? api(request), { port });
    base = server.url;
    console.log(`taskhub samples on the in-memory backend, served at ${base}`);
    stop = async () => {
      await worker.stop({ drainTimeoutMs: 5000 });
      await server.close();
    };
  } else {
    const config: HostConfigInput = {
      hubName: TASK_HUB,
      http: { port, authDisabled: !KEY, ...(KEY ? { key: KEY } : {}) },
      maxQueuePollingIntervalMs: 1000,
      ...(process.env.TASKHUB_LOG_LEVEL ? {} : { logLevel: "warn" }),
    };
    // All configuration is checked before Azurite starts (a key that is too short, a bad hub name, ...).
    loadConfig(config);
    connectionString = process.env.AZURE_STORAGE_CONNECTION_STRING;
    const startup = (async () => {
      if (!connectionString) {
        azurite = await startEmbeddedAzurite();
        connectionString = azurite.connectionString;
        stop = () => azurite!.stop();
        console.log(
          `started an embedded Azurite (in memory, pid ${azurite.pid}): queue ${azurite.queueEndpoint}, table ${azurite.tableEndpoint}, blob ${azurite.blobEndpoint}`,
        );
      } else {
        console.log("using the storage account from AZURE_STORAGE_CONNECTION_STRING");
      }
      const host = await createHost({
        config: { ...config, storage: { connectionString: connectionString! } },
        register: (worker) => df.registerApp(worker),
        httpHandler,
        drainTimeoutMs: 5000,
      });
      base = host.url;
      // The host drains first; the embedded Azurite stops after it.
      stop = async () => {
        try {
          await host.stop();
        } finally {
          await azurite?.stop();
        }
      };
      console.log(
        `task hub ${TASK_HUB}; host at ${base}: HTTP starters under /api, management API under /runtime/webhooks/durabletask`,
      );
    })();
    started = startup;
    try {
      await startup;
    } catch (err) {
      await azurite?.stop();
      throw err;
    }
  }

  try {
    await runPatterns();
  } catch (err) {
    // Ctrl+C aborted the samples' requests; the signal handler stops everything and exits.
    if (signal.aborted) return new Promise<void>(() => {});
    throw err;
  }

  const exiting = args.has("--exit");
  if (connectionString && azurite && exiting) {
    console.log(`
The embedded Azurite stops now, with the host (--exit). To look at the task hub in Azure Storage Explorer, run
npm start without --exit (it keeps the host and Azurite running until Ctrl+C), or set
AZURE_STORAGE_CONNECTION_STRING to a storage account of your own.`);
  } else if (connectionString) {
    console.log(`
Inspect the task hub in Azure Storage Explorer (attach to a local emulator, or use this connection string):
  ${azurite ? connectionString : "(your AZURE_STORAGE_CONNECTION_STRING)"}
  tables  ${TASK_HUB}History (one partition per instance; try PartitionKey '@counter@visits')
          and ${TASK_HUB}Instances (entities are the rows whose PartitionKey starts with '@')
  queues  ${TASK_HUB.toLowerCase()}-control-00..03, ${TASK_HUB.toLowerCase()}-workitems`);
  }
  if (exiting) return stop();
  console.log(`
the host keeps running; try
  curl -s -X POST '${base}/api/orchestrators/Chaining/wait' -H 'Content-Type: application/json' -d '7'
  curl -s -X POST '${base}/api/approvals' -H 'Content-Type: application/json' -d '{"item":"car"}'
press Ctrl+C to stop`);
  // Serving until a signal; its handler stops the host, then Azurite, and exits 0.
}

main().catch((err: unknown) => {
  // One line; the stack only when asked for (TASKHUB_LOG_LEVEL=debug).
  console.error(`samples: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.TASKHUB_LOG_LEVEL === "debug" && err instanceof Error) console.error(err.stack);
  process.exit(1);
});
