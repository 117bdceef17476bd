// The core entity suite on Azure Storage (a real Azurite, one task hub per test).
import { describe, expect, it } from "vitest";
import { runEntityConformanceSuite } from "@taskhub/core/testing";
import { newService } from "./helpers.js";

runEntityConformanceSuite(
  "azure-storage",
  async () => {
    const service = newService();
    return { service, dispose: () => service.deleteTaskHub() };
  },
  { describe, it, expect },
  { waitTimeoutMs: 30_000 },
);
