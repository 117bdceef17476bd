import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sleep, startWait, WakeUp } from "../../src/dispatch/wait.js";

// Fake timers: what ends a wait is asserted, never how long it took on the machine.
beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

/** Whether `p` has settled once pending timers up to `ms` have run. */
async function settledAfter(p: Promise<void>, ms: number): Promise<boolean> {
  let settled = false;
  void p.then(() => (settled = true));
  await vi.advanceTimersByTimeAsync(ms);
  return settled;
}

describe("sleep", () => {
  it("ends when its time is up, not before", async () => {
    const p = sleep(1000);
    expect(await settledAfter(p, 999)).toBe(false);
    expect(await settledAfter(p, 1)).toBe(true);
  });

  it("ends when its signal aborts", async () => {
    const c = new AbortController();
    const p = sleep(60_000, c.signal);
    expect(await settledAfter(p, 10)).toBe(false);
    c.abort();
    expect(await settledAfter(p, 0)).toBe(true);
  });

  it("ends at once when its signal has already aborted", async () => {
    const c = new AbortController();
    c.abort();
    expect(await settledAfter(sleep(60_000, c.signal), 0)).toBe(true);
  });
});

describe("startWait", () => {
  it("wake() ends it at once; reschedule() moves its end", async () => {
    const woken = startWait(60_000);
    woken.wake();
    expect(await settledAfter(woken.done, 0)).toBe(true);

    const hurried = startWait(60_000);
    hurried.reschedule(100);
    expect(hurried.endsAt).toBeLessThanOrEqual(Date.now() + 100);
    expect(await settledAfter(hurried.done, 100)).toBe(true);
  });

  it("does nothing once ended", async () => {
    const w = startWait(10);
    expect(await settledAfter(w.done, 10)).toBe(true);
    w.reschedule(1000);
    w.wake();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("WakeUp", () => {
  it("wake() ends every wait in progress, and none started after it", async () => {
    const wakeUp = new WakeUp();
    const a = wakeUp.wait(60_000);
    const b = wakeUp.wait(60_000);
    wakeUp.wake();
    const later = wakeUp.wait(60_000);
    expect(
      await settledAfter(
        Promise.all([a, b]).then(() => undefined),
        0,
      ),
    ).toBe(true);
    expect(await settledAfter(later, 59_999)).toBe(false);
    expect(await settledAfter(later, 1)).toBe(true);
  });
});
