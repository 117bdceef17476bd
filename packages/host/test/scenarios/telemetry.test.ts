// OpenTelemetry switched on by the OTEL_* variables of a real `taskhub worker` process on Azurite: the chaining
// sample (classic-durable's HelloSequence), started through its Functions HTTP starter and through the management
// API, each with a caller's `traceparent`, reaches an OTLP collector (a local HTTP server that receives the real
// OTLP/JSON export) as one trace per caller; /metrics answers in Prometheus' text format; log lines written in a
// span carry its ids. Without the variables the worker loads no SDK module.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { RecordingLogger } from "@taskhub/core/testing";
import { appsDir, startAppHost, type AppHost } from "../fixtures/app-host.js";

const KEY = "telemetry-test-key-0123456789";
const recorder = fileURLToPath(new URL("../fixtures/record-imports.mjs", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "telemetry-"));
let azurite: AzuriteInstance;

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}
interface OtlpTraces {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[];
  }[];
}

/** An OTLP/HTTP collector: keeps every JSON export request it receives, by path. */
async function startCollector(): Promise<{ server: Server; url: string; received: Map<string, unknown[]> }> {
  const received = new Map<string, unknown[]>();
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const path = req.url ?? "";
      if (req.headers["content-type"]?.startsWith("application/json"))
        received.set(path, [...(received.get(path) ?? []), JSON.parse(body)]);
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const storageEnv = (): Record<string, string> => ({
  AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
  TASKHUB_HTTP_KEY: KEY,
  TASKHUB_HTTP_AUTH: "",
});

async function waitForCompletion(url: string, id: string): Promise<Record<string, unknown>> {
  for (;;) {
    const res = await fetch(`${url}/runtime/webhooks/durabletask/instances/${id}?code=${KEY}`);
    const status = (await res.json()) as Record<string, unknown>;
    if (!["Pending", "Running"].includes(String(status.runtimeStatus))) return status;
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("a worker with OTEL_TRACES_EXPORTER=otlp and OTEL_METRICS_EXPORTER=prometheus", () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let host: AppHost;
  const imports = join(dir, "on.log");
  // Two callers' traces: the Functions HTTP starter's and the management API's.
  const viaStarter = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331" };
  const viaApi = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" };
  const ids: { starter?: string; api?: string } = {};

  beforeAll(async () => {
    collector = await startCollector();
    host = await startAppHost(["--app", `${appsDir}classic-durable`], {
      ...storageEnv(),
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_METRICS_EXPORTER: "prometheus",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: "telemetry-test",
      NODE_OPTIONS: `--import=${recorder}`,
      RECORD_IMPORTS: imports,
    });
  });
  afterAll(async () => {
    if (host.child.exitCode === null) await host.stop();
    await new Promise((r) => collector?.server.close(r));
  });

  it("says so at start and loads the SDK", () => {
    expect(RecordingLogger.fromPinoLines(host.stdout()).events("host.telemetryStarted")).toMatchObject([
      { traces: ["otlp"], metrics: ["prometheus"] },
    ]);
    expect(readFileSync(imports, "utf8")).toMatch(/\/@opentelemetry\/sdk-node\//);
  });

  it("answers /metrics in Prometheus' text format, behind the host's key", async () => {
    expect((await fetch(`${host.url}/metrics`)).status).toBe(401);
    const res = await fetch(`${host.url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await res.text();
    expect(text).toContain("# TYPE target_info gauge");
    expect(text).toMatch(/target_info\{[^}]*service_name="telemetry-test"/);
    expect((await fetch(`${host.url}/metrics?code=${KEY}`)).status).toBe(200);
  });

  it("continues each caller's traceparent: one trace per orchestration, exported when the host stops", async () => {
    const tp = (c: { traceId: string; spanId: string }): string => `00-${c.traceId}-${c.spanId}-01`;
    const started = await fetch(`${host.url}/api/orchestrators/HelloSequence`, {
      method: "POST",
      headers: { traceparent: tp(viaStarter) },
    });
    expect(started.status).toBe(202);
    ids.starter = ((await started.json()) as { id: string }).id;
    const viaManagement = await fetch(
      `${host.url}/runtime/webhooks/durabletask/orchestrators/HelloSequence?code=${KEY}`,
      { method: "POST", headers: { traceparent: tp(viaApi) } },
    );
    expect(viaManagement.status).toBe(202);
    ids.api = ((await viaManagement.json()) as { id: string }).id;
    for (const id of [ids.starter, ids.api])
      expect(await waitForCompletion(host.url, id)).toMatchObject({ runtimeStatus: "Completed" });

    // SIGTERM: the host drains, then flushes the SDK before it exits.
    expect(await host.stop()).toBe(0);
    const exports = (collector.received.get("/v1/traces") ?? []) as OtlpTraces[];
    const resources = exports.flatMap((e) => e.resourceSpans);
    expect(resources.length).toBeGreaterThan(0);
    for (const r of resources)
      expect(r.resource.attributes).toContainEqual({
        key: "service.name",
        value: { stringValue: "telemetry-test" },
      });
    const spans = resources.flatMap((r) => r.scopeSpans).flatMap((s) => s.spans);

    for (const caller of [viaStarter, viaApi]) {
      const trace = spans.filter((s) => s.traceId === caller.traceId);
      const names = trace.map((s) => s.name).sort();
      expect(names).toEqual([
        "activity:Hello",
        "activity:Hello",
        "activity:Hello",
        "activity:Hello",
        "activity:Hello",
        "activity:Hello",
        "create_orchestration:HelloSequence",
        "orchestration:HelloSequence",
      ]);
      const create = trace.find((s) => s.name.startsWith("create_orchestration:"))!;
      expect(create.parentSpanId).toBe(caller.spanId);
      const orchestration = trace.find((s) => s.name.startsWith("orchestration:"))!;
      expect(orchestration.parentSpanId).toBe(create.spanId);
      // Every span hangs off one of the trace's own spans, up to the caller's.
      const known = new Set([caller.spanId, ...trace.map((s) => s.spanId)]);
      for (const s of trace) expect(known.has(s.parentSpanId ?? "")).toBe(true);
    }
    // Nothing else: every span is in one of the two callers' traces.
    expect(spans.length).toBe(16);
  });

  it("writes trace_id and span_id on the lines logged in a span", () => {
    const lines = host
      .stdout()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // The HTTP starter's context.log line: in the incoming request's context.
    const starterLog = lines.find((l) =>
      String(l.msg).includes(`Started orchestration with ID = '${ids.starter}'`),
    );
    expect(starterLog).toMatchObject({ trace_id: viaStarter.traceId, span_id: viaStarter.spanId });
    // Lines written outside any span have none.
    expect(lines.find((l) => l.event === "host.started")).not.toHaveProperty("trace_id");
  });
});

describe("a worker without OTEL_* exporter variables", () => {
  it("starts no SDK and loads none of its modules", async () => {
    const imports = join(dir, "off.log");
    const host = await startAppHost(["--app", `${appsDir}classic-durable`], {
      ...storageEnv(),
      TASKHUB_HUB_NAME: "TelemetryOffHub",
      OTEL_TRACES_EXPORTER: undefined,
      OTEL_METRICS_EXPORTER: undefined,
      OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
      OTEL_SERVICE_NAME: "ignored-without-an-exporter",
      NODE_OPTIONS: `--import=${recorder}`,
      RECORD_IMPORTS: imports,
    });
    try {
      expect((await fetch(`${host.url}/metrics?code=${KEY}`)).status).toBe(404);
    } finally {
      expect(await host.stop()).toBe(0);
    }
    const urls = readFileSync(imports, "utf8").split("\n");
    // The recorder saw the host start (its modules are in the list) but no SDK module.
    expect(urls.some((u) => u.endsWith("/host/dist/host.js"))).toBe(true);
    expect(urls.filter((u) => /\/@opentelemetry\/(?!api\/)/.test(u))).toEqual([]);
    expect(RecordingLogger.fromPinoLines(host.stdout()).events("host.telemetryStarted")).toEqual([]);
  });
});
