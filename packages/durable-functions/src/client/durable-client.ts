/**
 * v3's `DurableClient`, talking to the task hub directly through core's `TaskHubClient` (no HTTP hop). The
 * outcomes follow what v3's client makes of the extension's HTTP answers: `getStatus` of an unknown id
 * throws; `raiseEvent`, `terminate`, `suspend` and `resume` on a finished instance resolve (the
 * extension's 410) and on an unknown id reject (404); `rewind` rejects unless the instance Failed; purges
 * of unknown ids report 0. Management URLs point at the host's HTTP API (`/runtime/webhooks/durabletask`).
 */
import {
  isTerminalStatus,
  InstanceNotFoundError,
  type OrchestrationRuntimeStatus as CoreStatus,
  type TaskHubClient,
} from "@taskhub/core";
import {
  createCheckStatusResponse,
  createHttpManagementPayload,
  toStatusObject,
  waitForCompletionOrCreateCheckStatusResponse,
  type HttpManagementPayload,
  type ManagementUrlOptions,
} from "@taskhub/core/management";
import { EntityId, toCoreEntityId } from "../entity/entity-id.js";
import {
  DurableOrchestrationStatus,
  EntityStateResponse,
  PurgeHistoryResult,
  type GetStatusOptions,
  type OrchestrationFilter,
  type StartNewOptions,
  type TaskHubOptions,
  type WaitForCompletionOptions,
} from "./status.js";

export interface DurableClientOptions {
  taskHubName: string;
  /** Origin of the host's HTTP API for management URLs (default `http://localhost:7071`). */
  origin?: string;
  /** The HTTP API key, added to management URLs as `code=`. */
  key?: string;
  connectionName?: string;
  /** The orchestrators that exist; `startNew` rejects other names, as the extension does (default: any name). */
  orchestratorNames?: () => Iterable<string>;
}

/** Anything with the request's absolute `url` (a fetch `Request`, the facade's or Functions' `HttpRequest`). */
export interface RequestLike {
  readonly url: string;
}

export class DurableClient {
  readonly taskHubName: string;
  readonly uniqueWebhookOrigins: string[];
  private readonly urls: ManagementUrlOptions;
  private readonly orchestratorNames: (() => Iterable<string>) | undefined;

  constructor(
    /** The core client, for everything v3's client does not offer (history, restart, entity queries, ...). */
    readonly client: TaskHubClient,
    options: DurableClientOptions,
  ) {
    this.taskHubName = options.taskHubName;
    this.urls = {
      origin: options.origin ?? "http://localhost:7071",
      taskHubName: options.taskHubName,
      ...(options.key ? { key: options.key } : {}),
      ...(options.connectionName ? { connectionName: options.connectionName } : {}),
    };
    this.uniqueWebhookOrigins = [new URL(this.urls.origin).origin];
    this.orchestratorNames = options.orchestratorNames;
  }

  /** @internal where management URLs point (the classic model's client binding is built from them) */
  get managementUrlOptions(): ManagementUrlOptions {
    return { ...this.urls };
  }

  /** 202 with the management payload, `Location` (the status URL) and `Retry-After: 10`. */
  createCheckStatusResponse(request: RequestLike | undefined, instanceId: string): Response {
    return createCheckStatusResponse(request as Request | undefined, instanceId, this.urls);
  }

  createHttpManagementPayload(instanceId: string): HttpManagementPayload {
    return createHttpManagementPayload(instanceId, this.urls);
  }

  async getStatus(instanceId: string, options: GetStatusOptions = {}): Promise<DurableOrchestrationStatus> {
    const { abortSignal } = options;
    const state = await this.client.getOrchestrationState(instanceId, { fetchPayloads: true, abortSignal });
    if (!state)
      throw new Error(
        "DurableClient error: Durable Functions extension replied with HTTP 404 response. " +
          `This usually means we could not find any data associated with the instanceId provided: ${instanceId}.`,
      );
    const history = options.showHistory
      ? await this.client.getOrchestrationHistory(instanceId, { abortSignal })
      : undefined;
    return DurableOrchestrationStatus.fromStatusObject(
      toStatusObject(state, {
        showInput: options.showInput !== false,
        history,
        showHistoryOutput: options.showHistoryOutput === true,
      }),
    );
  }

  getStatusAll(): Promise<DurableOrchestrationStatus[]> {
    return this.getStatusBy({});
  }

  async getStatusBy(filter: OrchestrationFilter): Promise<DurableOrchestrationStatus[]> {
    const out: DurableOrchestrationStatus[] = [];
    const query = {
      ...(filter.createdTimeFrom ? { createdFrom: filter.createdTimeFrom } : {}),
      ...(filter.createdTimeTo ? { createdTo: filter.createdTimeTo } : {}),
      ...(filter.runtimeStatus?.length
        ? { statuses: filter.runtimeStatus.map((s) => String(s) as CoreStatus) }
        : {}),
    };
    for await (const s of this.client.listInstances(query))
      out.push(DurableOrchestrationStatus.fromStatusObject(toStatusObject(s)));
    return out;
  }

