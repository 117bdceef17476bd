import { describe, expect, it } from "vitest";
import { runConformanceSuite } from "../../src/testing/conformance.js";
import { InMemoryOrchestrationService } from "../../src/testing/in-memory-service.js";

runConformanceSuite(
  "in-memory",
  async () => ({ service: new InMemoryOrchestrationService({ pollIntervalMs: 50 }) }),
  {
    describe,
    it,
    expect,
  },
  {
    quarantiningBackend: async () => ({
      service: new InMemoryOrchestrationService({ pollIntervalMs: 50, maxDequeueCount: 3 }),
    }),
  },
);
