/**
 * The task hub's storage as a whole: create every queue, table and container it needs (once per process,
 * retried after a failure), or delete them all. docs/storage-layout.md lists them with DT.AS's names.
 */
import { BlobPartitionManager } from "./partitioning/blob-partition-manager.js";
import type { PartitionManager } from "./partitioning/partition-manager.js";
import { TablePartitionManager } from "./partitioning/table-partition-manager.js";
import type { TaskHubNames } from "./naming.js";
import type { PoisonStore } from "./messaging/poison-store.js";
import type { StorageClients } from "./storage/clients.js";
import { ignoreNotFound, isConflict, toStorageError } from "./storage/errors.js";

export class TaskHubStorage {
  private hubReady: Promise<void> | undefined;

  constructor(
    private readonly names: TaskHubNames,
    private readonly clients: StorageClients,
    private readonly partitionCount: number,
    private readonly partitionManager: PartitionManager,
    private readonly poison: PoisonStore,
  ) {}

  /** Create queues, tables and containers if missing (idempotent, as DTF's create-if-not-exists; docs/storage-layout.md lists them). */
  createIfNotExists(): Promise<void> {
    this.hubReady ??= this.createHub().catch((err: unknown) => {
      this.hubReady = undefined;
      throw err;
    });
    return this.hubReady;
  }

  /**
   * Every creation is started at once. When some fail, the error is the first failure in the order below (not
   * the first to arrive, which depends on timing), as a `StorageError` naming what was being created, with
   * the service's status, code and message (the queue SDK's own message is only "Unexpected status code").
   */
  private async createHub(): Promise<void> {
    const n = this.names;
    const appLease = this.clients.container(n.appLeaseContainer);
    const { partitionManager } = this;
    const steps: [string, () => Promise<unknown> | undefined][] = [
      ...n.controlQueues.map((q): [string, () => Promise<unknown>] => [
        `create queue ${q}`,
        () => this.clients.queue(q).createIfNotExists(),
      ]),
      [
        "create the partition lease store",
        () =>
          partitionManager instanceof BlobPartitionManager
            ? partitionManager.createLeaseStore(this.partitionCount)
            : partitionManager instanceof TablePartitionManager
              ? partitionManager.createLeaseStore()
              : undefined,
      ],
      [`create queue ${n.workItemQueue}`, () => this.clients.queue(n.workItemQueue).createIfNotExists()],
      [`create table ${n.historyTable}`, () => this.createTable(n.historyTable)],
      [`create table ${n.instancesTable}`, () => this.createTable(n.instancesTable)],
      ["create the poison store", () => this.poison.ensure()],
      [
        `create container ${n.appLeaseContainer}`,
        () =>
          appLease.createIfNotExists().then(() =>
            appLease
              .getBlockBlobClient(n.appLeaseInfoBlob)
              .upload("{}", 2, { conditions: { ifNoneMatch: "*" } })
              .catch((err: unknown) => {
                if (!isConflict(err)) throw err; // the blob exists: kept
              }),
          ),
      ],
    ];
    const results = await Promise.allSettled(steps.map(([, step]) => step()));
    const failed = results.findIndex((r) => r.status === "rejected");
    if (failed >= 0)
      throw toStorageError((results[failed] as PromiseRejectedResult).reason, steps[failed]![0]);
  }

  private async createTable(name: string): Promise<void> {
    await this.clients.table(name).createTable();
  }

  /** Delete every queue, table and container of the hub (docs/storage-layout.md lists them). */
  async deleteTaskHub(): Promise<void> {
    const n = this.names;
    await Promise.all([
      ...n.controlQueues.map((q) => this.clients.queue(q).deleteIfExists()),
      this.clients.queue(n.workItemQueue).deleteIfExists(),
      ...[n.historyTable, n.instancesTable, n.partitionsTable, n.poisonTable].map((t) =>
        this.clients.table(t).deleteTable().catch(ignoreNotFound),
      ),
      ...[n.largeMessagesContainer, n.leasesContainer, n.appLeaseContainer].map((c) =>
        this.clients.container(c).deleteIfExists(),
      ),
    ]);
    this.hubReady = undefined;
  }
}
