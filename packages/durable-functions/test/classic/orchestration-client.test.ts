// 2.x's DurableOrchestrationClient (df.getClient(context) in a classic function): its signatures and what it
// answers, which follow 2.x over the extension's HTTP replies (status JSON with string times, "" for an
// unknown instance, plain { status, body, headers } responses, 2.x's error messages).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as df from "../../src/index.js";
import type { IOrchestrationFunctionContext } from "../../src/index.js";
import { startClassic, type ClassicRunning } from "./classic-harness.js";

const orchestration = [{ name: "context", type: "orchestrationTrigger", direction: "in" }];

let r: ClassicRunning;
let c: df.DurableOrchestrationClient;

beforeAll(async () => {
  r = await startClassic([
    {
      name: "Echo",
      bindings: orchestration,
      // eslint-disable-next-line require-yield -- returns at once
      handler: df.orchestrator(function* (context: IOrchestrationFunctionContext) {
        return context.df.getInput();
      }),
    },
    {
      name: "Fails",
      bindings: orchestration,
      // eslint-disable-next-line require-yield -- fails at once
      handler: df.orchestrator(function* () {
        throw new Error("nope");
      }),
    },
    {
      name: "Waits",
      bindings: orchestration,
      handler: df.orchestrator(function* (context: IOrchestrationFunctionContext) {
        return yield context.df.waitForExternalEvent("go");
      }),
    },
    {
      name: "Counter",
      bindings: [{ name: "context", type: "entityTrigger", direction: "in" }],
      handler: df.entity((context) => {
        context.df.setState(
          ((context.df.getState(() => 0) as number) ?? 0) + (context.df.getInput<number>() ?? 0),
        );
      }),
    },
  ]);
  c = df.getClient({ bindings: { starter: df.classicClientBinding(r.client) } });
});
afterAll(() => r?.stop());

async function done(id: string) {
  await r.client.client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 });
}

