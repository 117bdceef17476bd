/**
 * durable-functions 2.x's `DurableOrchestrationClient`, which classic functions get from
 * `df.getClient(context)`. It talks to the task hub directly (through the facade's `DurableClient`), and
 * answers as 2.x answers the extension's HTTP replies:
 * - `startNew(name, instanceId?, input?)` resolves with the instance id;
 * - `getStatus` resolves with the status JSON as the HTTP API sends it (times are strings, the history is
 *   `historyEvents`), and with `""` for an unknown id (the extension's empty 404 body);
 * - `raiseEvent` / `terminate` resolve for a finished instance and reject with "No instance with ID '<id>'
 *   found." for an unknown one; `rewind` rejects unless the instance failed;
 * - `createCheckStatusResponse` and `waitForCompletionOrCreateCheckStatusResponse` return plain
 *   `{ status, body, headers }` objects (2.x's `IHttpResponse`), which a classic HTTP function returns or
 *   puts in `context.res`.
 */
import { isTerminalStatus, type OrchestrationRuntimeStatus as CoreStatus } from "@taskhub/core";
import {
  createHttpManagementPayload,
  toStatusObject,
  type HttpManagementPayload,
  type StatusObject,
} from "@taskhub/core/management";
import type { DurableClient } from "../client/durable-client.js";
import {
  EntityStateResponse,
  PurgeHistoryResult,
  type OrchestrationRuntimeStatus,
} from "../client/status.js";
import { toCoreEntityId, type EntityId } from "../entity/entity-id.js";

/** The status JSON of the HTTP API, as 2.x hands it over (times as ISO strings). */
export type ClassicOrchestrationStatus = StatusObject;

/** 2.x's `IHttpResponse`: what a classic HTTP function returns. */
export interface ClassicHttpResponse {
  status: number;
  body: unknown;
  headers: Record<string, unknown>;
}

/** 2.x's `IHttpRequest` (`context.bindingData.req`) or a request with `url` (`context.req`). */
export type ClassicRequestLike = { url?: string; http?: { url?: string } } | undefined;

function requestOrigin(request: ClassicRequestLike): string | undefined {
  const url = request?.url ?? request?.http?.url;
  if (typeof url !== "string") return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined; // not an absolute URL: the client's configured origin is used
  }
}

function notFound(instanceId: string): Error {
  return new Error(`No instance with ID '${instanceId}' found.`);
}

function statusFilter(from?: Date, to?: Date, statuses?: OrchestrationRuntimeStatus[]) {
  return {
    ...(from ? { createdFrom: from } : {}),
    ...(to ? { createdTo: to } : {}),
    ...(statuses?.length ? { statuses: statuses.map((s) => String(s) as CoreStatus) } : {}),
  };
}

export class DurableOrchestrationClient {
  /** The name of the task hub of this client. */
  readonly taskHubName: string;
  readonly uniqueWebhookOrigins: string[];

  constructor(
    /** The facade's v4-model client; `durableClient.client` is core's `TaskHubClient`. */
    readonly durableClient: DurableClient,
  ) {
    this.taskHubName = durableClient.taskHubName;
    this.uniqueWebhookOrigins = durableClient.uniqueWebhookOrigins;
  }

  private get core() {
    return this.durableClient.client;
  }

  /** 202 with the management URLs (on the request's origin), `Location` and `Retry-After: 10`. */
  createCheckStatusResponse(request: ClassicRequestLike, instanceId: string): ClassicHttpResponse {
    const payload = this.payload(request, instanceId);
    return {
      status: 202,
      body: payload,
      headers: {
        "Content-Type": "application/json",
        Location: payload.statusQueryGetUri,
        "Retry-After": 10,
      },
    };
  }

  createHttpManagementPayload(instanceId: string): HttpManagementPayload {
    return this.payload(undefined, instanceId);
  }

  /** The status JSON, or `""` when there is no such instance (as 2.x returns the empty 404 body). */
  async getStatus(
    instanceId: string,
    showHistory?: boolean,
    showHistoryOutput?: boolean,
    showInput?: boolean,
  ): Promise<ClassicOrchestrationStatus> {
    const state = await this.core.getOrchestrationState(instanceId, { fetchPayloads: true });
    if (!state) return "" as unknown as ClassicOrchestrationStatus;
    const history = showHistory ? await this.core.getOrchestrationHistory(instanceId) : undefined;
    return toStatusObject(state, {
      showInput: showInput !== false,
      history,
      showHistoryOutput: showHistoryOutput === true,
    });
  }

  getStatusAll(): Promise<ClassicOrchestrationStatus[]> {
    return this.list({});
  }

  getStatusBy(
    createdTimeFrom: Date | undefined,
    createdTimeTo: Date | undefined,
    runtimeStatus: OrchestrationRuntimeStatus[],
  ): Promise<ClassicOrchestrationStatus[]> {
    return this.list(statusFilter(createdTimeFrom, createdTimeTo, runtimeStatus));
  }

  async purgeInstanceHistory(instanceId: string): Promise<PurgeHistoryResult> {
    const r = await this.core.purgeOrchestration(instanceId);
    return new PurgeHistoryResult(r.deletedInstanceCount);
  }

