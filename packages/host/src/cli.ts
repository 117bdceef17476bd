#!/usr/bin/env node
/**
 * The `taskhub` CLI (docs/cli.md). `taskhub worker --app <module>` runs a host with the module's registrations:
 * the module exports `register(worker)` (or a default function), and optionally `httpHandler` (its own HTTP
 * functions, such as durable-functions' `createHttpHandler()`, served before the management API).
 * SIGTERM/SIGINT drain and exit 0; a second signal forces exit 1. The management verbs work on a task hub
 * that exists: an unknown one (a misspelled `--task-hub`) is an error, never created.
 * Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration, 3 not found (instance, entity, task hub).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Command } from "commander";
import {
  replayOrchestrationAsync,
  TaskHubClient,
  TaskHubError,
  TaskRegistry,
  type EntityMetadata,
  type TaskRegistrar,
  type HistoryEvent,
  type OrchestrationRuntimeStatus,
  type OrchestrationState,
} from "@taskhub/core";
import { AzureStorageOrchestrationService, isNotFound } from "@taskhub/azure-storage";
import { loadConfig } from "./config.js";
import { createHost, type HttpHandler } from "./host.js";
import { pageAt } from "./http/continuation-token.js";
import { condenseHistory, toStatusObject } from "@taskhub/core/management";
import { stopOnSignals } from "./stop-on-signals.js";
import { installFunctionsCore } from "./functions-http/install-functions-core.js";

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const EXIT_NOT_FOUND = 3;

/** `taskhub worker` gives it a `TaskHubWorker`; `taskhub replay` a bare `TaskRegistry` (no worker, no backend). */
type RegisterFn = (worker: TaskRegistrar) => void | Promise<void>;

/** The app module: `register(worker)` (or a default function), and optionally `httpHandler` (its own HTTP functions). */
async function loadApp(path: string): Promise<{ register: RegisterFn; httpHandler?: HttpHandler }> {
  const mod = (await import(pathToFileURL(resolve(path)).href)) as {
    register?: RegisterFn;
    default?: RegisterFn;
    httpHandler?: unknown;
  };
  const fn = mod.register ?? mod.default;
  if (typeof fn !== "function")
    throw new Error(`${path} must export a register(worker) function (or a default function)`);
  if (mod.httpHandler !== undefined && typeof mod.httpHandler !== "function")
    throw new Error(`${path}: httpHandler must be a function (request) => Response | undefined`);
  return { register: fn, ...(mod.httpHandler ? { httpHandler: mod.httpHandler as HttpHandler } : {}) };
}

const program = new Command();
// Commander's own usage errors (unknown verb or option, missing argument) exit 2 like ours; help and
// --version exit 0. Subcommands inherit this.
program
  .name("taskhub")
  .description("Run and manage taskhub task hubs")
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE));

program
  .command("worker")
  .description("run a worker host: the app's orchestrations and activities, and the HTTP management API")
  .requiredOption(
    "--app <module>",
    "module that exports register(worker), and optionally httpHandler (served before the management API)",
  )
  .option("--port <port>", "HTTP port (default 7071, or TASKHUB_HTTP_PORT)")
  .action(async (opts: { app: string; port?: string }) => {
    let app: Awaited<ReturnType<typeof loadApp>>;
    const functions = { core: installFunctionsCore() }; // before the app loads @azure/functions
    try {
      app = await loadApp(opts.app);
    } catch (err) {
      console.error(`taskhub: ${(err as Error).message}`);
      process.exit(EXIT_USAGE);
    }
    // A signal while the host starts is acted on once it has started.
    let early: NodeJS.Signals | undefined;
    const remember = (signal: NodeJS.Signals): void => void (early ??= signal);
    process.on("SIGINT", remember).on("SIGTERM", remember);
    const host = await createHost({
      ...app,
      functions,
      config: opts.port ? { http: { port: Number(opts.port) } } : {},
    }).catch((err: unknown) => {
      console.error(`taskhub: ${(err as Error).message}`);
      process.exit(err instanceof TaskHubError && err.code !== "InvalidArgument" ? EXIT_FAILURE : EXIT_USAGE);
    });
    process.off("SIGINT", remember).off("SIGTERM", remember);
    const handlers = stopOnSignals(() => host.stop(), { logger: host.logger });
    if (early) handlers.receive(early);
  });