describe("classic DurableOrchestrationClient", () => {
  it("startNew(name, instanceId?, input?) and getStatus's raw status JSON", async () => {
    const id = await c.startNew("Echo", "echo-1", { x: 1 });
    expect(id).toBe("echo-1");
    await done(id);
    const status = await c.getStatus(id, true, true);
    expect(status).toMatchObject({
      name: "Echo",
      instanceId: "echo-1",
      runtimeStatus: "Completed",
      input: { x: 1 },
      output: { x: 1 },
    });
    expect(typeof status.createdTime).toBe("string");
    expect(status.createdTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(status.historyEvents?.map((e) => e.EventType)).toEqual(["ExecutionStarted", "ExecutionCompleted"]);
    expect((await c.getStatus(id, false, false, false)).input).toBeNull();
    const generated = await c.startNew("Echo", undefined, 5);
    expect(generated).toMatch(/^[0-9a-f]{32}$/);
    await expect(c.startNew("")).rejects.toThrow("orchestratorFunctionName must be a valid string.");
  });

  it('getStatus of an unknown id resolves with "" (2.x\'s empty 404 body), so `if (!status)` works', async () => {
    const status = await c.getStatus("nobody");
    expect(status as unknown).toBe("");
  });

  it("getStatusAll / getStatusBy(createdTimeFrom, createdTimeTo, runtimeStatus) list raw status JSON", async () => {
    const id = await c.startNew("Echo", "listed", 1);
    await done(id);
    const all = await c.getStatusAll();
    expect(all.map((s) => s.instanceId)).toContain("listed");
    const completed = await c.getStatusBy(new Date(0), undefined, [df.OrchestrationRuntimeStatus.Completed]);
    expect(completed.find((s) => s.instanceId === "listed")?.lastUpdatedTime).toEqual(expect.any(String));
    const failedOnly = await c.getStatusBy(undefined, undefined, [df.OrchestrationRuntimeStatus.Failed]);
    expect(failedOnly.map((s) => s.instanceId)).not.toContain("listed");
  });

  it("raiseEvent / terminate: unknown id rejects with 2.x's message; a finished instance resolves", async () => {
    await expect(c.raiseEvent("ghost", "go", 1)).rejects.toThrow("No instance with ID 'ghost' found.");
    await expect(c.terminate("ghost", "why")).rejects.toThrow("No instance with ID 'ghost' found.");
    await expect(c.raiseEvent("echo-1", "go", 1)).resolves.toBeUndefined();
    await expect(c.raiseEvent("echo-1", "", 1)).rejects.toThrow("eventName must be a valid string.");
    const id = await c.startNew("Waits", "waiter");
    await r.client.client.waitForOrchestrationStart(id, { timeoutMs: 30_000 });
    await c.raiseEvent(id, "go", "went");
    await done(id);
    expect((await c.getStatus(id)).output).toBe("went");
    const t = await c.startNew("Waits", "terminated");
    await c.terminate(t, "stop it");
    await done(t);
    expect(await c.getStatus(t)).toMatchObject({ runtimeStatus: "Terminated", output: "stop it" });
  });

  it("rewind: only a failed instance", async () => {
    await expect(c.rewind("ghost", "r")).rejects.toThrow("No instance with ID 'ghost' found.");
    await expect(c.rewind("echo-1", "r")).rejects.toThrow(
      "The rewind operation is only supported on failed orchestration instances.",
    );
    const id = await c.startNew("Fails", "failing");
    await done(id);
    await expect(c.rewind(id, "again")).resolves.toBeUndefined();
  });

  it("purgeInstanceHistory / purgeInstanceHistoryBy (createdTimeFrom required)", async () => {
    const id = await c.startNew("Echo", "purged", 1);
    await done(id);
    expect(await c.purgeInstanceHistory(id)).toEqual(new df.PurgeHistoryResult(1));
    expect(await c.purgeInstanceHistory(id)).toEqual(new df.PurgeHistoryResult(0));
    await expect(c.purgeInstanceHistoryBy(undefined as never)).rejects.toThrow(
      "createdTimeFrom must be a valid Date",
    );
    const other = await c.startNew("Echo", "purged-by", 1);
    await done(other);
    const result = await c.purgeInstanceHistoryBy(new Date(0), undefined, [
      df.OrchestrationRuntimeStatus.Completed,
    ]);
    expect(result.instancesDeleted).toBeGreaterThanOrEqual(1);
    expect(await c.getStatus(other)).toBe("");
  });

  it("signalEntity / readEntityState", async () => {
    const entity = new df.EntityId("Counter", "k");
    expect(await c.readEntityState(entity)).toEqual(new df.EntityStateResponse(false));
    await c.signalEntity(entity, "add", 4);
    let state: unknown;
    for (let i = 0; i < 500 && state !== 4; i++) {
      state = (await c.readEntityState<number>(entity)).entityState;
      await new Promise((res) => setTimeout(res, 10));
    }
    expect(state).toBe(4);
  });

  it("createCheckStatusResponse / createHttpManagementPayload: plain objects, request origin from url or http.url", () => {
    const viaUrl = c.createCheckStatusResponse({ url: "https://app.test/api/start" }, "i1");
    expect(viaUrl).toEqual({
      status: 202,
      body: expect.objectContaining({ id: "i1" }),
      headers: {
        "Content-Type": "application/json",
        Location:
          "https://app.test/runtime/webhooks/durabletask/instances/i1?taskHub=TestHub&connection=Storage",
        "Retry-After": 10,
      },
    });
    const viaBindingData = c.createCheckStatusResponse({ http: { url: "http://other.test:81/api/x" } }, "i2");
    expect((viaBindingData.body as df.HttpManagementPayload).statusQueryGetUri).toMatch(
      /^http:\/\/other\.test:81\//,
    );
    expect(c.createHttpManagementPayload("i3").terminatePostUri).toBe(
      "http://localhost:7071/runtime/webhooks/durabletask/instances/i3/terminate?reason={text}&taskHub=TestHub&connection=Storage",
    );
  });

  it("waitForCompletionOrCreateCheckStatusResponse(request, id, timeout, interval)", async () => {
    const req = { url: "http://localhost:7071/api/x" };
    const ok = await c.startNew("Echo", "waited", { v: 1 });
    expect(await c.waitForCompletionOrCreateCheckStatusResponse(req, ok, 20_000, 20)).toEqual({
      status: 200,
      body: JSON.stringify({ v: 1 }),
      headers: { "Content-Type": "application/json" },
    });
    const bad = await c.startNew("Fails", "failed-waited");
    const failed = await c.waitForCompletionOrCreateCheckStatusResponse(req, bad, 20_000, 20);
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body as string)).toMatchObject({ runtimeStatus: "Failed", instanceId: bad });
    const slow = await c.startNew("Waits", "slow");
    const pending = await c.waitForCompletionOrCreateCheckStatusResponse(req, slow, 50, 10);
    expect(pending.status).toBe(202);
    await expect(c.waitForCompletionOrCreateCheckStatusResponse(req, slow, 10, 100)).rejects.toThrow(
      "Total timeout 10 (ms) should be bigger than retry timeout 100 (ms)",
    );
  });
});
