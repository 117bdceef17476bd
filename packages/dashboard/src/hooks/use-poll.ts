import { useEffect, useRef } from "preact/hooks";

/** Calls `fn` every `ms` while `enabled` and the page is visible (live refresh without a server push). */
export function usePoll(fn: () => void, ms: number, enabled: boolean): void {
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => {
    if (!enabled) return;
    const timer = setInterval(() => {
      if (!document.hidden) latest.current();
    }, ms);
    return () => clearInterval(timer);
  }, [ms, enabled]);
}
