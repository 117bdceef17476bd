/** The entity verbs: signal-entity, get-entity, list-entities, clean-entity-storage. */
import type { Command } from "commander";
import { TaskHubError, type EntityMetadata } from "@taskhub/core";
import { pageAt } from "../http/continuation-token.js";
import { connect } from "./connect.js";
import { print, printFields, table } from "./output.js";
import { parseInput, UsageError, verb, withCommon, type Common } from "./verb.js";

export function entityArg(id: string): { name: string; key: string } {
  // `@counter@key` or `counter@key`.
  const text = id.startsWith("@") ? id.slice(1) : id;
  const at = text.indexOf("@");
  if (at <= 0) throw new UsageError(`--id must be '@name@key' or 'name@key', got ${id}`);
  return { name: text.slice(0, at), key: text.slice(at + 1) };
}

export function addEntityCommands(program: Command): void {
  withCommon(
    program
      .command("signal-entity")
      .description("signal an entity operation")
      .requiredOption("--id <entityId>", "@name@key")
      .requiredOption("--operation <name>")
      .option("--input <json>")
      .option("--at <date>", "deliver no earlier than this time"),
  ).action(
    verb(async (o: Common & { id: string; operation: string; input?: string; at?: string }) => {
      const { client } = await connect(o);
      const at = o.at ? new Date(o.at) : undefined;
      if (at && Number.isNaN(at.getTime())) throw new UsageError(`--at is not a date: ${o.at}`);
      await client.signalEntity(entityArg(o.id), o.operation, parseInput(o.input), { scheduledTime: at });
      print(o, { signaled: o.id, operation: o.operation }, () => `signaled ${o.operation} on ${o.id}`);
    }),
  );

  withCommon(
    program
      .command("get-entity")
      .description("an entity's state and metadata")
      .requiredOption("--id <entityId>", "@name@key"),
  ).action(
    verb(async (o: Common & { id: string }) => {
      const { client } = await connect(o);
      const e = await client.getEntity(entityArg(o.id));
      if (!e) throw new TaskHubError("InstanceNotFound", `entity '${o.id}' does not exist`);
      const obj = {
        id: `@${e.id.name}@${e.id.key}`,
        lastModifiedTime: e.lastModifiedTime.toISOString(),
        backlogQueueSize: e.backlogQueueSize,
        lockedBy: e.lockedBy ?? null,
        state: e.state ?? null,
      };
      printFields(o, obj);
    }),
  );

  withCommon(
    program
      .command("list-entities")
      .description("list entities")
      .option("--name <entityName>")
      .option("--top <n>", "page size", "100")
      .option("--continuation-token <token>")
      .option("--include-state", "include each entity's state", false),
  ).action(
    verb(
      async (
        o: Common & { name?: string; top: string; continuationToken?: string; includeState: boolean },
      ) => {
        const { client } = await connect(o);
        const top = Number(o.top);
        if (!Number.isInteger(top) || top < 1) throw new UsageError("--top must be a positive integer");
        const page = await pageAt(
          client.listEntities({
            instanceIdStartsWith: o.name ? `@${o.name}@` : "@",
            includeState: o.includeState,
            pageSize: top,
          }),
          o.continuationToken,
        );
        const items = (page?.items ?? []).map((e: EntityMetadata) => ({
          id: `@${e.id.name}@${e.id.key}`,
          lastModifiedTime: e.lastModifiedTime.toISOString(),
          backlogQueueSize: e.backlogQueueSize,
          lockedBy: e.lockedBy ?? null,
          ...(e.includesState ? { state: e.state ?? null } : {}),
        }));
        print(
          o,
          { entities: items, continuationToken: page?.continuationToken ?? null },
          () =>
            table([
              ["entity", "last modified", "queue", "locked by", ...(o.includeState ? ["state"] : [])],
              ...items.map((e: (typeof items)[number]) => [
                e.id,
                e.lastModifiedTime,
                String(e.backlogQueueSize),
                e.lockedBy ?? "",
                ...(o.includeState ? [JSON.stringify(e.state)] : []),
              ]),
            ]) + (page?.continuationToken ? `\nmore: --continuation-token '${page.continuationToken}'` : ""),
        );
      },
    ),
  );

  withCommon(
    program
      .command("clean-entity-storage")
      .description("release locks held by finished orchestrations and remove empty entities"),
  ).action(
    verb(async (o: Common) => {
      const { client } = await connect(o);
      const r = await client.cleanEntityStorage();
      print(
        o,
        r,
        () =>
          `released ${r.orphanedLocksReleased} orphaned lock(s), removed ${r.emptyEntitiesRemoved} empty entit${r.emptyEntitiesRemoved === 1 ? "y" : "ies"}`,
      );
    }),
  );
}
