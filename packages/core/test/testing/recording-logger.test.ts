import { describe, expect, it } from "vitest";
import { RecordingLogger } from "../../src/testing/index.js";

describe("RecordingLogger", () => {
  it("keeps every line, children's with their bindings, and lists event names in order", () => {
    const logger = new RecordingLogger();
    logger.info({ event: "worker.started" }, "worker started");
    logger.child({ instanceId: "i" }).warn({ event: "orchestration.abandoned", delayMs: 5 });
    logger.debug("plain text");
    expect(logger.eventNames()).toEqual(["worker.started", "orchestration.abandoned"]);
    expect(logger.events("orchestration.abandoned")).toEqual([{ instanceId: "i", delayMs: 5 }]);
    expect(logger.lines[2]).toEqual({ level: "debug", fields: {}, msg: "plain text" });
  });

  it("fails a test when an event was written at another level than the catalogue's", () => {
    const logger = new RecordingLogger();
    logger.info({ event: "dispatcher.processFailed" });
    expect(() => logger.events("dispatcher.processFailed")).toThrow(
      "log event dispatcher.processFailed was written at info; the catalogue says error",
    );
  });

  it("reads a process's pino JSON lines, skipping what is not JSON", () => {
    const text = [
      '{"level":30,"time":1,"pid":2,"hostname":"h","event":"host.started","taskHub":"Hub","msg":"host started"}',
      "not json",
      '{"level":40,"time":1,"pid":2,"hostname":"h","event":"host.forcedExit","signal":"SIGINT","msg":"x"}',
      '{"level":50,"time":1,"msg":"no event"}',
      "",
    ].join("\n");
    const logger = RecordingLogger.fromPinoLines(text);
    expect(logger.eventNames()).toEqual(["host.started", "host.forcedExit"]);
    expect(logger.events("host.started")).toEqual([{ taskHub: "Hub" }]);
    expect(logger.events("host.forcedExit")).toEqual([{ signal: "SIGINT" }]);
    expect(logger.lines[2]).toEqual({ level: "error", fields: {}, msg: "no event" });
  });
});
