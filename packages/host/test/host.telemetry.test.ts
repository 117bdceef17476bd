// createHost and the OTEL_* variables: a bad one is refused with the rest of the configuration, before the
// host binds its port or starts storage; `telemetry: false` leaves them to the application's own SDK.
import { afterEach, describe, expect, it } from "vitest";
import { RecordingLogger } from "@taskhub/core/testing";
import { createHost } from "../src/index.js";

const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (k.startsWith("OTEL_")) delete process.env[k];
  Object.assign(process.env, saved);
});

describe("createHost with OTEL_* variables", () => {
  it("refuses an unknown exporter before it starts anything", async () => {
    process.env.OTEL_METRICS_EXPORTER = "prometheus,statsd";
    const logger = new RecordingLogger();
    await expect(
      createHost({
        config: { http: { port: 0, authDisabled: true }, hubName: "RefusedHub" },
        env: {},
        logger: logger as never,
        register: () => {},
      }),
    ).rejects.toMatchObject({
      code: "InvalidArgument",
      message:
        "OTEL_METRICS_EXPORTER=prometheus,statsd: unknown value 'statsd' (accepted: otlp, console, prometheus, none, comma-separated)",
    });
    // Nothing started: no embedded Azurite, no start line.
    expect(logger.lines).toEqual([]);
  });

  it("does not even read them with telemetry: false", async () => {
    process.env.OTEL_TRACES_EXPORTER = "no-such-exporter";
    // Production without storage: refused by the next check, which runs once the OTEL_* one passed.
    await expect(
      createHost({
        config: { http: { port: 0, authDisabled: true }, production: true },
        env: {},
        logger: new RecordingLogger() as never,
        telemetry: false,
        register: () => {},
      }),
    ).rejects.toThrow(/^no storage configured/);
  });
});
