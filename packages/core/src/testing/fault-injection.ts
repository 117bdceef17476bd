/**
 * Fault-injecting wrappers of a backend's service side, for the conformance suites: what a crashing or racing
 * worker produces (redelivered work items, duplicate results) and a step that can never be checkpointed.
 */
import type {
  AbandonOptions,
  ActivityWorkItem,
  LockOptions,
  OrchestrationCommit,
  OrchestrationService,
  OrchestrationServiceClient,
  OrchestrationWorkItem,
} from "../backend/service.js";
import type { TaskMessage } from "../backend/task-message.js";

/**
 * Redelivery and duplicates, as a crashing or racing worker produces them: the first checkpoint of every
 * instance is abandoned (redelivered), and every activity result is delivered twice.
 */
export class FlakyService implements OrchestrationService {
  private readonly crashed = new Set<string>();
  readonly maxTimerIntervalMs: number | undefined;
  constructor(
    protected readonly inner: OrchestrationService,
    private readonly client: OrchestrationServiceClient,
    private readonly faults = { crashFirstCheckpoint: true, duplicateResults: true },
  ) {
    this.maxTimerIntervalMs = inner.maxTimerIntervalMs;
  }
  now(): Date {
    return this.inner.now?.() ?? new Date();
  }
  createIfNotExists(): Promise<void> {
    return this.inner.createIfNotExists();
  }
  start(): Promise<void> {
    return this.inner.start();
  }
  stop(): Promise<void> {
    return this.inner.stop();
  }
  lockNextOrchestrationWorkItem(o: LockOptions): Promise<OrchestrationWorkItem | undefined> {
    return this.inner.lockNextOrchestrationWorkItem(o);
  }
  renewOrchestrationWorkItemLock(wi: OrchestrationWorkItem): Promise<void> {
    return this.inner.renewOrchestrationWorkItemLock(wi);
  }
  async completeOrchestrationWorkItem(
    wi: OrchestrationWorkItem,
    commit: OrchestrationCommit | undefined,
  ): Promise<void> {
    if (this.faults.crashFirstCheckpoint && commit && !this.crashed.has(wi.instanceId)) {
      this.crashed.add(wi.instanceId);
      throw new Error("injected crash before checkpoint");
    }
    return this.inner.completeOrchestrationWorkItem(wi, commit);
  }
  abandonOrchestrationWorkItem(wi: OrchestrationWorkItem, o?: AbandonOptions): Promise<void> {
    return this.inner.abandonOrchestrationWorkItem(wi, { ...o, delayMs: 0 });
  }
  lockNextActivityWorkItem(o: LockOptions): Promise<ActivityWorkItem | undefined> {
    return this.inner.lockNextActivityWorkItem(o);
  }
  renewActivityWorkItemLock(wi: ActivityWorkItem): Promise<void> {
    return this.inner.renewActivityWorkItemLock(wi);
  }
  async completeActivityWorkItem(wi: ActivityWorkItem, response: TaskMessage): Promise<void> {
    await this.inner.completeActivityWorkItem(wi, response);
    if (this.faults.duplicateResults) await this.client.sendTaskOrchestrationMessage(response);
  }
  abandonActivityWorkItem(wi: ActivityWorkItem, o?: AbandonOptions): Promise<void> {
    return this.inner.abandonActivityWorkItem(wi, o);
  }
}

/**
 * Every step of the instances `broken` names fails to checkpoint (as a storage outage or a bug in the step
 * would), so their messages come back until they are quarantined; the others pass through.
 */
export class FailingCheckpoints extends FlakyService {
  constructor(
    inner: OrchestrationService,
    client: OrchestrationServiceClient,
    private readonly broken: (instanceId: string) => boolean,
  ) {
    super(inner, client, { crashFirstCheckpoint: false, duplicateResults: false });
  }
  override async completeOrchestrationWorkItem(
    wi: OrchestrationWorkItem,
    commit: OrchestrationCommit | undefined,
  ): Promise<void> {
    if (this.broken(wi.instanceId))
      throw new Error(`injected: the step of ${wi.instanceId} cannot be checkpointed`);
    return super.completeOrchestrationWorkItem(wi, commit);
  }
  override abandonOrchestrationWorkItem(wi: OrchestrationWorkItem, o?: AbandonOptions): Promise<void> {
    return this.inner.abandonOrchestrationWorkItem(wi, o);
  }
}
