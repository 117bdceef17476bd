/**
 * Task hub resource names, exactly as DTF's Azure Storage provider derives them
 * (docs/storage-layout.md#resource-names). Queue and container names use the lower-cased hub name; table names
 * keep the configured case.
 */
import { InvalidArgumentError } from "@taskhub/core";

export const DEFAULT_PARTITION_COUNT = 4;
export const MAX_PARTITION_COUNT = 16;

/** Durable Functions' rule: alphanumeric, starts with a letter, 3–45 characters. */
export function validateTaskHubName(name: unknown): asserts name is string {
  if (typeof name !== "string" || !/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(name)) {
    throw new InvalidArgumentError(
      `invalid task hub name ${JSON.stringify(name)}: use 3 to 45 letters and digits, starting with a letter`,
    );
  }
}

export function validatePartitionCount(n: unknown): asserts n is number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > MAX_PARTITION_COUNT)
    throw new InvalidArgumentError(
      `partition count must be an integer from 1 to ${MAX_PARTITION_COUNT}, got ${String(n)}`,
    );
}

export interface TaskHubNames {
  hub: string;
  controlQueues: string[];
  workItemQueue: string;
  historyTable: string;
  instancesTable: string;
  partitionsTable: string;
  largeMessagesContainer: string;
  leasesContainer: string;
  appLeaseContainer: string;
  appLeaseInfoBlob: string;
  /** taskhub's own: where messages that cannot be processed are quarantined (not a DTF resource). */
  poisonTable: string;
}

export function controlQueueName(hub: string, partition: number): string {
  return `${hub.toLowerCase()}-control-${String(partition).padStart(2, "0")}`;
}

export function taskHubNames(hub: string, partitionCount: number): TaskHubNames {
  validateTaskHubName(hub);
  validatePartitionCount(partitionCount);
  const lc = hub.toLowerCase();
  return {
    hub,
    controlQueues: Array.from({ length: partitionCount }, (_, i) => controlQueueName(hub, i)),
    workItemQueue: `${lc}-workitems`,
    historyTable: `${hub}History`,
    instancesTable: `${hub}Instances`,
    partitionsTable: `${hub}Partitions`,
    largeMessagesContainer: `${lc}-largemessages`,
    leasesContainer: `${lc}-leases`,
    appLeaseContainer: `${lc}-applease`,
    appLeaseInfoBlob: `${lc}-appleaseinfo`,
    poisonTable: `${hub}Poison`,
  };
}
