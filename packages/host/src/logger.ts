/**
 * pino logging: JSON by default (one object per line, stable `event` names), level from config. Secrets
 * never reach a log line: known secret fields are redacted, and connection-string keys, SAS signatures and
 * API keys are scrubbed from every message and error text.
 */
import { pino, type Logger as PinoLogger } from "pino";

const SECRET_PATTERNS: RegExp[] = [
  /(AccountKey=)[^;"\s]+/gi,
  /(SharedAccessSignature=)[^;"\s]+/gi,
  /([?&]sig=)[^&"\s]+/gi,
  /([?&]code=)[^&"\s]+/gi,
];

export function scrubSecrets(text: string, extra: readonly string[] = []): string {
  let out = text;
  for (const p of SECRET_PATTERNS) out = out.replace(p, "$1[REDACTED]");
  for (const s of extra) if (s && s.length >= 8) out = out.split(s).join("[REDACTED]");
  return out;
}

export function createLogger(options: { level?: string; secrets?: readonly string[] } = {}): PinoLogger {
  const secrets = options.secrets ?? [];
  return pino({
    level: options.level ?? "info",
    redact: {
      paths: [
        "connectionString",
        "*.connectionString",
        "accountKey",
        "*.accountKey",
        "key",
        "*.key",
        "storage.connectionString",
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
  });
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
