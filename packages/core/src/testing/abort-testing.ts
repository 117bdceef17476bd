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

/** Timers (setTimeout/setInterval) the process has running: a finished wait leaves none behind. */
export function activeTimeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}
