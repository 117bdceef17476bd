/**
 * v3's `EntityId(name, key)`. Its string form is the entity's instance id, `@<name lower-cased>@<key>`.
 */
import { toEntityId, type EntityInstanceId } from "@taskhub/core";

export class EntityId {
  constructor(
    readonly name: string,
    readonly key: string,
  ) {
    if (!name) throw new TypeError("name: Expected non-empty string but got empty string");
    if (!key) throw new TypeError("key: Expected non-empty string but got empty string");
  }

  static getSchedulerIdFromEntityId(entityId: EntityId): string {
    return `@${entityId.name.toLowerCase()}@${entityId.key}`;
  }

  static getEntityIdFromSchedulerId(schedulerId: string): EntityId {
    const at = schedulerId.indexOf("@", 1);
    return new EntityId(schedulerId.substring(1, at), schedulerId.substring(at + 1));
  }

  toString(): string {
    return EntityId.getSchedulerIdFromEntityId(this);
  }
}

/** The core id (validated, name lower-cased) of a v3 EntityId or any `{ name, key }`. */
export function toCoreEntityId(id: EntityId | EntityInstanceId): EntityInstanceId {
  if (!id || typeof id !== "object" || typeof id.name !== "string" || typeof id.key !== "string")
    throw new TypeError("entityId: Expected an EntityId");
  return toEntityId({ name: id.name, key: id.key });
}
