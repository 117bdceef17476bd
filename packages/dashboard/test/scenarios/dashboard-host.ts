/**
 * Test glue for the browser tests: a real Azurite, a worker with a few orchestrations, the host's management API,
 * and the built dashboard (this package's `dist/`, found through its `assetsDir` export) served under
 * `/dashboard/` on the same origin, as the host serves it.
 *
 * When the host has the dashboard's own handler (`createDashboard`: the static files and `/dashboard/api/*`), it
 * serves the page; a host without it gets a small static handler here beside the management API instead (and
 * then has no `/dashboard/api/*`: `servesHubEndpoints` is false). Only `startDashboardHost` below knows which.
 * The host package is imported from its built files by path (not as a dependency of this package): the host
 * depends on @taskhub/dashboard to ship its assets, and a dependency back would make a cycle.
 */
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { TaskHubClient, TaskHubWorker } from "@taskhub/core";
import { AzureStorageOrchestrationService } from "@taskhub/azure-storage";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { assetsDir } from "../../index.js";

interface RunningServer {
  url: string;
  close(): Promise<void>;
}
interface HostModule {
  createManagementApi(options: {
    client: TaskHubClient;
    taskHubName: string;
    auth: "disabled";
    orchestratorNames?: () => Iterable<string>;
  }): (r: Request) => Promise<Response>;
  serve(handler: (r: Request) => Promise<Response>, options?: { port?: number }): Promise<RunningServer>;
  createDashboard?(options: {
    service: AzureStorageOrchestrationService;
    client: TaskHubClient;
    auth: "disabled";
    assetsDir: string;
  }): (r: Request) => Promise<Response | undefined>;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** The built dashboard under /dashboard/ (index.html for the folder itself), or undefined for other paths. */
async function serveDashboard(request: Request): Promise<Response | undefined> {
  const { pathname } = new URL(request.url);
  if (pathname === "/dashboard")
    return new Response(null, { status: 308, headers: { location: "/dashboard/" } });
  if (!pathname.startsWith("/dashboard/") || pathname.startsWith("/dashboard/api/")) return undefined;
  const rel = decodeURIComponent(pathname.slice("/dashboard/".length)) || "index.html";
  const file = normalize(join(assetsDir, rel));
  if (!file.startsWith(normalize(assetsDir).replace(/[\\/]?$/, sep)))
    return new Response(null, { status: 404 });
  try {
    const body = await readFile(file);
    return new Response(body, {
      headers: { "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream" },
    });
  } catch {
    return new Response(null, { status: 404 });
  }
}

export interface DashboardHost {
  /** The origin; the dashboard is at `${url}/dashboard/`. */
  url: string;
  client: TaskHubClient;
  /** The host's service (its names, its poison store). */
  service: AzureStorageOrchestrationService;
  /** The ids of the workers running on the hub (one per worker service). */
  workerIds: string[];
  /** Whether `/dashboard/api/*` (partitions, workers, poison) is served: the host's own dashboard handler. */
  servesHubEndpoints: boolean;
  close(): Promise<void>;
}

export interface DashboardHostOptions {
  /**
   * "all" (default): one worker listens on every partition, without leases. "table": DTF's partition table, so
   * the hub view names the workers and the partitions each holds.
   */
  partitionManagement?: "all" | "table";
  /**
   * Worker services on the hub (default 1), each with its own worker id, in this process: a second one takes
   * its share of the partitions ("table").
   */
  workers?: number;
}

function newService(
  taskHubName: string,
  connectionString: string,
  o: DashboardHostOptions,
  workerId?: string,
): AzureStorageOrchestrationService {
  return new AzureStorageOrchestrationService({
    taskHubName,
    storage: { connectionString },
    partitionManagement: o.partitionManagement ?? "all",
    // Short rounds so that a second worker gets its partitions within seconds; a lease long enough for a busy
    // machine.
    tableLease: { leaseIntervalMs: 15_000, acquireIntervalMs: 500 },
    minPollingIntervalMs: 10,
    maxPollingIntervalMs: 200,
    ...(workerId ? { workerId } : {}),
  });
}

/** `held`: what the "Held" activity waits for (the host's close resolves it). */
function newWorker(service: AzureStorageOrchestrationService, held: Promise<void>): TaskHubWorker {
  const worker = new TaskHubWorker(service);
  worker.addActivity("SayHello", (_ctx, name: string) => `Hello ${name}!`);
  worker.addActivity("Boom", () => {
    throw new Error("the card was declined");
  });
  worker.addOrchestrator("Hello", function* (ctx, name: string) {
    const a = (yield ctx.callActivity("SayHello", name)) as string;
    const b = (yield ctx.callActivity("SayHello", `${name} again`)) as string;
    return [a, b];
  });
  worker.addOrchestrator("Fails", function* (ctx) {
    return (yield ctx.callActivity("Boom")) as unknown;
  });
  worker.addOrchestrator("WaitFor", function* (ctx, name: string) {
    yield ctx.callActivity("SayHello", name);
    ctx.setCustomStatus("waiting for go");
    const got = (yield ctx.waitForExternalEvent("go")) as unknown;
    return { got };
  });
  // "Parent" calls "Slow" as a sub-orchestration, whose activity "Held" stays in flight until the host closes.
  worker.addActivity("Held", async () => {
    await held;
    return "released";
  });
  worker.addOrchestrator("Slow", function* (ctx) {
    return (yield ctx.callActivity("Held")) as string;
  });
  worker.addOrchestrator("Parent", function* (ctx, childId: string) {
    return (yield ctx.callSubOrchestrator("Slow", null, { instanceId: childId })) as string;
  });
  // Waits for an event that never comes: one step, then idle (cheap targets for a bulk operation).
  worker.addOrchestrator("Idle", function* (ctx) {
    return (yield ctx.waitForExternalEvent("never")) as unknown;
  });
  worker.addEntity("Counter", (ctx) => {
    const v = ctx.getState<number>(() => 0) ?? 0;
    if (ctx.operationName === "add") ctx.setState(v + (ctx.getInput<number>() ?? 1));
    return v;
  });
  return worker;
}

export async function startDashboardHost(
  taskHubName: string,
  options: DashboardHostOptions = {},
): Promise<DashboardHost> {
  const host = (await import(
    process.env.TASKHUB_HOST_DIST ?? new URL("../../../host/dist/index.js", import.meta.url).href
  )) as HostModule;
  const azurite: AzuriteInstance = await startAzurite();
  const service = newService(taskHubName, azurite.connectionString, options);
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const workers = [newWorker(service, held)];
  const services = [service];
  for (let i = 1; i < (options.workers ?? 1); i++) {
    const other = newService(taskHubName, azurite.connectionString, options, `${service.workerId}-${i + 1}`);
    services.push(other);
    workers.push(newWorker(other, held));
  }
  for (const w of workers) await w.start();
  const client = new TaskHubClient(service, { maxPollIntervalMs: 200 });
  const api = host.createManagementApi({
    client,
    taskHubName,
    auth: "disabled",
    orchestratorNames: () => ["Hello", "Fails", "WaitFor", "Parent", "Slow", "Idle"],
  });
  const dashboard =
    host.createDashboard?.({ service, client, auth: "disabled", assetsDir }) ?? serveDashboard;
  const server = await host.serve(async (r) => (await dashboard(r)) ?? api(r));
  return {
    url: server.url,
    client,
    service,
    workerIds: services.map((s) => s.workerId),
    servesHubEndpoints: host.createDashboard !== undefined,
    close: async () => {
      release();
      await server.close();
      await Promise.all(workers.map((w) => w.stop()));
      await azurite.stop();
    },
  };
}
