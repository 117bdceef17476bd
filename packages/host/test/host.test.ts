// The host in process (embedded Azurite, health endpoints, HTTP start) and as a real `taskhub worker`
// process (SIGTERM drains work in flight and exits 0; nothing is lost; no secret in its logs).
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { RecordingLogger } from "@taskhub/core/testing";
import { createHost, scrubSecrets } from "../src/index.js";
import { spawnWorker } from "./fixtures/worker-process.js";

let azurite: AzuriteInstance;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite.stop();
});

describe("createHost", () => {
  it("starts an embedded Azurite in development, serves health and the management API", async () => {
    const host = await createHost({
      config: { http: { port: 0, authDisabled: true, dashboard: "disabled" }, hubName: "EmbeddedHub" },
      env: {},
      register: (w) => {
        w.addActivity("Hi", (_c, n: string) => `hi ${n}`);
        w.addOrchestrator("Greet", function* (ctx, n: string) {
          return (yield ctx.callActivity("Hi", n)) as string;
        });
      },
    });
    try {
      expect(host.azurite).toBeDefined();
      expect((await fetch(`${host.url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${host.url}/readyz`);
      expect(ready.status).toBe(200);
      const r = await fetch(
        `${host.url}/runtime/webhooks/durabletask/orchestrators/Greet?timeout=30&pollingInterval=1`,
        { method: "POST", body: '"there"' },
      );
      expect(r.status).toBe(200);
      expect(await r.json()).toBe("hi there");
      // The keyless RPC routes durable-functions clients use (`rpcBaseUrl`), on loopback only.
      const rpc = await fetch(`${host.url}/durabletask/orchestrators/Greet?timeout=30&pollingInterval=1`, {
        method: "POST",
        body: '"rpc"',
      });
      expect(rpc.status).toBe(200);
      expect(await rpc.json()).toBe("hi rpc");
      // http.dashboard "disabled": no dashboard.
      expect((await fetch(`${host.url}/dashboard/api/hub`)).status).toBe(404);
    } finally {
      await host.stop();
    }
  });

  it("serves the app's httpHandler before the management API and the dashboard; a declined request reaches them and their key check", async () => {
    const seen: string[] = [];
    const host = await createHost({
      config: { http: { port: 0, key: "key-0123456789abcdefXYZ" }, hubName: "HandlerHub" },
      env: { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString },
      register: (w) => {
        w.addOrchestrator("Echo", (_ctx, x: unknown) => x);
      },
      httpHandler: async (request) => {
        const path = new URL(request.url).pathname;
        seen.push(path);
        if (path === "/api/echo")
          return Response.json({ method: request.method, body: await request.text() }, { status: 201 });
        if (path.endsWith("/throws")) throw new Error("boom");
        return undefined;
      },
    });
    try {
      const own = await fetch(`${host.url}/api/echo`, { method: "POST", body: "hi" });
      expect(own.status).toBe(201);
      expect(await own.json()).toEqual({ method: "POST", body: "hi" });
      const threw = await fetch(`${host.url}/api/throws`);
      expect(threw.status).toBe(500);
      expect(await threw.json()).toEqual({ Message: "Something went wrong while processing your request" });
      // Declined: the management API answers, with its key check.
      expect((await fetch(`${host.url}/runtime/webhooks/durabletask/instances/nope`)).status).toBe(401);
      expect(
        (await fetch(`${host.url}/runtime/webhooks/durabletask/instances/nope?code=key-0123456789abcdefXYZ`))
          .status,
      ).toBe(404);
      // The dashboard's endpoints, behind the same key.
      expect((await fetch(`${host.url}/dashboard/api/hub`)).status).toBe(401);
      const hub = await fetch(`${host.url}/dashboard/api/hub?code=key-0123456789abcdefXYZ`);
      expect(hub.status).toBe(200);
      expect(await hub.json()).toMatchObject({ taskHub: "HandlerHub", partitionCount: 4 });
      // Health probes are answered by the host itself.
      expect((await fetch(`${host.url}/healthz`)).status).toBe(200);
      expect(seen).toEqual([
        "/api/echo",
        "/api/throws",
        "/runtime/webhooks/durabletask/instances/nope",
        "/runtime/webhooks/durabletask/instances/nope",
        "/dashboard/api/hub",
        "/dashboard/api/hub",
      ]);
    } finally {
      await host.stop();
    }
  });

  it("refuses to start without storage in production, without a key, or with wrong credentials", async () => {
    const register = (): void => {};
    await expect(
      createHost({
        register,
        config: { http: { port: 0, authDisabled: true } },
        env: { NODE_ENV: "production" },
      }),
    ).rejects.toThrow(/no storage configured/);
    await expect(createHost({ register, config: { http: { port: 0 } }, env: {} })).rejects.toThrow(
      /TASKHUB_HTTP_KEY/,
    );
    const wrong = azurite.connectionString.replace(
      /AccountKey=[^;]+/,
      "AccountKey=" + Buffer.from("not the key").toString("base64"),
    );
    const err = (await createHost({
      register,
      config: { http: { port: 0, authDisabled: true } },
      env: { AZURE_STORAGE_CONNECTION_STRING: wrong },
    }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/cannot reach the storage account/);
    expect(err.message).not.toContain("bm90IHRoZSBrZXk");
  });

  it("validates all configuration before it starts anything: a short key, a taken port", async () => {
    let registered = 0;
    const register = (): void => void registered++;
    // No storage configured: a host that got past validation would start the embedded Azurite first.
    const short = (await createHost({
      register,
      config: { http: { port: 0 } },
      env: { TASKHUB_HTTP_KEY: "too-short" },
    }).catch((e: unknown) => e)) as Error & { code?: string };
    expect(short).toMatchObject({
      code: "InvalidArgument",
      message: expect.stringMatching(/TASKHUB_HTTP_KEY must have at least 16 characters \(it has 9\)/),
    });
    expect(short.message).not.toContain("too-short");
    const taken = await createHost({
      register,
      config: { http: { port: 0, authDisabled: true } },
      env: { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString },
    });
    try {
      const port = Number(new URL(taken.url).port);
      await expect(
        createHost({ register, config: { http: { port, authDisabled: true } }, env: {} }),
      ).rejects.toMatchObject({ code: "InvalidArgument", message: expect.stringMatching(/EADDRINUSE/) });
    } finally {
      await taken.stop();
    }
    expect(registered).toBe(1); // only the host that started
  });

  it("applies the configured HTTP timeouts: a stalled body is answered 408", async () => {
    const host = await createHost({
      register: () => {},
      config: { hubName: "TimeoutHub" },
      env: {
        AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
        TASKHUB_HTTP_AUTH: "disabled",
        TASKHUB_HTTP_PORT: "0",
        TASKHUB_HTTP_HEADERS_TIMEOUT: "0.5",
        TASKHUB_HTTP_REQUEST_TIMEOUT: "1",
        TASKHUB_LOG_LEVEL: "warn",
      },
    });
    try {
      expect(host.config.http).toMatchObject({ headersTimeoutMs: 500, requestTimeoutMs: 1000 });
      const socket = connect({ host: "127.0.0.1", port: Number(new URL(host.url).port) });
      let received = "";
      socket.on("data", (c: Buffer) => (received += c.toString()));
      socket.write(
        "POST /runtime/webhooks/durabletask/orchestrators/X HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n12345",
      );
      await new Promise((r) => socket.once("close", r));
      expect(received).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      await host.stop();
    }
  });

  it("scrubs secrets from log text", () => {
    expect(scrubSecrets("DefaultEndpointsProtocol=http;AccountName=a;AccountKey=abc/def==;")).toBe(
      "DefaultEndpointsProtocol=http;AccountName=a;AccountKey=[REDACTED];",
    );
    expect(scrubSecrets("https://x/y?sv=1&sig=abcd%2F&se=2")).toBe("https://x/y?sv=1&sig=[REDACTED]&se=2");
    expect(scrubSecrets("my key is supersecretkey123", ["supersecretkey123"])).toBe("my key is [REDACTED]");
  });

  it("versions as host.json says: defaultVersion stamps instances and sub-orchestrations; a newer instance is left (Reject)", async () => {
    let rejected: () => void = () => {};
    const rejection = new Promise<void>((done) => (rejected = done));
    const record = (o: object | string): void => {
      const event = typeof o === "object" ? (o as { event?: string }).event : undefined;
      if (event === "orchestration.versionRejected") rejected();
    };
    const host = await createHost({
      config: {
        http: { port: 0, authDisabled: true },
        hubName: "VersionHub",
        versioning: { defaultVersion: "2.0" },
      },
      env: { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString },
      // Only the log methods the host calls; not a whole pino logger.
      logger: { debug: record, info: record, warn: record, error: record } as never,
      register: (w) => {
        w.addOrchestrator("Child", (ctx) => ctx.version);
        w.addOrchestrator("Parent", function* (ctx) {
          return [ctx.version, (yield ctx.callSubOrchestrator("Child")) as string];
        });
      },
    });
    const api = `${host.url}/runtime/webhooks/durabletask`;
    try {
      const r = await fetch(`${api}/orchestrators/Parent?timeout=30&pollingInterval=1`, { method: "POST" });
      expect(await r.json()).toEqual(["2.0", "2.0"]);
      const newer = await fetch(`${api}/orchestrators/Child?version=3.0`, { method: "POST" });
      const { id } = (await newer.json()) as { id: string };
      await rejection; // CurrentOrOlder (DF's default): 3.0 is newer than this worker's 2.0
      const status = await fetch(`${api}/instances/${id}`);
      expect(((await status.json()) as { runtimeStatus: string }).runtimeStatus).toBe("Pending");
    } finally {
      await host.stop();
    }
  });
});

describe("taskhub worker process", () => {
  const app = fileURLToPath(new URL("./fixtures/app.mjs", import.meta.url));

  function startProcess(env: Record<string, string>) {
    const worker = spawnWorker(["--app", app], { ...process.env, ...env });
    return { child: worker.child, exited: worker.exited, url: worker.ready, output: worker.output };
  }

  it("drains work in flight on SIGTERM, exits 0, and another host finishes the instance", async () => {
    const env = {
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
      TASKHUB_HUB_NAME: "LifecycleHub",
      TASKHUB_HTTP_PORT: "0",
      TASKHUB_HTTP_KEY: "key-0123456789abcdefXYZ",
    };
    const first = startProcess(env);
    const base = `${await first.url}/runtime/webhooks/durabletask`;
    const started = await fetch(`${base}/orchestrators/SlowTwice/life-1?code=${env.TASKHUB_HTTP_KEY}`, {
      method: "POST",
      body: "1500",
    });
    expect(started.status).toBe(202);
    // The module's httpHandler export is served without the key; the management API still wants it.
    const ping = await fetch(`${await first.url}/api/ping?n=7`);
    expect(ping.status).toBe(200);
    expect(await ping.json()).toEqual({ pong: "7" });
    expect((await fetch(`${base}/instances/life-1`)).status).toBe(401);
    await new Promise((r) => setTimeout(r, 700)); // the first activity is running now
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    const log = first.output();
    const logged = RecordingLogger.fromPinoLines(log);
    expect(logged.events("host.started")).toEqual([
      { taskHub: "LifecycleHub", url: await first.url, managementApi: base, workerId: expect.any(String) },
    ]);
    expect(logged.events("host.stopping")).toHaveLength(1);
    expect(logged.events("host.stopped")).toHaveLength(1);
    const accountKey = /AccountKey=([^;]+)/.exec(azurite.connectionString)![1]!;
    expect(log).not.toContain(accountKey);
    expect(log).not.toContain(env.TASKHUB_HTTP_KEY);

    const second = startProcess(env);
    const base2 = `${await second.url}/runtime/webhooks/durabletask`;
    let status: { runtimeStatus?: string; output?: unknown } = {};
    for (let i = 0; i < 200 && status.runtimeStatus !== "Completed"; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await (
        await fetch(`${base2}/instances/life-1?code=${env.TASKHUB_HTTP_KEY}`)
      ).json()) as typeof status;
    }
    expect(status).toMatchObject({ runtimeStatus: "Completed", output: ["slept 1500", "slept 1500"] });
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  }, 90_000);

  it("refuses a short TASKHUB_HTTP_KEY before it starts Azurite or the worker: exit 2, one line, nothing started", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, TASKHUB_HTTP_KEY: "short-key", TASKHUB_HTTP_PORT: "0" };
    delete env.AZURE_STORAGE_CONNECTION_STRING;
    delete env.TASKHUB_HTTP_AUTH;
    const worker = spawnWorker(["--app", app], env);
    const code = await worker.exited;
    const [out, err] = [worker.stdout(), worker.stderr()];
    expect(code).toBe(2);
    expect(err.trim()).toMatch(/^taskhub: TASKHUB_HTTP_KEY must have at least 16 characters \(it has 9\)/);
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(RecordingLogger.fromPinoLines(out).events("host.embeddedAzurite")).toEqual([]);
    expect(RecordingLogger.fromPinoLines(out).events("worker.started")).toEqual([]);
  });

  it("exits 2 with a clear message for a bad app module", async () => {
    const worker = spawnWorker(
      ["--app", fileURLToPath(new URL("./fixtures/missing.mjs", import.meta.url))],
      process.env,
    );
    const code = await worker.exited;
    const err = worker.stderr();
    expect(code).toBe(2);
    expect(err).toMatch(/taskhub: /);
  });
});
