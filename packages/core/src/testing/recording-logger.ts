/**
 * A logger for tests that keeps every line, so a test asserts on catalogued log events by name
 * (`logger.events("dispatcher.fetchFailed")`): a name not in the catalogue fails to compile, and a line
 * written at another level than the catalogue's fails the test.
 */
import type { Logger } from "../replay/logger.js";
import { LOG_EVENTS, type LogEventName, type LogLevel } from "../logging/log-events.js";

export interface LoggedLine {
  readonly level: LogLevel;
  /** The line's fields, with the bindings of the child logger it went through. */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly msg?: string;
}

/** pino's numeric levels (10 trace … 60 fatal) on the four the catalogue uses. */
function pinoLevel(level: unknown): LogLevel {
  const n = typeof level === "number" ? level : 30;
  return n < 30 ? "debug" : n < 40 ? "info" : n < 50 ? "warn" : "error";
}

export class RecordingLogger implements Logger {
  constructor(
    readonly lines: LoggedLine[] = [],
    private readonly bindings: Readonly<Record<string, unknown>> = {},
  ) {}

  debug(obj: object | string, msg?: string): void {
    this.record("debug", obj, msg);
  }
  info(obj: object | string, msg?: string): void {
    this.record("info", obj, msg);
  }
  warn(obj: object | string, msg?: string): void {
    this.record("warn", obj, msg);
  }
  error(obj: object | string, msg?: string): void {
    this.record("error", obj, msg);
  }

  /**
   * The log events in a process's output of pino JSON lines (the host's), to assert on as on a live logger.
   * Lines that are not JSON objects are skipped; `time`, `pid`, `hostname` and `msg` are not fields.
   */
  static fromPinoLines(text: string): RecordingLogger {
    const logger = new RecordingLogger();
    for (const line of text.split("\n")) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        continue; // not a log line (text a library printed, a partial line)
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) continue;
      const {
        level,
        time: _time,
        pid: _pid,
        hostname: _hostname,
        msg,
        ...fields
      } = parsed as Record<string, unknown>;
      logger.lines.push({ level: pinoLevel(level), fields, msg: typeof msg === "string" ? msg : undefined });
    }
    return logger;
  }

  /** A child writes into the same lines, with `bindings` on each. */
  child(bindings: Record<string, unknown>): RecordingLogger {
    return new RecordingLogger(this.lines, { ...this.bindings, ...bindings });
  }

  /** The fields (without `event`) of every line of `name`, in order. Throws if one was not at the catalogue's level. */
  events(name: LogEventName): Record<string, unknown>[] {
    const expected = LOG_EVENTS[name].level;
    return this.lines
      .filter((l) => l.fields.event === name)
      .map(({ level, fields: { event: _event, ...rest } }) => {
        if (level !== expected)
          throw new Error(`log event ${name} was written at ${level}; the catalogue says ${expected}`);
        return rest;
      });
  }

  /** The `event` of every line that has one, in order. */
  eventNames(): string[] {
    return this.lines.flatMap((l) => (typeof l.fields.event === "string" ? [l.fields.event] : []));
  }

  private record(level: LogLevel, obj: object | string, msg?: string): void {
    const fields = typeof obj === "string" ? { ...this.bindings } : { ...this.bindings, ...obj };
    this.lines.push({ level, fields, msg: typeof obj === "string" ? obj : msg });
  }
}
