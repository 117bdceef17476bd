import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import type { OrchestrationService, OrchestrationWorkItem } from "@taskhub/core";
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

/**
 * The next orchestration work item of `service`. One `lockNextOrchestrationWorkItem` call waits about a second
 * (a long poll: undefined means "nothing yet, call again"), less than a start, a lease, a receive and a
 * history read may take on a busy machine: this calls again until a work item comes, for up to `timeoutMs`.
 */
export async function nextOrchestrationWorkItem(
  service: Pick<OrchestrationService, "lockNextOrchestrationWorkItem">,
  abortSignal: AbortSignal = new AbortController().signal,
  timeoutMs = 60_000,
): Promise<OrchestrationWorkItem> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const wi = await service.lockNextOrchestrationWorkItem({ abortSignal });
    if (wi) return wi;
  }
  throw new Error(`no orchestration work item within ${timeoutMs} ms`);
}
