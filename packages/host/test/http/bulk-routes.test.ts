// POST /bulk/{verb} of the management API, over a worker on the in-memory backend: 202 with the bulk instance's
// URLs whose status route shows the progress, a dry run's counts (nothing started), and a 400 naming the problem
// for every request that cannot run (nothing started either).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asBulkProgress, TaskHubClient, TaskHubWorker } from "@taskhub/core";
import { InMemoryOrchestrationService } from "@taskhub/core/testing";
import { createManagementApi } from "../../src/index.js";
import { handleBulkRequest } from "../../src/http/bulk-routes.js";

const BASE = "http://localhost:7071/runtime/webhooks/durabletask";
let worker: TaskHubWorker;
let client: TaskHubClient;
let api: (r: Request) => Promise<Response>;

beforeAll(async () => {
  const service = new InMemoryOrchestrationService();
  worker = new TaskHubWorker(service);
  worker.addOrchestrator("Waits", function* (ctx) {
    return (yield ctx.waitForExternalEvent("go")) as unknown;
  });
  await worker.start();
  client = new TaskHubClient(service, { maxPollIntervalMs: 20 });
  for (const id of ["h1", "h2", "h3", "other"])
    await client.scheduleNewOrchestration("Waits", null, { instanceId: id });
  for (const id of ["h1", "h2", "h3", "other"]) await client.waitForOrchestrationStart(id);
  api = createManagementApi({ client, taskHubName: "BulkHub", auth: { key: "k3y-for-tests-0123456789" } });
});
afterAll(() => worker.stop({ drainTimeoutMs: 100 }));

const post = (verb: string, body: unknown, key = "k3y-for-tests-0123456789"): Promise<Response> =>
  api(
    new Request(`${BASE}/bulk/${verb}?code=${key}`, {
      method: "POST",
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );

describe("POST /bulk/{verb}", () => {
  it("starts a bulk raise-event: 202 with the bulk's URLs; its status route shows the progress", async () => {
    const res = await post("raise-event", {
      runtimeStatus: ["running"],
      instanceIdPrefix: "h",
      eventName: "go",
      eventData: { n: 1 },
      pageSize: 2,
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { id: string; statusQueryGetUri: string };
    expect(res.headers.get("location")).toBe(body.statusQueryGetUri);
    expect(body.statusQueryGetUri).toContain(`/instances/${body.id}?taskHub=BulkHub`);
    await client.waitForOrchestrationCompletion(body.id);
    const status = await api(new Request(body.statusQueryGetUri));
    expect(status.status).toBe(200);
    const s = (await status.json()) as { runtimeStatus: string; customStatus: unknown; output: unknown };
    expect(s.runtimeStatus).toBe("Completed");
    expect(asBulkProgress(s.customStatus)).toMatchObject({
      verb: "raise-event",
      matched: 3,
      done: 3,
      failed: 0,
    });
    for (const id of ["h1", "h2", "h3"])
      expect((await client.waitForOrchestrationCompletion(id)).output).toEqual({ n: 1 });
    expect((await client.getOrchestrationState("other"))?.runtimeStatus).toBe("Running");
  });

  it("a dry run answers the count and starts nothing", async () => {
    const before = (await client.countInstancesByStatus()).total;
    const res = await post("terminate", { runtimeStatus: "Running", dryRun: true });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      dryRun: true,
      verb: "terminate",
      matched: 1,
      byStatus: { Running: 1 },
    });
    expect((await client.countInstancesByStatus()).total).toBe(before);
  });

  it("refuses what cannot run with a 400 naming it, and starts nothing", async () => {
    const before = (await client.countInstancesByStatus()).total;
    const cases: [string, unknown, RegExp][] = [
      ["explode", { runtimeStatus: ["Running"] }, /unknown bulk verb 'explode'/],
      ["raise-event", { name: "Waits" }, /raise-event needs an event name/],
      ["terminate", {}, /filter is empty/],
      ["terminate", { runtimeStatus: ["Sleeping"] }, /unknown runtimeStatus 'Sleeping'/],
      ["terminate", { createdTimeFrom: "yesterday" }, /'createdTimeFrom' is not a valid date/],
      ["terminate", { statuses: ["Running"] }, /unknown field 'statuses'/],
      ["purge", { runtimeStatus: ["Running"] }, /only finished instances/],
      ["terminate", "[1,2]", /must be a JSON object/],
      ["terminate", "{not json", /not valid JSON/],
    ];
    for (const [verb, body, message] of cases) {
      const res = await post(verb, body);
      expect(res.status, `${verb} ${JSON.stringify(body)}`).toBe(400);
      expect(((await res.json()) as { Message: string }).Message).toMatch(message);
    }
    expect((await post("terminate", { runtimeStatus: ["Running"] }, "wrong")).status).toBe(401);
    expect((await client.countInstancesByStatus()).total).toBe(before);
  });

  it("handleBulkRequest is the route's logic without a router: JSON in, status and body out", async () => {
    const urls = { origin: "http://example.test", taskHubName: "BulkHub" };
    const r = await handleBulkRequest(client, "terminate", { instanceIdPrefix: "other" }, urls);
    expect(r.status).toBe(202);
    const { id } = r.body as { id: string };
    expect(r.headers?.location).toMatch(
      /^http:\/\/example\.test\/runtime\/webhooks\/durabletask\/instances\//,
    );
    await client.waitForOrchestrationCompletion(id);
    expect((await client.waitForOrchestrationCompletion("other")).runtimeStatus).toBe("Terminated");
    expect(await handleBulkRequest(client, "terminate", {}, urls)).toMatchObject({ status: 400 });
  });
});
