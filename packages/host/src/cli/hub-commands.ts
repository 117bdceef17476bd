/** The task hub verbs: delete-task-hub, poison (list, replay), partitions. */
import type { Command } from "commander";
import { TaskHubError } from "@taskhub/core";
import { connect } from "./connect.js";
import { print, table } from "./output.js";
import { UsageError, verb, withCommon, type Common } from "./verb.js";

export function addHubCommands(program: Command): void {
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
        // No partitions table: no table-lease worker has run. (Loaded on use, as connect loads the provider.)
        const { isNotFound } = await import("@taskhub/azure-storage");
        if (!isNotFound(err)) throw err;
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
}