// ---- management verbs (the `func durable` set), over the configured storage ---------------------------

interface Common {
  json?: boolean;
  taskHub?: string;
}

class UsageError extends Error {}
class NotFoundError extends Error {}

/**
 * The configured task hub, which must exist: the verbs never create one (a misspelled hub name would otherwise
 * become a new, empty hub). A task hub exists when its Instances table does.
 */
async function connect(
  opts: Common,
): Promise<{ service: AzureStorageOrchestrationService; client: TaskHubClient }> {
  const config = loadConfig(opts.taskHub ? { hubName: opts.taskHub } : {});
  if (!config.storage)
    throw new UsageError(
      "no storage configured: set AZURE_STORAGE_CONNECTION_STRING (or AZURE_STORAGE_ACCOUNT_NAME)",
    );
  const service = new AzureStorageOrchestrationService({
    taskHubName: config.hubName,
    storage: config.storage,
    partitionCount: config.partitionCount,
    partitionManagement: "all",
  });
  if (!(await tableExists(service, service.names.instancesTable)))
    throw new NotFoundError(
      `task hub '${config.hubName}' does not exist in this storage account (it has no table ${service.names.instancesTable}): check --task-hub or TASKHUB_HUB_NAME; a worker (taskhub worker) creates a task hub`,
    );
  return { service, client: new TaskHubClient(service) };
}

async function tableExists(service: AzureStorageOrchestrationService, name: string): Promise<boolean> {
  // Table names are letters and digits (the task hub name is validated), so the filter needs no escaping.
  for await (const t of service.clients.tableService.listTables({
    queryOptions: { filter: `TableName eq '${name}'` },
  }))
    if (t.name === name) return true;
  return false;
}

function print(opts: Common, value: unknown, human: () => string): void {
  console.log(opts.json ? JSON.stringify(value, null, 2) : human());
}

/** One object: JSON with --json, else a field/value table (strings as they are, anything else as JSON). */
function printFields(opts: Common, obj: object): void {
  print(opts, obj, () =>
    table([
      ["field", "value"],
      ...Object.entries(obj).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    ]),
  );
}

/** Colours only on a terminal, never with NO_COLOR; FORCE_COLOR turns them on anywhere. */
const colour = (stream: NodeJS.WriteStream): boolean =>
  process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== "0"
    ? true
    : !process.env.NO_COLOR && stream.isTTY === true;
const sgr = (code: string, text: string): string =>
  colour(process.stdout) ? `\x1b[${code}m${text}\x1b[0m` : text;
const STATUS_COLOURS: Record<string, string> = {
  Completed: "32",
  Running: "36",
  Pending: "33",
  Suspended: "33",
  ContinuedAsNew: "36",
  Failed: "31",
  Terminated: "35",
  Canceled: "35",
};

/** A plain-text table: bold header, runtime statuses in colour (on a terminal), columns padded. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r, n) =>
      r
        .map((c, i) => {
          const cell = c.padEnd(i === r.length - 1 ? c.length : widths[i]!);
          if (n === 0) return sgr("1", cell);
          const code = STATUS_COLOURS[c];
          return code ? sgr(code, cell) : cell;
        })
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** A progress bar on stderr when it is a terminal (scripts and --json see nothing of it). */
function progress(label: string, total: number): { tick(): void; done(): void } {
  const on = colour(process.stderr) && total > 0;
  let n = 0;
  const draw = (): void => {
    const width = 30;
    const filled = Math.round((n / total) * width);
    process.stderr.write(`\r${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${n}/${total}`);
  };
  if (on) draw();
  return {
    tick: () => {
      n++;
      if (on) draw();
    },
    done: () => {
      if (on) process.stderr.write("\n");
    },
  };
}

