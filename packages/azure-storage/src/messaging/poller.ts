/**
 * Polling back-off as DTF does it (`BackoffPollingHelper`): randomized exponential from a minimum to a
 * maximum interval, reset when a message arrives, and cut short by `wake()` when this process sends a
 * message to the queue (so local hand-offs do not wait for the next poll).
 */
export class PollingBackoff {
  private currentMs: number;
  private waker: (() => void) | undefined;
  private woken = false;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {
    this.currentMs = minMs;
  }

  reset(): void {
    this.currentMs = this.minMs;
  }

  /** End the current wait at once (or the next one, if none is in progress). */
  wake(): void {
    this.reset();
    this.woken = true;
    const w = this.waker;
    this.waker = undefined;
    w?.();
  }

  /** Wait the current interval (±20%), then grow it. Resolves early on `wake()` or abort. */
  async wait(signal: AbortSignal): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return;
    }
    const jitter = 0.8 + Math.random() * 0.4;
    const ms = Math.max(0, Math.round(this.currentMs * jitter));
    this.currentMs = Math.min(this.maxMs, Math.max(this.minMs, this.currentMs * 2));
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        signal.removeEventListener("abort", done);
        this.waker = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      this.waker = done;
    });
    this.woken = false;
  }
}
