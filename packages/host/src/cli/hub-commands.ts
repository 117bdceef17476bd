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
      // The dashboard's reader (loaded on use, as connect loads the provider): the leases as stored, in the
      // fields and order this verb has always printed.
      const { readHubView } = await import("../http/dashboard/hub-view.js");
      const rows = (await readHubView(service)).leases.map((r) =>
        r.manager === "blob"
          ? {
              manager: r.manager,
              partition: r.partition,
              lease: r.lease,
              owner: r.owner,
              leaseState: r.leaseState,
              epoch: r.epoch,
            }
          : {
              manager: r.manager,
              partition: r.partition,
              owner: r.owner,
              nextOwner: r.nextOwner,
              expiresAt: r.expiresAt,
              draining: r.draining,
            },
      );
      print(o, rows, () =>
        rows.length === 0
          ? "no partition leases (no worker with a lease manager has run on this task hub)"
          : table([
              ["manager", "partition", "lease", "owner", "state / expires"],
              ...rows.map((r) => [
                r.manager,
                r.partition,
                r.lease ?? "",
                r.owner ?? "-",
                (r.manager === "blob" ? r.leaseState : r.expiresAt) ?? "",
              ]),
            ]),
      );
    }),
  );
}
