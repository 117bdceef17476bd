/**
 * DTF's queue message envelope, `DurableTask.AzureStorage.MessageData` (members in
 * docs/storage-layout.md#the-envelope), in Newtonsoft's shape: `$type` first in every object (except
 * `Sender`), PascalCase, integer EventType, UTC times with `Z`.
 * Bodies are written as raw UTF-8 JSON; readers accept JSON and base64 (DTF v1) bodies.
 */
import { randomUUID } from "node:crypto";
import {
  fromDtfJson,
  TAGS_DICTIONARY_TYPE,
  TaskHubError,
  toDtfJson,
  type OrchestrationInstance,
  type Tags,
  type TaskMessage,
} from "@taskhub/core";

export interface MessageData {
  /** Per-message trace id (GUID "D"); all zeros in a large-message wrapper. */
  activityId: string;
  /** Undefined only in a large-message wrapper. */
  taskMessage: TaskMessage | undefined;
  /** Set only in the wrapper of an offloaded message. */
  compressedBlobName?: string | undefined;
  sequenceNumber: number;
  episode?: number | undefined;
  sender?: OrchestrationInstance | undefined;
  serializableTraceContext?: string | undefined;
}

let processSequence = 0;
/** DTF's per-process message counter (starts at 1, shared by all queues). */
export function nextSequenceNumber(): number {
  return ++processSequence;
}

export function newMessageData(taskMessage: TaskMessage): MessageData {
  return {
    activityId: randomUUID(),
    taskMessage,
    sequenceNumber: nextSequenceNumber(),
    episode: taskMessage.episode,
    sender: taskMessage.sender,
  };
}

function instanceJson(i: OrchestrationInstance): Record<string, unknown> {
  return {
    $type: "DurableTask.Core.OrchestrationInstance",
    InstanceId: i.instanceId,
    ExecutionId: i.executionId ?? null,
  };
}

function tagsJson(tags: Tags | undefined): Record<string, unknown> | null {
  return tags ? { $type: TAGS_DICTIONARY_TYPE, ...tags } : null;
}

export function taskMessageToJson(m: TaskMessage): Record<string, unknown> {
  const hasContext = m.event.type === "TaskScheduled" || m.event.type === "ExecutionStarted";
  return {
    $type: "DurableTask.Core.TaskMessage",
    Event: toDtfJson(m.event),
    SequenceNumber: m.sequenceNumber ?? 0,
    OrchestrationInstance: instanceJson(m.orchestrationInstance),
    OrchestrationExecutionContext: hasContext
      ? {
          $type: "DurableTask.Core.OrchestrationExecutionContext",
          OrchestrationTags: tagsJson(m.orchestrationTags),
        }
      : null,
  };
}

/** The envelope as DTF writes it (property order as Newtonsoft emits it). */
export function messageDataToJson(md: MessageData): string {
  const o: Record<string, unknown> = {
    $type: "DurableTask.AzureStorage.MessageData",
    ActivityId: md.activityId,
    TaskMessage: md.taskMessage ? taskMessageToJson(md.taskMessage) : null,
    CompressedBlobName: md.compressedBlobName ?? null,
    SequenceNumber: md.sequenceNumber,
  };
  if (md.episode !== undefined) o.Episode = md.episode;
  if (md.sender) o.Sender = { InstanceId: md.sender.instanceId, ExecutionId: md.sender.executionId ?? null };
  o.SerializableTraceContext = md.serializableTraceContext ?? null;
  return xmlSafe(JSON.stringify(o));
}

/**
 * Queue messages travel in XML, where U+FFFE and U+FFFF are not allowed: Azure refuses such a message, and
 * Azurite stores it but never hands it out again, so the instance would hang. They can only occur inside JSON
 * strings, so they are written as JSON escapes (`\ufffe`), which every JSON reader (Newtonsoft too) decodes
 * to the same text. JSON.stringify already escapes the other characters XML forbids (C0 controls, lone
 * surrogates).
 */
function xmlSafe(json: string): string {
  return json.replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** Queue body text → JSON value: bodies starting with `{` are JSON, anything else is base64 of UTF-8 JSON. */
export function parseMessageBody(body: string): unknown {
  const trimmed = body.trimStart();
  const text = trimmed.startsWith("{") ? trimmed : Buffer.from(trimmed, "base64").toString("utf8");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TaskHubError(
      "Serialization",
      `queue message is neither JSON nor base64-encoded JSON: ${(err as Error).message}`,
    );
  }
}

/** Case-insensitive property read, as Newtonsoft does. */
function prop(o: Record<string, unknown>, name: string): unknown {
  if (name in o) return o[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

function asObject(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v))
    throw new TaskHubError("Serialization", `${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

function optString(v: unknown): string | undefined {
  return v === null || v === undefined ? undefined : String(v);
}

function readInstance(v: unknown, what: string): OrchestrationInstance {
  const o = asObject(v, what);
  const instanceId = prop(o, "InstanceId");
  if (typeof instanceId !== "string") throw new TaskHubError("Serialization", `${what} has no InstanceId`);
  return { instanceId, executionId: optString(prop(o, "ExecutionId")) || undefined };
}

function readTags(v: unknown): Tags | undefined {
  if (v === null || v === undefined) return undefined;
  const o = asObject(v, "OrchestrationTags");
  const tags: Tags = {};
  for (const [k, val] of Object.entries(o)) if (k !== "$type") tags[k] = String(val);
  return tags;
}

export function taskMessageFromJson(v: unknown): TaskMessage {
  const o = asObject(v, "TaskMessage");
  const event = fromDtfJson(prop(o, "Event"));
  const ctx = prop(o, "OrchestrationExecutionContext");
  return {
    event,
    orchestrationInstance: readInstance(
      prop(o, "OrchestrationInstance"),
      "TaskMessage.OrchestrationInstance",
    ),
    sequenceNumber: Number(prop(o, "SequenceNumber") ?? 0),
    orchestrationTags:
      ctx && typeof ctx === "object"
        ? readTags(prop(ctx as Record<string, unknown>, "OrchestrationTags"))
        : undefined,
  };
}

/** Parse an envelope; throws `Serialization` with a clear reason for anything malformed. */
export function messageDataFromJson(v: unknown): MessageData {
  const o = asObject(v, "queue message");
  const blob = optString(prop(o, "CompressedBlobName"));
  const tm = prop(o, "TaskMessage");
  if ((tm === null || tm === undefined) && !blob)
    throw new TaskHubError(
      "Serialization",
      "queue message has neither a TaskMessage nor a CompressedBlobName",
    );
  const senderRaw = prop(o, "Sender");
  const episode = prop(o, "Episode");
  const taskMessage = tm === null || tm === undefined ? undefined : taskMessageFromJson(tm);
  const sender = senderRaw && typeof senderRaw === "object" ? readInstance(senderRaw, "Sender") : undefined;
  if (taskMessage) {
    taskMessage.sender = sender && sender.instanceId ? sender : undefined;
    taskMessage.episode = typeof episode === "number" ? episode : undefined;
  }
  return {
    activityId: optString(prop(o, "ActivityId")) ?? "00000000-0000-0000-0000-000000000000",
    taskMessage,
    compressedBlobName: blob,
    sequenceNumber: Number(prop(o, "SequenceNumber") ?? 0),
    episode: typeof episode === "number" ? episode : undefined,
    sender,
    serializableTraceContext: optString(prop(o, "SerializableTraceContext")),
  };
}
