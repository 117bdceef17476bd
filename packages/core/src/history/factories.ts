/** Builders for history events with DTF's defaults (eventId -1, isPlayed false, timestamp now). */
import type { EventTypeName, HistoryEventInit, HistoryEventOf } from "./events.js";
import { toDtfDateTime } from "./time.js";

export function newEvent<T extends EventTypeName>(type: T, init: HistoryEventInit<T>): HistoryEventOf<T> {
  const { eventId, isPlayed, timestamp, ...rest } = init as HistoryEventInit<T> & Record<string, unknown>;
  return {
    type,
    eventId: eventId ?? -1,
    isPlayed: isPlayed ?? false,
    timestamp: toDtfDateTime(timestamp ?? new Date()),
    ...rest,
  } as unknown as HistoryEventOf<T>;
}

/** A copy of the event marked as played (it is now part of committed history). */
export function asPlayed<E extends { isPlayed: boolean }>(e: E): E {
  return e.isPlayed ? e : { ...e, isPlayed: true };
}
