// Scenario 5 of the interop suite: payloads and text in both directions. Orchestration inputs and outputs,
// activity inputs and results, sub-orchestration inputs and outputs, event payloads and custom status that
// carry astral characters, combining marks, right-to-left text, null, empty strings, and payloads over DT.AS's
// inline limits (offloaded to blobs, gzipped); failures whose messages carry the same text; and a DT.AS-created
// timer with a 100 ns fire time that a taskhub worker fires.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import type { TaskHubClient } from "@taskhub/core";
import { DtfPeer, type DtfEvent } from "./peer.js";
import { startTaskhubWorker, taskhubClient, type RunningTaskhubWorker } from "./taskhub.js";
import { largeText } from "./cases.js";

let azurite: AzuriteInstance;
let peer: DtfPeer;
let taskhubWorker: RunningTaskhubWorker;
const run = randomBytes(3).toString("hex");
/** hubT: run by a taskhub worker, started by DT.AS's client; hubD: run by a DT.AS worker, started by taskhub's. */
const hubT = `payloadT${run}`;
const hubD = `payloadD${run}`;

beforeAll(async () => {
  azurite = await startAzurite();
  peer = await DtfPeer.start(azurite.connectionString);
  await peer.startWorker(hubD);
  taskhubWorker = await startTaskhubWorker(azurite.connectionString, hubT);
});

afterAll(async () => {
  await taskhubWorker?.stop();
  await peer?.stop();
  await azurite?.stop();
});

const TEXT = {
  astral: "𝄞😀👩‍👩‍👧",
  combining: "e\u0301 a\u0308\u0301 \u1100\u1161\u11a8",
  rtl: "مرحبا بالعالم שלום עולם",
  mixed: "abc مرحبا 𝄞 e\u0301 שלום",
  quotes: 'a "quoted" \\ back\u0000slash\n\t',
  empty: "",
  nothing: null,
  emptyArray: [],
  emptyObject: {},
};

/** Echo inputs: each goes through an activity, a sub-orchestration, and comes back beside the event payload. */
const ECHO_CASES: { label: string; input: unknown; event: unknown }[] = [
  { label: "text", input: TEXT, event: { ...TEXT, from: "event" } },
  { label: "large", input: { ...TEXT, big: largeText(90_000) }, event: largeText(70_000) },
  { label: "empty", input: "", event: "" },
  { label: "null", input: null, event: null },
];

const FAILURE_MESSAGE = "💥 فشل e\u0301 שגיאה 𝄞";

