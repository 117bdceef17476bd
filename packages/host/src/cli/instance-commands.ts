/** The instance verbs: start-new, get-runtime-status, get-history, get-instances, count-instances, raise-event,
 * terminate, suspend, resume, rewind, restart, purge-history. */
import type { Command } from "commander";
import { TaskHubError, type OrchestrationRuntimeStatus, type OrchestrationState } from "@taskhub/core";
import { condenseHistory, toStatusObject } from "@taskhub/core/management";
import { pageAt } from "../http/continuation-token.js";
import { connect } from "./connect.js";
import {
  instanceFilterOf,
  withInstanceFilterOptions,
  type InstanceFilterOptions,
} from "./instance-filter-options.js";
import { print, printFields, progress, table } from "./output.js";
import { parseInput, UsageError, verb, withCommon, type Common } from "./verb.js";

export function addInstanceCommands(program: Command): void {
  function statusRow(s: OrchestrationState): string[] {
    return [s.instanceId, s.name, s.runtimeStatus, s.createdAt.toISOString(), s.lastUpdatedAt.toISOString()];
  }

  withCommon(
    program
      .command("start-new")
      .description("start an orchestration")
      .requiredOption("--function-name <name>")
      .option("--input <json>")
      .option("--id <instanceId>"),
  ).action(
    verb(async (o: Common & { functionName: string; input?: string; id?: string }) => {
      const { client } = await connect(o);
      const id = await client.scheduleNewOrchestration(o.functionName, parseInput(o.input), {
        instanceId: o.id,
      });
      print(o, { id }, () => `started ${o.functionName}: ${id}`);
    }),
  );

  withCommon(
    program
      .command("get-runtime-status")
      .description("status of an instance")
      .requiredOption("--id <instanceId>")
      .option("--show-input", "include the input", false),
  ).action(
    verb(async (o: Common & { id: string; showInput: boolean }) => {
      const { client } = await connect(o);
      const s = await client.getOrchestrationState(o.id);
      if (!s) throw new TaskHubError("InstanceNotFound", `no instance with id '${o.id}'`);
      const obj = toStatusObject(s, { showInput: o.showInput });
      printFields(o, obj);
    }),
  );

  withCommon(
    program
      .command("get-history")
      .description("history of an instance (condensed as in Durable Functions; --raw for DTF's events)")
      .requiredOption("--id <instanceId>")
      .option("--raw", "every DTF history event", false),
  ).action(
    verb(async (o: Common & { id: string; raw: boolean }) => {
      const { client } = await connect(o);
      const events = await client.getOrchestrationHistory(o.id);
      const shown = o.raw ? events : condenseHistory(events, { showInput: true, showHistoryOutput: true });
      print(o, shown, () =>
        table([
          ["timestamp", "event", "detail"],
          ...shown.map((e) => {
            const r = e as Record<string, unknown>;
            const kind = String(r.EventType ?? r.type);
            const detail =
              r.FunctionName ?? r.name ?? r.Name ?? r.OrchestrationStatus ?? r.orchestrationStatus ?? "";
            return [String(r.Timestamp ?? r.timestamp), kind, String(detail)];
          }),
        ]),
      );
    }),
  );

  withCommon(
    withInstanceFilterOptions(program.command("get-instances").description("list instances (one page)"))
      .option("--top <n>", "page size (1 to 1000)", "100")
      .option("--continuation-token <token>"),
  ).action(
    verb(async (o: Common & InstanceFilterOptions & { top: string; continuationToken?: string }) => {
      const filter = instanceFilterOf(o);
      const top = Number(o.top);
      if (!Number.isInteger(top) || top < 1 || top > 1000)
        throw new UsageError("--top must be an integer from 1 to 1000");
      const { client } = await connect(o);
      const page = await pageAt(
        client.listInstances({ ...filter, maxPageSize: top, fetchPayloads: false }),
        o.continuationToken,
      );
      const items = page?.items ?? [];
      print(
        o,
        {
          instances: items.map((s: OrchestrationState) => toStatusObject(s, { showInput: false })),
          continuationToken: page?.continuationToken ?? null,
        },
        () =>
          table([["instance", "name", "status", "created", "updated"], ...items.map(statusRow)]) +
          (page?.continuationToken ? `\nmore: --continuation-token '${page.continuationToken}'` : ""),
      );
    }),
  );

  withCommon(
    withInstanceFilterOptions(
      program.command("count-instances").description("count instances per runtime status"),
    ),
  ).action(
    verb(async (o: Common & InstanceFilterOptions) => {
      const filter = instanceFilterOf(o);
      const { client } = await connect(o);
      const counts = await client.countInstancesByStatus(filter);
      print(o, counts, () =>
        table([
          ["status", "count"],
          ...Object.entries(counts.byStatus).map(([status, n]) => [status, String(n)]),
          ["total", String(counts.total)],
        ]),
      );
    }),
  );

  withCommon(
    program
      .command("raise-event")
      .description("raise an external event")
      .requiredOption("--id <instanceId>")
      .requiredOption("--event-name <name>")
      .option("--event-data <json>"),
  ).action(
    verb(async (o: Common & { id: string; eventName: string; eventData?: string }) => {
      const { client } = await connect(o);
      await client.raiseEvent(o.id, o.eventName, parseInput(o.eventData));
      print(o, { raised: o.eventName }, () => `raised ${o.eventName} on ${o.id}`);
    }),
  );

  for (const [name, what] of [
    ["terminate", "terminate"],
    ["suspend", "suspend"],
    ["resume", "resume"],
    ["rewind", "rewind (failed instances)"],
  ] as const) {
    withCommon(
      program
        .command(name)
        .description(`${what} an instance`)
        .requiredOption("--id <instanceId>")
        .option("--reason <text>"),
    ).action(
      verb(async (o: Common & { id: string; reason?: string }) => {
        const { client } = await connect(o);
        if (name === "terminate") await client.terminateOrchestration(o.id, { output: o.reason });
        else if (name === "suspend") await client.suspendOrchestration(o.id, o.reason);
        else if (name === "resume") await client.resumeOrchestration(o.id, o.reason);
        else await client.rewindOrchestration(o.id, o.reason);
        print(o, { [name]: o.id }, () => `${name}: ${o.id}`);
      }),
    );
  }

  withCommon(
    program
      .command("restart")
      .description("start an instance again with its input")
      .requiredOption("--id <instanceId>")
      .option("--new-instance-id", "use a new id", false),
  ).action(
    verb(async (o: Common & { id: string; newInstanceId: boolean }) => {
      const { client } = await connect(o);
      const id = await client.restartOrchestration(o.id, { newInstanceId: o.newInstanceId });
      print(o, { id }, () => `restarted as ${id}`);
    }),
  );

  withCommon(
    program
      .command("purge-history")
      .description("delete the history of one instance (--id) or of finished instances matching a filter")
      .option("--id <instanceId>")
      .option("--created-after <date>")
      .option("--created-before <date>")
      .option("--runtime-status <statuses>", "comma-separated terminal statuses"),
  ).action(
    verb(
      async (
        o: Common & { id?: string; createdAfter?: string; createdBefore?: string; runtimeStatus?: string },
      ) => {
        const { client } = await connect(o);
        if (!o.id && !o.createdAfter) throw new UsageError("give --id or --created-after");
        if (o.id) {
          const r = await client.purgeOrchestration(o.id);
          print(o, r, () => `purged ${r.deletedInstanceCount} instance(s)`);
          return;
        }
        // By filter: list the matching finished instances first, then purge them one by one (eight at a time) with a
        // progress bar, so that a large purge shows how far it got.
        const createdFrom = new Date(o.createdAfter!);
        const createdTo = o.createdBefore ? new Date(o.createdBefore) : undefined;
        if (Number.isNaN(createdFrom.getTime()) || (createdTo && Number.isNaN(createdTo.getTime())))
          throw new UsageError("--created-after/--created-before must be dates");
        const terminal: OrchestrationRuntimeStatus[] = ["Completed", "Failed", "Terminated", "Canceled"];
        const statuses =
          (o.runtimeStatus?.split(",").map((x) => x.trim()) as OrchestrationRuntimeStatus[] | undefined) ??
          terminal;
        const bad = statuses.filter((x) => !terminal.includes(x));
        if (bad.length > 0)
          throw new UsageError(
            `only finished instances can be purged; --runtime-status takes ${terminal.join(", ")}, got ${bad.join(", ")}`,
          );
        const ids: string[] = [];
        for await (const s of client.listInstances({
          createdFrom,
          createdTo,
          statuses,
          pageSize: 1000,
          fetchPayloads: false,
        }))
          ids.push(s.instanceId);
        const bar = progress("purging", ids.length);
        let deleted = 0;
        let next = 0;
        await Promise.all(
          Array.from({ length: Math.min(8, ids.length) }, async () => {
            while (next < ids.length) {
              const r = await client.purgeOrchestration(ids[next++]!);
              deleted += r.deletedInstanceCount;
              bar.tick();
            }
          }),
        );
        bar.done();
        const r = { deletedInstanceCount: deleted };
        print(o, r, () => `purged ${r.deletedInstanceCount} instance(s)`);
      },
    ),
  );
}
