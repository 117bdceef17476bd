/**
 * The external events of one execution (EventRaised): each goes to the oldest waiter of its name (names are
 * case-insensitive) or waits in a buffer, in arrival order, for the code to ask for it; a wait may time out on
 * a durable timer. What stays in the buffer is what continue-as-new may hand to the next generation.
 */
import { TimeoutError } from "../errors/errors.js";
import type { EventRaisedEvent } from "../history/events.js";
import { parsePayload } from "./payload.js";
import { CompletableTask, DrivenTask, type DurableTask, type TimerTask } from "./tasks.js";

export class ExternalEvents {
  private readonly waiters = new Map<string, CompletableTask<any>[]>();
  /** External events received and not yet consumed, in arrival order. */
  readonly buffered: EventRaisedEvent[] = [];

  /** Deliver an external event to the oldest waiter of that name, or buffer it. */
  deliver(e: EventRaisedEvent): void {
    const waiters = this.waiters.get(e.name.toLowerCase());
    const waiter = waiters?.shift();
    if (waiter) waiter.complete(parsePayload(e.input));
    else this.buffered.push(e);
  }

  /**
   * The payload of the next event named `name`: a buffered one at once, else the next to arrive. With
   * `timeoutMs`, a timer from `createTimer` races the event and fails the wait with a `TimeoutError`.
   */
  wait<T>(
    name: string,
    timeoutMs: number | undefined,
    createTimer: (delayMs: number) => TimerTask,
  ): DurableTask<T> {
    const key = name.toLowerCase();
    const task = new CompletableTask<T>();
    const idx = this.buffered.findIndex((e) => e.name.toLowerCase() === key);
    if (idx >= 0) {
      const [e] = this.buffered.splice(idx, 1);
      task.complete(parsePayload(e!.input) as T);
    } else {
      let q = this.waiters.get(key);
      if (!q) this.waiters.set(key, (q = []));
      q.push(task);
    }
    if (timeoutMs === undefined || task.isComplete) return task;
    const timer = createTimer(timeoutMs);
    const driven = new DrivenTask<T>((inner, self) => {
      if (self.isComplete) return;
      if (inner === task) {
        if (task.isFailed) self.fail(task.getException()!);
        else self.complete(task.getResult());
        timer.cancel();
      } else if (inner === timer && !timer.isCanceled) {
        const q = this.waiters.get(key);
        if (q) q.splice(q.indexOf(task), 1);
        self.fail(new TimeoutError(`timed out after ${timeoutMs} ms waiting for external event '${name}'`));
      }
    });
    driven.follow(task);
    driven.follow(timer);
    return driven;
  }
}
