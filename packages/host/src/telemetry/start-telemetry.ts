/**
 * Starts the OpenTelemetry Node SDK for the host, as `telemetrySettings` chose: the span exporters from
 * `OTEL_TRACES_EXPORTER` (the SDK builds them and reads their own variables: endpoint, headers, protocol,
 * timeouts, batch sizes, the sampler, the propagators, the resource), the metric readers from
 * `OTEL_METRICS_EXPORTER`, where `prometheus` is a reader the host's HTTP server answers `/metrics` from instead
 * of the exporter's own server on port 9464. No auto-instrumentation: the spans are taskhub's (the
 * `DurableTask.Core` tracer) and those the app's code makes.
 *
 * The SDK's modules are imported here, when the host starts with telemetry on, never by a host without it.
 */
import type { TelemetrySettings } from "./telemetry-settings.js";

export interface Telemetry {
  /** `/metrics` in Prometheus' text format; undefined unless `OTEL_METRICS_EXPORTER` names prometheus. */
  readonly prometheus: (() => Promise<Response>) | undefined;
  /** Flushes what is buffered (spans, the last metrics) and stops the SDK. */
  shutdown(): Promise<void>;
}

export async function startTelemetry(settings: TelemetrySettings): Promise<Telemetry> {
  const [{ NodeSDK, metrics: sdkMetrics }, prometheusModule, sdkUtils] = await Promise.all([
    import("@opentelemetry/sdk-node"),
    settings.metrics.includes("prometheus") ? import("@opentelemetry/exporter-prometheus") : undefined,
    settings.metrics.includes("otlp")
      ? // The SDK's own OTLP metric exporter from the environment (protocol, endpoint, interval), as it
        // builds it when it reads OTEL_METRICS_EXPORTER itself; it takes no reader of ours beside its own.
        import("@opentelemetry/sdk-node/build/src/utils.js")
      : undefined,
  ]);

  let prometheusReader: import("@opentelemetry/exporter-prometheus").PrometheusExporter | undefined;
  const metricReaders = settings.metrics.map((name) => {
    switch (name) {
      case "prometheus":
        return (prometheusReader = new prometheusModule!.PrometheusExporter({ preventServerStart: true }));
      case "console":
        return new sdkMetrics.PeriodicExportingMetricReader({
          exporter: new sdkMetrics.ConsoleMetricExporter(),
        });
      case "otlp":
        return sdkUtils!.getPeriodicExportingMetricReaderFromEnv(sdkUtils!.getOtlpMetricExporterFromEnv());
    }
  });

  const sdk = new NodeSDK({
    ...(settings.serviceNameSet ? {} : { serviceName: "taskhub" }),
    metricReaders,
    // No span processor: no tracer provider. Otherwise the SDK builds them from OTEL_TRACES_EXPORTER (when it
    // is unset, an OTLP endpoint chose otlp, the SDK's own default).
    ...(settings.traces.length === 0 ? { spanProcessors: [] } : {}),
    // The host's logs are its pino lines (with trace_id / span_id); it exports no log records.
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();

  let serializer: import("@opentelemetry/exporter-prometheus").PrometheusSerializer | undefined;
  const reader = prometheusReader;
  return {
    prometheus: reader
      ? async () => {
          serializer ??= new prometheusModule!.PrometheusSerializer();
          const { resourceMetrics } = await reader.collect();
          return new Response(serializer.serialize(resourceMetrics), {
            headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
          });
        }
      : undefined,
    shutdown: () => sdk.shutdown(),
  };
}
