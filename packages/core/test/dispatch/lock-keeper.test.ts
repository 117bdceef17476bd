import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { keepLocked } from "../../src/dispatch/lock-keeper.js";
import { TaskHubError } from "../../src/errors/errors.js";

/** A lock of `lockMs` from now that each renewal moves to `lockMs` from the renewal. */
function lock(lockMs: number, renewImpl?: () => Promise<void>) {
  const state = { until: new Date(Date.now() + lockMs), renewedAt: [] as number[] };
  const renew = vi.fn(async () => {
    state.renewedAt.push(Date.now());
    await renewImpl?.();
    state.until = new Date(Date.now() + lockMs);
  });
  return { state, renew, lockedUntil: () => state.until };
}

describe("keepLocked", () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it("renews a 5-minute lock 30 s before it ends, again and again, and never after stop", async () => {
    const l = lock(300_000);
    const keeper = keepLocked({ lockedUntil: l.lockedUntil, renew: l.renew, onError: () => {} });
    await vi.advanceTimersByTimeAsync(269_000);
    expect(l.renew).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1000);
    expect(l.state.renewedAt).toEqual([1_270_000]);
    await vi.advanceTimersByTimeAsync(270_000);
    expect(l.state.renewedAt).toEqual([1_270_000, 1_540_000]);
    await keeper.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(l.renew).toHaveBeenCalledTimes(2);
  });

  it("renews a short lock at half its time", async () => {
    const l = lock(4000);
    const keeper = keepLocked({ lockedUntil: l.lockedUntil, renew: l.renew, onError: () => {} });
    await vi.advanceTimersByTimeAsync(9000);
    expect(l.state.renewedAt).toEqual([1_002_000, 1_004_000, 1_006_000, 1_008_000]);
    await keeper.stop();
  });

  it("stop waits for a renewal in flight (the completion needs its new pop receipt)", async () => {
    let finish!: () => void;
    const l = lock(4000, () => new Promise<void>((r) => (finish = r)));
    const keeper = keepLocked({ lockedUntil: l.lockedUntil, renew: l.renew, onError: () => {} });
    await vi.advanceTimersByTimeAsync(2000);
    expect(l.renew).toHaveBeenCalledTimes(1);
    let stopped = false;
    const stopping = keeper.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(10);
    expect(stopped).toBe(false);
    finish();
    await stopping;
    expect(stopped).toBe(true);
    expect(l.renew).toHaveBeenCalledTimes(1);
  });

  it("reports a failed renewal and tries again while the lock lasts; a lost lock ends the renewals", async () => {
    const errors: unknown[] = [];
    let fail: Error | undefined = new Error("storage busy");
    const l = lock(8000, async () => {
      if (fail) throw fail;
    });
    const keeper = keepLocked({ lockedUntil: l.lockedUntil, renew: l.renew, onError: (e) => errors.push(e) });
    await vi.advanceTimersByTimeAsync(4000); // first try at half the lock: fails, lock still ends at +8 s
    expect(errors).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2000); // again at half of what is left
    expect(l.state.renewedAt).toEqual([1_004_000, 1_006_000]);
    fail = new TaskHubError("WorkItemLockLost", "gone");
    await vi.advanceTimersByTimeAsync(1000);
    expect(errors).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(l.renew).toHaveBeenCalledTimes(3);
    await keeper.stop();
  });

  it("stops when a renewal does not move the lock's end", async () => {
    const until = new Date(Date.now() + 4000);
    const renew = vi.fn(async () => {});
    const keeper = keepLocked({ lockedUntil: () => until, renew, onError: () => {} });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(renew).toHaveBeenCalledTimes(1);
    await keeper.stop();
  });

  it("does nothing for a backend whose locks do not expire", async () => {
    const renew = vi.fn(async () => {});
    const keeper = keepLocked({ lockedUntil: () => undefined, renew, onError: () => {} });
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(renew).not.toHaveBeenCalled();
    await keeper.stop();
  });
});
