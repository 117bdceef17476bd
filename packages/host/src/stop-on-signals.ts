/**
 * How a host process ends on SIGINT (Ctrl+C) or SIGTERM: the first signal stops it gracefully (in-flight work
 * drained, partitions released, HTTP closed, embedded storage last) and the process exits 0, or 1 with a
 * one-line reason if stopping fails; a second signal exits 1 at once, without draining.
 */
import type { Logger as PinoLogger } from "pino";
import { logEvent } from "@taskhub/core";

export interface StopOnSignalsOptions {
  /** Where the host logs `host.signal`, `host.forcedExit` and `host.stopFailed`; one-line stderr messages without it. */
  logger?: PinoLogger;
  /** Called once, on the first signal, before `stop` (e.g. to abort work the process started itself). */
  onSignal?: (signal: NodeJS.Signals) => void;
}

export interface SignalHandlers {
  /** Acts as if `signal` had arrived (e.g. one that came before these handlers were installed). */
  receive(signal: NodeJS.Signals): void;
  remove(): void;
}

/** Installs the handlers. */
export function stopOnSignals(stop: () => Promise<void>, options: StopOnSignalsOptions = {}): SignalHandlers {
  const { logger } = options;
  let received = 0;
  const handler = (signal: NodeJS.Signals): void => {
    received++;
    if (received > 1) {
      if (logger) logEvent(logger, "host.forcedExit", { signal }, "second signal: exiting without draining");
      else console.error(`${signal} again: exiting without draining`);
      process.exit(1);
    }
    if (logger) logEvent(logger, "host.signal", { signal }, "stopping gracefully");
    else console.error(`${signal}: stopping gracefully (press Ctrl+C again to exit at once)`);
    options.onSignal?.(signal);
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        if (logger) logEvent(logger, "host.stopFailed", { err }, "stop failed");
        else console.error(`stop failed: ${(err as Error)?.message ?? String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    receive: handler,
    remove: () => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
