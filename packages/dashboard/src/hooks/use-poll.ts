/**
 * Live refresh without a server push: `usePoll(fn, ms, enabled)` calls `fn` again and again while `enabled`.
 * Each call waits for the previous one to finish (a `fn` that returns a promise is awaited), then for
 * `nextPollDelay` (at least `ms`, more when the host answers slowly). While the page is hidden nothing is read;
 * a poll that fell due then runs as soon as the page is visible again. `startPollLoop` is the loop itself, over
 * the timers and the page's visibility it is given (the hook gives the browser's).
 */
import { useEffect, useRef } from "preact/hooks";
import { nextPollDelay } from "../model/refresh-plan.js";

export interface PollEnvironment {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
  hidden(): boolean;
  /** Calls `fn` when the page becomes visible; returns the unsubscribe. */
  onVisible(fn: () => void): () => void;
}

/** Starts polling `fn` (first call after `baseMs`); returns the stop. */
export function startPollLoop(fn: () => unknown, baseMs: number, env: PollEnvironment): () => void {
  let stopped = false;
  let timer: unknown;
  let running = false;
  let missed = false;

  const tick = async (): Promise<void> => {
    timer = undefined;
    if (stopped) return;
    if (env.hidden()) {
      missed = true; // paused until the page is visible again
      return;
    }
    running = true;
    const started = env.now();
    try {
      await fn();
    } catch {
      // fn reports its own errors; the loop goes on
    } finally {
      running = false;
    }
    if (!stopped) timer = env.setTimeout(() => void tick(), nextPollDelay(baseMs, env.now() - started));
  };

  const stopVisible = env.onVisible(() => {
    if (stopped || running || !missed) return;
    missed = false;
    void tick();
  });
  timer = env.setTimeout(() => void tick(), baseMs);
  return () => {
    stopped = true;
    if (timer !== undefined) env.clearTimeout(timer);
    stopVisible();
  };
}

function browserEnvironment(): PollEnvironment {
  return {
    setTimeout: (fn, ms) => window.setTimeout(fn, ms),
    clearTimeout: (h) => window.clearTimeout(h as number),
    now: () => performance.now(),
    hidden: () => document.hidden,
    onVisible: (fn) => {
      const listener = (): void => {
        if (!document.hidden) fn();
      };
      document.addEventListener("visibilitychange", listener);
      return () => document.removeEventListener("visibilitychange", listener);
    },
  };
}

/** Calls `fn` every `ms` or more while `enabled` and the page is visible (see above). */
export function usePoll(fn: () => unknown, ms: number, enabled: boolean): void {
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => {
    if (!enabled) return;
    return startPollLoop(() => latest.current(), ms, browserEnvironment());
  }, [ms, enabled]);
}
