// @taskhub/azure-storage: taskhub's backend on Azure Storage, storage-compatible with DTF's provider.
// Its public types reach the Azure SDK's, which use Node's (Buffer, streams): this package depends on
// @types/node and this directive, kept in the emitted .d.ts, brings them into a user's program.
/// <reference types="node" preserve="true" />
export * from "./azure-storage-orchestration-service.js";
export * from "./settings.js";
export type { CheckpointTestHook, CheckpointTestHooks } from "./tracking/checkpoint-test-hooks.js";
export * from "./naming.js";
export * from "./partitioning/fnv1a.js";
export * from "./partitioning/partition-manager.js";
export * from "./partitioning/blob-partition-manager.js";
export * from "./partitioning/table-partition-manager.js";
export * from "./tracking/key-sanitation.js";
export {
  HistoryTable,
  type HistoryRowQuery,
  type HistoryRows,
  type LoadedHistory,
} from "./tracking/history-table.js";
export { InstancesTable } from "./tracking/instances-table.js";
export { historyRowKey, HISTORY_COLUMNS, rawValue, rowToEvent } from "./tracking/history-row.js";
export * from "./messaging/message-data.js";
export { PoisonStore, type PoisonMessage } from "./messaging/poison-store.js";
export * from "./payloads/large-payloads.js";
export * from "./storage/clients.js";
export * from "./storage/connection.js";
export * from "./storage/credential.js";
export * from "./storage/request-counter.js";
export * from "./storage/errors.js";
