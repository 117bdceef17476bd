// Scenario 2 (reading side) of the interop suite: instances a DT.AS worker ran (completed, failed with details,
// with a custom status, with payloads offloaded to blobs, suspended, terminated) read through taskhub's HTTP
// management API (Durable Functions' routes, docs/http-api.md) and the `taskhub` CLI (docs/cli.md): status,
// input and output, custom status, failure, history, and listings with paging agree with what DT.AS's own
// client reads.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManagementApi, serve, type RunningServer } from "@taskhub/host";
import type { DtfState } from "./peer.js";
import { useInterop } from "./fixture.js";
import { taskhubClient } from "./taskhub.js";
import { largeText } from "./cases.js";

const run = randomBytes(3).toString("hex");
const hub = `readD${run}`;
const fx = useInterop({ dtasWorkers: { [hub]: {} } });
const CLI = fileURLToPath(new URL("../../packages/host/dist/cli.js", import.meta.url));

const id = (s: string): string => `rd-${s}-${run}`;
const LARGE = largeText(100_000);
const FAILURE = "boom ⚡ e\u0301";
let server: RunningServer;

async function until(instanceId: string, status: string): Promise<DtfState> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const st = await fx.peer.state(hub, instanceId);
    if (st?.status === status) return st;
    if (Date.now() > deadline) throw new Error(`${instanceId} is ${st?.status}, not ${status}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** What DT.AS's client read for each instance, once it reached the state the test reads it in. */
const dtas = new Map<string, DtfState>();

beforeAll(async () => {
  const p = fx.peer;
  await p.startInstance(hub, "HelloSequence", id("hello"), '"p"');
  await p.startInstance(hub, "RetryThenFail", id("failed"), JSON.stringify(FAILURE));
  await p.startInstance(hub, "CustomStatus", id("status"), JSON.stringify({ a: "ü" }));
  await p.startInstance(hub, "LargePayload", id("large"), JSON.stringify(LARGE));
  await p.startInstance(hub, "LongRunning", id("susp"), undefined);
  await p.startInstance(hub, "LongRunning", id("term"), undefined);
  for (const s of ["status", "susp", "term"]) await until(id(s), "Running");
  await p.call("suspend", hub, { instanceId: id("susp"), reason: "pause" });
  await p.call("terminate", hub, { instanceId: id("term"), reason: "stop it" });
  for (const [s, status] of [
    ["hello", "Completed"],
    ["failed", "Failed"],
    ["large", "Completed"],
    ["susp", "Suspended"],
    ["term", "Terminated"],
  ] as const)
    dtas.set(s, await until(id(s), status));
  dtas.set("status", (await p.state(hub, id("status")))!);
  const client = taskhubClient(fx.connectionString, hub);
  server = await serve(
    createManagementApi({ client, taskHubName: hub, auth: "disabled", orchestratorNames: () => [] }),
  );
}, 300_000);

afterAll(async () => {
  await server?.close();
});

/** A payload as a status object shows it: JSON parsed; text that is not JSON (DT.AS's failure, terminate and
 * suspend texts in the Instances `Output`) as it is. */
function payload(text: string | null): unknown {
  if (text === null || text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** DT.AS's view in the status object's terms. */
function expectedStatus(s: DtfState): Record<string, unknown> {
  return {
    name: s.name,
    instanceId: s.instanceId,
    runtimeStatus: s.status,
    input: payload(s.input),
    output: payload(s.output),
    customStatus: payload(s.customStatus),
    // Whole seconds, as Durable Functions shows them.
    createdTime: `${s.createdTime!.slice(0, 19)}Z`,
    lastUpdatedTime: `${s.lastUpdatedTime!.slice(0, 19)}Z`,
  };
}

async function get(path: string): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${server.url}/runtime/webhooks/durabletask${path}`);
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** Runs the CLI without blocking this process, which also serves the HTTP API under test. */
async function cli(args: string[]): Promise<unknown> {
  const r = await promisify(execFile)(process.execPath, [CLI, ...args, "--json"], {
    encoding: "utf8",
    env: { ...process.env, AZURE_STORAGE_CONNECTION_STRING: fx.connectionString, TASKHUB_HUB_NAME: hub },
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(r.stdout);
}

const CASES = ["hello", "failed", "status", "large", "susp", "term"] as const;

describe("scenario 2: taskhub's HTTP API and CLI read instances a DT.AS worker ran", () => {
  it.each(CASES)("status object of %s over HTTP and from the CLI", async (s) => {
    const want = expectedStatus(dtas.get(s)!);
    const http = await get(`/instances/${encodeURIComponent(id(s))}?showInput=true`);
    expect(http.body).toMatchObject(want);
    expect(await cli(["get-runtime-status", "--id", id(s), "--show-input"])).toMatchObject(want);
  });

  it("history of a completed and of a failed instance, condensed as Durable Functions does", async () => {
    const hello = (await get(`/instances/${id("hello")}?showHistory=true&showHistoryOutput=true`)).body as {
      historyEvents: { EventType: string; FunctionName?: string; Result?: unknown }[];
    };
    const cities = ["Tokyo", "Seattle", "London", "Paris", "Cairo"];
    const want = [
      { EventType: "ExecutionStarted", FunctionName: "HelloSequence" },
      ...cities.map((c) => ({
        EventType: "TaskCompleted",
        FunctionName: "SayHello",
        Result: `Hello, p ${c}!`,
      })),
      { EventType: "ExecutionCompleted", Result: cities.map((c) => `Hello, p ${c}!`) },
    ];
    expect(hello.historyEvents).toMatchObject(want);
    expect(await cli(["get-history", "--id", id("hello")])).toMatchObject(
      want.map(({ Result: _r, ...e }) => e),
    );

    // Offloaded history fields (the activity's result, the orchestration's input and output) are read from their blobs.
    const large = (await get(`/instances/${id("large")}?showHistory=true&showHistoryOutput=true`)).body as {
      historyEvents: { EventType: string; Input?: unknown; Result?: unknown }[];
    };
    const same = (v: unknown): string =>
      v === undefined ? "none" : v === LARGE ? "the text" : `other: ${JSON.stringify(v).slice(0, 80)}`;
    expect(large.historyEvents.map((e) => [e.EventType, same(e.Input), same(e.Result)])).toEqual([
      ["ExecutionStarted", "the text", "none"],
      // DT.AS keeps activity inputs out of history unless told to (IncludeParameters), so none to fold in.
      ["TaskCompleted", "none", "the text"],
      ["ExecutionCompleted", "none", "the text"],
    ]);

    const failed = (await get(`/instances/${id("failed")}?showHistory=true`)).body as {
      historyEvents: {
        EventType: string;
        FunctionName?: string;
        FailureDetails?: { ErrorMessage?: string };
      }[];
    };
    const types = failed.historyEvents.map((e) => e.EventType);
    expect(types[0]).toBe("ExecutionStarted");
    expect(types.filter((t) => t === "TaskFailed")).toHaveLength(2);
    expect(types.at(-1)).toBe("ExecutionCompleted");
    for (const e of failed.historyEvents.filter((x) => x.EventType === "TaskFailed"))
      expect(e).toMatchObject({ FunctionName: "AlwaysFail", Reason: FAILURE });
  });

  it("listings page through every instance, over HTTP and from the CLI", async () => {
    const ids = CASES.map(id).sort();
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const res = await fetch(
        `${server.url}/runtime/webhooks/durabletask/instances/?instanceIdPrefix=rd-&top=2&showInput=true`,
        { headers: token ? { "x-ms-continuation-token": token } : {} },
      );
      expect(res.status).toBe(200);
      const page = (await res.json()) as { instanceId: string; runtimeStatus: string; input: unknown }[];
      expect(page.length).toBeLessThanOrEqual(2);
      for (const st of page) {
        const s = CASES.find((c) => id(c) === st.instanceId)!;
        expect(st).toMatchObject(expectedStatus(dtas.get(s)!));
      }
      seen.push(...page.map((x) => x.instanceId));
      token = res.headers.get("x-ms-continuation-token");
      pages++;
    } while (token);
    expect(seen.sort()).toEqual(ids);
    expect(pages).toBeGreaterThanOrEqual(3);

    const fromCli: string[] = [];
    let cliToken: string | null = null;
    do {
      const page = (await cli([
        "get-instances",
        "--prefix",
        "rd-",
        "--top",
        "2",
        ...(cliToken ? ["--continuation-token", cliToken] : []),
      ])) as { instances: { instanceId: string; runtimeStatus: string }[]; continuationToken: string | null };
      fromCli.push(...page.instances.map((x) => x.instanceId));
      cliToken = page.continuationToken;
    } while (cliToken);
    expect(fromCli.sort()).toEqual(ids);
    const byStatus = (await get(`/instances/?runtimeStatus=Failed,Terminated&instanceIdPrefix=rd-`)).body as {
      instanceId: string;
    }[];
    expect(byStatus.map((x) => x.instanceId).sort()).toEqual([id("failed"), id("term")].sort());
  });
});
