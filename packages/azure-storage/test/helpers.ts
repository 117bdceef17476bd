import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import {
  AzureStorageOrchestrationService,
  type AzureStorageOrchestrationServiceSettings,
} from "../src/index.js";

/** A fresh task hub name per test, so tests sharing one Azurite never see each other's data. */
export function uniqueHubName(prefix = "t"): string {
  return `${prefix}${randomBytes(6).toString("hex")}`;
}

export function connectionString(): string {
  return inject("azuriteConnectionString");
}

/** A service on the shared Azurite with fast polling (tests only). */
export function newService(
  settings: Partial<AzureStorageOrchestrationServiceSettings> = {},
): AzureStorageOrchestrationService {
  return new AzureStorageOrchestrationService({
    taskHubName: uniqueHubName(),
    storage: { connectionString: connectionString() },
    minPollingIntervalMs: 10,
    maxPollingIntervalMs: 250,
    ...settings,
  });
}