  async purgeInstanceHistory(instanceId: string): Promise<PurgeHistoryResult> {
    const r = await this.client.purgeOrchestration(instanceId);
    return new PurgeHistoryResult(r.deletedInstanceCount);
  }

  async purgeInstanceHistoryBy(filter: OrchestrationFilter): Promise<PurgeHistoryResult> {
    const r = await this.client.purgeOrchestration({
      ...(filter.createdTimeFrom ? { createdFrom: filter.createdTimeFrom } : {}),
      ...(filter.createdTimeTo ? { createdTo: filter.createdTimeTo } : {}),
      ...(filter.runtimeStatus?.length
        ? { statuses: filter.runtimeStatus.map((s) => String(s) as CoreStatus) }
        : {}),
    });
    return new PurgeHistoryResult(r.deletedInstanceCount);
  }

  /** Resolves when delivered, or dropped because the instance finished; rejects for an unknown id. */
  async raiseEvent(
    instanceId: string,
    eventName: string,
    eventData: unknown,
    _options: TaskHubOptions = {},
  ): Promise<void> {
    if (!eventName) throw new Error("eventName must be a valid string.");
    if (!(await this.isRunning(instanceId))) return;
    await this.client.raiseEvent(instanceId, eventName, eventData);
  }

  async readEntityState<T>(
    entityId: EntityId,
    _options: TaskHubOptions = {},
  ): Promise<EntityStateResponse<T>> {
    const e = await this.client.getEntity<T>(toCoreEntityId(entityId), { includeState: true });
    return e ? new EntityStateResponse<T>(true, e.state) : new EntityStateResponse<T>(false);
  }

  /** Rewinds a Failed instance; rejects for any other status or an unknown id. */
  async rewind(instanceId: string, reason: string, _options: TaskHubOptions = {}): Promise<void> {
    const state = await this.requireState(instanceId);
    if (state.runtimeStatus !== "Failed")
      throw new Error(
        `The rewind operation is only supported on failed orchestration instances ('${instanceId}' is ${state.runtimeStatus}).`,
      );
    await this.client.rewindOrchestration(instanceId, reason);
  }

  async signalEntity(
    entityId: EntityId,
    operationName?: string,
    operationContent?: unknown,
    _options: TaskHubOptions = {},
  ): Promise<void> {
    await this.client.signalEntity(toCoreEntityId(entityId), operationName ?? "", operationContent);
  }

  /** Starts an instance; resolves with its id. Rejects for an orchestrator that is not registered. */
  async startNew(orchestratorFunctionName: string, options: StartNewOptions = {}): Promise<string> {
    if (this.orchestratorNames && ![...this.orchestratorNames()].includes(orchestratorFunctionName))
      throw new Error(
        `The function '${orchestratorFunctionName}' doesn't exist, is disabled, or is not an orchestrator function.`,
      );
    return this.client.scheduleNewOrchestration(orchestratorFunctionName, options.input, {
      ...(options.instanceId ? { instanceId: options.instanceId } : {}),
      ...(options.version ? { version: options.version } : {}),
      abortSignal: options.abortSignal,
    });
  }

  async terminate(instanceId: string, reason: string): Promise<void> {
    if (!(await this.isRunning(instanceId))) return;
    await this.client.terminateOrchestration(instanceId, { output: reason });
  }

  async suspend(instanceId: string, reason: string): Promise<void> {
    if (!(await this.isRunning(instanceId))) return;
    await this.client.suspendOrchestration(instanceId, reason);
  }

  async resume(instanceId: string, reason: string): Promise<void> {
    if (!(await this.isRunning(instanceId))) return;
    await this.client.resumeOrchestration(instanceId, reason);
  }

  /**
   * Completed → 200 with the output; Terminated/Canceled → 200 and Failed → 500 with the status object;
   * still running after the timeout → the 202 check-status response.
   */
  waitForCompletionOrCreateCheckStatusResponse(
    request: RequestLike | undefined,
    instanceId: string,
    waitOptions: WaitForCompletionOptions = {},
  ): Promise<Response> {
    return waitForCompletionOrCreateCheckStatusResponse(
      request as Request | undefined,
      this.client,
      instanceId,
      {
        ...this.urls,
        timeoutMs: waitOptions.timeoutInMilliseconds ?? 10_000,
        retryIntervalMs: waitOptions.retryIntervalInMilliseconds ?? 1000,
        abortSignal: waitOptions.abortSignal,
      },
    );
  }

  private async requireState(instanceId: string) {
    const state = await this.client.getOrchestrationState(instanceId, { fetchPayloads: false });
    if (!state) throw new InstanceNotFoundError(instanceId);
    return state;
  }

  /** False when the instance finished (the extension's 410); throws for an unknown id (404). */
  private async isRunning(instanceId: string): Promise<boolean> {
    return !isTerminalStatus((await this.requireState(instanceId)).runtimeStatus);
  }
}
