/**
 * The Azure Storage provider as it is, plus two hooks the bench's processes measure with: `started` when an
 * instance's start (its ExecutionStarted, no history yet) is picked up, and `committed` after each step of an
 * instance is committed. The hooks run after the provider's own call and change nothing it does.
 */
import type { LockOptions, OrchestrationCommit, OrchestrationWorkItem } from "@taskhub/core";
import {
  AzureStorageOrchestrationService,
  type AzureStorageOrchestrationServiceSettings,
} from "@taskhub/azure-storage";

export interface ServiceObserver {
  started?(instanceId: string): void;
  committed?(instanceId: string, commit: OrchestrationCommit): void;
}

export class ObservedService extends AzureStorageOrchestrationService {
  constructor(
    settings: AzureStorageOrchestrationServiceSettings,
    private readonly observer: ServiceObserver,
  ) {
    super(settings);
  }

  override async lockNextOrchestrationWorkItem(
    options: LockOptions,
  ): Promise<OrchestrationWorkItem | undefined> {
    const wi = await super.lockNextOrchestrationWorkItem(options);
    if (wi && wi.pastEvents.length === 0 && wi.newMessages.some((m) => m.event.type === "ExecutionStarted"))
      this.observer.started?.(wi.instanceId);
    return wi;
  }

  override async completeOrchestrationWorkItem(
    workItem: OrchestrationWorkItem,
    commit: OrchestrationCommit | undefined,
  ): Promise<void> {
    await super.completeOrchestrationWorkItem(workItem, commit);
    if (commit) this.observer.committed?.(workItem.instanceId, commit);
  }
}
