/** v3's status types: `DurableOrchestrationStatus`, `OrchestrationRuntimeStatus`, and friends. */
import type { StatusObject } from "@taskhub/core/management";

export enum OrchestrationRuntimeStatus {
  Running = "Running",
  Completed = "Completed",
  ContinuedAsNew = "ContinuedAsNew",
  Failed = "Failed",
  Canceled = "Canceled",
  Terminated = "Terminated",
  Pending = "Pending",
  Suspended = "Suspended",
}

export class DurableOrchestrationStatus {
  readonly name: string;
  readonly instanceId: string;
  readonly createdTime: Date;
  readonly lastUpdatedTime: Date;
  readonly input: unknown;
  readonly output: unknown;
  readonly runtimeStatus: OrchestrationRuntimeStatus;
  readonly customStatus?: unknown;
  /** Only with `getStatus(id, { showHistory: true })`: the condensed history (as the HTTP API's `historyEvents`). */
  readonly history?: Array<unknown>;

  constructor(init: {
    name: string;
    instanceId: string;
    createdTime: string | Date;
    lastUpdatedTime: string | Date;
    input: unknown;
    output: unknown;
    runtimeStatus: string;
    customStatus?: unknown;
    history?: Array<unknown>;
  }) {
    if (
      !init ||
      typeof init.name !== "string" ||
      typeof init.instanceId !== "string" ||
      !(typeof init.createdTime === "string" || init.createdTime instanceof Date) ||
      !(typeof init.lastUpdatedTime === "string" || init.lastUpdatedTime instanceof Date) ||
      init.input === undefined ||
      init.output === undefined ||
      typeof init.runtimeStatus !== "string"
    )
      throw new TypeError(
        `Failed to construct a DurableOrchestrationStatus object because the initializer had invalid types or missing fields. Initializer received: ${JSON.stringify(init)}`,
      );
    this.name = init.name;
    this.instanceId = init.instanceId;
    this.createdTime = new Date(init.createdTime);
    this.lastUpdatedTime = new Date(init.lastUpdatedTime);
    this.input = init.input;
    this.output = init.output;
    this.runtimeStatus = init.runtimeStatus as OrchestrationRuntimeStatus;
    this.customStatus = init.customStatus;
    this.history = init.history;
  }

  /** @internal from the HTTP API's status object */
  static fromStatusObject(o: StatusObject): DurableOrchestrationStatus {
    return new DurableOrchestrationStatus({ ...o, history: o.historyEvents });
  }
}

export class PurgeHistoryResult {
  constructor(readonly instancesDeleted: number) {}
}

export class EntityStateResponse<T> {
  constructor(
    public entityExists: boolean,
    public entityState?: T,
  ) {}
}

export interface GetStatusOptions {
  /** taskhub's addition: aborting it makes the call reject with an `AbortError`. */
  abortSignal?: AbortSignal;
  showHistory?: boolean;
  showHistoryOutput?: boolean;
  showInput?: boolean;
}

export interface OrchestrationFilter {
  createdTimeFrom?: Date;
  createdTimeTo?: Date;
  runtimeStatus?: OrchestrationRuntimeStatus[];
}

export interface StartNewOptions {
  /** taskhub's addition: aborting it makes the call reject with an `AbortError` (nothing started before). */
  abortSignal?: AbortSignal;
  instanceId?: string;
  input?: unknown;
  version?: string;
}

export interface TaskHubOptions {
  taskHubName?: string;
  connectionName?: string;
}

export interface WaitForCompletionOptions {
  /** taskhub's addition: aborting it ends the wait at once with an `AbortError`. */
  abortSignal?: AbortSignal;
  timeoutInMilliseconds?: number;
  retryIntervalInMilliseconds?: number;
}
