// The unmodified `durable-functions` 3.x npm package as a client of our host's HTTP management API. Its
// DurableClient is built the way Azure Functions builds it: `df.getClient(invocationContext)` reads the
// `durableClient` input binding payload the extension hands the language worker (creation and management URL
// templates with the system key, base URL, key query string and, on current extensions, the keyless loopback
// RPC base URL). Both transports are exercised: the public webhook URLs with key auth on, and `rpcBaseUrl`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as df from "durable-functions";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import {
  createDurableClientBindingData,
  createHost,
  createManagementApi,
  LOCAL_RPC_PATH,
  serve,
  WEBHOOK_PATH,
  type Host,
  type RunningServer,
} from "@taskhub/host";
import { fakeInvocationContext, recordCalls, waitUntil, type RecordedCall } from "./df-helpers.js";

const KEY = "df-client-key-0123456789abcdef";
const HUB = "DfClientHub";
const CITIES = ["Tokyo", "Seattle"];

let azurite: AzuriteInstance;
let host: Host;
let rpc: RunningServer;
let fixed = false;
const savedHostname = process.env.WEBSITE_HOSTNAME;

type Mode = "webhook" | "rpc";
const clients = {} as Record<Mode, { client: df.DurableClient; calls: RecordedCall[] }>;

beforeAll(async () => {
  azurite = await startAzurite();
  host = await createHost({
    env: {},
    config: {
      hubName: HUB,
      storage: { connectionString: azurite.connectionString },
      partitionCount: 2,
      maxQueuePollingIntervalMs: 500,
      logLevel: "warn",
      http: { port: 0, key: KEY },
    },
    register(w) {
      w.addActivity("SayHello", (_ctx, city: string) => `Hello ${city}!`);
      w.addActivity("Flaky", (_ctx, n: number) => {
        if (!fixed) throw new Error(`flaky activity failed on ${n}`);
        return n * 2;
      });
      w.addOrchestrator("Hello", function* (ctx, cities: string[]) {
        const out: string[] = [];
        for (const city of cities) {
          out.push((yield ctx.callActivity("SayHello", city)) as string);
          ctx.setCustomStatus({ done: out.length });
        }
        return out;
      });
      w.addOrchestrator("Approval", function* (ctx) {
        const answer = (yield ctx.waitForExternalEvent("Approved")) as { by: string };
        return `approved by ${answer.by}`;
      });
      w.addOrchestrator("Flaky", function* (ctx, n: number) {
        return (yield ctx.callActivity("Flaky", n)) as number;
      });
      w.addOrchestrator("Noop", (_ctx, n: number) => n);
      w.addOrchestrator("Version", (ctx) => ctx.version);
    },
  });
  // The extension's loopback RPC listener: the same routes under /durabletask/, no key, 127.0.0.1 only.
  rpc = await serve(
    createManagementApi({
      client: host.client,
      taskHubName: HUB,
      auth: "disabled",
      basePath: LOCAL_RPC_PATH,
      orchestratorNames: () => host.worker.orchestratorNames(),
    }),
    { host: "127.0.0.1" },
  );
  // Azure sets WEBSITE_HOSTNAME; without it getClient rewrites every URL to http://localhost:7071 (local `func start`).
  process.env.WEBSITE_HOSTNAME = new URL(host.url).host;
  for (const mode of ["webhook", "rpc"] as const) {
    const binding = createDurableClientBindingData({
      origin: host.url,
      taskHubName: HUB,
      key: KEY,
      rpcBaseUrl: mode === "rpc" ? `${rpc.url}${LOCAL_RPC_PATH}/` : undefined,
    });
    const client = df.getClient(fakeInvocationContext(JSON.parse(JSON.stringify(binding))));
    clients[mode] = { client, calls: recordCalls(client) };
  }
}, 60_000);

afterAll(async () => {
  if (savedHostname === undefined) delete process.env.WEBSITE_HOSTNAME;
  else process.env.WEBSITE_HOSTNAME = savedHostname;
  await rpc?.close();
  await host?.stop();
  await azurite?.stop();
});

async function waitForStatus(
  client: df.DurableClient,
  id: string,
  ...statuses: string[]
): Promise<df.DurableOrchestrationStatus> {
  let last: df.DurableOrchestrationStatus | undefined;
  await waitUntil(
    async () => {
      last = await client.getStatus(id);
      return statuses.includes(last.runtimeStatus);
    },
    () => `${id} is ${last?.runtimeStatus}, expected ${statuses.join("/")}`,
  );
  return last!;
}

