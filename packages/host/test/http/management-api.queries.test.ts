// The list route's filters and the instance counts route (docs/http-api.md#instance-filters) over a real worker on
// Azurite: Durable Functions' parameters and taskhub's, paging of a filtered listing, and a 400 for every bad value.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManagementApi, serve, type RunningServer } from "../../src/index.js";
import { startAzuriteHub, type AzuriteHub } from "../fixtures/azurite-hub.js";
import { addLabelled } from "../fixtures/labelled-orchestrator.js";

let hub: AzuriteHub;
let server: RunningServer;
let mark: Date;

beforeAll(async () => {
  hub = await startAzuriteHub("HttpQueryHub", (worker) => {
    addLabelled(worker);
    worker.addOrchestrator("Other, with a comma", () => "other");
    worker.addEntity("Counter", (ctx) => ctx.setState(1));
  });
  const client = hub.client;
  const start = (name: string, id: string, input: object): Promise<string> =>
    client.scheduleNewOrchestration(name, input, { instanceId: id });
  for (let i = 0; i < 3; i++)
    await start("Labelled", `hq-wait-${i}`, { status: `Awaiting review ${i}`, wait: true });
  await start("Labelled", "hq-done", { status: { review: "passed" } });
  await start("Other, with a comma", "hq-other", {});
  await client.signalEntity({ name: "Counter", key: "k" }, "add");
  await client.waitForOrchestrationCompletion("hq-done", { timeoutMs: 60_000 });
  await client.waitForOrchestrationCompletion("hq-other", { timeoutMs: 60_000 });
  for (let i = 0; i < 3; i++)
    for (;;) {
      const s = await client.getOrchestrationState(`hq-wait-${i}`);
      if (s?.runtimeStatus === "Running" && s.customStatus !== undefined) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  for (;;) {
    if (await client.getEntity({ name: "Counter", key: "k" })) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 30));
  mark = new Date();
  await new Promise((r) => setTimeout(r, 30));
  await client.raiseEvent("hq-wait-0", "go", null);
  await client.waitForOrchestrationCompletion("hq-wait-0", { timeoutMs: 60_000 });
  server = await serve(createManagementApi({ client, taskHubName: "HttpQueryHub", auth: "disabled" }));
}, 120_000);

afterAll(async () => {
  await server?.close();
  await hub?.stop();
});

const base = (): string => `${server.url}/runtime/webhooks/durabletask`;

async function get(
  path: string,
  token?: string,
): Promise<{ status: number; body: any; token: string | null }> {
  const res = await fetch(`${base()}${path}`, token ? { headers: { "x-ms-continuation-token": token } } : {});
  return { status: res.status, body: await res.json(), token: res.headers.get("x-ms-continuation-token") };
}

/** Every instance id of a listing, following the continuation tokens. */
async function listAll(query: string): Promise<{ ids: string[]; pages: number[] }> {
  const ids: string[] = [];
  const pages: number[] = [];
  let token: string | undefined;
  do {
    const r = await get(`/instances?${query}`, token);
    expect(r.status).toBe(200);
    pages.push(r.body.length);
    ids.push(...r.body.map((s: { instanceId: string }) => s.instanceId));
    token = r.token ?? undefined;
  } while (token && pages.length < 50);
  return { ids: ids.sort(), pages };
}

