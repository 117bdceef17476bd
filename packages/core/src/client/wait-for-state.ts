/**
 * How `TaskHubClient` waits for an instance to start or finish: it reads the state again and again, the pause
 * doubling from `minPollIntervalMs` (default 10 ms) to `maxPollIntervalMs` (default 1 s), until the state is
 * the one awaited or `timeoutMs` (default 60 s) has passed (`Timeout`). An abort ends the read or the pause in
 * progress at once.
 */
import { sleep } from "../dispatch/wait.js";
import { throwIfAborted } from "../errors/abort.js";
import { TimeoutError } from "../errors/errors.js";
import type { OrchestrationState } from "../state/orchestration-state.js";
import type {
  GetOrchestrationStateOptions,
  TaskHubClientOptions,
  WaitForOrchestrationOptions,
} from "./options.js";

/** Reads the state through `read` (backing off) until `done`; `what` names the awaited state in errors. */
export async function waitForState(
  read: (options: GetOrchestrationStateOptions) => Promise<OrchestrationState | undefined>,
  instanceId: string,
  done: (s: OrchestrationState) => boolean,
  what: string,
  options: WaitForOrchestrationOptions,
  polling: Pick<TaskHubClientOptions, "minPollIntervalMs" | "maxPollIntervalMs">,
): Promise<OrchestrationState> {
  const signal = options.abortSignal ?? options.signal;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let interval = polling.minPollIntervalMs ?? 10;
  const max = polling.maxPollIntervalMs ?? 1000;
  for (;;) {
    throwIfAborted(signal, `waiting for ${what} of '${instanceId}'`);
    const s = await read({ fetchPayloads: options.fetchPayloads ?? true, abortSignal: signal });
    if (s && done(s)) return s;
    const left = deadline - Date.now();
    if (left <= 0)
      throw new TimeoutError(
        `instance '${instanceId}' did not reach ${what} within ${timeoutMs} ms (status: ${s?.runtimeStatus ?? "not found"})`,
      );
    await sleep(Math.min(interval, left), signal);
    interval = Math.min(interval * 2, max);
  }
}
