/**
 * The polling back-off of one queue (DT.AS's `BackoffPollingHelper`, one per queue): randomized exponential
 * from a minimum to a maximum interval, reset when this queue returns a message, and cut short by `wake()`
 * when this process sends a message to the queue (so local hand-offs do not wait for the next poll). Each queue
 * backs off on its own: a message on one queue changes nothing for the others.
 *
 * The interval grows by `factor` per empty poll (DT.AS doubles it; taskhub's control queues grow more slowly,
 * see `pollingBackoffFactor`), with ±20 % jitter. `wakeAt()` is taskhub's own: a message this process sent to
 * the queue, visible only later (a timer, a scheduled start), wakes the poller when it becomes visible instead of
 * waiting for the back-off.
 */
import { startWait, type Wait } from "@taskhub/core";

/** The most fire times one queue remembers; beyond them the latest are dropped (the back-off finds those). */
const MAX_PENDING_WAKES = 1024;

export class PollingBackoff {
  private currentMs: number;
  private woken = false;
  /** The wait in progress. */
  private waiting: Wait | undefined;
  /** Times (ms since the epoch) at which to wake, ascending; one timer, for the first. */
  private readonly wakeTimes: number[] = [];
  private wakeTimer: { at: number; handle: NodeJS.Timeout } | undefined;
  private disposed = false;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly factor = 2,
  ) {
    this.currentMs = minMs;
  }

  /** Back to the minimum interval (this queue returned a message). */
  reset(): void {
    this.currentMs = this.minMs;
  }

  /** End the current wait at once (or the next one, if none is in progress), and back to the minimum. */
  wake(): void {
    this.reset();
    this.woken = true;
    const w = this.waiting;
    this.waiting = undefined;
    w?.wake();
  }

  /**
   * `wake()` at `at` (ms since the epoch): a message sent to this queue becomes visible then. One timer per
   * queue, for the earliest time asked for; the next one is set when it fires. Unref'd: it keeps no process alive.
   */
  wakeAt(at: number): void {
    if (this.disposed) return;
    const times = this.wakeTimes;
    let i = times.length;
    while (i > 0 && times[i - 1]! > at) i--;
    if (times[i - 1] === at) return;
    if (i >= MAX_PENDING_WAKES) return;
    times.splice(i, 0, at);
    if (times.length > MAX_PENDING_WAKES) times.pop();
    this.armWakeTimer();
  }

  /** The queue is no longer polled: drop the pending fire-time wakes. */
  dispose(): void {
    this.disposed = true;
    this.wakeTimes.length = 0;
    if (this.wakeTimer) clearTimeout(this.wakeTimer.handle);
    this.wakeTimer = undefined;
  }

  private armWakeTimer(): void {
    const first = this.wakeTimes[0];
    if (first === undefined || this.wakeTimer?.at === first) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer.handle);
    const handle = setTimeout(() => this.wakeTimerFired(), Math.max(0, first - Date.now()));
    handle.unref?.();
    this.wakeTimer = { at: first, handle };
  }

  private wakeTimerFired(): void {
    this.wakeTimer = undefined;
    const now = Date.now();
    let due = 0;
    while (due < this.wakeTimes.length && this.wakeTimes[due]! <= now) due++;
    this.wakeTimes.splice(0, Math.max(1, due));
    this.wake();
    this.armWakeTimer();
  }

  /** The current interval (±20 %); the next one is `factor` times as long, up to the maximum. */
  nextDelayMs(): number {
    const jitter = 0.8 + Math.random() * 0.4;
    const ms = Math.max(0, Math.round(this.currentMs * jitter));
    this.currentMs = Math.min(this.maxMs, Math.max(this.minMs, this.currentMs * this.factor));
    return ms;
  }

  /** Wait the current interval (±20 %), then grow it. Resolves early on `wake()` or abort. */
  async wait(signal: AbortSignal): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return;
    }
    const ms = this.nextDelayMs();
    const w = startWait(ms, signal);
    this.waiting = w;
    await w.done;
    if (this.waiting === w) this.waiting = undefined;
    this.woken = false;
  }
}
