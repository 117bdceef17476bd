import { describe, expect, it } from "vitest";
import { resolveSettings, SETTING_DEFAULTS, SETTINGS } from "../src/settings.js";

const base = { taskHubName: "hub", storage: { connectionString: "UseDevelopmentStorage=true" } };

describe("settings", () => {
  it("every default is the one in SETTINGS, applied when a setting is left out", () => {
    const resolved = resolveSettings(base) as unknown as Record<string, unknown>;
    for (const [name, value] of Object.entries(resolved))
      expect([name, value]).toEqual([name, SETTING_DEFAULTS[name as keyof typeof SETTING_DEFAULTS]]);
    expect(SETTING_DEFAULTS.maxPollingIntervalMs).toBe(SETTINGS.maxPollingIntervalMs.default);
    expect(SETTING_DEFAULTS.partitionCount).toBe(4);
  });

  it("a setting given wins over its default; the control-queue batch is at most 32 (the queue's limit)", () => {
    expect(resolveSettings({ ...base, maxPollingIntervalMs: 500, extendedSessions: false })).toMatchObject({
      maxPollingIntervalMs: 500,
      extendedSessions: false,
    });
    expect(resolveSettings({ ...base, controlQueueBatchSize: 100 }).controlQueueBatchSize).toBe(32);
  });

  it("names the DTF and Durable Functions setting where there is one", () => {
    expect(SETTINGS.maxPollingIntervalMs).toMatchObject({
      dtf: "MaxQueuePollingInterval",
      df: "maxQueuePollingInterval",
    });
    expect(SETTINGS.controlQueueBufferThreshold).toMatchObject({
      dtf: "ControlQueueBufferThreshold",
      df: "controlQueueBufferThreshold",
    });
  });

  it("the work-item polling intervals and linger are milliseconds, 0 or more, else InvalidArgument", () => {
    expect(resolveSettings({ ...base, idleWorkItemPollingIntervalMs: 0 }).idleWorkItemPollingIntervalMs).toBe(
      0,
    );
    for (const bad of [-1, Number.NaN, Infinity, "1000" as unknown as number])
      for (const name of [
        "busyWorkItemPollingIntervalMs",
        "idleWorkItemPollingIntervalMs",
        "workItemPollingLingerMs",
      ] as const)
        expect(() => resolveSettings({ ...base, [name]: bad })).toThrowError(
          expect.objectContaining({ code: "InvalidArgument", message: expect.stringContaining(name) }),
        );
  });

  it("the polling back-off factor is more than 1 and at most 4, else InvalidArgument naming it", () => {
    expect(SETTING_DEFAULTS.pollingBackoffFactor).toBe(1.25);
    expect(resolveSettings({ ...base, pollingBackoffFactor: 2 }).pollingBackoffFactor).toBe(2);
    expect(resolveSettings({ ...base, pollingBackoffFactor: 4 }).pollingBackoffFactor).toBe(4);
    for (const bad of [1, 0.5, 0, -2, 4.01, Number.NaN, Infinity, "2" as unknown as number])
      expect(() => resolveSettings({ ...base, pollingBackoffFactor: bad })).toThrowError(
        expect.objectContaining({
          code: "InvalidArgument",
          message: expect.stringMatching(/^pollingBackoffFactor must be a number more than 1 and at most 4/),
        }),
      );
  });
});
