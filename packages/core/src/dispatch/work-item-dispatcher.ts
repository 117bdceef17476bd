/**
 * One generic work-item loop: fetch a work item when a concurrency slot is free, process it under p-limit,
 * back off on fetch errors, and drain on stop. Used for orchestrations and activities alike.
 */
import { setMaxListeners } from "node:events";
import pLimit from "p-limit";
import type { Logger } from "../replay/logger.js";
import { logEvent } from "../logging/log-event.js";
import { sleep } from "./wait.js";

export interface DispatcherOptions<W> {
  name: string;
  maxConcurrent: number;
  /** `capacity`: free slots, this fetch's included (a batching hint for the provider). */
  fetch(signal: AbortSignal, capacity: number): Promise<W | undefined>;
  process(item: W, signal: AbortSignal): Promise<void>;
  /** Called for items still running when the drain timeout passes. */
  abandon?(item: W): Promise<void>;
  logger: Logger;
  /** Back-off after a failed fetch: doubles from min to max (default 100 ms .. 10 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export class WorkItemDispatcher<W> {
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly inFlight = new Set<W>();
  private controller = new AbortController();
  /** Handed to `process`; aborted only when in-flight items outlive the drain timeout. */
  private processing = new AbortController();
  private loop: Promise<void> | undefined;
  private slotFreed: (() => void) | undefined;

  constructor(private readonly opts: DispatcherOptions<W>) {
    if (!(opts.maxConcurrent >= 1)) throw new RangeError(`${opts.name}: maxConcurrent must be >= 1`);
    this.limit = pLimit(opts.maxConcurrent);
  }

  get activeCount(): number {
    return this.inFlight.size;
  }

  start(): void {
    if (this.loop) return;
    this.controller = new AbortController();
    this.processing = new AbortController();
    // Every item in flight (up to maxConcurrent, each with its own calls) listens to this one signal: that many
    // listeners is no leak, and Node's warning after 10 would only be noise.
    setMaxListeners(0, this.processing.signal);
    this.loop = this.run(this.controller.signal);
  }

  /** Stop fetching, wait up to `drainTimeoutMs` for in-flight items, then abandon the rest. */
  async stop(drainTimeoutMs: number): Promise<void> {
    if (!this.loop) return;
    this.controller.abort();
    this.slotFreed?.();
    await this.loop;
    this.loop = undefined;
    const drained = this.waitIdle();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      drained.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), drainTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      logEvent(
        this.opts.logger,
        "dispatcher.drainTimeout",
        { dispatcher: this.opts.name, inFlight: this.inFlight.size },
        "drain timed out",
      );
      this.processing.abort();
      await Promise.allSettled([...this.inFlight].map((i) => this.opts.abandon?.(i)));
    }
  }

  private async waitIdle(): Promise<void> {
    while (this.inFlight.size > 0) await new Promise<void>((r) => (this.slotFreed = r));
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { logger, name } = this.opts;
    const minBackoff = this.opts.minBackoffMs ?? 100;
    const maxBackoff = this.opts.maxBackoffMs ?? 10_000;
    let backoff = minBackoff;
    while (!signal.aborted) {
      if (this.inFlight.size >= this.opts.maxConcurrent) {
        await new Promise<void>((r) => (this.slotFreed = r));
        continue;
      }
      let item: W | undefined;
      try {
        item = await this.opts.fetch(signal, this.opts.maxConcurrent - this.inFlight.size);
        backoff = minBackoff;
      } catch (err) {
        if (signal.aborted) break;
        logEvent(
          logger,
          "dispatcher.fetchFailed",
          { dispatcher: name, err, backoffMs: backoff },
          "fetching a work item failed",
        );
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, maxBackoff);
        continue;
      }
      if (item === undefined) continue;
      const it = item;
      this.inFlight.add(it);
      const processSignal = this.processing.signal;
      void this.limit(() => this.opts.process(it, processSignal))
        .catch((err: unknown) =>
          logEvent(
            logger,
            "dispatcher.processFailed",
            { dispatcher: name, err },
            "processing a work item failed",
          ),
        )
        .finally(() => {
          this.inFlight.delete(it);
          const r = this.slotFreed;
          this.slotFreed = undefined;
          r?.();
        });
    }
  }
}
