/**
 * `OrchestrationRuntimeState`: folds an execution's history into status, name, input, output, failure,
 * times and parent. Pure; used by the dispatcher to build the instance record of a checkpoint, and by
 * backends to repair records from history.
 */
import type {
  ExecutionStartedEvent,
  FailureDetails,
  HistoryEvent,
  OrchestrationRuntimeStatus,
} from "../history/events.js";
import { formatFailureDetails } from "../errors/errors.js";
import { parseDtfDateTime } from "../history/time.js";
import type { InstanceRecord } from "./orchestration-state.js";

export class OrchestrationRuntimeState {
  readonly events: HistoryEvent[] = [];
  startEvent: ExecutionStartedEvent | undefined;
  status: OrchestrationRuntimeStatus = "Pending";
  output: string | undefined;
  failureDetails: FailureDetails | undefined;
  completedAt: Date | undefined;
  lastEventAt: Date | undefined;
  /** Number of OrchestratorStarted events: DTF's "episode". */
  episode = 0;

  constructor(events: readonly HistoryEvent[] = []) {
    for (const e of events) this.add(e);
  }

  get instanceId(): string | undefined {
    return this.startEvent?.orchestrationInstance.instanceId;
  }
  get executionId(): string | undefined {
    return this.startEvent?.orchestrationInstance.executionId;
  }
  get name(): string | undefined {
    return this.startEvent?.name;
  }
  get isTerminal(): boolean {
    return ["Completed", "Failed", "Terminated", "Canceled", "ContinuedAsNew"].includes(this.status);
  }
  get createdAt(): Date | undefined {
    return this.startEvent ? parseDtfDateTime(this.startEvent.timestamp) : undefined;
  }

  add(e: HistoryEvent): void {
    this.events.push(e);
    this.lastEventAt = parseDtfDateTime(e.timestamp);
    switch (e.type) {
      case "OrchestratorStarted":
        this.episode++;
        break;
      case "ExecutionStarted":
        this.startEvent ??= e;
        if (this.status === "Pending") this.status = "Running";
        break;
      case "ExecutionCompleted":
      case "ContinueAsNew":
        this.status = e.type === "ContinueAsNew" ? "ContinuedAsNew" : e.orchestrationStatus;
        this.output = e.failureDetails ? formatFailureDetails(e.failureDetails) : e.result;
        this.failureDetails = e.failureDetails;
        this.completedAt = parseDtfDateTime(e.timestamp);
        break;
      case "ExecutionSuspended":
        if (!this.isTerminal) this.status = "Suspended";
        break;
      case "ExecutionResumed":
        if (this.status === "Suspended") this.status = "Running";
        break;
      case "ExecutionRewound":
        this.status = "Running";
        this.output = undefined;
        this.failureDetails = undefined;
        this.completedAt = undefined;
        break;
      default:
        break;
    }
  }

  /** The instance record this history implies (custom status and generation come from elsewhere). */
  toInstanceRecord(extra: {
    customStatus?: string | undefined;
    generation?: number;
    lastUpdatedAt?: Date;
  }): InstanceRecord {
    const s = this.startEvent;
    if (!s) throw new Error("history has no ExecutionStarted event");
    const result =
      this.status === "Completed" || this.status === "ContinuedAsNew" || this.status === "Terminated";
    return {
      instanceId: s.orchestrationInstance.instanceId,
      executionId: s.orchestrationInstance.executionId ?? "",
      name: s.name,
      version: s.version,
      runtimeStatus: this.status,
      createdAt: parseDtfDateTime(s.timestamp),
      lastUpdatedAt: extra.lastUpdatedAt ?? this.lastEventAt ?? parseDtfDateTime(s.timestamp),
      completedAt: this.isTerminal ? this.completedAt : undefined,
      scheduledStartAt: s.scheduledStartTime ? parseDtfDateTime(s.scheduledStartTime) : undefined,
      serializedInput: s.input,
      serializedOutput: result ? this.output : this.status === "Failed" ? this.output : undefined,
      serializedCustomStatus: extra.customStatus,
      failureDetails: this.failureDetails,
      tags: s.tags,
      parentInstanceId: s.parentInstance?.orchestrationInstance.instanceId,
      generation: extra.generation ?? s.generation ?? 0,
    };
  }
}
