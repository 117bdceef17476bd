/**
 * The main job (`npm start`): a taskhub host running the six application patterns written in the
 * durable-functions style (src/df), on Azure Storage. Without AZURE_STORAGE_CONNECTION_STRING it starts an
 * embedded Azurite (in memory; Storage Explorer's default emulator ports when free). The host serves the
 * samples' HTTP starters under /api and the Durable Functions management API; every pattern is started with
 * a real HTTP request, printed as the curl line that does the same, followed by what came back. Then the two
 * Durable Functions app folders (apps/v4, apps/classic) run as they are, each on its own `taskhub worker --app`
 * child process on the same storage, and their patterns are driven the same way (`functions-apps.ts`). Then it
 * prints where to look in Storage Explorer and keeps serving until Ctrl+C. Flags: `--exit` stops after the
 * samples (and so does the embedded Azurite: the Storage Explorer advice then says how to keep it);
 * `--in-memory` uses the in-memory backend instead of Azure Storage.
 *
 * Ctrl+C (or SIGTERM), at any point: the samples stop, the host drains and stops, the embedded Azurite (in its
 * own process group, so the terminal's SIGINT does not reach it) stops last, and the process exits 0. The
 * configuration is validated before anything starts.
 */
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
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
import { startAppHost, type AppHost } from "./app-host.js";
import { curl as curlLine, pollStatus as pollStatusLine } from "./curl.js";
import { httpHandler, onOutboxMessage } from "./df/app.js";
import { CLASSIC_APP, V4_APP, type FunctionsAppSample } from "./functions-apps.js";

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

/** The samples' requests stop on Ctrl+C. */
const curl = (method: "GET" | "POST", url: string, body?: unknown) => curlLine(method, url, body, { signal });
const pollStatus = (statusUrl: string) => pollStatusLine(statusUrl, { signal });

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

/** The Functions app folders the main job runs, each as its own `taskhub worker --app` process. */
const FUNCTIONS_APPS: readonly FunctionsAppSample[] = [V4_APP, CLASSIC_APP];
const appHosts = new Map<FunctionsAppSample, AppHost>();
/** The curl lines that start each app's chaining orchestration, for the end of the output. */
const tryApps: string[] = [];

/** Starts a `taskhub worker --app` process per app folder there is (the main job waits for each when it runs it). */
function startAppHosts(connectionString: string): void {
  for (const app of FUNCTIONS_APPS) {
    const folder = fileURLToPath(new URL(`../${app.folder}`, import.meta.url));
    if (!existsSync(folder)) continue;
    const host = startAppHost(folder, { connectionString, key: KEY });
    appHosts.set(app, host);
    console.log(
      `starting taskhub worker --app packages/samples/${app.folder} (pid ${host.pid}), for its part below`,
    );
  }
}

async function stopAppHosts(): Promise<void> {
  await Promise.all([...appHosts.values()].map((h) => h.stop()));
}

async function runFunctionsApps(): Promise<void> {
  heading(
    "The Durable Functions apps in packages/samples/apps, unchanged, each served by its own `taskhub worker --app` process on the same storage:",
  );
  let n = 7;
  for (const app of FUNCTIONS_APPS) {
    heading(`${n++}. ${app.folder}: ${app.title}`);
    const host = appHosts.get(app);
    if (!host) {
      console.log(`  packages/samples/${app.folder} is not in this checkout`);
      continue;
    }
    console.log(`  $ cd packages/samples && npx taskhub worker --app ${app.folder}`);
    const { url, taskHub } = await host.ready;
    console.log(`  ← serving at ${url} (pid ${host.pid}; task hub ${taskHub}, from its host.json)`);
    tryApps.push(`\n  curl -s -X POST '${url}/api/orchestrators/${app.chaining}'   (${app.folder})`);
    await app.run(url, { signal, ...(KEY ? { key: KEY } : {}) });
  }
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
      startAppHosts(connectionString!);
      // The app folders' hosts and this one drain first; the embedded Azurite stops after them.
      stop = async () => {
        try {
          await stopAppHosts();
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
      await stopAppHosts();
      await azurite?.stop();
      throw err;
    }
  }

  try {
    await runPatterns();
    if (args.has("--in-memory"))
      heading(
        "7-8. The Functions app folders (packages/samples/apps) run on Azure Storage only: not with --in-memory",
      );
    else await runFunctionsApps();
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
  curl -s -X POST '${base}/api/approvals' -H 'Content-Type: application/json' -d '{"item":"car"}'${tryApps.join("")}
press Ctrl+C to stop`);
  // Serving until a signal; its handler stops the host, then Azurite, and exits 0.
}

main().catch((err: unknown) => {
  // One line; the stack only when asked for (TASKHUB_LOG_LEVEL=debug).
  console.error(`samples: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.TASKHUB_LOG_LEVEL === "debug" && err instanceof Error) console.error(err.stack);
  process.exit(1);
});
