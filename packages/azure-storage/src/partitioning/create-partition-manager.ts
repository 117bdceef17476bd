/**
 * The partition manager the settings ask for: DTF's `<hub>Partitions` table (default), its intent/ownership
 * blob leases, none (`"all"`: one worker listens on every queue), or a custom one.
 */
import type { Logger } from "@taskhub/core";
import type { TaskHubNames } from "../naming.js";
import type { AzureStorageOrchestrationServiceSettings } from "../settings.js";
import { SETTING_DEFAULTS } from "../settings.js";
import type { StorageClients } from "../storage/clients.js";
import { BlobPartitionManager } from "./blob-partition-manager.js";
import { AllPartitionsManager, type PartitionManager } from "./partition-manager.js";
import { TablePartitionManager } from "./table-partition-manager.js";

export function createPartitionManager(
  settings: AzureStorageOrchestrationServiceSettings,
  names: TaskHubNames,
  partitionCount: number,
  workerId: string,
  logger: Logger,
  /** Clients that count lease traffic apart from the rest. */
  leaseClients: StorageClients,
): PartitionManager {
  const management = settings.partitionManagement ?? SETTING_DEFAULTS.partitionManagement;
  return typeof management !== "string"
    ? management
    : management === "all"
      ? new AllPartitionsManager(partitionCount)
      : management === "table"
        ? new TablePartitionManager({
            table: leaseClients.table(names.partitionsTable),
            controlQueues: names.controlQueues,
            workerId,
            logger,
            ...settings.tableLease,
          })
        : new BlobPartitionManager({
            container: leaseClients.container(names.leasesContainer),
            taskHubName: names.hub,
            controlQueues: names.controlQueues,
            workerId,
            intent: settings.intentLease,
            ownership: settings.ownershipLease,
            logger,
          });
}
