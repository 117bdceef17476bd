// @taskhub/host: the Durable Functions HTTP management API over a TaskHubClient.
export * from "./http/management-api.js";
export * from "./http/management-urls.js";
export * from "./http/status-object.js";
export * from "./http/node-server.js";
