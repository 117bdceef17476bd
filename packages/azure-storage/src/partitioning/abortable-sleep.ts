/**
 * A pause that an AbortSignal cuts short and that leaves no listener on the signal once it is over. The lease
 * loops wait this way every round on one long-lived signal; a listener left behind per round piles up on it
 * (Node warns at 11: MaxListenersExceededWarning) and is only freed when the worker stops.
 */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
