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
  readonly options: { trigger: { type: string; name: string }; extraInputs: unknown[]; extraOutputs: unknown[] };
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
  return args.map((a) => (typeof a === "string" ? a : a instanceof Error ? (a.stack ?? a.message) : safeJson(a))).join(" ");
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
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
  const emit = (level: "debug" | "info" | "warn" | "error", args: unknown[]): void => {
    if (logger) logger[level](fields, text(args));
    else console[level](`[${functionName}] ${text(args)}`);
  };
  const bag = new Map<unknown, unknown>();
  const outputs = new Map<unknown, unknown>();
  return {
    invocationId,
    functionName,
    extraInputs: { get: (i) => bag.get(i), set: (i, v) => void bag.set(i, v) },
    extraOutputs: { get: (o) => outputs.get(o), set: (o, v) => void outputs.set(o, v) },
    triggerMetadata: {},
    options: { trigger: { type: triggerType, name: functionName }, extraInputs: [], extraOutputs: [] },
    log: (...args) => emit("info", args),
    trace: (...args) => emit("debug", args),
    debug: (...args) => emit("debug", args),
    info: (...args) => emit("info", args),
    warn: (...args) => emit("warn", args),
    error: (...args) => emit("error", args),
  };
}
