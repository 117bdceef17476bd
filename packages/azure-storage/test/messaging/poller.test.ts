// One queue's polling back-off: randomized exponential per queue (DT.AS), growth factor, local and fire-time wakes.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PollingBackoff } from "../../src/messaging/poller.js";

/** The next `n` intervals. */
function intervals(b: PollingBackoff, n: number): number[] {
  return Array.from({ length: n }, () => b.nextDelayMs());
}

/** Resolves `true` once `p` has settled, `false` if it has not yet (after pending microtasks run). */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

describe("PollingBackoff", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    // The jitter at its middle (×1.0) unless a test says otherwise.
    vi.spyOn(Math, "random").mockReturnValue(0.5);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it("grows by its factor from the minimum to the maximum, and starts again from the minimum after a message", () => {
    const b = new PollingBackoff(50, 1000, 1.5);
    expect(intervals(b, 10)).toEqual([50, 75, 113, 169, 253, 380, 570, 854, 1000, 1000]);
    b.reset();
    expect(intervals(b, 3)).toEqual([50, 75, 113]);
    // DT.AS's doubling.
    expect(intervals(new PollingBackoff(50, 1000, 2), 7)).toEqual([50, 100, 200, 400, 800, 1000, 1000]);
    // Slower growth takes more polls to climb from 50 ms: the 30 s maximum is the 30th interval with ×1.25,
    // the 17th with ×1.5, the 11th with ×2.
    const climb = (factor: number): number =>
      intervals(new PollingBackoff(50, 30_000, factor), 100).indexOf(30_000);
    expect([climb(1.25), climb(1.5), climb(2)]).toEqual([29, 16, 10]);
  });

  it("a message on one queue resets that queue only: another queue keeps its own back-off", () => {
    const a = new PollingBackoff(50, 30_000, 2);
    const b = new PollingBackoff(50, 30_000, 2);
    intervals(a, 8);
    intervals(b, 8);
    a.reset();
    expect(intervals(a, 4)).toEqual([50, 100, 200, 400]);
    expect(intervals(b, 2)).toEqual([12_800, 25_600]);
  });

  it("each interval is within ±20 % of the current one, and the jitter does not change how it grows", () => {
    for (const [random, expected] of [
      [0, [40, 50, 63, 78]],
      [0.999_999, [60, 75, 94, 117]],
    ] as const) {
      vi.spyOn(Math, "random").mockReturnValue(random);
      expect(intervals(new PollingBackoff(50, 30_000, 1.25), 4)).toEqual(expected);
    }
    vi.restoreAllMocks();
    const b = new PollingBackoff(50, 30_000, 1.25);
    let current = 50;
    for (let i = 0; i < 60; i++) {
      const ms = b.nextDelayMs();
      expect(ms).toBeGreaterThanOrEqual(Math.round(current * 0.8));
      expect(ms).toBeLessThanOrEqual(Math.round(current * 1.2));
      current = Math.min(30_000, current * 1.25);
    }
  });

  it("a local wake during a long wait ends it at once and starts the back-off again from the minimum", async () => {
    const b = new PollingBackoff(50, 30_000, 2);
    intervals(b, 12); // at the maximum
    const abort = new AbortController();
    const waiting = b.wait(abort.signal); // 30 s
    await vi.advanceTimersByTimeAsync(1000);
    expect(await settled(waiting)).toBe(false);
    b.wake();
    expect(await settled(waiting)).toBe(true);
    expect(intervals(b, 2)).toEqual([50, 100]);
    // A wake with no wait in progress ends the next one at once.
    b.wake();
    expect(await settled(b.wait(abort.signal))).toBe(true);
  });

  it("wakes at a message's fire time: one timer per queue, for the earliest, then the next; unref'd", async () => {
    const b = new PollingBackoff(50, 30_000, 2);
    const wake = vi.spyOn(b, "wake");
    const t0 = Date.now();
    b.wakeAt(t0 + 10_000);
    b.wakeAt(t0 + 3000);
    b.wakeAt(t0 + 3000); // the same fire time twice: one wake
    b.wakeAt(t0 + 20_000);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(2999);
    expect(wake).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(wake).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(1); // now for 10 s
    await vi.advanceTimersByTimeAsync(7000);
    expect(wake).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(wake).toHaveBeenCalledTimes(3);
    expect(vi.getTimerCount()).toBe(0);

    // The timer keeps no process alive.
    const setTimeoutSpy = vi.spyOn(globalThis, "setTimeout");
    b.wakeAt(Date.now() + 1000);
    expect(setTimeoutSpy).toHaveBeenCalledTimes(1);
    expect((setTimeoutSpy.mock.results[0]!.value as NodeJS.Timeout).hasRef()).toBe(false);
  });

  it("a fire-time wake ends a long wait at the fire time and resets the back-off", async () => {
    const b = new PollingBackoff(50, 30_000, 2);
    intervals(b, 12);
    const abort = new AbortController();
    b.wakeAt(Date.now() + 5000);
    const waiting = b.wait(abort.signal); // 30 s
    await vi.advanceTimersByTimeAsync(4999);
    expect(await settled(waiting)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(waiting)).toBe(true);
    expect(intervals(b, 1)).toEqual([50]);
  });

  it("dispose (the partition is no longer polled) cancels the pending fire-time wakes, and later ones are ignored", async () => {
    const b = new PollingBackoff(50, 30_000, 2);
    const wake = vi.spyOn(b, "wake");
    b.wakeAt(Date.now() + 1000);
    b.wakeAt(Date.now() + 2000);
    b.dispose();
    expect(vi.getTimerCount()).toBe(0);
    b.wakeAt(Date.now() + 500);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(wake).not.toHaveBeenCalled();
  });
});
