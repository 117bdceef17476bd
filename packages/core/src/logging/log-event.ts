/**
 * Writing one catalogued log event: `logEvent(logger, "partition.acquired", { partition }, "partition acquired")`.
 * The level comes from the catalogue (log-events.ts), the name must be one of its names and the fields exactly
 * its entry's fields, so the compiler holds every emit site to the catalogue. Runtime code writes events only
 * through here (the lint config rejects an `event` field in a direct `logger.info/warn/...` call).
 */
import type { Logger } from "../replay/logger.js";
import { LOG_EVENTS, type LogEventFields, type LogEventName } from "./log-events.js";

export function logEvent<N extends LogEventName>(
  logger: Logger,
  event: N,
  fields: LogEventFields<N>,
  msg?: string,
): void {
  const { level, description } = LOG_EVENTS[event];
  logger[level]({ event, ...fields }, msg ?? description);
}
