import { describe, expect, it } from "vitest";
import { TaskHubError } from "@taskhub/core";
import { telemetrySettings } from "../../src/telemetry/telemetry-settings.js";

function refused(env: Record<string, string>): string {
  try {
    telemetrySettings(env);
  } catch (err) {
    expect(err).toBeInstanceOf(TaskHubError);
    expect((err as TaskHubError).code).toBe("InvalidArgument");
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe("telemetrySettings", () => {
  it("is off without an exporter or an OTLP endpoint, whatever else is set", () => {
    expect(telemetrySettings({})).toBeUndefined();
    expect(
      telemetrySettings({ OTEL_SERVICE_NAME: "orders", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }),
    ).toBeUndefined();
    expect(
      telemetrySettings({ OTEL_TRACES_EXPORTER: "none", OTEL_METRICS_EXPORTER: " none " }),
    ).toBeUndefined();
    expect(telemetrySettings({ OTEL_TRACES_EXPORTER: "" })).toBeUndefined();
  });

  it("is off with OTEL_SDK_DISABLED=true, whatever the exporters", () => {
    expect(
      telemetrySettings({
        OTEL_SDK_DISABLED: "TRUE",
        OTEL_TRACES_EXPORTER: "otlp",
        OTEL_METRICS_EXPORTER: "prometheus",
      }),
    ).toBeUndefined();
    expect(telemetrySettings({ OTEL_SDK_DISABLED: "false", OTEL_TRACES_EXPORTER: "otlp" })?.traces).toEqual([
      "otlp",
    ]);
  });

  it("takes the exporter lists, deduplicated, and an OTLP endpoint as the signal's otlp exporter", () => {
    expect(
      telemetrySettings({
        OTEL_TRACES_EXPORTER: "otlp, console,otlp",
        OTEL_METRICS_EXPORTER: "prometheus,otlp",
      }),
    ).toEqual({ traces: ["otlp", "console"], metrics: ["prometheus", "otlp"], serviceNameSet: false });
    expect(telemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toMatchObject({
      traces: ["otlp"],
      metrics: ["otlp"],
    });
    expect(
      telemetrySettings({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
        OTEL_METRICS_EXPORTER: "none",
      }),
    ).toMatchObject({ traces: ["otlp"], metrics: [] });
    expect(
      telemetrySettings({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "http://c:4318/v1/metrics" }),
    ).toMatchObject({
      traces: [],
      metrics: ["otlp"],
    });
  });

  it("knows whether the service is named", () => {
    expect(
      telemetrySettings({ OTEL_TRACES_EXPORTER: "console", OTEL_SERVICE_NAME: "orders" })?.serviceNameSet,
    ).toBe(true);
    expect(
      telemetrySettings({
        OTEL_TRACES_EXPORTER: "console",
        OTEL_RESOURCE_ATTRIBUTES: "team=a,service.name=orders",
      })?.serviceNameSet,
    ).toBe(true);
    expect(
      telemetrySettings({ OTEL_TRACES_EXPORTER: "console", OTEL_RESOURCE_ATTRIBUTES: "service.namespace=a" })
        ?.serviceNameSet,
    ).toBe(false);
  });

  it("refuses an unknown name with the variable and the accepted values", () => {
    expect(refused({ OTEL_TRACES_EXPORTER: "jaeger" })).toBe(
      "OTEL_TRACES_EXPORTER=jaeger: unknown value 'jaeger' (accepted: otlp, console, zipkin, none, comma-separated)",
    );
    expect(refused({ OTEL_METRICS_EXPORTER: "otlp,statsd" })).toContain(
      "unknown value 'statsd' (accepted: otlp, console, prometheus, none",
    );
    expect(refused({ OTEL_TRACES_EXPORTER: "otlp,none" })).toBe(
      "OTEL_TRACES_EXPORTER=otlp,none: 'none' cannot be combined with other values",
    );
    expect(refused({ OTEL_TRACES_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_PROTOCOL: "http" })).toBe(
      "OTEL_EXPORTER_OTLP_PROTOCOL=http: unknown value (accepted: grpc, http/protobuf, http/json)",
    );
    expect(refused({ OTEL_TRACES_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "json" })).toContain(
      "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=json",
    );
    expect(refused({ OTEL_TRACES_EXPORTER: "otlp", OTEL_PROPAGATORS: "tracecontext,xray" })).toContain(
      "unknown value 'xray'",
    );
    expect(refused({ OTEL_TRACES_EXPORTER: "otlp", OTEL_TRACES_SAMPLER: "ratio" })).toContain(
      "OTEL_TRACES_SAMPLER=ratio: unknown value",
    );
    expect(refused({ OTEL_SDK_DISABLED: "yes" })).toBe("OTEL_SDK_DISABLED=yes: must be true or false");
    // Checked even when nothing else asks for telemetry: the mistake is reported, not silently ignored.
    expect(refused({ OTEL_METRICS_EXPORTER: "promethus" })).toContain("unknown value 'promethus'");
  });

  it("ignores a known log exporter (the host's logs are its standard output) but refuses a misspelt one", () => {
    // A fleet-wide OTEL_LOGS_EXPORTER=otlp starts the host with its traces and nothing more.
    expect(
      telemetrySettings({ OTEL_LOGS_EXPORTER: "otlp", OTEL_TRACES_EXPORTER: "console" })?.traces,
    ).toEqual(["console"]);
    expect(telemetrySettings({ OTEL_LOGS_EXPORTER: "otlp" })).toBeUndefined();
    expect(refused({ OTEL_LOGS_EXPORTER: "otlpp" })).toContain("unknown value 'otlpp'");
  });
});
