// Scenarios 1 and 2 of the interop suite: every orchestration kind of the interop app, started by one
// runtime's client and run by the other runtime's worker, compared field by field with the same orchestration
// run by one runtime alone on another hub.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toDtfJson, type OrchestrationState, type TaskHubClient } from "@taskhub/core";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { DtfPeer, type DtfEvent, type DtfState } from "./peer.js";
import { startTaskhubWorker, taskhubClient, type RunningTaskhubWorker } from "./taskhub.js";
import { cases, type Case } from "./cases.js";
import {
  canonicalDtfHistory,
  comparableDtfState,
  comparableTaskhubState,
  timerPairsAgree,
} from "./compare.js";

let azurite: AzuriteInstance;
let peer: DtfPeer;
let taskhubWorker: RunningTaskhubWorker;
const run = randomBytes(3).toString("hex");
/**
 * hubT: run by a taskhub worker; hubD: by a DT.AS worker with DT.AS's defaults; hubX: by a DT.AS worker with
 * extended sessions on and the legacy blob partition manager (the other way DT.AS users run it).
 */
const hubT = `interopT${run}`;
const hubD = `interopD${run}`;
const hubX = `interopX${run}`;

beforeAll(async () => {
  azurite = await startAzurite();
  peer = await DtfPeer.start(azurite.connectionString);
  await peer.startWorker(hubD);
  await peer.startWorker(hubX, { extendedSessions: true, partitionManager: "legacy" });
  taskhubWorker = await startTaskhubWorker(azurite.connectionString, hubT);
});

afterAll(async () => {
  await taskhubWorker?.stop();
  await peer?.stop();
  await azurite?.stop();
});

/**
 * Events are raised once the instance runs: a DT.AS worker defers an ExecutionStarted message until the client
 * has written the Pending Instances row, and discards events that reach an instance with no history meanwhile
 * (docs/dtf-compatibility.md, "Events raised right after the start").
 */
async function runningOnDtas(hub: string, id: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await peer.state(hub, id))?.status !== "Running") {
    if (Date.now() > deadline) throw new Error(`${id} on ${hub} did not start`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function expectOutcome(c: Case, status: string, output: string | null | undefined): void {
  expect(status).toBe(c.expected.status);
  if ("output" in c.expected) expect(output == null ? output : JSON.parse(output)).toEqual(c.expected.output);
}

describe("scenario 1: DT.AS's client starts, a taskhub worker runs, DT.AS's client reads", () => {
  const all = cases();
  it.concurrent.each(all.map((c) => [c.label, c] as const))("%s", async (_label, c) => {
    const id = `s1-${c.label}-${run}`;
    const runOn = async (hub: string): Promise<{ state: DtfState | null; history: DtfEvent[] }> => {
      await peer.startInstance(hub, c.name, id, c.input);
      if (c.events) await runningOnDtas(hub, id);
      for (const [name, data] of c.events ?? []) await peer.raise(hub, id, name, data);
      const state = await peer.wait(hub, id, 300);
      const history = await peer.history(hub, id);
      return { state, history };
    };
    const [onTaskhub, onDtas] = await Promise.all([runOn(hubT), runOn(hubD)]);
    expect(onDtas.state, "DT.AS ran it").not.toBeNull();
    expectOutcome(c, onDtas.state!.status, onDtas.state!.output);
    expect(comparableDtfState(onTaskhub.state)).toEqual(comparableDtfState(onDtas.state));
    expect(canonicalDtfHistory(onTaskhub.history)).toEqual(canonicalDtfHistory(onDtas.history));
    expect(timerPairsAgree(onTaskhub.history)).toEqual([]);
  });
});

describe.each([
  ["with its defaults", () => hubD],
  ["with extended sessions and the legacy blob partition manager", () => hubX],
] as const)("scenario 2: taskhub's client starts, a DT.AS worker runs %s, taskhub's client reads", (_how, dtasHub) => {
  const all = cases();
  let client: { [hub: string]: TaskHubClient };
  let hubDtas: string;
  beforeAll(() => {
    hubDtas = dtasHub();
    client = {
      [hubT]: taskhubClient(azurite.connectionString, hubT),
      [hubDtas]: taskhubClient(azurite.connectionString, hubDtas),
    };
  });
  it.concurrent.each(all.map((c) => [c.label, c] as const))("%s", async (_label, c) => {
    const id = `s2-${c.label}-${hubDtas === hubD ? "d" : "x"}-${run}`;
    const runOn = async (hub: string): Promise<{ state: OrchestrationState; history: DtfEvent[] }> => {
      await client[hub]!.scheduleNewOrchestration(
        c.name,
        c.input === undefined ? undefined : JSON.parse(c.input),
        { instanceId: id },
      );
      if (c.events) await client[hub]!.waitForOrchestrationStart(id, { timeoutMs: 120_000 });
      for (const [name, data] of c.events ?? []) await client[hub]!.raiseEvent(id, name, JSON.parse(data));
      const state = await client[hub]!.waitForOrchestrationCompletion(id, { timeoutMs: 300_000 });
      const history = (await client[hub]!.getOrchestrationHistory(id)).map(
        (e) => toDtfJson(e) as unknown as DtfEvent,
      );
      return { state, history };
    };
    const [onDtas, onTaskhub] = await Promise.all([runOn(hubDtas), runOn(hubT)]);
    expectOutcome(c, onDtas.state.runtimeStatus, onDtas.state.serializedOutput);
    expect(comparableTaskhubState(onDtas.state)).toEqual(comparableTaskhubState(onTaskhub.state));
    expect(canonicalDtfHistory(onDtas.history)).toEqual(canonicalDtfHistory(onTaskhub.history));
  });
});
