/**
 * The meter every taskhub instrument comes from, named `taskhub`, and the one-per-provider cache of
 * instruments. Without an OpenTelemetry SDK registered the API's meter provider is a no-op: `instruments()`
 * then answers `undefined` and the callers measure and build nothing (no clock reads, no attribute objects), so
 * a process that registers no SDK pays one map read per recording point.
 */
import { createNoopMeter, metrics, type Meter, type MeterProvider } from "@opentelemetry/api";

/** The meter's name (what a view or an exporter's filter selects taskhub's metrics by). */
export const METER_NAME = "taskhub";

/**
 * Instruments made with `create` once per registered meter provider: a provider registered (or replaced, as
 * tests do) after taskhub was loaded gets its own instruments on the next recording. `undefined` while no
 * provider is registered.
 */
export function instrumentsPerProvider<T>(create: (meter: Meter) => T): () => T | undefined {
  let provider: MeterProvider | undefined;
  let made: T | undefined;
  return () => {
    const current = metrics.getMeterProvider();
    if (current !== provider) {
      provider = current;
      const meter = current.getMeter(METER_NAME);
      made = meter === createNoopMeter() ? undefined : create(meter);
    }
    return made;
  };
}
