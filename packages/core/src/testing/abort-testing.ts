/**
 * For the tests of `abortSignal` (`OperationOptions`): a backend client side that aborts a signal once a
 * state read has answered (so a client wait is aborted during its pause between polls), the name a call
 * rejects with, and the timers left running.
 */
import type { GetInstanceOptions, OrchestrationServiceClient } from "../backend/service.js";

export interface AbortingClient {
  /** `inner`'s client side for a `TaskHubClient`; each answered state read aborts `signal` just after it. */
  readonly client: OrchestrationServiceClient;
  /** Pass it to the wait under test. */
  readonly signal: AbortSignal;
  /** State reads answered so far. */
  readonly reads: () => number;
}

/**
 * `inner`'s start, send, history and state reads, aborting `signal` once the first state read has answered
 * (on the next turn of the event loop, when the wait that read is in its pause). Give the waiting client
 * poll intervals far longer than the test (an hour): only the abort can then end the pause.
 */
export function abortAfterFirstStateRead(inner: OrchestrationServiceClient): AbortingClient {
  const controller = new AbortController();
  let reads = 0;
  const client: OrchestrationServiceClient = {
    createTaskOrchestration: (m, o) => inner.createTaskOrchestration(m, o),
    sendTaskOrchestrationMessage: (m, o) => inner.sendTaskOrchestrationMessage(m, o),
    getOrchestrationHistory: (id, o) => inner.getOrchestrationHistory(id, o),
    async getOrchestrationState(id: string, o?: GetInstanceOptions) {
      const r = await inner.getOrchestrationState(id, o);
      if (++reads === 1) setImmediate(() => controller.abort());
      return r;
    },
  };
  return { client, signal: controller.signal, reads: () => reads };
}

/** The name of the error `p` rejects with (`AbortError`, ...), or "resolved". */
export function rejectionName(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "resolved",
    (e: unknown) => (e as Error).name,
  );
}

export interface LongTimerWatch {
  /** Long timers started since the watch began. */
  started(): number;
  /** Long timers started since the watch began that have neither fired nor been cleared. */
  pending(): number;
  /** Puts the global setTimeout and clearTimeout back. */
  stop(): void;
}

/**
 * Watches the timers of at least `minMs` started through the global `setTimeout` from now on, so a test can
 * check that an aborted wait (polls an hour apart) leaves its timer behind nowhere. Only long timers count:
 * the process's other timers (storage clients, the test runner) come and go with the machine's pace, so a
 * count of every active timer fails on a busy machine. Call `stop()` in a `finally`.
 */
export function watchLongTimers(minMs: number): LongTimerWatch {
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const pending = new Set<unknown>();
  let started = 0;
  const patchedSet = (fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): NodeJS.Timeout => {
    const t: NodeJS.Timeout = realSet(
      (...a: unknown[]) => {
        pending.delete(t);
        fn(...a);
      },
      ms,
      ...args,
    );
    if ((ms ?? 0) >= minMs) {
      started++;
      pending.add(t);
    }
    return t;
  };
  globalThis.setTimeout = patchedSet as unknown as typeof setTimeout;
  globalThis.clearTimeout = ((t: Parameters<typeof clearTimeout>[0]) => {
    pending.delete(t);
    realClear(t);
  }) as typeof clearTimeout;
  return {
    started: () => started,
    pending: () => pending.size,
    stop(): void {
      globalThis.setTimeout = realSet;
      globalThis.clearTimeout = realClear;
    },
  };
}
