import { describe, expect, it } from "vitest";
import { WorkItemDispatcher } from "../../src/dispatch/work-item-dispatcher.js";
import { abortable } from "../../src/errors/abort.js";
import { RecordingLogger } from "../../src/testing/recording-logger.js";

describe("WorkItemDispatcher", () => {
  it("hands one signal to many items in flight without Node's listener-leak warning", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
    process.on("warning", onWarning);
    let next = 0;
    let started = 0;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let allStarted!: () => void;
    const whenAllStarted = new Promise<void>((r) => (allStarted = r));
    const dispatcher = new WorkItemDispatcher<number>({
      name: "test",
      maxConcurrent: 20,
      logger: new RecordingLogger(),
      fetch: () => Promise.resolve(next < 20 ? next++ : undefined),
      // Each item waits on the shared signal, as an activity's client calls do (abortable adds a listener).
      process: (_item, signal) =>
        abortable(signal, "held work", () => {
          if (++started === 20) allStarted();
          return held;
        }),
    });
    dispatcher.start();
    await whenAllStarted;
    release();
    await dispatcher.stop(1000);
    await new Promise((r) => setTimeout(r, 20)); // warnings are emitted on a later tick
    process.off("warning", onWarning);
    expect(started).toBe(20);
    expect(warnings.filter((w) => w.includes("MaxListenersExceeded"))).toEqual([]);
  });
});
