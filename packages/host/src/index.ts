// @taskhub/host: the worker host, configuration, logging and the Durable Functions HTTP management API.
export * from "./http/management-api.js";
export * from "./http/management-urls.js";
export * from "./http/status-object.js";
export * from "./http/node-server.js";
export * from "./config.js";
export * from "./logger.js";
export * from "./host.js";
export * from "./embedded-azurite.js";
export * from "./stop-on-signals.js";
