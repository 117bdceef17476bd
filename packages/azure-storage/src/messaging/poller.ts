/**
 * Polling back-off as DTF does it (`BackoffPollingHelper`): randomized exponential from a minimum to a
 * maximum interval, reset when a message arrives, and cut short by `wake()` when this process sends a
 * message to the queue (so local hand-offs do not wait for the next poll).
 */
import { startWait, type Wait } from "@taskhub/core";

export class PollingBackoff {
  private currentMs: number;
  private woken = false;
  /** The wait in progress. */
  private waiting: Wait | undefined;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly activity?: PollingActivity,
  ) {
    this.currentMs = minMs;
    activity?.members.add(this);
  }

  /** Leave the activity group (the queue is no longer polled). */
  dispose(): void {
    this.activity?.members.delete(this);
  }

  /** Cut the wait in progress so that it ends at most `ms` from now. */
  hurry(ms: number): void {
    const w = this.waiting;
    if (w && w.endsAt - Date.now() > ms) w.reschedule(ms);
  }

  reset(): void {
    this.currentMs = this.minMs;
  }

  /** End the current wait at once (or the next one, if none is in progress). */
  wake(): void {
    this.reset();
    this.woken = true;
    const w = this.waiting;
    this.waiting = undefined;
    w?.wake();
  }

  /** The current interval (±20%, capped while the activity group lingers); the next one is twice as long. */
  nextDelayMs(): number {
    const jitter = 0.8 + Math.random() * 0.4;
    let ms = Math.max(0, Math.round(this.currentMs * jitter));
    const cap = this.activity?.capMs();
    if (cap !== undefined) ms = Math.min(ms, cap);
    this.currentMs = Math.min(this.maxMs, Math.max(this.minMs, this.currentMs * 2));
    return ms;
  }

  /** Wait the current interval (±20%), then grow it. Resolves early on `wake()` or abort. */
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

/**
 * Shared by one worker's control-queue pollers: while any of its queues received a message in the last
 * `lingerMs`, none of them waits longer than `briskMs` between polls, and a message on one cuts the others'
 * long waits short. A worker that is working stays responsive on all its partitions (the next instance
 * usually lands on another partition than the last one), at a bounded cost: partitions × lingerMs / briskMs
 * extra polls after each burst of work. DTF backs each queue off on its own.
 */
export class PollingActivity {
  readonly members = new Set<PollingBackoff>();
  private lastAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly lingerMs: number,
    readonly briskMs: number,
  ) {}

  /** A message arrived on one of the queues. */
  touch(): void {
    if (this.lingerMs <= 0) return;
    this.lastAt = Date.now();
    for (const m of this.members) m.hurry(this.briskMs);
  }

  /** The longest wait allowed now, if the group is lingering. */
  capMs(): number | undefined {
    return Date.now() - this.lastAt < this.lingerMs ? this.briskMs : undefined;
  }
}
