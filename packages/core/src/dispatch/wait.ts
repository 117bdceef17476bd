/**
 * The one wait every poller uses: a timer that ends early when its abort signal fires (at once if it already
 * has) or when someone wakes it, and whose end can be moved. `sleep` is a wait nobody wakes; `WakeUp` wakes a
 * group of waits together; the Azure provider's polling back-off holds one to cut it short or hurry it.
 */
export interface Wait {
  /** Resolves when the wait ends: time up, aborted or woken. Never rejects. */
  readonly done: Promise<void>;
  /** When it ends at the latest (ms since the epoch). */
  readonly endsAt: number;
  /** End it now (nothing if it has ended). */
  wake(): void;
  /** End it `ms` from now instead (nothing if it has ended). */
  reschedule(ms: number): void;
}

export function startWait(ms: number, signal?: AbortSignal): Wait {
  let finished = false;
  let t: NodeJS.Timeout | undefined;
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const end = (): void => {
    if (finished) return;
    finished = true;
    clearTimeout(t);
    signal?.removeEventListener("abort", end);
    resolve();
  };
  const wait: Wait = {
    done,
    endsAt: Date.now() + ms,
    wake: end,
    reschedule(next: number): void {
      if (finished) return;
      clearTimeout(t);
      t = setTimeout(end, next);
      (wait as { endsAt: number }).endsAt = Date.now() + next;
    },
  };
  if (signal?.aborted) {
    end();
    return wait;
  }
  t = setTimeout(end, ms);
  signal?.addEventListener("abort", end, { once: true });
  return wait;
}

/** Wait `ms`, or less if `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return startWait(ms, signal).done;
}

/** Waits that one `wake()` ends together: a poller waits for work, whoever brings work wakes it. */
export class WakeUp {
  private readonly waits = new Set<Wait>();

  /** Wait up to `ms`, until `signal` aborts, or until the next `wake()`. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    const w = startWait(ms, signal);
    this.waits.add(w);
    return w.done.then(() => {
      this.waits.delete(w);
    });
  }

  /** End every wait in progress. */
  wake(): void {
    const waits = [...this.waits];
    this.waits.clear();
    for (const w of waits) w.wake();
  }
}
