/**
 * The timeline of an instance: its history laid out as bars on a time axis (pure: the view only draws it).
 *
 * - One row for the orchestration itself, from its start to its end (or to `now` while it runs).
 * - Activities and sub-orchestrations as bars from their scheduling to their completion; a call that is retried
 *   (an attempt that failed, then the same function with the same input again) is one row whose segments are its
 *   attempts, so retries read as a group. Scheduled calls without a result (only in a full history) run to `now`.
 * - Timers as bars from their creation to their fire time (pending until fired).
 * - Events raised and sent, and terminate/suspend/resume/rewind, as points.
 * - The slowest activity or sub-orchestration row is flagged `slowest`, so the slow step shows at a glance.
 * - `ticks`: a handful of round offsets from the start for the axis.
 */
import { parseTime, type HistoryEvent } from "./history-event.js";
import { formatDuration } from "./duration.js";

export type RowKind = "orchestration" | "activity" | "subOrchestration" | "timer" | "event";
export type BarStatus = "completed" | "failed" | "pending";

export interface Segment {
  start: number;
  end: number;
  status: BarStatus;
}

export interface TimelineRow {
  kind: RowKind;
  label: string;
  start: number;
  end: number;
  status: BarStatus;
  /** The attempts (one for a call that was not retried), in order. */
  segments: Segment[];
  /** A sub-orchestration's instance id, or the target of an event sent. */
  instanceId?: string;
  /** True for points (events): start === end. */
  point: boolean;
  slowest: boolean;
}

export interface Tick {
  /** Milliseconds from the timeline's start. */
  offset: number;
  label: string;
}

export interface Timeline {
  start: number;
  end: number;
  rows: TimelineRow[];
  ticks: Tick[];
}

export interface TimelineOptions {
  /** Now, in epoch milliseconds: the end of what has not finished. */
  now: number;
  /** Whether the instance is still live (Pending, Running, Suspended): unfinished bars then run to `now`. */
  live: boolean;
  maxTicks?: number;
}

const POINT_EVENTS: Record<string, string> = {
  EventRaised: "event",
  EventSent: "sent",
  ExecutionTerminated: "terminated",
  ExecutionSuspended: "suspended",
  ExecutionResumed: "resumed",
  ExecutionRewound: "rewound",
};

function stableJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? "";
  } catch {
    return String(v);
  }
}