async function runningOnDtas(hub: string, id: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await peer.state(hub, id))?.status !== "Running") {
    if (Date.now() > deadline) throw new Error(`${id} on ${hub} did not start`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("scenario 5: DT.AS's client starts, a taskhub worker runs, DT.AS's client reads", () => {
  it.concurrent.each(ECHO_CASES.map((c) => [c.label, c] as const))("Echo with %s payloads", async (_l, c) => {
    const id = `p-echo-${c.label}-${run}`;
    await peer.startInstance(hubT, "Echo", id, JSON.stringify(c.input));
    await runningOnDtas(hubT, id);
    await peer.raise(hubT, id, "echo", JSON.stringify(c.event));
    const state = await peer.wait(hubT, id, 300);
    expect(state?.status).toBe("Completed");
    expect(JSON.parse(state!.input!)).toEqual(c.input);
    expect(JSON.parse(state!.output!)).toEqual([c.input, c.event]);
  });

  it("custom status and event payload with unicode", async () => {
    const id = `p-status-${run}`;
    await peer.startInstance(hubT, "CustomStatus", id, JSON.stringify(TEXT.mixed));
    await runningOnDtas(hubT, id);
    await peer.raise(hubT, id, "next", JSON.stringify(TEXT));
    const state = await peer.wait(hubT, id, 300);
    expect(state?.status).toBe("Completed");
    expect(JSON.parse(state!.customStatus!)).toEqual({ step: 2, got: TEXT });
  });

  it("failure details with unicode, caught and uncaught", async () => {
    const caught = `p-catch-${run}`;
    const failed = `p-fail-${run}`;
    await peer.startInstance(hubT, "CatchFailure", caught, JSON.stringify(FAILURE_MESSAGE));
    await peer.startInstance(hubT, "RetryThenFail", failed, JSON.stringify(FAILURE_MESSAGE));
    const c = await peer.wait(hubT, caught, 300);
    expect(c?.status).toBe("Completed");
    expect(JSON.parse(c!.output!)).toEqual({ caught: FAILURE_MESSAGE });
    const f = await peer.wait(hubT, failed, 300);
    expect(f?.status).toBe("Failed");
    // DT.AS's client reads no failure details from the Instances table (DT.AS 2.x has no such column): the
    // reason is the instance's output, and the details are in the history DT.AS's client reads.
    expect(f!.output).toContain(FAILURE_MESSAGE);
    const history = await peer.history(hubT, failed);
    const taskFailed = history.filter((e) => e.EventType === 6);
    expect(taskFailed).toHaveLength(2);
    for (const e of taskFailed)
      expect((e.FailureDetails as { ErrorMessage?: string }).ErrorMessage).toBe(FAILURE_MESSAGE);
  });
});

describe("scenario 5: taskhub's client starts, a DT.AS worker runs, taskhub's client reads", () => {
  let client: TaskHubClient;
  beforeAll(() => {
    client = taskhubClient(azurite.connectionString, hubD);
  });

  it.concurrent.each(ECHO_CASES.map((c) => [c.label, c] as const))("Echo with %s payloads", async (_l, c) => {
    const id = `p-echo-${c.label}-${run}`;
    await client.scheduleNewOrchestration("Echo", c.input, { instanceId: id });
    await client.waitForOrchestrationStart(id, { timeoutMs: 120_000 });
    await client.raiseEvent(id, "echo", c.event);
    const state = await client.waitForOrchestrationCompletion(id, { timeoutMs: 300_000 });
    expect(state.runtimeStatus).toBe("Completed");
    expect(state.input).toEqual(c.input);
    expect(state.output).toEqual([c.input, c.event]);
  });

  it("custom status and event payload with unicode", async () => {
    const id = `p-status-${run}`;
    await client.scheduleNewOrchestration("CustomStatus", TEXT.mixed, { instanceId: id });
    await client.waitForOrchestrationStart(id, { timeoutMs: 120_000 });
    await client.raiseEvent(id, "next", TEXT);
    const state = await client.waitForOrchestrationCompletion(id, { timeoutMs: 300_000 });
    expect(state.runtimeStatus).toBe("Completed");
    expect(state.customStatus).toEqual({ step: 2, got: TEXT });
  });

  it("failure details with unicode, caught and uncaught", async () => {
    const caught = `p-catch-${run}`;
    const failed = `p-fail-${run}`;
    await client.scheduleNewOrchestration("CatchFailure", FAILURE_MESSAGE, { instanceId: caught });
    await client.scheduleNewOrchestration("RetryThenFail", FAILURE_MESSAGE, { instanceId: failed });
    const c = await client.waitForOrchestrationCompletion(caught, { timeoutMs: 300_000 });
    expect(c.runtimeStatus).toBe("Completed");
    expect(c.output).toEqual({ caught: FAILURE_MESSAGE });
    const f = await client.waitForOrchestrationCompletion(failed, { timeoutMs: 300_000 });
    expect(f.runtimeStatus).toBe("Failed");
    expect(f.failureDetails?.errorMessage).toContain(FAILURE_MESSAGE);
  });
});

/** A .NET DateTime's ticks (100 ns) since the Unix epoch, from its ISO text (up to 7 fractional digits). */
function ticks(iso: string): bigint {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,7}))?(?:Z|\+00:00)$/.exec(iso);
  if (!m) throw new Error(`not a UTC instant: ${iso}`);
  return BigInt(Date.parse(`${m[1]}Z`)) * 10_000n + BigInt((m[2] ?? "").padEnd(7, "0"));
}

describe("scenario 5: a DT.AS-created timer fired by taskhub", () => {
  it("keeps the fire time to 100 ns: TimerFired.FireAt equals TimerCreated.FireAt", async () => {
    const hub = `payloadTimer${run}`;
    const id = `p-timer-${run}`;
    await peer.startWorker(hub, { partitionManager: "safe" });
    // A sub-millisecond offset (20 s and 1234.5 ticks, truncated to 1234 by DateTime.AddSeconds): the fire
    // time is the episode's start plus exactly 200 001 234 ticks of 100 ns.
    await peer.startInstance(hub, "DurableTimer", id, "20.00012345");
    const deadline = Date.now() + 120_000;
    const timerCreatedYet = async () =>
      (await peer.history(hub, id)).some((e: DtfEvent) => e.EventType === 10);
    while (!(await timerCreatedYet())) {
      if (Date.now() > deadline) throw new Error("DT.AS did not create the timer");
      await new Promise((r) => setTimeout(r, 300));
    }
    await peer.stopWorker(hub);
    const worker = await startTaskhubWorker(azurite.connectionString, hub, { partitionManagement: "blob" });
    try {
      const state = await peer.wait(hub, id, 300);
      expect(state?.status).toBe("Completed");
      expect(JSON.parse(state!.output!)).toBe("fired");
    } finally {
      await worker.stop();
    }
    const history = await peer.history(hub, id);
    const timerCreated = history.filter((e) => e.EventType === 10);
    const timerFired = history.filter((e) => e.EventType === 11);
    expect(timerCreated).toHaveLength(1);
    expect(timerFired).toHaveLength(1);
    // The episode that created the timer started at the OrchestratorStarted before it (its orchestration clock).
    const started = history.slice(0, history.indexOf(timerCreated[0]!)).filter((e) => e.EventType === 12);
    expect(ticks(String(timerCreated[0]!.FireAt)) - ticks(String(started.at(-1)!.Timestamp))).toBe(
      200_001_234n,
    );
    expect(timerFired[0]!.FireAt).toBe(timerCreated[0]!.FireAt);
    expect(timerFired[0]!.TimerId).toBe(timerCreated[0]!.EventId);
  });
});
