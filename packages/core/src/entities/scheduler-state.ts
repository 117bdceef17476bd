/**
 * DTF's entity `SchedulerState` (the input of every entity execution) and `EntityStatus` (its custom
 * status), in DTF's JSON: `{"exists":true,"state":"<entity state JSON text>","queue":[...],"lockedBy":"…",
 * "suspended":true,"sorter":{...}}` with defaults omitted, and `{"entityExists":true,"queueSize":n,
 * "lockedBy":"…"}`.
 *
 * `exists` is the Durable Functions extension's in-process member: DurableTask.Core 3.x has none (an entity
 * exists when it has `state`) and skips it. It is written beside every state so that both read the entity.
 *
 * One addition, `"processed"`: ids of requests received in recent batches whose queue messages may still be
 * redelivered (a crash between checkpoint and message delete). DTF has no such record and applies a
 * redelivered client signal twice; DTF readers ignore the unknown member.
 *
 * And a second, `"recent"`: per sending orchestration, when it last sent and the ids of its latest requests.
 * A step that runs again after its worker died between its sends and its history write sends the same
 * requests again with the same ids (see `entityRequestId`); they are the sender's latest, so a short list per
 * sender recognises them. Kept for the reorder window after the sender's last request.
 */
import { TaskHubError } from "../errors/errors.js";
import type { DtfDateTime } from "../history/events.js";
import { MessageSorter } from "./message-sorter.js";
import { parseRequest, requestToJson, type EntityRequestMessage } from "./messages.js";

export interface RecentRequests {
  /** When the sender's last request was delivered. */
  at: DtfDateTime;
  ids: string[];
}

export interface ProcessedBatch {
  /** When the batch was checkpointed. */
  at: DtfDateTime;
  ids: string[];
}

export class SchedulerState {
  exists = false;
  /** The entity state as JSON text; undefined when the entity does not exist. */
  state: string | undefined;
  queue: EntityRequestMessage[] = [];
  lockedBy: string | undefined;
  suspended = false;
  sorter = new MessageSorter();
  processed: ProcessedBatch[] = [];
  /** Per sender (lower-cased instance id): its latest request ids, and when the last one arrived. */
  recent = new Map<string, RecentRequests>();

  /** The entity status this state shows (the Instances row's custom status). */
  get status(): EntityStatus {
    return { entityExists: this.exists, queueSize: this.queue.length, lockedBy: this.lockedBy };
  }

  get isEmpty(): boolean {
    return !this.exists && this.queue.length === 0 && this.lockedBy === undefined;
  }

  /** The queue head may run now: nothing is locked, or it comes from the lock holder. */
  mayDequeue(): boolean {
    return this.queue.length > 0 && (this.lockedBy === undefined || this.lockedBy === this.queue[0]!.parent);
  }

  serialize(): string {
    const o: Record<string, unknown> = {};
    if (this.exists) o.exists = true;
    if (this.state !== undefined) o.state = this.state;
    if (this.queue.length > 0) o.queue = this.queue.map(requestToJson);
    if (this.lockedBy !== undefined) o.lockedBy = this.lockedBy;
    if (this.suspended) o.suspended = true;
    o.sorter = this.sorter.toJSON();
    if (this.processed.length > 0) o.processed = this.processed;
    if (this.recent.size > 0) o.recent = Object.fromEntries(this.recent);
    return JSON.stringify(o);
  }

  /** Parse DTF's JSON (undefined/empty input = a new entity). Throws `Serialization` when corrupt. */
  static parse(text: string | undefined): SchedulerState {
    const s = new SchedulerState();
    if (text === undefined || text === "") return s;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new TaskHubError(
        "Serialization",
        `entity scheduler state is not JSON: ${(err as Error).message}`,
      );
    }
    if (!raw || typeof raw !== "object" || Array.isArray(raw))
      throw new TaskHubError("Serialization", "entity scheduler state is not a JSON object");
    const o = new Map(Object.entries(raw).map(([k, v]) => [k.toLowerCase(), v]));
    s.exists = o.get("exists") === true;
    const state = o.get("state");
    s.state = typeof state === "string" ? state : undefined;
    // DurableTask.Core 3.x leaves `exists` out and relies on `state` alone.
    if (!o.has("exists") && s.state !== undefined) s.exists = true;
    const queue = o.get("queue");
    s.queue = Array.isArray(queue) ? queue.map((m) => parseRequest(m)) : [];
    const lockedBy = o.get("lockedby");
    s.lockedBy = typeof lockedBy === "string" ? lockedBy : undefined;
    s.suspended = o.get("suspended") === true;
    s.sorter = MessageSorter.fromJSON(o.get("sorter"));
    const processed = o.get("processed");
    s.processed = Array.isArray(processed)
      ? processed
          .filter(
            (p): p is ProcessedBatch =>
              !!p && typeof p === "object" && typeof p.at === "string" && Array.isArray(p.ids),
          )
          .map((p) => ({ at: p.at, ids: p.ids.filter((i): i is string => typeof i === "string") }))
      : [];
    const recent = o.get("recent");
    if (recent && typeof recent === "object" && !Array.isArray(recent))
      for (const [k, v] of Object.entries(recent as Record<string, unknown>)) {
        const r = v as Partial<RecentRequests> | null;
        if (r && typeof r.at === "string" && Array.isArray(r.ids))
          s.recent.set(k, { at: r.at, ids: r.ids.filter((i): i is string => typeof i === "string") });
      }
    return s;
  }
}

export interface EntityStatus {
  entityExists: boolean;
  queueSize: number;
  lockedBy?: string | undefined;
}

export function serializeEntityStatus(s: EntityStatus): string {
  const o: Record<string, unknown> = {};
  if (s.entityExists) o.entityExists = true;
  if (s.queueSize) o.queueSize = s.queueSize;
  if (s.lockedBy !== undefined) o.lockedBy = s.lockedBy;
  return JSON.stringify(o);
}

export function parseEntityStatus(text: string | undefined): EntityStatus | undefined {
  if (!text) return undefined;
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    return {
      entityExists: o.entityExists === true,
      queueSize: typeof o.queueSize === "number" ? o.queueSize : 0,
      lockedBy: typeof o.lockedBy === "string" ? o.lockedBy : undefined,
    };
  } catch {
    return undefined; // not JSON: no entity status (as DTF reads it)
  }
}