export function layoutTimeline(events: readonly HistoryEvent[], options: TimelineOptions): Timeline {
  const { now, live } = options;
  const times = events.map((e) => parseTime(e.Timestamp)).filter((t) => Number.isFinite(t));
  const first = times.length > 0 ? Math.min(...times) : now;
  const last = times.length > 0 ? Math.max(...times) : now;
  const openEnd = live ? Math.max(now, last) : last;

  const rows: TimelineRow[] = [];
  const started = events.find((e) => e.EventType === "ExecutionStarted");
  const ended = events.find((e) => e.EventType === "ExecutionCompleted" || e.EventType === "ContinueAsNew");
  const terminated = events.find((e) => e.EventType === "ExecutionTerminated");
  const orchestrationEnd = ended ?? terminated;
  rows.push({
    kind: "orchestration",
    label: started?.FunctionName ?? "orchestration",
    start: started ? parseTime(started.Timestamp) : first,
    end: orchestrationEnd ? parseTime(orchestrationEnd.Timestamp) : openEnd,
    status: orchestrationEnd
      ? ended?.OrchestrationStatus === "Failed"
        ? "failed"
        : "completed"
      : live
        ? "pending"
        : "completed",
    segments: [],
    point: false,
    slowest: false,
  });

  // Calls (activities, sub-orchestrations), grouped by retries: the group a new attempt joins is the latest
  // group of the same function and input whose last attempt failed and ended before this attempt started.
  const openRetries = new Map<string, TimelineRow>();
  const completedIds = new Set<number>();
  const addCall = (kind: RowKind, e: HistoryEvent, status: BarStatus, start: number, end: number): void => {
    const key = `${kind}\u0000${e.FunctionName ?? e.Name ?? ""}\u0000${stableJson(e.Input)}`;
    const group = openRetries.get(key);
    const segment: Segment = { start, end, status };
    if (group && group.status === "failed" && start >= group.end && kind === group.kind) {
      group.segments.push(segment);
      group.end = Math.max(group.end, end);
      group.status = status;
    } else {
      const row: TimelineRow = {
        kind,
        label: e.FunctionName ?? e.Name ?? (kind === "activity" ? "activity" : "sub-orchestration"),
        start,
        end,
        status,
        segments: [segment],
        point: false,
        slowest: false,
      };
      if (e.InstanceId) row.instanceId = e.InstanceId;
      rows.push(row);
      openRetries.set(key, row);
    }
  };

  for (const e of events) {
    if (e.TaskScheduledId !== undefined) completedIds.add(e.TaskScheduledId);
  }
  const timersCreated: { row: TimelineRow; fireAt: string; timerId?: number }[] = [];
  for (const e of events) {
    const at = parseTime(e.Timestamp);
    switch (e.EventType) {
      case "TaskCompleted":
      case "TaskFailed":
      case "SubOrchestrationInstanceCompleted":
      case "SubOrchestrationInstanceFailed": {
        const kind: RowKind = e.EventType.startsWith("Task") ? "activity" : "subOrchestration";
        const scheduled = parseTime(e.ScheduledTime);
        addCall(
          kind,
          e,
          e.EventType.endsWith("Failed") ? "failed" : "completed",
          Number.isFinite(scheduled) ? scheduled : at,
          at,
        );
        break;
      }
      case "TaskScheduled":
      case "SubOrchestrationInstanceCreated":
        // Only in a full history; its completion (if any) is drawn from the completion event.
        if (e.EventId !== undefined && !completedIds.has(e.EventId))
          addCall(
            e.EventType === "TaskScheduled" ? "activity" : "subOrchestration",
            e,
            "pending",
            at,
            live ? openEnd : at,
          );
        break;
      case "TimerCreated": {
        const fireAt = parseTime(e.FireAt);
        const row: TimelineRow = {
          kind: "timer",
          label: e.FireAt ? `timer until ${e.FireAt}` : "timer",
          start: at,
          end: Number.isFinite(fireAt) ? fireAt : at,
          status: "pending",
          segments: [],
          point: false,
          slowest: false,
        };
        row.segments.push({ start: row.start, end: row.end, status: "pending" });
        rows.push(row);
        const created: { row: TimelineRow; fireAt: string; timerId?: number } = {
          row,
          fireAt: e.FireAt ?? "",
        };
        if (e.EventId !== undefined) created.timerId = e.EventId;
        timersCreated.push(created);
        break;
      }
      case "TimerFired": {
        const i = timersCreated.findIndex((t) =>
          e.TimerId !== undefined && t.timerId !== undefined
            ? t.timerId === e.TimerId
            : t.fireAt === (e.FireAt ?? ""),
        );
        if (i >= 0) {
          const { row } = timersCreated.splice(i, 1)[0]!;
          row.status = "completed";
          row.end = Math.max(row.start, at);
          row.segments = [{ start: row.start, end: row.end, status: "completed" }];
        }
        break;
      }
      default: {
        const what = POINT_EVENTS[e.EventType];
        if (what === undefined) break;
        const row: TimelineRow = {
          kind: "event",
          label: e.Name ? `${what} ${e.Name}` : what,
          start: at,
          end: at,
          status: "completed",
          segments: [{ start: at, end: at, status: "completed" }],
          point: true,
          slowest: false,
        };
        if (e.EventType === "EventSent" && e.InstanceId) row.instanceId = e.InstanceId;
        rows.push(row);
      }
    }
  }

  let slowest: TimelineRow | undefined;
  for (const r of rows) {
    if (r.kind !== "activity" && r.kind !== "subOrchestration") continue;
    if (r.end - r.start > 0 && (!slowest || r.end - r.start > slowest.end - slowest.start)) slowest = r;
  }
  if (slowest) slowest.slowest = true;

  const start = Math.min(first, ...rows.map((r) => r.start).filter(Number.isFinite));
  const end = Math.max(openEnd, ...rows.map((r) => r.end).filter(Number.isFinite));
  return { start, end, rows, ticks: axisTicks(end - start, options.maxTicks ?? 6) };
}

/** Round offsets (1, 2 or 5 times a power of ten milliseconds) from 0 to `duration`, at most `maxTicks` + 1. */
export function axisTicks(duration: number, maxTicks: number): Tick[] {
  if (!(duration > 0) || maxTicks < 1) return [{ offset: 0, label: "0" }];
  const raw = duration / maxTicks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: Tick[] = [];
  for (let offset = 0; offset <= duration + 1e-9; offset += step)
    ticks.push({ offset, label: offset === 0 ? "0" : `+${formatDuration(offset)}` });
  return ticks;
}

/** Where a bar goes, in percent of the timeline's width (a minimum width keeps short bars visible). */
export function barPosition(t: Timeline, start: number, end: number): { left: number; width: number } {
  const span = t.end - t.start || 1;
  const left = ((start - t.start) / span) * 100;
  const width = Math.max(((end - start) / span) * 100, 0.6);
  return { left: Math.min(left, 100 - 0.6), width: Math.min(width, 100 - Math.min(left, 100 - 0.6)) };
}
