/**
 * What the in-memory backend keeps: per instance its record, history, queued messages and lock; the activity
 * queue; and the waiting for work (a wake-up when something is enqueued or released, the virtual clock's
 * next due message, and with `autoAdvance` a jump of the virtual clock to it when nothing else can happen).
 */
import type { TaskMessage } from "../backend/task-message.js";
import type { HistoryEvent } from "../history/events.js";
import type { InstanceRecord } from "../state/orchestration-state.js";
import { VirtualClock, type Clock } from "./clock.js";

/** The in-memory backend's queue names, as its poison store reports them. */
export const IN_MEMORY_CONTROL_QUEUE = "control";
export const IN_MEMORY_ACTIVITY_QUEUE = "activities";

export interface Queued {
  seq: number;
  message: TaskMessage;
  insertedAt: number;
  visibleAt: number;
  /** Deliveries so far. */
  dequeueCount: number;
  locked: boolean;
  /** Why the last delivery was given back, if it was. */
  lastError?: string | undefined;
}

export interface InstanceData {
  record?: InstanceRecord;
  history: HistoryEvent[];
  messages: Queued[];
  lock?: object;
}

export class InMemoryStore {
  readonly instances = new Map<string, InstanceData>();
  readonly activities: Queued[] = [];
  private seq = 0;
  private wakers = new Set<() => void>();
  private autoAdvanceScheduled = false;

  constructor(
    readonly clock: Clock,
    private readonly autoAdvance: boolean,
    private readonly pollIntervalMs: number,
  ) {}

  entry(message: TaskMessage, visibleAt: number): Queued {
    const now = this.clock.now();
    return { seq: ++this.seq, message, insertedAt: now, visibleAt, dequeueCount: 0, locked: false };
  }

  /** Queue a message for its instance (created empty when unknown). */
  enqueue(message: TaskMessage, visibleAt: number): void {
    const id = message.orchestrationInstance.instanceId;
    let data = this.instances.get(id);
    if (!data) this.instances.set(id, (data = { history: [], messages: [] }));
    data.messages.push(this.entry(message, visibleAt));
  }

  enqueueActivity(message: TaskMessage): void {
    this.activities.push(this.entry(message, this.clock.now()));
  }

  wake(): void {
    const w = this.wakers;
    this.wakers = new Set();
    for (const f of w) f();
  }

  /** Wait (at most the poll interval) until `attempt` finds work. */
  async waitFor<T>(signal: AbortSignal, attempt: () => T | undefined): Promise<T | undefined> {
    const deadline = Date.now() + this.pollIntervalMs;
    while (!signal.aborted) {
      const got = attempt();
      if (got !== undefined) return got;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      this.scheduleAutoAdvance();
      const inner = new AbortController();
      const onAbort = (): void => inner.abort();
      signal.addEventListener("abort", onAbort, { once: true });
      let waker: (() => void) | undefined;
      const waits: Promise<void>[] = [
        new Promise<void>((r) => this.wakers.add((waker = r))),
        new Promise<void>((r) => {
          const t = setTimeout(r, left);
          inner.signal.addEventListener("abort", () => clearTimeout(t), { once: true });
        }),
      ];
      const due = this.nextDueAt();
      if (due !== undefined) waits.push(this.clock.sleepUntil(due, inner.signal));
      await Promise.race([
        ...waits,
        new Promise<void>((r) => inner.signal.addEventListener("abort", () => r(), { once: true })),
      ]);
      inner.abort();
      if (waker) this.wakers.delete(waker);
      signal.removeEventListener("abort", onAbort);
    }
    return undefined;
  }

  private nextDueAt(): number | undefined {
    let next: number | undefined;
    const now = this.clock.now();
    const consider = (q: Queued): void => {
      if (!q.locked && q.visibleAt > now && (next === undefined || q.visibleAt < next)) next = q.visibleAt;
    };
    for (const d of this.instances.values()) d.messages.forEach(consider);
    this.activities.forEach(consider);
    return next;
  }

  private isIdle(): boolean {
    const now = this.clock.now();
    for (const d of this.instances.values()) {
      if (d.lock) return false;
      if (d.messages.some((m) => m.visibleAt <= now)) return false;
    }
    return !this.activities.some((a) => a.locked || a.visibleAt <= now);
  }

  private scheduleAutoAdvance(): void {
    if (!this.autoAdvance || this.autoAdvanceScheduled) return;
    this.autoAdvanceScheduled = true;
    // Let in-flight promise chains settle first; only then is "nothing ready, nothing running" meaningful.
    setTimeout(() => {
      this.autoAdvanceScheduled = false;
      const next = this.nextDueAt();
      if (next !== undefined && this.isIdle()) {
        (this.clock as VirtualClock).advanceTo(next);
        this.wake();
      }
    }, 5);
  }
}
