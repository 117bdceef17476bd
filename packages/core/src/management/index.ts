// @taskhub/core/management: the Durable Functions HTTP management shapes, pure functions of core's state that the
// host's HTTP API and the durable-functions facade both build: the status object (with its condensed history),
// the check-status / management payload, the client binding data, the check-status responses, and the names of
// the instance-filter query parameters.
export * from "./status-object.js";
export * from "./management-urls.js";
export * from "./filter-params.js";
