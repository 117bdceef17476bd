/**
 * The backend conformance suite: every client verb and context feature, and hostile delivery, run through a
 * real `TaskHubWorker` and `TaskHubClient` over the backend under test. The in-memory service passes it in
 * core; the Azure Storage service runs the same suite against Azurite.
 *
 * Usage (in a vitest file; the test API is passed in, typed by `TestApi`, so that `@taskhub/core/testing`
 * neither loads nor needs a test runner):
 *   import { describe, it, expect } from "vitest";
 *   runConformanceSuite("in-memory", async () => ({ service: new InMemoryOrchestrationService() }), { describe, it, expect });
 *
 * Timers here are short real-time delays (no virtual clock), so any backend can pass. The cases live in
 * conformance-client-verbs.ts, conformance-queries.ts, conformance-features.ts and delivery-conformance.ts;
 * the harness in conformance-harness.ts, the orchestrations in conformance-orchestrations.ts, the faults in
 * fault-injection.ts.
 */
import type { OrchestrationContext } from "../replay/orchestration-context.js";
import { clientVerbConformance } from "./conformance-client-verbs.js";
import { contextFeatureConformance } from "./conformance-features.js";
import { queryConformance } from "./conformance-queries.js";
import { conformanceSuite, type BackendUnderTest, type ConformanceOptions } from "./conformance-harness.js";
import { deliveryConformance } from "./delivery-conformance.js";
import type { TestApi } from "./test-api.js";

export type { BackendUnderTest, ConformanceOptions, Harness } from "./conformance-harness.js";
export { FailingCheckpoints, FlakyService } from "./fault-injection.js";

export function runConformanceSuite(
  backendName: string,
  createBackend: () => Promise<BackendUnderTest>,
  api: TestApi,
  options: ConformanceOptions = {},
): void {
  const suite = conformanceSuite(createBackend, api, options);
  api.describe(`backend conformance: ${backendName}`, () => {
    clientVerbConformance(suite);
    queryConformance(suite);
    contextFeatureConformance(suite);
    deliveryConformance(suite);
  });
}

/** Helper for tests that want an orchestration context type without importing internals. */
export type { OrchestrationContext };
