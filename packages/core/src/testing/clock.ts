/**
 * Clocks for the in-memory backend. `VirtualClock` lets tests run a 72-hour timer in milliseconds:
 * time moves only when `advanceTime` / `advanceTo` is called (or when the backend auto-advances).
 */
export interface Clock {
  now(): number;
  /** Resolves once `now() >= at`, or when `signal` aborts. */
  sleepUntil(at: number, signal: AbortSignal): Promise<void>;
}

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
  sleepUntil(at: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      // setTimeout caps at ~24.8 days; a long sleep simply wakes early and the caller re-checks.
      const t = setTimeout(done, Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1));
      function done(): void {
        clearTimeout(t);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    });
  }
}

interface Sleeper {
  at: number;
  resolve(): void;
}

export class VirtualClock implements Clock {
  private current: number;
  private sleepers: Sleeper[] = [];

  constructor(start: Date | number = Date.UTC(2026, 0, 1)) {
    this.current = typeof start === "number" ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  sleepUntil(at: number, signal: AbortSignal): Promise<void> {
    if (at <= this.current || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const s: Sleeper = {
        at,
        resolve: () => {
          signal.removeEventListener("abort", s.resolve);
          this.sleepers = this.sleepers.filter((x) => x !== s);
          resolve();
        },
      };
      this.sleepers.push(s);
      signal.addEventListener("abort", s.resolve, { once: true });
    });
  }

  /** Move time forward by `ms` and wake every sleeper that is due. */
  advanceTime(ms: number): void {
    if (!(ms >= 0)) throw new RangeError("advanceTime needs a non-negative number of milliseconds");
    this.advanceTo(this.current + ms);
  }

  advanceTo(at: number | Date): void {
    const t = typeof at === "number" ? at : at.getTime();
    if (t <= this.current) return;
    this.current = t;
    for (const s of [...this.sleepers]) if (s.at <= t) s.resolve();
  }
}
