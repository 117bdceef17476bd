/**
 * What a live instance waits for now, computed from its history (pure):
 * - activities and sub-orchestrations scheduled without a result (a full history has their scheduling events;
 *   the management API's condensed history leaves scheduling out, so there only completed calls are seen),
 * - timers created and not fired yet, with their fire time (a `waitForExternalEvent` with a timeout shows here),
 * - entity locks requested (an event sent to an entity `@name@key` whose request carries a `lockset`) and not
 *   released yet (a lock request, sent to the first entity of its lockset, locks them all),
 * - being suspended (it waits to be resumed).
 * When none of these is outstanding, a running instance waits for an external event or a message: DTF records
 * nothing for `waitForExternalEvent` until the event arrives, so the history cannot name it.
 * An instance that has ended waits for nothing.
 */
import { parseTime, type HistoryEvent } from "./history-event.js";
import { isLive } from "./runtime-status.js";

export type WaitKind = "activity" | "subOrchestration" | "timer" | "entityLock" | "resume" | "event";

export interface Wait {
  kind: WaitKind;
  label: string;
  /** When the wait began (scheduling, creation, lock request), as written in the history. */
  since?: string;
  /** A timer's fire time. */
  until?: string;
  /** A sub-orchestration's instance id or a locked entity's id. */
  instanceId?: string;
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  if (typeof v === "string") {
    try {
      return asObject(JSON.parse(v));
    } catch {
      return undefined;
    }
  }
  return v !== null && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
}

export function computeWaitsFor(events: readonly HistoryEvent[], runtimeStatus: string): Wait[] {
  if (!isLive(runtimeStatus)) return [];
  const waits: Wait[] = [];
  if (runtimeStatus === "Suspended") waits.push({ kind: "resume", label: "to be resumed (it is suspended)" });

  // Scheduled calls without a result (full histories only: they carry EventId / TaskScheduledId).
  const answered = new Set<string>();
  for (const e of events) {
    if (e.TaskScheduledId === undefined) continue;
    if (e.EventType === "TaskCompleted" || e.EventType === "TaskFailed")
      answered.add(`t${e.TaskScheduledId}`);
    if (e.EventType.startsWith("SubOrchestrationInstance")) answered.add(`s${e.TaskScheduledId}`);
  }
  for (const e of events) {
    if (e.EventId === undefined) continue;
    const name = e.FunctionName ?? e.Name ?? "?";
    if (e.EventType === "TaskScheduled" && !answered.has(`t${e.EventId}`))
      waits.push({ kind: "activity", label: `activity ${name}`, since: e.Timestamp });
    if (e.EventType === "SubOrchestrationInstanceCreated" && !answered.has(`s${e.EventId}`)) {
      const w: Wait = { kind: "subOrchestration", label: `sub-orchestration ${name}`, since: e.Timestamp };
      if (e.InstanceId) w.instanceId = e.InstanceId;
      waits.push(w);
    }
  }

  // Timers not fired: by TimerId in a full history, else by fire time (the condensed form has no ids).
  const fired: HistoryEvent[] = events.filter((e) => e.EventType === "TimerFired");
  for (const e of events) {
    if (e.EventType !== "TimerCreated") continue;
    const i = fired.findIndex((f) =>
      f.TimerId !== undefined && e.EventId !== undefined ? f.TimerId === e.EventId : f.FireAt === e.FireAt,
    );
    if (i >= 0) {
      fired.splice(i, 1);
      continue;
    }
    const w: Wait = { kind: "timer", label: `timer firing at ${e.FireAt ?? "?"}`, since: e.Timestamp };
    if (e.FireAt) w.until = e.FireAt;
    waits.push(w);
  }

  // Entity locks: requested (an event sent to an entity with a lockset) and not released since.
  const held = new Map<string, string>();
  for (const e of events) {
    if (e.EventType !== "EventSent" || !e.InstanceId?.startsWith("@")) continue;
    const body = asObject(e.Input);
    if (e.Name === "release") held.delete(e.InstanceId);
    else if (body && Array.isArray(body.lockset))
      for (const item of body.lockset as unknown[]) {
        const id = asObject(item);
        held.set(id ? `@${String(id.name)}@${String(id.key)}` : e.InstanceId, e.Timestamp);
      }
  }
  for (const [entity, since] of held)
    waits.push({ kind: "entityLock", label: `lock on entity ${entity}`, since, instanceId: entity });

  if (runtimeStatus !== "Suspended" && waits.length === 0)
    waits.push({
      kind: "event",
      label: "an external event or a message (nothing it scheduled is outstanding in the history)",
    });
  return waits.sort((a, b) => (parseTime(a.since) || 0) - (parseTime(b.since) || 0));
}
