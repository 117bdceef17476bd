import { describe, expect, it } from "vitest";
import { runEntityConformanceSuite } from "../../src/testing/entity-conformance.js";
import { InMemoryOrchestrationService } from "../../src/testing/in-memory-service.js";

runEntityConformanceSuite(
  "in-memory",
  async () => ({ service: new InMemoryOrchestrationService({ pollIntervalMs: 20 }) }),
  {
    describe,
    it,
    expect,
  },
);
