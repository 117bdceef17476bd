// Hostile HTTP requests against a real `taskhub worker` host process on Azurite (issue 9): bad JSON, wrong
// content types, huge bodies, missing or wrong keys, path traversal and forbidden characters in ids. Each
// gets 400/401/404/413 and changes nothing. Secrets (account key, SAS signature, API key, connection string)
// appear neither in the host's pino output nor in any response body.
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createHmac, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskHubClient } from "@taskhub/core";
import { AzureStorageOrchestrationService } from "@taskhub/azure-storage";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { tmp } from "./worker-hub.js";

const cli = fileURLToPath(new URL("../../packages/host/dist/cli.js", import.meta.url));
const app = join(tmp, "http-app.mjs");
writeFileSync(
  app,
  `export function register(worker) {
  worker.addActivity("Hi", (_c, n) => "hi " + n);
  worker.addOrchestrator("Hello", function* (ctx, n) { return yield ctx.callActivity("Hi", n); });
  worker.addOrchestrator("Wait", function* (ctx) { return yield ctx.waitForExternalEvent("go"); });
  worker.addEntity("counter", (ctx) => { const v = ctx.getState(() => 0); if (ctx.operationName === "add") ctx.setState(v + ctx.getInput()); return v; });
}
`,
);
const KEY = `k-${randomBytes(12).toString("hex")}`;
const HUB = `relhttp${randomBytes(4).toString("hex")}`;

interface HostProcess {
  child: ChildProcess;
  output(): string;
  url: Promise<string>;
  exited: Promise<number | null>;
}

function startHost(env: Record<string, string>): HostProcess {
  const child = spawn(process.execPath, [cli, "worker", "--app", app], {
    env: { ...process.env, TASKHUB_HTTP_PORT: "0", TASKHUB_LOG_LEVEL: "debug", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const url = (async (): Promise<string> => {
    for (let i = 0; i < 300; i++) {
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
      if (m) return m[1]!;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`host did not start:\n${out}`);
  })();
  url.catch(() => undefined); // a host expected to fail is awaited through `exited`
  return { child, output: () => out, url, exited };
}

/** An account SAS for blob, queue and table, all permissions, valid for an hour (Azure's account SAS recipe). */
function accountSas(connectionString: string): string {
  const account = /AccountName=([^;]+)/.exec(connectionString)![1]!;
  const key = Buffer.from(/AccountKey=([^;]+)/.exec(connectionString)![1]!, "base64");
  const fields = {
    sv: "2019-12-12",
    ss: "bqt",
    srt: "sco",
    sp: "rwdlacup",
    se: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, "Z"),
    spr: "https,http",
  };
  const toSign = [
    account,
    fields.sp,
    fields.ss,
    fields.srt,
    "",
    fields.se,
    "",
    fields.spr,
    fields.sv,
    "",
  ].join("\n");
  const sig = createHmac("sha256", key).update(toSign, "utf8").digest("base64");
  return new URLSearchParams({ ...fields, sig }).toString();
}

let azurite: AzuriteInstance;
let host: HostProcess;
let base = "";
let client: TaskHubClient;
const bodies: { status: number; text: string }[] = [];
const figures: string[] = [];

beforeAll(async () => {
  azurite = await startAzurite();
  host = startHost({
    AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
    TASKHUB_HUB_NAME: HUB,
    TASKHUB_HTTP_KEY: KEY,
  });
  base = `${await host.url}/runtime/webhooks/durabletask`;
  client = new TaskHubClient(
    new AzureStorageOrchestrationService({
      taskHubName: HUB,
      storage: { connectionString: azurite.connectionString },
    }),
  );
});
afterAll(async () => {
  if (host && host.child.exitCode === null) {
    host.child.kill("SIGTERM");
    await host.exited;
  }
  await azurite?.stop();
  if (figures.length) console.log(`reliability-http figures:\n  ${figures.join("\n  ")}`);
});

/** One raw request (node:http, so that paths are sent exactly as written and bodies can be streamed). */
/**
 * One raw request (node:http, so that paths are sent exactly as written). With `streamMB` the body is
 * streamed in 1 MB chunks without a length, up to that many, and writing stops as soon as an answer comes.
 */
function send(
  method: string,
  path: string,
  opts: { body?: string; headers?: Record<string, string>; streamMB?: number } = {},
): Promise<{ status: number; body: string; sentMB: number }> {
  const url = new URL(base);
  let sentMB = 0;
  let answered = false;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path: `${url.pathname}${path}`, headers: opts.headers },
      (res) => {
        answered = true;
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => {
          bodies.push({ status: res.statusCode ?? 0, text });
          resolve({ status: res.statusCode ?? 0, body: text, sentMB });
          req.destroy();
        });
      },
    );
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (!answered) reject(err);
    });
    if (opts.streamMB) {
      const chunk = Buffer.alloc(1024 * 1024, 0x61);
      const write = (): void => {
        while (!answered && sentMB < opts.streamMB!) {
          sentMB++;
          if (!req.write(chunk)) return void req.once("drain", write);
        }
        if (!answered) req.end();
      };
      write();
    } else req.end(opts.body);
  });
}

