// @taskhub/host: the worker host, configuration, logging and the Durable Functions HTTP management API.
// Its public types use Node's (NodeJS.ProcessEnv, node:http's Server): this package depends on @types/node and
// this directive, kept in the emitted .d.ts, brings them into a user's program.
/// <reference types="node" preserve="true" />
export * from "./http/management-api.js";
export * from "@taskhub/core/management";
export * from "./http/node-server.js";
export {
  createDashboard,
  DASHBOARD_PATH,
  type DashboardOptions,
  type DashboardHandlerOptions,
} from "./http/dashboard/dashboard.js";
export type {
  HubView,
  PartitionView,
  WorkerView,
  QueueView,
  LeaseRecord,
  BlobLeaseRecord,
  TableLeaseRecord,
} from "./http/dashboard/hub-view.js";
export type { BlobView } from "./http/dashboard/instance-blobs.js";
export * from "./config.js";
export * from "./logger.js";
export * from "./host.js";
export * from "./embedded-azurite.js";
export * from "./development-storage.js";
export * from "./stop-on-signals.js";
export * from "./functions-http/install-functions-core.js";
export type { FunctionsCore } from "./functions-http/functions-core.js";
export type { FunctionsHostOptions } from "./functions-http/functions-host.js";
export { registerModuleAliases, moduleAliases } from "./app/module-aliases.js";
export { loadApp, type LoadedApp, type LoadAppOptions, type RegisterFn } from "./app/load-app.js";