function parseInput(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--input must be JSON (quote strings: '"text"'), got ${text}`);
  }
}

/** Runs a verb: exit 0 on success, 1 on a failure, 2 on bad usage or configuration, 3 when not found. */
function verb<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      const usage =
        err instanceof UsageError || (err instanceof TaskHubError && err.code === "InvalidArgument");
      const notFound =
        err instanceof NotFoundError || (err instanceof TaskHubError && err.code === "InstanceNotFound");
      console.error(`taskhub: ${(err as Error).message}`);
      process.exit(usage ? EXIT_USAGE : notFound ? EXIT_NOT_FOUND : EXIT_FAILURE);
    }
  };
}

const withCommon = (c: Command): Command =>
  c
    .option("--json", "machine-readable output")
    .option("--task-hub <name>", "task hub (default from configuration)");

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
  program
    .command("get-instances")
    .description("list instances")
    .option("--created-after <date>")
    .option("--created-before <date>")
    .option("--runtime-status <statuses>", "comma-separated, e.g. Running,Failed")
    .option("--prefix <instanceIdPrefix>")
    .option("--top <n>", "page size", "100")
    .option("--continuation-token <token>"),
).action(
  verb(
    async (
      o: Common & {
        createdAfter?: string;
        createdBefore?: string;
        runtimeStatus?: string;
        prefix?: string;
        top: string;
        continuationToken?: string;
      },
    ) => {
      const { client } = await connect(o);
      const top = Number(o.top);
      if (!Number.isInteger(top) || top < 1) throw new UsageError("--top must be a positive integer");
      const date = (v: string | undefined, what: string): Date | undefined => {
        if (!v) return undefined;
        const d = new Date(v);
        if (Number.isNaN(d.getTime())) throw new UsageError(`${what} is not a date: ${v}`);
        return d;
      };
      const page = await pageAt(
        client.listInstances({
          createdFrom: date(o.createdAfter, "--created-after"),
          createdTo: date(o.createdBefore, "--created-before"),
          statuses: o.runtimeStatus?.split(",") as OrchestrationRuntimeStatus[] | undefined,
          instanceIdPrefix: o.prefix,
          pageSize: top,
          fetchPayloads: false,
        }),
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
    },
  ),
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

// ---- entities ---------------------------------------------------------------------------------------

function entityArg(id: string): { name: string; key: string } {
  // `@counter@key` or `counter@key`.
  const text = id.startsWith("@") ? id.slice(1) : id;
  const at = text.indexOf("@");
  if (at <= 0) throw new UsageError(`--id must be '@name@key' or 'name@key', got ${id}`);
  return { name: text.slice(0, at), key: text.slice(at + 1) };
}

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
    async (o: Common & { name?: string; top: string; continuationToken?: string; includeState: boolean }) => {
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

withCommon(
  program
    .command("delete-task-hub")
    .description("delete every queue, table and container of the task hub")
    .option("--yes", "really delete", false),
).action(
  verb(async (o: Common & { yes: boolean }) => {
    if (!o.yes) throw new UsageError("deleting a task hub loses all its data: add --yes");
    const { service } = await connect(o);
    await service.deleteTaskHub();
    print(o, { deleted: service.names.hub }, () => `deleted task hub ${service.names.hub}`);
  }),
);

withCommon(
  program
    .command("poison")
    .description("messages quarantined in the poison store")
    .argument("[action]", "list | replay", "list")
    .option("--queue <name>")
    .option("--message-id <id>"),
).action(
  verb(async (action: string, o: Common & { queue?: string; messageId?: string }) => {
    const { service } = await connect(o);
    if (action === "list") {
      // Read only: a task hub without a poison table (one DT.AS wrote) lists none, and the table is not created.
      const items = await service.listPoisonMessages();
      print(o, items, () =>
        items.length === 0
          ? "no poison messages"
          : table([
              ["queue", "message", "dequeues", "instance", "reason"],
              ...items.map((p) => [
                p.queueName,
                p.messageId,
                String(p.dequeueCount),
                p.instanceId ?? "",
                p.reason,
              ]),
            ]),
      );
    } else if (action === "replay") {
      if (!o.queue || !o.messageId) throw new UsageError("replay needs --queue and --message-id");
      if (!(await service.replayPoisonMessage(o.queue, o.messageId)))
        throw new TaskHubError("InstanceNotFound", `no poison message ${o.messageId} from ${o.queue}`);
      print(o, { replayed: o.messageId }, () => `re-enqueued ${o.messageId} on ${o.queue}`);
    } else throw new UsageError(`unknown poison action '${action}' (list or replay)`);
  }),
);

withCommon(
  program
    .command("partitions")
    .description("who owns which partition: blob lease state or Partitions table rows"),
).action(
  verb(async (o: Common) => {
    const { service } = await connect(o);
    const rows: Record<string, unknown>[] = [];
    const leases = service.clients.container(service.names.leasesContainer);
    if (await leases.exists()) {
      for (const queue of service.names.controlQueues) {
        for (const kind of ["intent", "ownership"] as const) {
          const blob = leases.getBlobClient(`${kind}/${queue}`);
          if (!(await blob.exists())) continue;
          const res = await blob.download();
          const chunks: Buffer[] = [];
          for await (const c of res.readableStreamBody as AsyncIterable<Buffer>) chunks.push(c);
          const content = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
            Owner: string | null;
            Epoch: number;
          };
          rows.push({
            manager: "blob",
            partition: queue,
            lease: kind,
            owner: content.Owner,
            leaseState: res.leaseState,
            epoch: content.Epoch,
          });
        }
      }
    }
    const table2 = service.clients.table(service.names.partitionsTable);
    try {
      for await (const e of table2.listEntities<Record<string, unknown>>())
        rows.push({
          manager: "table",
          partition: e.rowKey,
          owner: e.CurrentOwner ?? null,
          nextOwner: e.NextOwner ?? null,
          expiresAt: e.ExpiresAt ?? null,
          draining: e.IsDraining ?? false,
        });
    } catch (err) {
      if (!isNotFound(err)) throw err; // no partitions table: no table-lease worker has run
    }
    print(o, rows, () =>
      rows.length === 0
        ? "no partition leases (no worker with a lease manager has run on this task hub)"
        : table([
            ["manager", "partition", "lease", "owner", "state / expires"],
            ...rows.map((r) => [
              String(r.manager),
              String(r.partition),
              String(r.lease ?? ""),
              String(r.owner ?? "-"),
              String(
                r.leaseState ??
                  (r.expiresAt instanceof Date ? r.expiresAt.toISOString() : (r.expiresAt ?? "")),
              ),
            ]),
          ]),
    );
  }),
);

withCommon(
  program
    .command("replay")
    .description(
      "replay a history JSON file (an array of DTF events, as get-history --raw --json prints) against an app's orchestrator and report non-determinism",
    )
    .requiredOption("--app <module>")
    .requiredOption("--file <history.json>"),
).action(
  verb(async (o: Common & { app: string; file: string }) => {
    const { register } = await loadApp(o.app);
    const events = JSON.parse(readFileSync(o.file, "utf8")) as HistoryEvent[];
    const start = events.find((e) => e.type === "ExecutionStarted");
    if (!start || start.type !== "ExecutionStarted")
      throw new UsageError(`${o.file} has no ExecutionStarted event`);
    // Only the app's registry is needed: no worker, no backend.
    const registry = new TaskRegistry();
    await register(registry);
    // The orchestrator of the version the instance was started with (else the one registered without a version).
    const fn = registry.getOrchestrator(start.name, start.version);
    const named = start.version ? `'${start.name}' for version '${start.version}'` : `'${start.name}'`;
    if (!fn) throw new UsageError(`the app registers no orchestrator named ${named}`);
    // The async replay: it runs function* and async function* orchestrators alike, as the worker does.
    const r = await replayOrchestrationAsync(fn, events, []);
    const bad = r.completion?.failureDetails?.errorType === "NonDeterminismError";
    print(
      o,
      {
        deterministic: !bad,
        failure: bad ? r.completion?.failureDetails?.errorMessage : undefined,
        pendingActions: r.actions.length,
      },
      () =>
        bad
          ? `NON-DETERMINISTIC: ${r.completion?.failureDetails?.errorMessage}`
          : `replayed ${events.length} events: deterministic`,
    );
    if (bad) process.exit(1);
  }),
);

await program.parseAsync(process.argv);
