// The dashboard's JSON endpoints and static files over real task hubs on Azurite: the hub view (table leases
// held by a running worker; blob leases written as DTF writes them, with queue depth and the oldest message's
// age), the poison store and its replay, an instance's large-payload blobs, the built files with their content
// types and the index.html fallback, the key and the loopback-only rule.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskHubClient, TaskHubWorker } from "@taskhub/core";
import { AzureStorageOrchestrationService } from "@taskhub/azure-storage";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { createDashboard, serve, type RunningServer } from "../../../src/index.js";

const KEY = "dashboard-key-0123456789";
let azurite: AzuriteInstance;
let live: AzureStorageOrchestrationService; // a hub with a running worker (table leases)
let dtf: AzureStorageOrchestrationService; // a hub whose leases are written here as DTF writes them (blob leases)
let worker: TaskHubWorker;
let liveServer: RunningServer;
let dtfServer: RunningServer;
let keyed: RunningServer;
let assets: string;

const declined = (): Response => new Response("declined", { status: 599 });
const held: { promise: Promise<void>; resolve: () => void } = (() => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
})();

beforeAll(async () => {
  azurite = await startAzurite();
  const storage = { connectionString: azurite.connectionString };
  live = new AzureStorageOrchestrationService({
    taskHubName: "DashLive",
    storage,
    partitionCount: 2,
    partitionManagement: "table",
    minPollingIntervalMs: 10,
    maxPollingIntervalMs: 200,
  });
  worker = new TaskHubWorker(live);
  worker.addOrchestrator("Echo", (_ctx, input: string) => input.length);
  // An activity held in flight until the test releases it, called from a sub-orchestration.
  worker.addActivity("Held", async () => {
    await held.promise;
    return "released";
  });
  worker.addOrchestrator("Slow", function* (ctx) {
    return (yield ctx.callActivity("Held")) as string;
  });
  worker.addOrchestrator("Parent", function* (ctx, childId: string) {
    return (yield ctx.callSubOrchestrator("Slow", null, { instanceId: childId })) as string;
  });
  worker.addActivity("Step", (_ctx, i: number) => i);
  // Three activities, then continue-as-new with one: the second execution is shorter than the first.
  worker.addOrchestrator("Shrinks", function* (ctx, n: number) {
    for (let i = 0; i < n; i++) yield ctx.callActivity("Step", i);
    if (n > 1) ctx.continueAsNew(1);
    return n;
  });
  await worker.start();
  dtf = new AzureStorageOrchestrationService({
    taskHubName: "DashDtf",
    storage,
    partitionCount: 3,
    partitionManagement: "blob",
  });
  await dtf.createIfNotExists();

  assets = mkdtempSync(join(tmpdir(), "taskhub-dashboard-"));
  mkdirSync(join(assets, "assets"));
  writeFileSync(
    join(assets, "index.html"),
    '<!doctype html><script type="module" src="./assets/app-1a2b.js"></script>',
  );
  writeFileSync(join(assets, "assets", "app-1a2b.js"), "export const hello = 1;");
  writeFileSync(join(assets, "assets", "app-1a2b.css"), "body { margin: 0 }");
  writeFileSync(join(assets, "favicon.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>");

  const handler = (service: AzureStorageOrchestrationService, auth: { key: string } | "disabled") => {
    const dashboard = createDashboard({
      service,
      client: new TaskHubClient(service),
      auth,
      assetsDir: assets,
    });
    return async (r: Request) => (await dashboard(r)) ?? declined();
  };
  liveServer = await serve(handler(live, "disabled"));
  dtfServer = await serve(handler(dtf, "disabled"));
  keyed = await serve(handler(dtf, { key: KEY }));
});

afterAll(async () => {
  held.resolve();
  await liveServer?.close();
  await dtfServer?.close();
  await keyed?.close();
  await worker?.stop();
  await azurite?.stop();
  rmSync(assets, { recursive: true, force: true });
});

async function get(s: RunningServer, path: string, init: RequestInit = {}) {
  const r = await fetch(`${s.url}${path}`, { redirect: "manual", ...init });
  const text = await r.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: r.status, headers: r.headers, body };
}

