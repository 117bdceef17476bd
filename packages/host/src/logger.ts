/**
 * pino logging: JSON by default (one object per line, stable `event` names), level from config. Secrets
 * never reach a log line: known secret fields are redacted, and connection-string keys, SAS signatures and
 * API keys are scrubbed from every message and error text. A line written while a span is active carries its
 * `trace_id` and `span_id`.
 */
import { pino, type DestinationStream, type LoggerOptions, type Logger as PinoLogger } from "pino";
import { traceLogFields } from "./telemetry/trace-log-fields.js";

/**
 * A setting name whose value is a secret: an identity-based connection's service-principal secret or
 * certificate (`AzureWebJobsStorage__clientSecret`, `<Connection>__clientCertificate...`, the file's
 * `clientSecret`) and @azure/identity's own environment variables (`AZURE_CLIENT_SECRET`,
 * `AZURE_CLIENT_CERTIFICATE_PASSWORD`, ...).
 */
const SECRET_SETTING = String.raw`client_?(?:secret|certificate\w*)`;

const SECRET_PATTERNS: RegExp[] = [
  /(AccountKey=)[^;"\s]+/gi,
  /(SharedAccessSignature=)[^;"\s]+/gi,
  /([?&]sig=)[^&"\s]+/gi,
  /([?&]code=)[^&"\s]+/gi,
  // `name=value`, `name: value` and JSON's `"name":"value"` for a secret setting's name.
  new RegExp(String.raw`((?:^|[^a-z0-9])${SECRET_SETTING}["']?\s*[=:]\s*["']?)[^;"'\s,}&]+`, "gi"),
];

/** Whether a setting (environment variable, app setting, configuration key) holds a secret. */
export function isSecretSetting(name: string): boolean {
  return new RegExp(String.raw`(?:^|[^a-z0-9])${SECRET_SETTING}$`, "i").test(name);
}

/** The values of the secret settings among `settings` (to scrub wherever they appear). */
export function secretSettingValues(...settings: (Record<string, unknown> | undefined)[]): string[] {
  const out: string[] = [];
  for (const group of settings)
    for (const [name, value] of Object.entries(group ?? {}))
      if (typeof value === "string" && value !== "" && isSecretSetting(name)) out.push(value);
  return out;
}

export function scrubSecrets(text: string, extra: readonly string[] = []): string {
  let out = text;
  for (const p of SECRET_PATTERNS) out = out.replace(p, "$1[REDACTED]");
  for (const s of extra) if (s && s.length >= 8) out = out.split(s).join("[REDACTED]");
  return out;
}

export interface CreateLoggerOptions {
  level?: string;
  /** Values to hide wherever they appear (at least 8 characters). */
  secrets?: readonly string[];
  /** Where the lines go (default standard output). */
  destination?: DestinationStream;
}

export function createLogger(options: CreateLoggerOptions = {}): PinoLogger {
  const secrets = options.secrets ?? [];
  const settings: LoggerOptions = {
    level: options.level ?? "info",
    mixin: traceLogFields,
    redact: {
      paths: [
        "connectionString",
        "*.connectionString",
        "accountKey",
        "*.accountKey",
        "key",
        "*.key",
        "storage.connectionString",
        "clientSecret",
        "*.clientSecret",
        "clientCertificatePassword",
        "*.clientCertificatePassword",
      ],
      censor: "[REDACTED]",
    },
    formatters: {
      log(obj) {
        return JSON.parse(scrubSecrets(JSON.stringify(obj, errorReplacer), secrets)) as Record<
          string,
          unknown
        >;
      },
    },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a) => (typeof a === "string" ? scrubSecrets(a, secrets) : a)) as Parameters<
            typeof method
          >,
        );
      },
    },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error)
    return {
      type: value.name,
      message: value.message,
      stack: value.stack,
      code: (value as { code?: unknown }).code,
    };
  return value;
}
