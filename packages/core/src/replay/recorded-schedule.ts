/**
 * What history recorded of this execution's scheduling: its TaskScheduled, TimerCreated,
 * SubOrchestrationInstanceCreated and EventSent events by event id. Where DTF, Durable Functions and older
 * taskhub decided differently (retry timers, long timer chunks), what history did next decides, so histories of
 * every such writer replay.
 */
import type { HistoryEvent, ScheduledHistoryEvent } from "../history/events.js";
import { dtfTimeMs } from "../history/time.js";

export class RecordedSchedule {
  private readonly byId = new Map<number, ScheduledHistoryEvent>();

  /** @param events the events replay runs over (committed and new) */
  constructor(events: Iterable<HistoryEvent> = []) {
    for (const e of events) {
      if (
        e.type === "TaskScheduled" ||
        e.type === "TimerCreated" ||
        e.type === "SubOrchestrationInstanceCreated" ||
        e.type === "EventSent"
      )
        this.byId.set(e.eventId, e);
    }
  }

  /** The fire time history recorded for timer `id`, if it recorded that TimerCreated. */
  fireMs(id: number): number | undefined {
    const e = this.byId.get(id);
    return e?.type === "TimerCreated" ? dtfTimeMs(e.fireAt) : undefined;
  }

  /**
   * Whether history allows a retry timer at `nextId` (the id the next action gets): nothing recorded there yet,
   * or the TimerCreated a retry timer of `delayMs` from `nowMs` writes (DTF: one timer; taskhub: its first chunk,
   * at most `maxTimerIntervalMs` away).
   */
  allowsRetryTimer(
    nextId: number,
    nowMs: number,
    delayMs: number,
    maxTimerIntervalMs: number | undefined,
  ): boolean {
    const next = this.byId.get(nextId);
    if (!next) return true;
    if (next.type !== "TimerCreated") return false;
    const at = dtfTimeMs(next.fireAt);
    const max = maxTimerIntervalMs;
    // DTF's fire time keeps sub-millisecond digits; ours are whole milliseconds.
    return (
      Math.abs(at - (nowMs + delayMs)) <= 1 ||
      (max !== undefined && delayMs > max && Math.abs(at - (nowMs + max)) <= 1)
    );
  }

  /**
   * Whether the chunk of a timer that just fired ends it. Durable Functions and DTF: a plain timer ends when
   * it fires; a long one when the orchestration's time (`nowMs`) has reached the requested time. Older taskhub
   * ended it when the fired chunk reached the requested time. The two differ only for a chunk delivered early
   * or late; then what history recorded at `nextId` decides: a TimerCreated for exactly the requested time is
   * another chunk (written by the rule that wanted one), anything else means the timer had ended.
   */
  chunkEndsTimer(
    nextId: number,
    long: boolean,
    nowMs: number,
    finalMs: number,
    chunkFireMs: number,
  ): boolean {
    const due = !long || nowMs >= finalMs;
    const olderDue = chunkFireMs >= finalMs;
    if (due === olderDue) return due;
    const next = this.byId.get(nextId);
    if (!next) return due;
    return !(next.type === "TimerCreated" && dtfTimeMs(next.fireAt) === finalMs);
  }

  /**
   * The request id of the entity message history recorded at `nextId`. Durable Functions names its requests
   * with its own GUIDs and its responses by them, so a replayed request keeps the recorded id.
   */
  requestIdAt(nextId: number): string | undefined {
    const e = this.byId.get(nextId);
    if (e?.type !== "EventSent" || e.input === undefined) return undefined;
    let body: unknown;
    try {
      body = JSON.parse(e.input);
    } catch {
      return undefined; // not an entity message: the send's own checks report the mismatch
    }
    const id = body !== null && typeof body === "object" ? (body as { id?: unknown }).id : undefined;
    return typeof id === "string" && id.length > 0 ? id : undefined;
  }
}