describe("GET /dashboard/api/hub", () => {
  it("shows the running worker's table leases: owner, expiry, last renewal, and the worker with its partitions", async () => {
    let hub: any;
    for (let i = 0; i < 300; i++) {
      hub = (await get(liveServer, "/dashboard/api/hub")).body;
      if (hub.partitions?.every((p: any) => p.owner === live.workerId)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(hub).toMatchObject({
      taskHub: "DashLive",
      partitionCount: 2,
      partitions: [
        { partition: "dashlive-control-00", owner: live.workerId, leaseState: "leased", manager: "table" },
        { partition: "dashlive-control-01", owner: live.workerId, leaseState: "leased", manager: "table" },
      ],
      workItemQueue: { queueName: "dashlive-workitems", queueDepth: expect.any(Number) },
      workers: [{ worker: live.workerId, partitions: ["dashlive-control-00", "dashlive-control-01"] }],
    });
    for (const p of hub.partitions) expect(Date.parse(p.leaseExpiresAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(hub.workers[0].lastRenewedAt)).not.toBeNaN();
    // The leases as stored (what `taskhub partitions` prints): the Partitions table's rows.
    expect(hub.leases).toEqual(
      ["dashlive-control-00", "dashlive-control-01"].map((partition) => ({
        manager: "table",
        partition,
        owner: live.workerId,
        nextOwner: null,
        expiresAt: expect.any(String),
        draining: false,
        renewedAt: expect.any(String),
      })),
    );
  });

  it("reads blob leases as DTF writes them, with each control queue's depth and its oldest message's age", async () => {
    // As a DTF worker: the ownership lease of partition 1 held, with its name in the blob.
    const leases = dtf.clients.container(dtf.names.leasesContainer);
    const blob = leases.getBlockBlobClient("ownership/dashdtf-control-01");
    const content = JSON.stringify({
      PartitionId: "dashdtf-control-01",
      Owner: "dtf-vm-7",
      Token: null,
      Epoch: 3,
    });
    await blob.upload(content, Buffer.byteLength(content));
    await blob.getBlobLeaseClient().acquireLease(60);
    // Two messages waiting on partition 1's queue, none on the others.
    const queue = dtf.clients.queue("dashdtf-control-01");
    await queue.sendMessage(JSON.stringify({ waiting: 1 }));
    await queue.sendMessage(JSON.stringify({ waiting: 2 }));

    const hub = (await get(dtfServer, "/dashboard/api/hub")).body;
    expect(hub).toMatchObject({
      taskHub: "DashDtf",
      partitionCount: 3,
      partitions: [
        {
          partition: "dashdtf-control-00",
          owner: null,
          leaseState: "available",
          manager: "blob",
          queueDepth: 0,
        },
        {
          partition: "dashdtf-control-01",
          owner: "dtf-vm-7",
          leaseState: "leased",
          manager: "blob",
          queueDepth: 2,
        },
        {
          partition: "dashdtf-control-02",
          owner: null,
          leaseState: "available",
          manager: "blob",
          queueDepth: 0,
        },
      ],
      workers: [{ worker: "dtf-vm-7", partitions: ["dashdtf-control-01"] }],
    });
    expect(hub.partitions[1].oldestMessageAgeMs).toBeGreaterThanOrEqual(0);
    expect(hub.partitions[0].oldestMessageAgeMs).toBeUndefined();
    // The leases as stored (what `taskhub partitions` prints): each partition's intent and ownership blobs, with
    // the blob's owner and epoch whether or not it is leased.
    expect(hub.leases.filter((l: any) => l.partition === "dashdtf-control-01")).toEqual([
      {
        manager: "blob",
        partition: "dashdtf-control-01",
        lease: "intent",
        owner: null,
        leaseState: "available",
        epoch: 0,
      },
      {
        manager: "blob",
        partition: "dashdtf-control-01",
        lease: "ownership",
        owner: "dtf-vm-7",
        leaseState: "leased",
        epoch: 3,
      },
    ]);
    expect(hub.leases.map((l: any) => `${l.lease}/${l.partition}`)).toEqual(
      ["00", "01", "02"].flatMap((n) => [`intent/dashdtf-control-${n}`, `ownership/dashdtf-control-${n}`]),
    );
    await blob.getBlobLeaseClient().breakLease(0);
    await queue.clearMessages();
  });
});

describe("poison messages", () => {
  it("lists them and replays one onto its queue (202), then 404 for it; a bad queue name is a 400", async () => {
    await dtf.poison.add(
      {
        queueName: "dashdtf-control-02",
        messageId: "m-1",
        body: '{"poisoned":true}',
        reason: "cannot be decoded",
        dequeueCount: 5,
        insertedOn: new Date("2026-12-01T10:00:00Z"),
        instanceId: "poisoned-1",
        eventType: undefined,
      },
      new Date(),
    );
    const list = await get(dtfServer, "/dashboard/api/poison");
    expect(list.status).toBe(200);
    expect(list.body.messages).toEqual([
      {
        queueName: "dashdtf-control-02",
        messageId: "m-1",
        dequeueCount: 5,
        instanceId: "poisoned-1",
        reason: "cannot be decoded",
        insertedAt: "2026-12-01T10:00:00.000Z",
        quarantinedAt: expect.any(String),
      },
    ]);
    const replay = (queue: string, id: string) =>
      get(dtfServer, `/dashboard/api/poison/${queue}/${id}/replay`, { method: "POST" });
    expect(await replay("dashdtf-control-02", "m-1")).toMatchObject({ status: 202 });
    const peeked = await dtf.clients.queue("dashdtf-control-02").peekMessages();
    expect(peeked.peekedMessageItems.map((m) => m.messageText)).toEqual(['{"poisoned":true}']);
    expect((await get(dtfServer, "/dashboard/api/poison")).body.messages).toEqual([]);
    expect(await replay("dashdtf-control-02", "m-1")).toMatchObject({
      status: 404,
      body: { Message: expect.stringMatching(/no poison message 'm-1'/) },
    });
    expect(await replay("Not_A_Queue", "m-1")).toMatchObject({
      status: 400,
      body: { Message: expect.any(String) },
    });
    await dtf.clients.queue("dashdtf-control-02").clearMessages();
  });

  it("a hub that has no poison table (one DTF wrote) lists none", async () => {
    expect((await get(liveServer, "/dashboard/api/poison")).body).toEqual({ messages: [] });
  });
});

describe("GET /dashboard/api/instances/{id}/blobs", () => {
  it("lists an instance's large-payload blobs; 404 for an unknown instance, 400 for a bad id", async () => {
    const client = new TaskHubClient(live, { maxPollIntervalMs: 200 });
    await client.scheduleNewOrchestration("Echo", "x".repeat(100_000), { instanceId: "big^1" });
    await client.waitForOrchestrationCompletion("big^1", { timeoutMs: 30_000 });
    const r = await get(liveServer, "/dashboard/api/instances/big%5E1/blobs");
    expect(r.status).toBe(200);
    expect(r.body.blobs.length).toBeGreaterThan(0);
    for (const b of r.body.blobs) {
      // Messages under the raw id, table properties under the escaped one (DT.AS's layout).
      expect(b.name).toMatch(/^(big\^1\/message-|big\^\^1\/history-)/);
      expect(b.size).toBeGreaterThan(0);
      expect(Date.parse(b.lastModified)).not.toBeNaN();
    }
    expect(await get(liveServer, "/dashboard/api/instances/nobody/blobs")).toMatchObject({
      status: 404,
      body: { Message: "no instance with id 'nobody'" },
    });
    expect((await get(liveServer, "/dashboard/api/instances/%ZZ/blobs")).status).toBe(400);
    expect((await get(liveServer, "/dashboard/api/instances/%20/blobs")).status).toBe(400);
    expect((await get(liveServer, "/dashboard/api/nothing")).status).toBe(404);
  });
});

describe("GET /dashboard/api/instances/{id}/history", () => {
  const history = (id: string, query = "") =>
    get(liveServer, `/dashboard/api/instances/${encodeURIComponent(id)}/history${query}`);

  it("shows an activity in flight and a sub-orchestration in flight, and the child's parent", async () => {
    const client = new TaskHubClient(live, { maxPollIntervalMs: 200 });
    await client.scheduleNewOrchestration("Parent", "held-child", { instanceId: "held-parent" });
    let child: any;
    for (let i = 0; i < 600; i++) {
      const r = await history("held-child");
      if (r.status !== 404 || !/^no instance/.test(r.body.Message)) expect(r.status).toBe(200);
      child = r.body;
      if (child.events?.some((e: any) => e.EventType === "TaskScheduled")) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // Scheduled, not answered: the management API's condensed history has no trace of it.
    expect(child.events.filter((e: any) => e.EventType.startsWith("Task"))).toEqual([
      expect.objectContaining({ EventType: "TaskScheduled", Name: "Held", EventId: 0 }),
    ]);
    expect(child.events.find((e: any) => e.EventType === "ExecutionStarted")).not.toHaveProperty("Input");
    expect(child.parent).toEqual({
      instanceId: "held-parent",
      executionId: expect.any(String),
      name: "Parent",
      taskScheduleId: 0,
    });
    expect(child.executionId).toEqual(expect.any(String));
    const parent = (await history("held-parent")).body;
    expect(parent.parent).toBeUndefined();
    expect(parent.events.filter((e: any) => e.EventType.startsWith("SubOrchestration"))).toEqual([
      expect.objectContaining({ EventType: "SubOrchestrationInstanceCreated", InstanceId: "held-child" }),
    ]);

    held.resolve();
    await client.waitForOrchestrationCompletion("held-parent", { timeoutMs: 30_000 });
    const done = (await history("held-child")).body;
    expect(done.events.map((e: any) => e.EventType)).toContain("TaskCompleted");
  });

  it("pages the full rows with next; a large input is downloaded in full and left out of the skeleton", async () => {
    const client = new TaskHubClient(live, { maxPollIntervalMs: 200 });
    const big = "z".repeat(70_000);
    await client.scheduleNewOrchestration("Echo", big, { instanceId: "paged" });
    await client.waitForOrchestrationCompletion("paged", { timeoutMs: 30_000 });
    const skeleton = (await history("paged")).body;
    const types = skeleton.events.map((e: any) => e.EventType);
    expect(types).toEqual([
      "OrchestratorStarted",
      "ExecutionStarted",
      "ExecutionCompleted",
      "OrchestratorCompleted",
    ]);
    expect(skeleton.events[1]).not.toHaveProperty("Input");

    const seen: any[] = [];
    let after: number | undefined;
    const pages: number[] = [];
    do {
      const page = await history("paged", `?view=full&top=3${after === undefined ? "" : `&after=${after}`}`);
      expect(page.status).toBe(200);
      expect(page.body.executionId).toBe(skeleton.executionId);
      seen.push(...page.body.events);
      pages.push(page.body.events.length);
      after = page.body.next;
    } while (after !== undefined);
    expect(pages).toEqual([3, 1]);
    expect(seen.map((e) => e.EventType)).toEqual(types);
    expect(seen[1].Input).toBe(JSON.stringify(big));
    // Only what came after a given row: the view's incremental read.
    expect((await history("paged", "?view=full&after=2")).body.events.map((e: any) => e.EventType)).toEqual([
      "OrchestratorCompleted",
    ]);
  });

  it("continue-as-new: the current execution, and the longer first execution's leftover rows as a fragment", async () => {
    const client = new TaskHubClient(live, { maxPollIntervalMs: 200 });
    await client.scheduleNewOrchestration("Shrinks", 3, { instanceId: "shrinks" });
    await client.waitForOrchestrationCompletion("shrinks", { timeoutMs: 30_000 });
    const s = (await history("shrinks")).body;
    expect(s.events.filter((e: any) => e.EventType === "TaskScheduled")).toHaveLength(1);
    expect(s.events.at(-2)).toMatchObject({
      EventType: "ExecutionCompleted",
      OrchestrationStatus: "Completed",
    });
    expect(s.fragments).toHaveLength(1);
    expect(s.fragments[0].executionId).not.toBe(s.executionId);
    expect(s.fragments[0].fromIndex).toBe(s.events.length);
    expect(s.fragments[0].toIndex - s.fragments[0].fromIndex + 1).toBe(s.fragments[0].events.length);
    // The paged rows are the current execution's only.
    const page = (await history("shrinks", "?view=full&top=1000")).body;
    expect(page.events).toHaveLength(s.events.length);
    expect(page.next).toBeUndefined();
  });

  it("404 for an unknown instance, 400 for a bad id or query", async () => {
    expect(await history("nobody")).toMatchObject({
      status: 404,
      body: { Message: "no instance with id 'nobody'" },
    });
    expect((await history("nobody", "?view=full")).status).toBe(404);
    expect(await history("paged", "?view=full&after=x")).toMatchObject({
      status: 400,
      body: { Message: expect.stringMatching(/^after must be/) },
    });
    expect((await history("paged", "?view=table")).status).toBe(400);
    expect((await get(liveServer, "/dashboard/api/instances/%20/history")).status).toBe(400);
  });
});

describe("static files", () => {
  it("serves the built files with their content types, index.html for client-side routes, and no CDN", async () => {
    expect(await get(dtfServer, "/dashboard?code=k")).toMatchObject({ status: 301 });
    expect((await get(dtfServer, "/dashboard?code=k")).headers.get("location")).toBe("/dashboard/?code=k");
    const page = await get(dtfServer, "/dashboard/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("cache-control")).toBe("no-cache");
    expect(page.headers.get("content-security-policy")).toMatch(/default-src 'self'/);
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(page.body).toMatch(/app-1a2b\.js/);
    const js = await get(dtfServer, "/dashboard/assets/app-1a2b.js");
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(js.headers.get("cache-control")).toMatch(/immutable/);
    expect((await get(dtfServer, "/dashboard/assets/app-1a2b.css")).headers.get("content-type")).toMatch(
      /^text\/css/,
    );
    expect((await get(dtfServer, "/dashboard/favicon.svg")).headers.get("content-type")).toMatch(
      /^image\/svg\+xml/,
    );
    // A client-side route is the page; a missing file is a 404; nothing leaves the folder.
    for (const route of ["/dashboard/instances/abc", "/dashboard/hub"]) {
      const r = await get(dtfServer, route);
      expect({ route, status: r.status, body: r.body }).toEqual({ route, status: 200, body: page.body });
    }
    expect((await get(dtfServer, "/dashboard/assets/missing.js")).status).toBe(404);
    expect((await get(dtfServer, "/dashboard/..%2Fpackage.json")).status).toBe(404);
    expect((await get(dtfServer, "/elsewhere")).status).toBe(599); // declined: not the dashboard's
  });

  it("without built files, /dashboard/ is a 404 that says so, and the JSON endpoints still answer", async () => {
    const dashboard = createDashboard({
      service: dtf,
      client: new TaskHubClient(dtf),
      auth: "disabled",
      assetsDir: join(assets, "no-such-folder"),
    });
    const s = await serve(async (r) => (await dashboard(r)) ?? declined());
    try {
      expect(await get(s, "/dashboard/")).toMatchObject({
        status: 404,
        body: { Message: expect.stringMatching(/^the dashboard is not built/) },
      });
      expect((await get(s, "/dashboard/api/hub")).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe("who may use it", () => {
  it("the JSON endpoints need the key, by header or query; the page itself loads without it", async () => {
    expect(await get(keyed, "/dashboard/api/hub")).toMatchObject({
      status: 401,
      body: { Message: expect.any(String) },
    });
    expect((await get(keyed, "/dashboard/api/poison?code=wrong-key-0123456789")).status).toBe(401);
    expect((await get(keyed, `/dashboard/api/hub?code=${KEY}`)).status).toBe(200);
    expect((await get(keyed, "/dashboard/api/poison", { headers: { "x-functions-key": KEY } })).status).toBe(
      200,
    );
    expect(
      (await get(keyed, "/dashboard/api/poison/dashdtf-control-00/x/replay", { method: "POST" })).status,
    ).toBe(401);
    expect((await get(keyed, "/dashboard/")).status).toBe(200);
  });

  it("refuses a client that is not on this machine (403) unless allowRemote", async () => {
    // A request that did not come through the server from a loopback address.
    const options = {
      service: dtf,
      client: new TaskHubClient(dtf),
      auth: "disabled" as const,
      assetsDir: assets,
    };
    const local = createDashboard(options);
    const r = (await local(new Request("http://203.0.113.9/dashboard/api/hub")))!;
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual({ Message: expect.stringMatching(/clients on this machine only/) });
    const remote = createDashboard({ ...options, allowRemote: true });
    expect((await remote(new Request("http://203.0.113.9/dashboard/api/hub")))!.status).toBe(200);
  });
});
