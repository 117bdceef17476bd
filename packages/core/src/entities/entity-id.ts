/**
 * Entity ids. An entity is addressed by a name (its kind, lower-cased as the Durable Task SDKs do) and a
 * key; its orchestration instance id is `@<name>@<key>` (DTF's `EntityId.ToString`).
 */
import { InvalidArgumentError } from "../errors/errors.js";

export interface EntityInstanceId {
  readonly name: string;
  readonly key: string;
}

/** A UTF-16 surrogate without its pair (as in client.ts; kept here to avoid an import cycle). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is rejected
const INVALID_CHARS = /[\u0000-\u001f\u007f-\u009f/\\#?\uFFFE\uFFFF]/;

/** A validated entity id with the name lower-cased. Throws `InvalidArgument`. */
export function entityId(name: string, key: string): EntityInstanceId {
  if (typeof name !== "string" || name.length === 0)
    throw new InvalidArgumentError("entity name must be a non-empty string");
  if (name.includes("@")) throw new InvalidArgumentError(`entity name '${name}' must not contain '@'`);
  // The key may be empty (the HTTP API writes it as `$`).
  if (typeof key !== "string") throw new InvalidArgumentError(`key of entity '${name}' must be a string`);
  const id = { name: name.toLowerCase(), key };
  const text = entityInstanceIdString(id);
  if (text.length > 256)
    throw new InvalidArgumentError(`entity id '${text.slice(0, 40)}…' is longer than 256 characters`);
  if (LONE_SURROGATE.test(text))
    throw new InvalidArgumentError(
      `entity id ${JSON.stringify(text)} is not well-formed Unicode (it has a lone surrogate)`,
    );
  if (INVALID_CHARS.test(text))
    throw new InvalidArgumentError(
      `entity id '${text}' contains a character that is not allowed (/, \\, #, ?, a control character or the noncharacters U+FFFE, U+FFFF)`,
    );
  return id;
}

/** Accepts `{ name, key }` or the `@name@key` string; validates and normalises. */
export function toEntityId(id: EntityInstanceId | string): EntityInstanceId {
  if (typeof id === "string") return parseEntityInstanceId(id);
  if (!id || typeof id !== "object")
    throw new InvalidArgumentError("entity id must be { name, key } or '@name@key'");
  return entityId(id.name, id.key);
}

export function entityInstanceIdString(id: EntityInstanceId): string {
  return `@${id.name}@${id.key}`;
}

export function isEntityInstanceId(instanceId: string): boolean {
  return instanceId.startsWith("@");
}

/** `@name@key` → `{ name, key }` (name lower-cased). Throws `InvalidArgument` if malformed. */
export function parseEntityInstanceId(instanceId: string): EntityInstanceId {
  const at = typeof instanceId === "string" && instanceId.startsWith("@") ? instanceId.indexOf("@", 1) : -1;
  if (at < 0)
    throw new InvalidArgumentError(
      `'${String(instanceId)}' is not an entity instance id (expected '@name@key')`,
    );
  return entityId(instanceId.slice(1, at), instanceId.slice(at + 1));
}

/** DTF's `EntityId.CompareTo`: ordinal by name, then by key. Locks are acquired in this order. */
export function compareEntityIds(a: EntityInstanceId, b: EntityInstanceId): number {
  return cmp(a.name, b.name) || cmp(a.key, b.key);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
