/**
 * Keeping a work item's lock while it is processed, as DurableTask.Core's dispatchers do (`RenewUntil`): a
 * backend whose locks expire (`lockedUntil` set: Azure queue messages' visibility timeout) is asked to renew
 * the lock before it ends, again and again until the step's checkpoint or the activity's result is written.
 * Without it, a step or an activity that runs longer than the lock (5 minutes by default on Azure Storage, a few
 * seconds in some set-ups) is delivered again to another worker while it runs: the activity runs twice, the step
 * is done twice and one of the two checkpoints is refused.
 *
 * When: a margin before the lock ends, 30 s (DTF's) or half the lock's remaining time when
 * that is shorter, so that a 5-minute lock is renewed once every 4.5 minutes (one storage request each), and
 * a 4-second lock every 2 seconds. `stop()` ends the renewals and waits for one in flight: a renewal changes the
 * message's pop receipt, so the completion that follows must see the new one.
 *
 * A failed renewal is reported and tried again at the next due time while the lock lasts; a lost lock
 * (`WorkItemLockLost`) stops the renewals: the completion will find out. So does a renewal that did not move
 * the lock's end.
 */
import { TaskHubError } from "../errors/errors.js";

export interface LockKeeper {
  /** No more renewals; resolves when one in flight has settled. Idempotent. */
  stop(): Promise<void>;
}

export interface LockKeeperOptions {
  /** When the lock ends now (the backend moves it on each renewal); undefined: the lock does not expire. */
  lockedUntil: () => Date | undefined;
  renew: () => Promise<void>;
  /** A renewal failed (not called for one that failed because the keeper was stopped meanwhile). */
  onError: (err: unknown) => void;
}

/** Longest margin before the lock's end at which it is renewed (DTF's 30 s). */
const MAX_MARGIN_MS = 30_000;

/** Shortest wait between two renewals, so that a lock that ends very soon is not renewed in a tight loop. */
const MIN_DELAY_MS = 250;

export function keepLocked(options: LockKeeperOptions): LockKeeper {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  const schedule = (): void => {
    const until = options.lockedUntil()?.getTime();
    if (stopped || until === undefined || !Number.isFinite(until)) return;
    const remaining = until - Date.now();
    const margin = Math.min(MAX_MARGIN_MS, remaining / 2);
    timer = setTimeout(renewNow, Math.max(MIN_DELAY_MS, remaining - margin));
    timer.unref();
  };
  const renewNow = (): void => {
    timer = undefined;
    if (stopped) return;
    const before = options.lockedUntil()?.getTime();
    inFlight = options.renew().then(
      () => {
        inFlight = undefined;
        // A backend that took the renewal without moving the lock's end has nothing more to renew.
        const after = options.lockedUntil()?.getTime();
        if (after !== undefined && before !== undefined && after <= before) return;
        schedule();
      },
      (err: unknown) => {
        inFlight = undefined;
        if (stopped) return;
        options.onError(err);
        const lost = err instanceof TaskHubError && err.code === "WorkItemLockLost";
        const until = options.lockedUntil()?.getTime();
        if (!lost && until !== undefined && until > Date.now()) schedule();
      },
    );
  };
  schedule();
  return {
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
  };
}