describe("durable-functions 3.x DurableClient against the taskhub host", () => {
  it("is built from the binding payload the extension gives out-of-process workers", () => {
    const { client, calls } = clients.webhook;
    expect(client.taskHubName).toBe(HUB);
    const payload = client.createHttpManagementPayload("some-id") as unknown as Record<string, string>;
    const base = `${host.url}${WEBHOOK_PATH}/instances/some-id`;
    const common = `taskHub=${HUB}&connection=Storage&code=${KEY}`;
    expect(payload).toEqual({
      id: "some-id",
      statusQueryGetUri: `${base}?${common}`,
      sendEventPostUri: `${base}/raiseEvent/{eventName}?${common}`,
      terminatePostUri: `${base}/terminate?reason={text}&${common}`,
      rewindPostUri: `${base}/rewind?reason={text}&${common}`,
      purgeHistoryDeleteUri: `${base}?${common}`,
      restartPostUri: `${base}/restart?${common}`,
      suspendPostUri: `${base}/suspend?reason={text}&${common}`,
      resumePostUri: `${base}/resume?reason={text}&${common}`,
    });
    expect(calls).toHaveLength(0);
  });

  for (const mode of ["webhook", "rpc"] as const) {
    describe(`over ${mode === "webhook" ? "the webhook URLs with key auth" : "rpcBaseUrl (loopback, keyless)"}`, () => {
      const c = (): df.DurableClient => clients[mode].client;
      const lastCall = (): RecordedCall => clients[mode].calls.at(-1)!;

      it("startNew and getStatus, with and without history", async () => {
        const id = await c().startNew("Hello", { instanceId: `${mode}-hello`, input: CITIES });
        expect(id).toBe(`${mode}-hello`);
        expect(lastCall().url).toMatch(
          mode === "webhook"
            ? `${WEBHOOK_PATH}/orchestrators/Hello/${id}?code=${KEY}`
            : `${rpc.url}/durabletask/orchestrators/Hello/${id}`,
        );
        const status = await waitForStatus(c(), id, "Completed");
        expect(status).toMatchObject({
          name: "Hello",
          instanceId: id,
          runtimeStatus: "Completed",
          input: CITIES,
          output: ["Hello Tokyo!", "Hello Seattle!"],
          customStatus: { done: 2 },
        });
        expect(status.createdTime).toBeInstanceOf(Date);
        expect(status.lastUpdatedTime.getTime()).toBeGreaterThanOrEqual(status.createdTime.getTime());
        expect(Math.abs(status.createdTime.getTime() - Date.now())).toBeLessThan(60_000);
        expect(status.history).toBeUndefined();
        expect(lastCall().data).not.toHaveProperty("historyEvents");

        // With history: the body carries the condensed `historyEvents`, as the Functions host sends it. The 3.x
        // client copies `init.history`, so `status.history` stays undefined there too (azure-functions-durable-js#620).
        const withHistory = await c().getStatus(id, { showHistory: true, showHistoryOutput: true });
        expect(withHistory.runtimeStatus).toBe("Completed");
        const events = (lastCall().data as { historyEvents: Record<string, unknown>[] }).historyEvents;
        expect(events.map((e) => e.EventType)).toEqual([
          "ExecutionStarted",
          "TaskCompleted",
          "TaskCompleted",
          "ExecutionCompleted",
        ]);
        expect(events[0]).toMatchObject({ FunctionName: "Hello", Input: CITIES });
        expect(events[1]).toMatchObject({ FunctionName: "SayHello", Result: "Hello Tokyo!" });
        expect(events[2]).toMatchObject({ FunctionName: "SayHello", Result: "Hello Seattle!" });
        expect(Date.parse(events[1]!.ScheduledTime as string)).toBeLessThanOrEqual(
          Date.parse(events[1]!.Timestamp as string),
        );
        expect(events[3]).toMatchObject({
          OrchestrationStatus: "Completed",
          Result: ["Hello Tokyo!", "Hello Seattle!"],
        });
        expect(withHistory.history).toBeUndefined();

        await c().getStatus(id, { showHistory: true });
        const noOutputs = (lastCall().data as { historyEvents: Record<string, unknown>[] }).historyEvents;
        expect(noOutputs).toHaveLength(4);
        expect(noOutputs.every((e) => !("Result" in e))).toBe(true);

        const noInput = await c().getStatus(id, { showHistory: true, showInput: false });
        if (mode === "webhook") {
          expect(noInput.input).toBeNull();
          expect(
            (lastCall().data as { historyEvents: Record<string, unknown>[] }).historyEvents.some(
              (e) => "Input" in e,
            ),
          ).toBe(false);
        } else {
          // Over rpcBaseUrl the 3.x client only sends showInput when it is true, so false has no effect.
          expect(lastCall().url).not.toContain("showInput");
          expect(noInput.input).toEqual(CITIES);
        }

        const generated = await c().startNew("Noop", { input: 7 });
        expect(generated).toMatch(/^[0-9a-f]{32}$/);
        expect((await waitForStatus(c(), generated, "Completed")).output).toBe(7);
        await expect(c().startNew("NoSuchOrchestrator")).rejects.toThrow(/unexpected status code: 400/);
        await expect(c().startNew("Approval", { instanceId: `${mode}-hello` })).resolves.toBe(
          `${mode}-hello`,
        ); // finished ids may be reused
        await expect(c().startNew("Approval", { instanceId: `${mode}-hello` })).rejects.toThrow(
          /unexpected status code/,
        ); // running ones may not
        await c().terminate(`${mode}-hello`, "cleanup");
        await expect(c().getStatus(`${mode}-nobody`)).rejects.toThrow(
          /404 response.*could not find any data associated with the instanceId/,
        );
      });

      it("startNew with a version; calls naming another task hub are refused, not run on ours", async () => {
        const id = await c().startNew("Version", { version: "2.1" });
        expect((await waitForStatus(c(), id, "Completed")).output).toBe("2.1");
        const waiting = await c().startNew("Approval");
        await waitForStatus(c(), waiting, "Running");
        await expect(
          c().raiseEvent(waiting, "Approved", { by: "mallory" }, { taskHubName: "SomeOtherHub" }),
        ).rejects.toThrow(/unexpected status code: 400.*serves the task hub 'DfClientHub' only/);
        // (3.x's rewind only passes taskHubName over rpcBaseUrl; over the webhook URLs it is ignored by the client.)
        if (mode === "rpc")
          await expect(c().rewind(waiting, "x", { taskHubName: "SomeOtherHub" })).rejects.toThrow(/400/);
        await expect(
          c().raiseEvent(waiting, "Approved", { by: "trent" }, { taskHubName: HUB.toLowerCase() }),
        ).resolves.toBeUndefined();
        expect((await waitForStatus(c(), waiting, "Completed")).output).toBe("approved by trent");
      });

      it("raiseEvent, suspend, resume and terminate", async () => {
        const id = await c().startNew("Approval", { instanceId: `${mode}-approval` });
        await waitForStatus(c(), id, "Running");
        await c().suspend(id, "lunch break");
        await waitForStatus(c(), id, "Suspended");
        await c().raiseEvent(id, "Approved", { by: "alice" }); // kept until the instance resumes
        await new Promise((r) => setTimeout(r, 300));
        expect((await c().getStatus(id)).runtimeStatus).toBe("Suspended");
        await c().resume(id, "back");
        const done = await waitForStatus(c(), id, "Completed");
        expect(done.output).toBe("approved by alice");
        // Finished instances: the host answers 410 and the client resolves, as against Azure Functions.
        await expect(c().raiseEvent(id, "Approved", { by: "bob" })).resolves.toBeUndefined();
        expect(lastCall().status).toBe(410);
        await expect(c().terminate(id, "too late")).resolves.toBeUndefined();
        expect(lastCall().status).toBe(410);
        expect((await c().getStatus(id)).output).toBe("approved by alice");

        const other = await c().startNew("Approval", { instanceId: `${mode}-terminated` });
        await waitForStatus(c(), other, "Running");
        await c().terminate(other, "no longer needed");
        const terminated = await waitForStatus(c(), other, "Terminated");
        expect(terminated.output).toBe("no longer needed");
        await c().getStatus(other, { showHistory: true });
        const types = (lastCall().data as { historyEvents: { EventType: string }[] }).historyEvents.map(
          (e) => e.EventType,
        );
        expect(types).toEqual(["ExecutionStarted", "ExecutionTerminated", "ExecutionCompleted"]);

        for (const call of [
          () => c().raiseEvent(`${mode}-nobody`, "Approved", {}),
          () => c().terminate(`${mode}-nobody`, "x"),
          () => c().suspend(`${mode}-nobody`, "x"),
          () => c().resume(`${mode}-nobody`, "x"),
        ])
          await expect(call()).rejects.toThrow(`No instance with ID '${mode}-nobody' found.`);
      });

      it("rewind brings a failed instance back; other states are refused", async () => {
        fixed = false;
        const id = await c().startNew("Flaky", { instanceId: `${mode}-flaky`, input: 21 });
        const failed = await waitForStatus(c(), id, "Failed");
        expect(String(failed.output)).toContain("flaky activity failed on 21");
        await c().getStatus(id, { showHistory: true });
        const types = (lastCall().data as { historyEvents: { EventType: string }[] }).historyEvents.map(
          (e) => e.EventType,
        );
        expect(types).toEqual(["ExecutionStarted", "TaskFailed", "ExecutionCompleted"]);
        fixed = true;
        await c().rewind(id, "activity fixed");
        const done = await waitForStatus(c(), id, "Completed");
        expect(done.output).toBe(42);
        await expect(c().rewind(id, "again")).rejects.toThrow(
          /only orchestrations in the "Failed" state can be rewound/,
        );
        expect(lastCall().status).toBe(412);
        await expect(c().rewind(`${mode}-nobody`, "x")).rejects.toThrow(/No orchestration with instance ID/);
      });

      it("purgeInstanceHistory and purgeInstanceHistoryBy", async () => {
        const from = new Date();
        const ids = await Promise.all(
          [0, 1, 2].map((i) => c().startNew("Noop", { instanceId: `${mode}-purge-${i}`, input: i })),
        );
        for (const id of ids) await waitForStatus(c(), id, "Completed");
        const running = await c().startNew("Approval", { instanceId: `${mode}-purge-running` });
        await waitForStatus(c(), running, "Running");

        expect(await c().purgeInstanceHistory(ids[0]!)).toEqual({ instancesDeleted: 1 });
        await expect(c().getStatus(ids[0]!)).rejects.toThrow(/404/);
        expect(await c().purgeInstanceHistory(ids[0]!)).toEqual({ instancesDeleted: 0 }); // 404 → 0
        // A running instance is not purged (the extension answers 412, which the client reports as an error).
        await expect(c().purgeInstanceHistory(running)).rejects.toThrow(/unexpected status code: 412/);
        expect((await c().getStatus(running)).runtimeStatus).toBe("Running");

        const to = new Date();
        const filter = {
          createdTimeFrom: from,
          createdTimeTo: to,
          runtimeStatus: [df.OrchestrationRuntimeStatus.Completed],
        };
        expect(await c().purgeInstanceHistoryBy(filter)).toEqual({ instancesDeleted: 2 });
        for (const id of ids) await expect(c().getStatus(id)).rejects.toThrow(/404/);
        expect((await c().purgeInstanceHistoryBy(filter)).instancesDeleted).toBe(0); // 404 → 0
        expect((await c().getStatus(running)).runtimeStatus).toBe("Running");
        await c().terminate(running, "done");
        await waitForStatus(c(), running, "Terminated");
        expect(
          await c().purgeInstanceHistoryBy({
            createdTimeFrom: from,
            runtimeStatus: [df.OrchestrationRuntimeStatus.Terminated],
          }),
        ).toEqual({ instancesDeleted: 1 });
      });
    });
  }

  it("getStatusAll and getStatusBy follow x-ms-continuation-token across pages", async () => {
    const { client, calls } = clients.webhook;
    const from = new Date();
    const n = 105; // more than one page of the host's default page size (100, as Functions)
    const ids: string[] = [];
    for (let i = 0; i < n; i += 15)
      ids.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(15, n - i) }, (_, j) =>
            client.startNew("Noop", { instanceId: `page-${String(i + j).padStart(3, "0")}`, input: i + j }),
          ),
        )),
      );
    const byFilter = { createdTimeFrom: from, runtimeStatus: [df.OrchestrationRuntimeStatus.Completed] };
    await waitUntil(
      async () => (await client.getStatusBy(byFilter)).length === n,
      () => "not every instance completed",
    );

    for (const mode of ["webhook", "rpc"] as const) {
      const { client: cl, calls: log } = clients[mode];
      const before = log.length;
      const page = await cl.getStatusBy({ ...byFilter, createdTimeTo: new Date() });
      expect(page.map((s) => s.instanceId).sort()).toEqual(ids.sort());
      expect(page.every((s) => s.runtimeStatus === "Completed" && s.name === "Noop")).toBe(true);
      expect(page.find((s) => s.instanceId === "page-042")?.output).toBe(42);
      const requests = log.slice(before);
      expect(requests.length).toBeGreaterThanOrEqual(2);
      expect(requests[0]!.sentToken).toBeUndefined();
      expect(requests.slice(1).every((r) => typeof r.sentToken === "string" && r.sentToken.length > 0)).toBe(
        true,
      );
      expect(requests.at(-1)!.receivedToken).toBeFalsy();

      const all = await cl.getStatusAll();
      const allIds = new Set(all.map((s) => s.instanceId));
      expect(ids.every((id) => allIds.has(id))).toBe(true);
      expect(all.length).toBeGreaterThan(n);
      expect(
        await cl.getStatusBy({
          createdTimeFrom: from,
          runtimeStatus: [df.OrchestrationRuntimeStatus.Running],
        }),
      ).toEqual([]);
    }
    expect(calls.some((r) => r.url.includes(`code=${KEY}`) && r.sentToken)).toBe(true);
    expect(
      await client.purgeInstanceHistoryBy({
        createdTimeFrom: from,
        runtimeStatus: [df.OrchestrationRuntimeStatus.Completed],
      }),
    ).toEqual({ instancesDeleted: n });
  });

  it("waitForCompletionOrCreateCheckStatusResponse: output when done, check-status response at the timeout", async () => {
    const { client } = clients.webhook;
    const request = {
      method: "POST",
      url: "https://myapp.example.net/api/orchestrators/Hello",
    } as unknown as NonNullable<Parameters<df.DurableClient["createCheckStatusResponse"]>[0]>;

    const id = await client.startNew("Hello", { input: CITIES });
    const done = await client.waitForCompletionOrCreateCheckStatusResponse(request, id, {
      timeoutInMilliseconds: 20_000,
      retryIntervalInMilliseconds: 100,
    });
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual(["Hello Tokyo!", "Hello Seattle!"]);

    const waiting = await client.startNew("Approval");
    const started = Date.now();
    const pending = await client.waitForCompletionOrCreateCheckStatusResponse(request, waiting, {
      timeoutInMilliseconds: 1000,
      retryIntervalInMilliseconds: 200,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(pending.status).toBe(202);
    expect(pending.headers.get("retry-after")).toBe("10");
    const body = (await pending.json()) as Record<string, string>;
    expect(body.id).toBe(waiting);
    expect(pending.headers.get("location")).toBe(body.statusQueryGetUri);
    // URLs follow the incoming request's origin, keep the key, and work against the host.
    expect(body.statusQueryGetUri).toBe(
      `https://myapp.example.net${WEBHOOK_PATH}/instances/${waiting}?taskHub=${HUB}&connection=Storage&code=${KEY}`,
    );
    const local = (u: string): string => u.replace("https://myapp.example.net", host.url);
    const polled = await fetch(local(body.statusQueryGetUri!));
    expect(polled.status).toBe(202);
    expect(polled.headers.get("retry-after")).toBe("5");
    const sent = await fetch(local(body.sendEventPostUri!.replace("{eventName}", "Approved")), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"by":"carol"}',
    });
    expect(sent.status).toBe(202);
    const after = await client.waitForCompletionOrCreateCheckStatusResponse(request, waiting, {
      timeoutInMilliseconds: 20_000,
      retryIntervalInMilliseconds: 100,
    });
    expect(after.status).toBe(200);
    expect(await after.json()).toBe("approved by carol");

    // Failed → 500 with the status object; Terminated → 200 with the status object.
    fixed = false;
    const failing = await client.startNew("Flaky", { input: 1 });
    const failed = await client.waitForCompletionOrCreateCheckStatusResponse(request, failing, {
      timeoutInMilliseconds: 20_000,
      retryIntervalInMilliseconds: 100,
    });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({
      instanceId: failing,
      runtimeStatus: "Failed",
      name: "Flaky",
    });
    const stopped = await client.startNew("Approval");
    await waitForStatus(client, stopped, "Running");
    await client.terminate(stopped, "stop");
    await waitForStatus(client, stopped, "Terminated");
    const terminated = await client.waitForCompletionOrCreateCheckStatusResponse(request, stopped, {
      timeoutInMilliseconds: 1000,
      retryIntervalInMilliseconds: 100,
    });
    expect(terminated.status).toBe(200);
    expect(await terminated.json()).toMatchObject({
      instanceId: stopped,
      runtimeStatus: "Terminated",
      output: "stop",
    });

    await expect(
      client.waitForCompletionOrCreateCheckStatusResponse(request, id, {
        timeoutInMilliseconds: 100,
        retryIntervalInMilliseconds: 200,
      }),
    ).rejects.toThrow(/should be bigger than retry timeout/);
  });

  it("createCheckStatusResponse: every management URL works against the host, and only with the key", async () => {
    const { client } = clients.rpc; // the links come from managementUrls whichever transport the client uses
    const id = await client.startNew("Approval", { instanceId: "check-status" });
    const response = client.createCheckStatusResponse(undefined, id);
    expect(response.status).toBe(202);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("retry-after")).toBe("10");
    const links = (await response.json()) as Record<string, string>;
    expect(Object.keys(links).sort()).toEqual(
      [
        "id",
        "purgeHistoryDeleteUri",
        "restartPostUri",
        "resumePostUri",
        "rewindPostUri",
        "sendEventPostUri",
        "statusQueryGetUri",
        "suspendPostUri",
        "terminatePostUri",
      ].sort(),
    );
    expect(response.headers.get("location")).toBe(links.statusQueryGetUri);
    for (const [field, url] of Object.entries(links))
      if (field !== "id")
        expect(
          url.startsWith(`${host.url}${WEBHOOK_PATH}/instances/check-status`) && url.endsWith(`&code=${KEY}`),
        ).toBe(true);

    const reason = (u: string): string => u.replace("{text}", "from-the-link");
    expect((await fetch(links.statusQueryGetUri!.replace(`&code=${KEY}`, ""))).status).toBe(401);
    await waitForStatus(client, id, "Running");
    expect((await fetch(reason(links.suspendPostUri!), { method: "POST" })).status).toBe(202);
    await waitForStatus(client, id, "Suspended");
    expect((await fetch(reason(links.resumePostUri!), { method: "POST" })).status).toBe(202);
    await waitForStatus(client, id, "Running");
    expect((await fetch(reason(links.rewindPostUri!), { method: "POST" })).status).toBe(412);
    expect((await fetch(reason(links.terminatePostUri!), { method: "POST" })).status).toBe(202);
    expect((await waitForStatus(client, id, "Terminated")).output).toBe("from-the-link");
    const restarted = await fetch(links.restartPostUri!, { method: "POST" });
    expect(restarted.status).toBe(202);
    expect(((await restarted.json()) as { id: string }).id).toBe(id);
    await waitForStatus(client, id, "Running");
    const raised = await fetch(links.sendEventPostUri!.replace("{eventName}", "Approved"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"by":"dave"}',
    });
    expect(raised.status).toBe(202);
    expect((await waitForStatus(client, id, "Completed")).output).toBe("approved by dave");
    const status = await fetch(links.statusQueryGetUri!);
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({
      instanceId: id,
      runtimeStatus: "Completed",
      output: "approved by dave",
    });
    const purged = await fetch(links.purgeHistoryDeleteUri!, { method: "DELETE" });
    expect(purged.status).toBe(200);
    expect(await purged.json()).toEqual({ instancesDeleted: 1 });
  });

  it("refuses a client holding the wrong key", async () => {
    const binding = createDurableClientBindingData({
      origin: host.url,
      taskHubName: HUB,
      key: "not-the-key-0123456789",
    });
    const wrong = df.getClient(fakeInvocationContext(binding));
    await expect(wrong.startNew("Noop", { input: 1 })).rejects.toThrow(/unexpected status code: 401/);
    await expect(wrong.getStatusAll()).rejects.toThrow(/unexpected status code: 401/);
  });
});