  /** `createdTimeFrom` is required, as in 2.x. */
  async purgeInstanceHistoryBy(
    createdTimeFrom: Date,
    createdTimeTo?: Date,
    runtimeStatus?: OrchestrationRuntimeStatus[],
  ): Promise<PurgeHistoryResult> {
    if (!(createdTimeFrom instanceof Date)) throw new Error("createdTimeFrom must be a valid Date");
    const r = await this.core.purgeOrchestration(statusFilter(createdTimeFrom, createdTimeTo, runtimeStatus));
    return new PurgeHistoryResult(r.deletedInstanceCount);
  }

  /** Resolves when delivered, or dropped because the instance finished; rejects for an unknown id. */
  async raiseEvent(
    instanceId: string,
    eventName: string,
    eventData: unknown,
    _taskHubName?: string,
    _connectionName?: string,
  ): Promise<void> {
    if (!eventName) throw new Error("eventName must be a valid string.");
    if (await this.isRunning(instanceId)) await this.core.raiseEvent(instanceId, eventName, eventData);
  }

  readEntityState<T>(
    entityId: EntityId,
    _taskHubName?: string,
    _connectionName?: string,
  ): Promise<EntityStateResponse<T>> {
    return this.durableClient.readEntityState<T>(entityId);
  }

  /** Rewinds a Failed instance; rejects for an unknown id or any other status. */
  async rewind(
    instanceId: string,
    reason: string,
    _taskHubName?: string,
    _connectionName?: string,
  ): Promise<void> {
    const state = await this.core.getOrchestrationState(instanceId, { fetchPayloads: false });
    if (!state) throw notFound(instanceId);
    if (state.runtimeStatus !== "Failed")
      throw new Error("The rewind operation is only supported on failed orchestration instances.");
    await this.core.rewindOrchestration(instanceId, reason);
  }

  async signalEntity(
    entityId: EntityId,
    operationName?: string,
    operationContent?: unknown,
    _taskHubName?: string,
    _connectionName?: string,
  ): Promise<void> {
    await this.core.signalEntity(toCoreEntityId(entityId), operationName ?? "", operationContent);
  }

  /** 2.x's signature: `startNew(orchestratorFunctionName, instanceId?, input?)`; resolves with the id. */
  async startNew(orchestratorFunctionName: string, instanceId?: string, input?: unknown): Promise<string> {
    if (!orchestratorFunctionName) throw new Error("orchestratorFunctionName must be a valid string.");
    return this.durableClient.startNew(orchestratorFunctionName, {
      ...(instanceId ? { instanceId } : {}),
      ...(input !== undefined ? { input } : {}),
    });
  }

  async terminate(instanceId: string, reason: string): Promise<void> {
    if (await this.isRunning(instanceId))
      await this.core.terminateOrchestration(instanceId, { output: reason });
  }

  /**
   * Polls the status every `retryIntervalInMilliseconds` until `timeoutInMilliseconds`: Completed → 200 with
   * the output (as JSON text); Canceled / Terminated → 200 and Failed → 500 with the status JSON; still
   * running → the check-status response.
   */
  async waitForCompletionOrCreateCheckStatusResponse(
    request: ClassicRequestLike,
    instanceId: string,
    timeoutInMilliseconds = 10_000,
    retryIntervalInMilliseconds = 1000,
  ): Promise<ClassicHttpResponse> {
    if (retryIntervalInMilliseconds > timeoutInMilliseconds)
      throw new Error(
        `Total timeout ${timeoutInMilliseconds} (ms) should be bigger than retry timeout ${retryIntervalInMilliseconds} (ms)`,
      );
    const started = performance.now();
    for (;;) {
      const status = await this.getStatus(instanceId);
      if (status) {
        switch (status.runtimeStatus) {
          case "Completed":
            return jsonResponse(200, status.output);
          case "Canceled":
          case "Terminated":
            return jsonResponse(200, status);
          case "Failed":
            return jsonResponse(500, status);
        }
      }
      const elapsed = performance.now() - started;
      if (elapsed >= timeoutInMilliseconds) return this.createCheckStatusResponse(request, instanceId);
      const wait = Math.min(retryIntervalInMilliseconds, timeoutInMilliseconds - elapsed);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  private payload(request: ClassicRequestLike, instanceId: string): HttpManagementPayload {
    const urls = this.durableClient.managementUrlOptions;
    return createHttpManagementPayload(instanceId, {
      ...urls,
      origin: requestOrigin(request) ?? urls.origin,
    });
  }

  private async list(query: ReturnType<typeof statusFilter>): Promise<ClassicOrchestrationStatus[]> {
    const out: ClassicOrchestrationStatus[] = [];
    for await (const s of this.core.listInstances(query)) out.push(toStatusObject(s));
    return out;
  }

  /** False when the instance finished (the extension's 410); rejects for an unknown id (its 404). */
  private async isRunning(instanceId: string): Promise<boolean> {
    const state = await this.core.getOrchestrationState(instanceId, { fetchPayloads: false });
    if (!state) throw notFound(instanceId);
    return !isTerminalStatus(state.runtimeStatus);
  }
}

function jsonResponse(status: number, body: unknown): ClassicHttpResponse {
  return { status, body: JSON.stringify(body), headers: { "Content-Type": "application/json" } };
}