describe("GET /instances filters", () => {
  it("takes Durable Functions' filters and taskhub's: name (repeated, whole), customStatusContains, lastUpdatedTime range", async () => {
    expect((await listAll("")).ids).toEqual(["hq-done", "hq-other", "hq-wait-0", "hq-wait-1", "hq-wait-2"]);
    expect((await listAll("name=Labelled&runtimeStatus=Running")).ids).toEqual(["hq-wait-1", "hq-wait-2"]);
    expect((await listAll(`name=${encodeURIComponent("Other, with a comma")}`)).ids).toEqual(["hq-other"]);
    expect((await listAll("name=Labelled&name=Other&instanceIdPrefix=hq-d")).ids).toEqual(["hq-done"]);
    expect((await listAll("customStatusContains=REVIEW")).ids).toEqual([
      "hq-done",
      "hq-wait-0",
      "hq-wait-1",
      "hq-wait-2",
    ]);
    expect((await listAll("customStatusContains=%22passed%22")).ids).toEqual(["hq-done"]);
    expect((await listAll(`lastUpdatedTimeFrom=${mark.toISOString()}`)).ids).toEqual(["hq-wait-0"]);
    expect(
      (await listAll(`lastUpdatedTimeTo=${mark.toISOString()}&runtimeStatus=running,completed`)).ids,
    ).toEqual(["hq-done", "hq-other", "hq-wait-1", "hq-wait-2"]);
    expect((await listAll(`createdTimeFrom=${mark.toISOString()}`)).ids).toEqual([]);
    // A reversed range matches nothing, as in Durable Functions.
    expect((await listAll("createdTimeFrom=2024-02-01&createdTimeTo=2024-01-01")).ids).toEqual([]);
    expect(
      (await get("/instanceCounts?lastUpdatedTimeFrom=2024-02-01&lastUpdatedTimeTo=2024-01-01")).body.total,
    ).toBe(0);
    // Empty parameters are no filter.
    expect((await listAll("name=&customStatusContains=&lastUpdatedTimeFrom=")).ids).toHaveLength(5);
  });

  it("pages a filtered listing with top and x-ms-continuation-token: no page over top, every match once", async () => {
    const { ids, pages } = await listAll("customStatusContains=awaiting&top=2");
    expect(ids).toEqual(["hq-wait-0", "hq-wait-1", "hq-wait-2"]);
    expect(Math.max(...pages)).toBeLessThanOrEqual(2);
    const first = await get("/instances?customStatusContains=awaiting&top=1&showInput=false");
    expect(first.body).toHaveLength(1);
    expect(first.body[0].input).toBeNull();
    expect(first.token).toBeTruthy();
  });

  it("GET /instanceCounts counts orchestrations per status (entities left out) with the same filters", async () => {
    const all = await get("/instanceCounts");
    expect(all.status).toBe(200);
    expect(all.body).toEqual({
      total: 5,
      byStatus: {
        Running: 2,
        Completed: 3,
        ContinuedAsNew: 0,
        Failed: 0,
        Canceled: 0,
        Terminated: 0,
        Pending: 0,
        Suspended: 0,
      },
    });
    const some = await get(
      `/instanceCounts?customStatusContains=review&lastUpdatedTimeTo=${mark.toISOString()}`,
    );
    expect(some.body).toMatchObject({ total: 3, byStatus: { Running: 2, Completed: 1 } });
    expect((await get("/instanceCounts?runtimeStatus=Failed")).body.total).toBe(0);
  });

  it("answers 400 naming the bad value: unknown status, bad time, top out of range", async () => {
    const cases: [string, RegExp][] = [
      ["/instances?runtimeStatus=Runing", /unknown runtimeStatus 'Runing'/],
      ["/instanceCounts?runtimeStatus=Running,Nope", /unknown runtimeStatus 'Nope'/],
      ["/instances?createdTimeFrom=yesterday", /'createdTimeFrom' is not a valid date/],
      ["/instanceCounts?lastUpdatedTimeTo=later", /'lastUpdatedTimeTo' is not a valid date/],
      ["/instances?top=0", /'top' must be an integer from 1 to 1000/],
      ["/instances?top=-3", /'top' must be an integer from 1 to 1000/],
      ["/instances?top=1001", /'top' must be an integer from 1 to 1000/],
    ];
    for (const [path, message] of cases) {
      const r = await get(path);
      expect(r.status, path).toBe(400);
      expect(r.body.Message, path).toMatch(message);
    }
  });
});
