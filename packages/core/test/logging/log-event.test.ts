// logEvent: the level comes from the catalogue, the line carries the event name first and then the fields.
import { describe, expect, it } from "vitest";
import type { Logger } from "../../src/index.js";
import { logEvent } from "../../src/logging/log-event.js";
import { LOG_EVENTS } from "../../src/logging/log-events.js";
import { RecordingLogger } from "../../src/testing/index.js";

describe("logEvent", () => {
  it("writes at the catalogue's level, event first, with the message given or the entry's description", () => {
    const logger = new RecordingLogger();
    const err = new Error("boom");
    logEvent(logger, "dispatcher.processFailed", { dispatcher: "activities", err }, "processing failed");
    logEvent(logger, "partition.acquired", { partition: "hub-control-00" });
    logEvent(logger, "orchestration.checkpoint", { executionId: "e", status: "Running", newEvents: 3 });
    expect(logger.lines).toEqual([
      {
        level: "error",
        fields: { event: "dispatcher.processFailed", dispatcher: "activities", err },
        msg: "processing failed",
      },
      {
        level: "info",
        fields: { event: "partition.acquired", partition: "hub-control-00" },
        msg: LOG_EVENTS["partition.acquired"].description,
      },
      {
        level: "debug",
        fields: { event: "orchestration.checkpoint", executionId: "e", status: "Running", newEvents: 3 },
        msg: LOG_EVENTS["orchestration.checkpoint"].description,
      },
    ]);
    expect(Object.keys(logger.lines[0]!.fields)[0]).toBe("event");
  });

  it("takes a dynamic name whose every expansion is catalogued", () => {
    const logger = new RecordingLogger();
    for (const kind of ["intent", "ownership"] as const)
      logEvent(logger, `lease.${kind}Lost`, { partition: "q", err: undefined });
    expect(logger.events("lease.intentLost")).toHaveLength(1);
    expect(logger.events("lease.ownershipLost")).toHaveLength(1);
  });
});

// Checked by `tsc --noEmit` (the package's typecheck), never run: each line must fail to compile.
export function _compileErrors(logger: Logger, kind: "intent" | "bogus"): void {
  // @ts-expect-error a name not in the catalogue
  logEvent(logger, "worker.exploded", {});
  // @ts-expect-error a field missing
  logEvent(logger, "partition.acquired", {});
  // @ts-expect-error a field not in the entry
  logEvent(logger, "partition.acquired", { partition: "q", extra: 1 });
  // @ts-expect-error one expansion of the name is not catalogued
  logEvent(logger, `lease.${kind}Lost`, { partition: "q", err: undefined });
}
