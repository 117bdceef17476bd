/**
 * The Functions `InvocationContext` part of v3's contexts (`context.log`, `context.invocationId`, ...).
 * As in v3 these logs are not replay-safe; check `context.df.isReplaying` where that matters.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "@taskhub/core";

export interface InvocationContext {
  readonly invocationId: string;
  readonly functionName: string;
  readonly extraInputs: { get(input: unknown): unknown; set(input: unknown, value: unknown): void };
  readonly extraOutputs: { get(output: unknown): unknown; set(output: unknown, value: unknown): void };
  readonly triggerMetadata: Record<string, unknown>;
  readonly options: {
    trigger: { type: string; name: string };
    extraInputs: unknown[];
    extraOutputs: unknown[];
  };
  readonly retryContext?: undefined;
  readonly traceContext?: undefined;
  log(...args: unknown[]): void;
  trace(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

function text(args: unknown[]): string {
  return args
    .map((a) => (typeof a === "string" ? a : a instanceof Error ? (a.stack ?? a.message) : safeJson(a)))
    .join(" ");
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v); // not serializable (a cycle, a BigInt)
  }
}

/** A binding is looked up by its name, as in `@azure/functions` (`get(input)` and `get("name")` agree). */
function bindingKey(binding: unknown): unknown {
  const name = (binding as { name?: unknown } | null | undefined)?.name;
  return typeof binding === "string" || typeof name !== "string" ? binding : name;
}

/** `@azure/functions`' log levels, as the `logHandler` of an invocation context receives them. */
export type LogLevel = "trace" | "debug" | "information" | "warning" | "error" | "critical" | "none";
export type LogHandler = (level: LogLevel, ...args: unknown[]) => void;

export interface InvocationContextInit {
  invocationId?: string;
  functionName?: string;
  logHandler?: LogHandler;
  trigger?: { type: string; name: string };
}

/**
 * The `InvocationContext` every function gets (and the base of the dummy contexts for unit tests): logs go
 * to `logHandler` with `@azure/functions`' levels (`log`/`info` → information, `warn` → warning, ...).
 */
export class BasicInvocationContext implements InvocationContext {
  readonly invocationId: string;
  readonly functionName: string;
  readonly extraInputs: InvocationContext["extraInputs"];
  readonly extraOutputs: InvocationContext["extraOutputs"];
  readonly triggerMetadata: Record<string, unknown> = {};
  readonly options: InvocationContext["options"];
  readonly log: (...args: unknown[]) => void;
  readonly trace: (...args: unknown[]) => void;
  readonly debug: (...args: unknown[]) => void;
  readonly info: (...args: unknown[]) => void;
  readonly warn: (...args: unknown[]) => void;
  readonly error: (...args: unknown[]) => void;

  constructor(init: InvocationContextInit = {}) {
    this.invocationId = init.invocationId || "unknown";
    this.functionName = init.functionName || "unknown";
    const inputs = new Map<unknown, unknown>();
    const outputs = new Map<unknown, unknown>();
    this.extraInputs = {
      get: (i) => inputs.get(bindingKey(i)),
      set: (i, v) => void inputs.set(bindingKey(i), v),
    };
    this.extraOutputs = {
      get: (o) => outputs.get(bindingKey(o)),
      set: (o, v) => void outputs.set(bindingKey(o), v),
    };
    this.options = {
      trigger: init.trigger ?? { type: "unknown", name: "unknown" },
      extraInputs: [],
      extraOutputs: [],
    };
    // Own properties, so `const { log } = context` keeps working.
    const handler = init.logHandler ?? ((_level, ...args) => console.log(...args));
    this.log = (...args) => handler("information", ...args);
    this.trace = (...args) => handler("trace", ...args);
    this.debug = (...args) => handler("debug", ...args);
    this.info = (...args) => handler("information", ...args);
    this.warn = (...args) => handler("warning", ...args);
    this.error = (...args) => handler("error", ...args);
  }
}

/** Forwards to `logger` when given, else to the console (as the Functions worker does). */
export function createInvocationContext(
  functionName: string,
  triggerType: string,
  logger: Logger | undefined,
  extra: Record<string, unknown> = {},
): InvocationContext {
  const invocationId = randomUUID();
  const fields = { functionName, invocationId, ...extra };
  const logHandler: LogHandler = (level, ...args) => {
    if (level === "none") return;
    const to =
      level === "trace" || level === "debug"
        ? "debug"
        : level === "information"
          ? "info"
          : level === "warning"
            ? "warn"
            : "error";
    if (logger) logger[to](fields, text(args));
    else console[to](`[${functionName}] ${text(args)}`);
  };
  return new BasicInvocationContext({
    functionName,
    invocationId,
    logHandler,
    trigger: { type: triggerType, name: functionName },
  });
}
