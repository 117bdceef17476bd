/**
 * The instances a `TaskHubClient` knows to exist, so that `raiseEvent` does not read the instance before every
 * event it sends.
 *
 * DTF's `TaskHubClient.RaiseEventAsync` sends without reading anything (the worker that receives an event for
 * an unknown instance drops it); Durable Functions on Azure Storage reads the status before each event and
 * refuses an unknown id. The client keeps that refusal (bad input gets a clear error) but pays the read once
 * per instance, not once per event: ids it started, read or raised to are remembered (the most recent
 * `MAX_KNOWN_INSTANCES`), concurrent checks of one unknown id share one read, and a purge through the client
 * forgets what it purged. An instance purged by another client or process since is not noticed: its events
 * are sent, and the worker retries them and then sets them aside in the poison store (the delivery rules'
 * "unknown instance"), where DTF would have sent and dropped them.
 */
import { abortable } from "../errors/abort.js";

/** How many instance ids a client remembers (least recently used forgotten first; a forgotten one costs a read). */
export const MAX_KNOWN_INSTANCES = 10_000;

/** A read in flight for one id, shared by every check waiting for it; aborted once none of them waits. */
interface SharedRead {
  result: Promise<boolean>;
  controller: AbortController;
  waiting: number;
}

export class KnownInstances {
  private readonly ids = new Set<string>();
  private readonly reads = new Map<string, SharedRead>();

  constructor(private readonly max = MAX_KNOWN_INSTANCES) {}

  remember(instanceId: string): void {
    this.ids.delete(instanceId); // re-insert: the set is evicted oldest first
    this.ids.add(instanceId);
    while (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value!);
  }

  forget(instanceId: string): void {
    this.ids.delete(instanceId);
  }

  forgetAll(): void {
    this.ids.clear();
  }

  /**
   * Whether the instance exists: true at once when it is known, else `read`'s answer (remembered when true).
   * Concurrent checks of one id share one read; each rejects with `AbortError` as soon as its own `signal`
   * aborts, and the read itself is aborted (through the signal `read` gets) once no check waits for it.
   */
  exists(
    instanceId: string,
    read: (signal: AbortSignal) => Promise<boolean>,
    signal?: AbortSignal,
  ): Promise<boolean> {
    if (signal?.aborted) return abortable(signal, `reading '${instanceId}'`, () => Promise.resolve(false));
    if (this.ids.has(instanceId)) {
      this.remember(instanceId);
      return Promise.resolve(true);
    }
    let shared = this.reads.get(instanceId);
    if (!shared) {
      const controller = new AbortController();
      const started: SharedRead = {
        controller,
        waiting: 0,
        result: read(controller.signal).then((found) => {
          if (found) this.remember(instanceId);
          else this.forget(instanceId);
          return found;
        }),
      };
      // Settled reads leave the map; an abandoned (aborted) one may reject with nobody listening.
      void started.result.then(
        () => this.settled(instanceId, started),
        () => this.settled(instanceId, started),
      );
      this.reads.set(instanceId, (shared = started));
    }
    const mine = shared;
    mine.waiting++;
    return abortable(signal, `reading '${instanceId}'`, () => mine.result).finally(() => {
      if (--mine.waiting > 0 || !signal?.aborted) return;
      // The last check waiting for the read was aborted: stop the read; a later check starts its own.
      this.settled(instanceId, mine);
      mine.controller.abort();
    });
  }

  private settled(instanceId: string, read: SharedRead): void {
    if (this.reads.get(instanceId) === read) this.reads.delete(instanceId);
  }
}
