/**
 * What the host's OpenTelemetry SDK is to do, read from the standard `OTEL_*` environment variables, and
 * checked before anything starts: an exporter, protocol, propagator or sampler name the SDK does not know is
 * an `InvalidArgument` naming the variable and the accepted values (the SDK itself would only warn and carry
 * on without it).
 *
 * Off by default, unlike the specification's "otlp" default: with no exporter variable and no OTLP endpoint
 * set, or with `OTEL_SDK_DISABLED=true`, the host starts no SDK and loads none of it. An OTLP endpoint alone
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, or the signal's own `..._TRACES_ENDPOINT` / `..._METRICS_ENDPOINT`) switches
 * that signal on with the OTLP exporter, the specification's default exporter.
 */
import { InvalidArgumentError } from "@taskhub/core";

export type TraceExporterName = "otlp" | "console" | "zipkin";
export type MetricExporterName = "otlp" | "console" | "prometheus";

export interface TelemetrySettings {
  /** The span exporters (none: no tracer provider). */
  traces: TraceExporterName[];
  /** The metric exporters; `prometheus` is the host's `/metrics` endpoint. */
  metrics: MetricExporterName[];
  /** `OTEL_SERVICE_NAME` or `service.name` in `OTEL_RESOURCE_ATTRIBUTES`; else the host names itself. */
  serviceNameSet: boolean;
}

const TRACE_EXPORTERS: readonly string[] = ["otlp", "console", "zipkin", "none"];
const METRIC_EXPORTERS: readonly string[] = ["otlp", "console", "prometheus", "none"];
const LOG_EXPORTERS: readonly string[] = ["none"];
const PROTOCOLS: readonly string[] = ["grpc", "http/protobuf", "http/json"];
const PROPAGATORS: readonly string[] = ["tracecontext", "baggage", "b3", "b3multi", "jaeger", "none"];
const SAMPLERS: readonly string[] = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
];

type Env = Record<string, string | undefined>;

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/** A comma-separated list, each name one of `allowed`; "none" may only stand alone. */
function list(env: Env, name: string, allowed: readonly string[]): string[] | undefined {
  const raw = value(env, name);
  if (raw === undefined) return undefined;
  const names = [
    ...new Set(
      raw
        .split(",")
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
  for (const n of names)
    if (!allowed.includes(n))
      throw new InvalidArgumentError(
        `${name}=${raw}: unknown value '${n}' (accepted: ${allowed.join(", ")}, comma-separated)`,
      );
  if (names.includes("none") && names.length > 1)
    throw new InvalidArgumentError(`${name}=${raw}: 'none' cannot be combined with other values`);
  return names.filter((n) => n !== "none");
}

function oneOf(env: Env, name: string, allowed: readonly string[]): void {
  const v = value(env, name);
  if (v !== undefined && !allowed.includes(v))
    throw new InvalidArgumentError(`${name}=${v}: unknown value (accepted: ${allowed.join(", ")})`);
}

/** The settings, or undefined when the host is to start no SDK. Throws `InvalidArgument` for a bad value. */
export function telemetrySettings(env: Env): TelemetrySettings | undefined {
  const disabled = value(env, "OTEL_SDK_DISABLED");
  if (disabled !== undefined && !/^(true|false)$/i.test(disabled))
    throw new InvalidArgumentError(`OTEL_SDK_DISABLED=${disabled}: must be true or false`);
  if (disabled?.toLowerCase() === "true") return undefined;

  const endpoint = value(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
  const traces = (list(env, "OTEL_TRACES_EXPORTER", TRACE_EXPORTERS) ??
    ((endpoint ?? value(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) ? ["otlp"] : [])) as TraceExporterName[];
  const metrics = (list(env, "OTEL_METRICS_EXPORTER", METRIC_EXPORTERS) ??
    ((endpoint ?? value(env, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"))
      ? ["otlp"]
      : [])) as MetricExporterName[];
  // Checked for a misspelt name, then ignored: the host's logs are its JSON lines on standard output (with
  // trace_id and span_id), not log records, and a fleet-wide OTEL_LOGS_EXPORTER=otlp must not stop the host.
  list(env, "OTEL_LOGS_EXPORTER", [...LOG_EXPORTERS, "otlp", "console"]);
  for (const name of [
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
  ])
    oneOf(env, name, PROTOCOLS);
  list(env, "OTEL_PROPAGATORS", PROPAGATORS);
  oneOf(env, "OTEL_TRACES_SAMPLER", SAMPLERS);
  if (traces.length === 0 && metrics.length === 0) return undefined;

  const resourceAttributes = value(env, "OTEL_RESOURCE_ATTRIBUTES") ?? "";
  return {
    traces,
    metrics,
    serviceNameSet:
      value(env, "OTEL_SERVICE_NAME") !== undefined || /(^|,)\s*service\.name\s*=/.test(resourceAttributes),
  };
}
