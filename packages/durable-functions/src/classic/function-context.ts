/**
 * The Functions `Context` of the classic model (the Node.js v3 programming model that durable-functions 2.x
 * runs on): `context.bindings.<name>`, `context.bindingData`, `context.log(...)` with `.error / .warn /
 * .info / .verbose`, `context.done(err, result)`, `context.executionContext`, `context.invocationId`.
 * Orchestrators get `context.df` (2.x's orchestration context), entities the entity `context.df`.
 * As in 2.x, logs from orchestrators are not replay-safe (check `context.df.isReplaying`).
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "@taskhub/core";
import type { DurableEntityContext } from "../entity/entity-context.js";
import type { ClassicOrchestrationContext } from "./orchestration-context.js";

/** `context.log`: callable, plus one method per level. */
export interface ClassicLogger {
  (...args: unknown[]): void;
  error(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  info(...args: unknown[]): void;
  verbose(...args: unknown[]): void;
}

/** A function.json binding as the function sees it in `bindingDefinitions`. */
export interface ClassicBindingDefinition {
  name: string;
  type: string;
  direction: string;
}

export interface ClassicContext {
  invocationId: string;
  executionContext: {
    invocationId: string;
    functionName: string;
    functionDirectory: string;
    retryContext: null;
  };
  bindings: Record<string, any>;
  bindingData: Record<string, any>;
  bindingDefinitions: ClassicBindingDefinition[];
  traceContext: { traceparent: string | null; tracestate: string | null; attributes: Record<string, string> };
  log: ClassicLogger;
  /** The callback style: `done(err)` fails the function, `done(null, result)` returns `result`. */
  done(err?: unknown, result?: unknown): void;
  [other: string]: any;
}

/** 2.x's `IOrchestrationFunctionContext`. */
export interface ClassicOrchestrationFunctionContext extends ClassicContext {
  df: ClassicOrchestrationContext;
}

/** 2.x's `IEntityFunctionContext`. */
export interface ClassicEntityContext<T> extends ClassicContext {
  df: DurableEntityContext<T>;
}

export interface ClassicContextInit {
  functionName: string;
  functionDirectory?: string;
  bindings?: Record<string, unknown>;
  bindingData?: Record<string, unknown>;
  bindingDefinitions?: readonly Record<string, unknown>[];
  /** Where logs go (pino-compatible); default the console. */
  logger?: Logger;
  /** Log fields added to every line (e.g. the instance id). */
  logFields?: Record<string, unknown>;
  done?: (err?: unknown, result?: unknown) => void;
}

function text(args: unknown[]): string {
  return args
    .map((a) => {
      if (typeof a === "string") return a;
      if (a instanceof Error) return a.stack ?? a.message;
      try {
        return JSON.stringify(a) ?? String(a);
      } catch {
        return String(a); // not serializable (a cycle, a BigInt)
      }
    })
    .join(" ");
}

function classicLogger(functionName: string, logger: Logger | undefined, fields: Record<string, unknown>) {
  const at =
    (level: "error" | "warn" | "info" | "debug") =>
    (...args: unknown[]): void => {
      if (logger) logger[level](fields, text(args));
      else console[level](`[${functionName}] ${text(args)}`);
    };
  return Object.assign(at("info"), {
    error: at("error"),
    warn: at("warn"),
    info: at("info"),
    verbose: at("debug"),
  }) as ClassicLogger;
}

/** Only name / type / direction of each binding, as the Functions host lists them. */
function definitions(bindings: readonly Record<string, unknown>[]): ClassicBindingDefinition[] {
  return bindings.map((b) => ({
    name: String(b.name ?? ""),
    type: String(b.type ?? ""),
    direction: String(b.direction ?? "in"),
  }));
}

/** A classic `Context` for one invocation (the host's HTTP functions may build theirs with it too). */
export function createClassicContext(init: ClassicContextInit): ClassicContext {
  const invocationId = randomUUID();
  const fields = { functionName: init.functionName, invocationId, ...(init.logFields ?? {}) };
  const now = new Date();
  return {
    invocationId,
    executionContext: {
      invocationId,
      functionName: init.functionName,
      functionDirectory: init.functionDirectory ?? "",
      retryContext: null,
    },
    bindings: { ...(init.bindings ?? {}) },
    bindingData: {
      invocationId,
      ...(init.bindingData ?? {}),
      sys: { methodName: init.functionName, utcNow: now.toISOString(), randGuid: randomUUID() },
    },
    bindingDefinitions: definitions(init.bindingDefinitions ?? []),
    traceContext: { traceparent: null, tracestate: null, attributes: {} },
    log: classicLogger(init.functionName, init.logger, fields),
    done: init.done ?? (() => {}),
  };
}