const withKey = (path: string): string => `${path}${path.includes("?") ? "&" : "?"}code=${KEY}`;

async function snapshot(): Promise<string> {
  const ids: string[] = [];
  for await (const s of client.listInstances({})) ids.push(`${s.instanceId}:${s.runtimeStatus}`);
  const entities: string[] = [];
  for await (const e of client.listEntities({ includeState: true }))
    entities.push(`${e.id.name}/${e.id.key}=${JSON.stringify(e.state)}`);
  return JSON.stringify({ ids: ids.sort(), entities: entities.sort() });
}

describe("hostile HTTP requests", () => {
  it("answers 400/401/404/413 and changes nothing", async () => {
    // Something to aim at: a waiting instance and a counter.
    const started = await send("POST", withKey("/orchestrators/Wait/target-1"), { body: "" });
    expect(started.status).toBe(202);
    await client.waitForOrchestrationStart("target-1", { timeoutMs: 30_000 });
    expect(
      (
        await send("POST", withKey("/entities/counter/c1?op=add"), {
          body: "5",
          headers: { "content-type": "application/json" },
        })
      ).status,
    ).toBe(202);
    for (let i = 0; i < 100 && (await client.getEntity({ name: "counter", key: "c1" }))?.state !== 5; i++)
      await new Promise((r) => setTimeout(r, 100));
    const before = await snapshot();

    const cases: [
      string,
      string,
      string,
      number | number[],
      { body?: string; headers?: Record<string, string> }?,
    ][] = [
      // keys
      ["no key", "POST", "/orchestrators/Hello", 401],
      ["wrong key", "POST", "/orchestrators/Hello?code=wrong-key-0123456789", 401],
      [
        "key of the right length but wrong",
        "POST",
        `/orchestrators/Hello?code=${"x".repeat(KEY.length)}`,
        401,
      ],
      [
        "wrong key in header",
        "GET",
        "/instances/target-1",
        401,
        { headers: { "x-functions-key": KEY.toUpperCase() } },
      ],
      ["empty key", "GET", "/instances/target-1?code=", 401],
      // bodies
      ["bad JSON", "POST", withKey("/orchestrators/Hello"), 400, { body: "{not json" }],
      ["truncated JSON", "POST", withKey("/orchestrators/Hello"), 400, { body: '{"a":' }],
      [
        "XML with an XML content type",
        "POST",
        withKey("/orchestrators/Hello"),
        400,
        { body: "<a/>", headers: { "content-type": "application/xml" } },
      ],
      [
        "raiseEvent with text/plain",
        "POST",
        withKey("/instances/target-1/raiseEvent/go"),
        400,
        { body: '"x"', headers: { "content-type": "text/plain" } },
      ],
      [
        "raiseEvent without a content type",
        "POST",
        withKey("/instances/target-1/raiseEvent/go"),
        400,
        { body: '"x"' },
      ],
      [
        "raiseEvent with bad JSON",
        "POST",
        withKey("/instances/target-1/raiseEvent/go"),
        400,
        { body: "{", headers: { "content-type": "application/json" } },
      ],
      [
        "entity signal with bad JSON",
        "POST",
        withKey("/entities/counter/c1?op=add"),
        400,
        { body: "{", headers: { "content-type": "application/json" } },
      ],
      [
        "2 MB body",
        "POST",
        withKey("/orchestrators/Hello"),
        413,
        { body: `"${"a".repeat(2 * 1024 * 1024)}"` },
      ],
      [
        "2 MB event",
        "POST",
        withKey("/instances/target-1/raiseEvent/go"),
        413,
        { body: `"${"a".repeat(2 * 1024 * 1024)}"`, headers: { "content-type": "application/json" } },
      ],
      [
        "2 MB declared and sent",
        "POST",
        withKey("/entities/counter/c1?op=add"),
        413,
        { body: "1".repeat(2 * 1024 * 1024), headers: { "content-type": "application/json" } },
      ],
      // ids and paths
      ["path traversal in an id", "GET", withKey("/instances/..%2F..%2Fetc%2Fpasswd"), 400],
      ["path traversal in a new id", "POST", withKey("/orchestrators/Hello/..%2F..%2Fx"), 400, { body: "1" }],
      ["dot segments", "GET", withKey("/instances/%2e%2e/%2e%2e/%2e%2e/etc/passwd"), [400, 404]],
      ["backslash traversal", "GET", withKey("/instances/..%5C..%5Cwindows"), 400],
      ["malformed percent-encoding", "GET", withKey("/instances/%E0%A4%A"), 400],
      [
        "malformed percent-encoding in a new id",
        "POST",
        withKey("/orchestrators/Hello/%ZZ"),
        400,
        { body: "1" },
      ],
      ["# in an id", "POST", withKey("/orchestrators/Hello/a%23b"), 400, { body: "1" }],
      ["? in an id", "POST", withKey("/orchestrators/Hello/a%3Fb"), 400, { body: "1" }],
      ["NUL in an id", "POST", withKey("/orchestrators/Hello/a%00b"), 400, { body: "1" }],
      ["newline in an id", "POST", withKey("/orchestrators/Hello/a%0Ab"), 400, { body: "1" }],
      ["leading @ in an id", "POST", withKey("/orchestrators/Hello/%40counter%40c1"), 400, { body: "1" }],
      ["300-character id", "POST", withKey(`/orchestrators/Hello/${"x".repeat(300)}`), 400, { body: "1" }],
      [
        "traversal in an entity key",
        "POST",
        withKey("/entities/counter/..%2F..%2Fc1?op=add"),
        400,
        { body: "1" },
      ],
      ["@ in an entity name", "POST", withKey("/entities/a%40b/k?op=add"), 400, { body: "1" }],
      ["malformed percent-encoding in an entity", "GET", withKey("/entities/counter/%E0%A4%A"), 400],
      ["unknown orchestrator", "POST", withKey("/orchestrators/NoSuch"), 400, { body: "1" }],
      ["unknown route", "GET", withKey("/../../../etc/passwd"), 404],
      ["wrong method", "PUT", withKey("/instances/target-1"), 404],
      ["another task hub", "GET", withKey("/instances/target-1?taskHub=OtherHub"), 400],
      ["bad top", "GET", withKey("/instances/?top=-1"), 400],
      ["bad date", "GET", withKey("/instances/?createdTimeFrom=yesterday"), 400],
      ["bad status", "GET", withKey("/instances/?runtimeStatus=Exploded"), 400],
    ];
    const wrong: string[] = [];
    for (const [what, method, path, expected, opts] of cases) {
      const r = await send(method, path, opts);
      const ok = Array.isArray(expected) ? expected.includes(r.status) : r.status === expected;
      if (!ok)
        wrong.push(
          `${what}: ${method} ${path.slice(0, 80)} → ${r.status} ${r.body.slice(0, 120)} (expected ${String(expected)})`,
        );
    }
    expect(wrong).toEqual([]);
    // A body streamed without a length is cut off at the limit: the answer comes while it is still being
    // sent (a server that buffered it all would read the whole 4 GB first).
    const huge = await send("POST", withKey("/orchestrators/Hello"), { streamMB: 4096 });
    expect(huge.status).toBe(413);
    expect(huge.sentMB).toBeLessThan(512);
    // The host is still healthy and nothing changed: same instances, same entity state, target still waiting.
    expect((await fetch(`${await host.url}/healthz`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await snapshot()).toBe(before);
    expect((await client.getOrchestrationState("target-1"))?.runtimeStatus).toBe("Running");
    expect((await client.getOrchestrationHistory("target-1")).some((e) => e.type === "EventRaised")).toBe(
      false,
    );
    figures.push(
      `hostile HTTP: ${cases.length + 1} requests answered as expected (400/401/404/413; a 4 GB streamed body cut off after ${huge.sentMB} MB), 0 changes to instances or entities`,
    );
  }, 120_000);
});

describe("secrets", () => {
  it("never appear in the host's logs or in response bodies, with a key connection string, a SAS one, or a wrong SAS", async () => {
    // Requests that make the host log and fail, with the key in the query string.
    await send("GET", withKey("/instances/no-such-instance"));
    await send("POST", withKey("/orchestrators/Hello/secret-run"), { body: '"x"' });
    await client.waitForOrchestrationCompletion("secret-run", { timeoutMs: 30_000 });
    host.child.kill("SIGTERM");
    expect(await host.exited).toBe(0);
    const accountKey = /AccountKey=([^;]+)/.exec(azurite.connectionString)![1]!;
    const logs = [host.output()];

    // A SAS connection string that is valid, and one whose signature is wrong (every request fails with 403).
    const sas = accountSas(azurite.connectionString);
    const sasConnection = `BlobEndpoint=${azurite.blobEndpoint};QueueEndpoint=${azurite.queueEndpoint};TableEndpoint=${azurite.tableEndpoint};SharedAccessSignature=${sas}`;
    const sig = new URLSearchParams(sas).get("sig")!;
    const good = startHost({
      AZURE_STORAGE_CONNECTION_STRING: sasConnection,
      TASKHUB_HUB_NAME: `${HUB}sas`,
      TASKHUB_HTTP_KEY: KEY,
    });
    const gbase = `${await good.url}/runtime/webhooks/durabletask`;
    const r = await fetch(`${gbase}/orchestrators/Hello?timeout=30&pollingInterval=1&code=${KEY}`, {
      method: "POST",
      body: '"sas"',
    });
    bodies.push({ status: r.status, text: await r.clone().text() });
    expect(r.status).toBe(200);
    expect(await r.json()).toBe("hi sas");
    good.child.kill("SIGTERM");
    expect(await good.exited).toBe(0);
    logs.push(good.output());

    const wrongSig = Buffer.from(randomBytes(32)).toString("base64");
    const badSas = sas.replace(/sig=[^&]+/, `sig=${encodeURIComponent(wrongSig)}`);
    const bad = startHost({
      AZURE_STORAGE_CONNECTION_STRING: sasConnection.replace(sas, badSas),
      TASKHUB_HUB_NAME: `${HUB}bad`,
      TASKHUB_HTTP_KEY: KEY,
    });
    const code = await bad.exited;
    expect(code, "a host that cannot reach storage exits non-zero").not.toBe(0);
    logs.push(bad.output());
    expect(bad.output()).toMatch(/cannot reach the storage account|403|AuthorizationFailure|authenticat/i);

    const secrets = {
      accountKey,
      "API key": KEY,
      sig,
      "wrong sig": wrongSig,
      "SAS (url-encoded sig)": encodeURIComponent(wrongSig),
      "connection string": azurite.connectionString,
    };
    const leaks: string[] = [];
    for (const [what, secret] of Object.entries(secrets)) {
      for (const [i, text] of logs.entries())
        if (text.includes(secret)) leaks.push(`${what} in the log of host ${i}`);
      for (const b of bodies) {
        // The check-status payload's management URLs carry the key to a caller who presented it, as Durable
        // Functions' do (docs/http-api.md, "Check-status payload"); no error answer may carry it.
        if (what === "API key" && b.status >= 200 && b.status < 300) continue;
        if (b.text.includes(secret)) leaks.push(`${what} in a ${b.status} response: ${b.text.slice(0, 100)}`);
      }
    }
    expect(leaks).toEqual([]);
    const lines = logs
      .join("\n")
      .split("\n")
      .filter((l) => l.startsWith("{")).length;
    figures.push(
      `secrets: ${lines} log lines (debug level) from 3 hosts and ${bodies.length} response bodies scanned for 6 secrets: 0 found`,
    );
  }, 120_000);
});
