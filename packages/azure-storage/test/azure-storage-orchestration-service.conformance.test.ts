// The core backend conformance suite, on Azure Storage (a real Azurite, one task hub per test).
import { describe, expect, it } from "vitest";
import { runConformanceSuite } from "@taskhub/core/testing";
import { newService } from "./helpers.js";

runConformanceSuite(
  "azure-storage",
  async () => {
    const service = newService();
    return { service, dispose: () => service.deleteTaskHub() };
  },
  { describe, it, expect },
  {
    waitTimeoutMs: 30_000,
    // Quarantine after 3 deliveries, once older than twice the 4 s visibility timeout, within the wait.
    quarantiningBackend: async () => {
      const service = newService({ maxDequeueCount: 3, controlQueueVisibilityTimeoutMs: 4000 });
      return { service, dispose: () => service.deleteTaskHub() };
    },
  },
);
