// Functions app folders run by `taskhub worker --app <folder>` as real processes on a test Azurite, driven over
// HTTP as the documentation's curl lines drive them: a v4-model app unchanged (no register export, its own
// `durable-functions` import, ESM and CommonJS entry modules found by package.json's main glob, host.json read),
// and classic-model HTTP functions (function.json, route templates, methods, authLevel, context.res / $return).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { appsDir, runWorker, startAppHost, type AppHost } from "../fixtures/app-host.js";

const KEY = "app-folder-test-key-0123456789";
let azurite: AzuriteInstance;

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

const storageEnv = (): Record<string, string> => ({
  AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
});

async function waitForStatus(url: string, statusQueryGetUri: string): Promise<Record<string, unknown>> {
  for (;;) {
    const status = (await (
      await fetch(statusQueryGetUri.replace(/^https?:\/\/[^/]+/, url))
    ).json()) as Record<string, unknown>;
    if (!["Pending", "Running"].includes(String(status.runtimeStatus))) return status;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("a v4-model app folder, unchanged (zero-change mode)", () => {
  let host: AppHost;
  beforeAll(async () => {
    host = await startAppHost(["--app", `${appsDir}v4`], {
      ...storageEnv(),
      TASKHUB_HTTP_AUTH: "disabled",
      V4_HUB_NAME: "VFourHub",
    });
  });
  afterAll(async () => {
    if (host) expect(await host.stop()).toBe(0);
  });

  it("starts an orchestration through its HTTP starter and runs it to completion with its activity", async () => {
    const res = await fetch(`${host.url}/api/orchestrators/HelloCities`, { method: "POST" });
    expect(res.status).toBe(202);
    const payload = (await res.json()) as { id: string; statusQueryGetUri: string };
    const status = await waitForStatus(host.url, payload.statusQueryGetUri);
    expect(status).toMatchObject({
      runtimeStatus: "Completed",
      output: ["Hello, Tokyo", "Hello, Seattle", "Hello, Cairo"],
    });
  });

  it("runs the entity of its CommonJS (tsc-built) entry module, signalled over HTTP", async () => {
    const base = `${host.url}/runtime/webhooks/durabletask/entities/Counter/c1`;
    for (const n of [2, 3])
      expect(
        (
          await fetch(`${base}?op=add`, {
            method: "POST",
            body: String(n),
            headers: { "content-type": "application/json" },
          })
        ).status,
      ).toBe(202);
    for (;;) {
      const r = await fetch(base);
      if (r.status === 200) {
        const state = await r.json();
        if (state === 5) break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  it("takes the task hub and storage provider settings from host.json (%setting% resolved)", async () => {
    const status = (await (await fetch(`${host.url}/readyz`)).json()) as { ownedPartitions?: number };
    expect(status).toBeDefined();
    const started = host
      .stdout()
      .split("\n")
      .find((l) => l.includes('"event":"host.started"'))!;
    expect(JSON.parse(started)).toMatchObject({ taskHub: "VFourHub" });
  });

  it("names each host.json setting it does not use once, in a warning at start", () => {
    const ignored = host
      .stdout()
      .split("\n")
      .filter((l) => l.includes('"event":"app.settingIgnored"'))
      .map((l) => (JSON.parse(l) as { setting: string }).setting)
      .sort();
    expect(ignored).toEqual([
      "extensions.durableTask.storageProvider.trackingStoreConnectionName",
      "extensions.durableTask.tracing",
      "logging",
    ]);
  });
});

describe("classic-model HTTP functions (function.json)", () => {
  let host: AppHost;
  beforeAll(async () => {
    host = await startAppHost(["--app", `${appsDir}classic-http`], {
      ...storageEnv(),
      TASKHUB_HTTP_KEY: KEY,
      TASKHUB_HTTP_AUTH: undefined,
      TASKHUB_HUB_NAME: "ClassicHttpHub",
    });
  });
  afterAll(async () => {
    if (host) expect(await host.stop()).toBe(0);
  });

  it("serves a route template under host.json's routePrefix with the request as Functions gives it", async () => {
    const res = await fetch(`${host.url}/fn/echo/Alice?q=1`, {
      method: "POST",
      body: JSON.stringify({ a: 1 }),
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-echo")).toBe("yes");
    expect(await res.json()).toEqual({ name: "Alice", body: { a: 1 }, q: "1", method: "POST" });
  });

  it("answers 404 for a method, a constraint or a prefix the function does not take", async () => {
    expect((await fetch(`${host.url}/fn/echo/Alice`)).status).toBe(404);
    expect((await fetch(`${host.url}/fn/echo/42`, { method: "POST" })).status).toBe(404);
    expect((await fetch(`${host.url}/api/echo/Alice`, { method: "POST" })).status).toBe(404);
  });

  it("requires the host's key for authLevel function, and answers with context.done's $return", async () => {
    expect((await fetch(`${host.url}/fn/Legacy?who=me`)).status).toBe(401);
    expect((await fetch(`${host.url}/fn/Legacy?who=me&code=wrong-key-wrong-key`)).status).toBe(401);
    const res = await fetch(`${host.url}/fn/Legacy?who=me`, { headers: { "x-functions-key": KEY } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("legacy me");
  });

  it("names the timer-triggered function it does not run once, with its file, and runs the rest", () => {
    const lines = host
      .stdout()
      .split("\n")
      .filter((l) => l.includes('"event":"app.bindingNotHosted"'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/NightlyJob.*timerTrigger/);
    expect(lines[0]).toContain("NightlyJob/function.json");
  });
});

describe("--strict", () => {
  it("refuses to start an app with a trigger the host does not run: exit 2, the function and file named", () => {
    const r = runWorker(["--app", `${appsDir}classic-http`, "--strict"], {
      ...storageEnv(),
      TASKHUB_HTTP_AUTH: "disabled",
    });
    expect(r.code).toBe(2);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/NightlyJob\/function\.json: .*timerTrigger.*\(--strict\)/);
  });
});

describe("--no-alias-durable-functions", () => {
  it("leaves the app's durable-functions import alone: the unresolved import is one line naming the module, exit 2", () => {
    const r = runWorker(["--app", `${appsDir}v4`, "--no-alias-durable-functions"], {
      ...storageEnv(),
      TASKHUB_HTTP_AUTH: "disabled",
      V4_HUB_NAME: "VFourHub",
    });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /build\/functions\/counter\.js: cannot be loaded: Cannot find module 'durable-functions'/,
    );
  });
});

describe("a classic-model app folder (durable-functions 2.x): HTTP starter, orchestrator, activity", () => {
  let host: AppHost;
  beforeAll(async () => {
    host = await startAppHost(["--app", `${appsDir}classic-durable`], {
      ...storageEnv(),
      TASKHUB_HTTP_AUTH: "disabled",
    });
  });
  afterAll(async () => {
    if (host) expect(await host.stop()).toBe(0);
  });

  it("runs function chaining started by its HTTP starter's durableClient binding, as the documentation's curl does", async () => {
    const res = await fetch(`${host.url}/api/orchestrators/HelloSequence`, { method: "POST" });
    expect(res.status).toBe(202);
    const payload = (await res.json()) as { id: string; statusQueryGetUri: string };
    expect(res.headers.get("location")).toBe(payload.statusQueryGetUri);
    const status = await waitForStatus(host.url, payload.statusQueryGetUri);
    expect(status).toMatchObject({
      name: "HelloSequence",
      runtimeStatus: "Completed",
      output: ["Hello Tokyo!", "Hello Seattle!", "Hello London!"],
    });
    const started = host
      .stdout()
      .split("\n")
      .find((l) => l.includes('"event":"host.started"'))!;
    expect(JSON.parse(started)).toMatchObject({ taskHub: "ClassicHub" });
    expect(host.stdout()).toContain(`Started orchestration with ID = '${payload.id}'.`);
  });
});

describe("a v4-model module (not a folder) with no register export", () => {
  it("runs its df.app declarations", async () => {
    const host = await startAppHost(["--app", `${appsDir}../app-v4-module.mjs`], {
      ...storageEnv(),
      TASKHUB_HTTP_AUTH: "disabled",
      TASKHUB_HUB_NAME: "ModuleHub",
    });
    try {
      const res = await fetch(`${host.url}/runtime/webhooks/durabletask/orchestrators/DoubleIt`, {
        method: "POST",
        body: "21",
        headers: { "content-type": "application/json" },
      });
      expect(res.status).toBe(202);
      const payload = (await res.json()) as { statusQueryGetUri: string };
      expect(await waitForStatus(host.url, payload.statusQueryGetUri)).toMatchObject({
        runtimeStatus: "Completed",
        output: 42,
      });
    } finally {
      expect(await host.stop()).toBe(0);
    }
  });
});
