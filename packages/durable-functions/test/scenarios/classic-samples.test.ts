// The documentation's classic (durable-functions 2.x) JavaScript samples, end to end on a worker: started
// through the HTTP starter (createCheckStatusResponse), driven through their HTTP clients (raise event,
// entity signal / read), finished on the in-memory backend with a virtual clock.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classicApp, sent, weather } from "../fixtures/classic-app.js";
import { startClassic, type ClassicRunning } from "../classic/classic-harness.js";

let r: ClassicRunning;
/** The same app on the system clock, where the 90-second challenge timer does not fire during the test. */
let real: ClassicRunning;

beforeAll(async () => {
  r = await startClassic(classicApp);
  real = await startClassic(classicApp, { virtual: false });
});
afterAll(async () => {
  await r?.stop();
  await real?.stop();
});

async function start(
  functionName: string,
  body?: unknown,
  on: ClassicRunning = r,
): Promise<{ id: string; response: Record<string, any> }> {
  const response = (await on.http("HttpStart", {
    url: "http://example.test:7071/api/orchestrators/" + functionName,
    params: { functionName },
    body,
  })) as Record<string, any>;
  return { id: response.body.id as string, response };
}

async function finished(id: string, on: ClassicRunning = r) {
  await on.client.client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 });
  return on.client.client.getOrchestrationState(id, { fetchPayloads: true });
}

describe("classic samples", () => {
  it("the HTTP starter answers 202 with the check-status payload on the request's origin", async () => {
    const { id, response } = await start("E1_HelloSequence");
    expect(response.status).toBe(202);
    expect(response.headers).toMatchObject({ "Content-Type": "application/json", "Retry-After": 10 });
    expect(response.headers.Location).toBe(response.body.statusQueryGetUri);
    expect(response.body.statusQueryGetUri).toBe(
      `http://example.test:7071/runtime/webhooks/durabletask/instances/${id}?taskHub=TestHub&connection=Storage`,
    );
    expect(Object.keys(response.body)).toEqual(
      expect.arrayContaining([
        "id",
        "sendEventPostUri",
        "terminatePostUri",
        "rewindPostUri",
        "purgeHistoryDeleteUri",
      ]),
    );
    const state = await finished(id);
    expect(state?.runtimeStatus).toBe("Completed");
  });

  it("function chaining: three activities in order", async () => {
    const { id } = await start("E1_HelloSequence");
    const state = await finished(id);
    expect(JSON.parse(state!.serializedOutput!)).toEqual(["Hello Tokyo!", "Hello Seattle!", "Hello London!"]);
  });

  it("fan-out/fan-in: Task.all over activities in the callback, second-argument and async styles", async () => {
    const { id } = await start("FanOutFanIn", 5);
    const state = await finished(id);
    expect(state?.runtimeStatus).toBe("Completed");
    expect(JSON.parse(state!.serializedOutput!)).toBe("total 55");
  });

  it("monitor: checks on a durable timer until the weather clears, then alerts", async () => {
    weather.checks = 0;
    weather.clearAfterChecks = 3;
    const expiryTime = new Date(Date.now() + 24 * 3600_000).toISOString();
    const { id } = await start("E3_Monitor", { location: "Redmond", phone: "+1425", expiryTime });
    const state = await finished(id);
    expect(JSON.parse(state!.serializedOutput!)).toEqual({ alerted: true, checks: 3 });
    expect(sent).toContain("sms +1425: the weather's clear outside");
  });

  it("human interaction: a wrong code raised through the HTTP client is refused, the right one authorizes", async () => {
    const { id } = await start("E4_SmsPhoneVerification", "+1206", real);
    // Wait until the challenge was sent (the orchestrator then waits for the event).
    for (let i = 0; i < 1000 && !sent.includes("sms +1206: your code is 4321"); i++)
      await new Promise((res) => setTimeout(res, 10));
    for (const code of [1111, 4321]) {
      const raised = await real.http("RaiseEvent", {
        params: { instanceId: id, eventName: "SmsChallengeResponse" },
        body: code,
      });
      expect(raised).toEqual({ status: 202 });
    }
    const state = await finished(id, real);
    expect(state?.runtimeStatus).toBe("Completed");
    expect(JSON.parse(state!.serializedOutput!)).toBe(true);
    const history = await real.client.client.getOrchestrationHistory(id);
    expect(
      history.filter((e) => e.type === "EventRaised").map((e) => (e as { input?: string }).input),
    ).toEqual(["1111", "4321"]);
  });

  it("human interaction: without an answer the timer wins and the result is false", async () => {
    const { id } = await start("E4_SmsPhoneVerification", "+1999");
    const state = await finished(id);
    expect(JSON.parse(state!.serializedOutput!)).toBe(false);
  });

  it("an entity signalled and read through its HTTP client", async () => {
    expect(await r.http("CounterHttp", { method: "POST", params: { key: "c1" }, body: 5 })).toEqual({
      status: 202,
    });
    expect(await r.http("CounterHttp", { method: "POST", params: { key: "c1" }, body: 2 })).toEqual({
      status: 202,
    });
    let read: { status?: number; body?: unknown } = {};
    for (let i = 0; i < 500; i++) {
      read = await r.http("CounterHttp", { method: "GET", params: { key: "c1" } });
      if (read.body === 7) break;
      await new Promise((res) => setTimeout(res, 10));
    }
    expect(read).toEqual({ status: 200, body: 7 });
  });
});
