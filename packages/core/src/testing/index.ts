// @taskhub/core/testing: the in-memory backend, clocks, and the backend conformance suite.
export * from "./clock.js";
export * from "./in-memory-service.js";
export * from "./test-api.js";
export * from "./conformance.js";
export * from "./entity-conformance.js";
export * from "./history-builder.js";
export * from "./recording-logger.js";
export * from "./abort-testing.js";
