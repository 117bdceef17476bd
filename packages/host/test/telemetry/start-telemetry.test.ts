// The SDK as startTelemetry builds it, in this process: OTLP metrics and traces exported over OTLP/JSON to a
// local collector (a plain HTTP server receiving the real export requests) when it shuts down, the Prometheus
// reader's text at the same time.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { metrics, trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTelemetry } from "../../src/telemetry/start-telemetry.js";

const received: { path: string; body: Record<string, unknown> }[] = [];
const collector = createServer((req, res) => {
  let body = "";
  req.on("data", (c: Buffer) => (body += c.toString()));
  req.on("end", () => {
    received.push({ path: req.url ?? "", body: JSON.parse(body) as Record<string, unknown> });
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  });
});
const saved = { ...process.env };

beforeAll(async () => {
  await new Promise<void>((r) => collector.listen(0, "127.0.0.1", r));
  Object.assign(process.env, {
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
  });
});
afterAll(async () => {
  for (const k of Object.keys(process.env)) if (k.startsWith("OTEL_")) delete process.env[k];
  Object.assign(process.env, saved);
  await new Promise((r) => collector.close(r));
});

describe("startTelemetry", () => {
  it("exports spans and metrics over OTLP, serves the Prometheus text, and flushes on shutdown", async () => {
    const telemetry = await startTelemetry({
      traces: ["otlp"],
      metrics: ["otlp", "prometheus"],
      serviceNameSet: false,
    });
    metrics.getMeter("test").createCounter("taskhub_test_things").add(3, { kind: "a" });
    trace.getTracer("DurableTask.Core").startSpan("orchestration:X").end();

    const scrape = await telemetry.prometheus!();
    expect(scrape.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await scrape.text();
    expect(text).toMatch(/taskhub_test_things(_total)?\{kind="a"[^}]*\} 3/);
    expect(text).toMatch(/target_info\{[^}]*service_name="taskhub"/);

    await telemetry.shutdown();
    const paths = received.map((r) => r.path);
    expect(paths).toContain("/v1/traces");
    expect(paths).toContain("/v1/metrics");
    expect(JSON.stringify(received.find((r) => r.path === "/v1/traces")!.body)).toContain(
      '"name":"orchestration:X"',
    );
    expect(JSON.stringify(received.find((r) => r.path === "/v1/metrics")!.body)).toContain(
      '"name":"taskhub_test_things"',
    );
  });
});
