// Histories as Durable Functions writes them for a JavaScript app: the extension (C#, over DurableTask.Core)
// runs the actions the JS SDK returns, so the events are DurableTask.Core's, with the extension's payloads:
// - activity inputs are the JSON array of ScheduleTask's parameters (`[input]`), results bare JSON;
// - a failed activity is a TaskFailed with `reason` "Activity function 'X' failed: <message>" and `details`
//   the serialized exception, no failureDetails (ErrorPropagationMode.SerializeExceptions);
// - retries are DurableTask.Core's RetryInterceptor: the call, its failure, a TimerCreated/TimerFired pair,
//   the next call, all on consecutive event ids;
// - callHttp is the activity `BuiltIn::HttpActivity` whose input is `[DurableHttpRequest]` (camelCase JSON)
//   and whose result is the extension's DurableHttpResponse as Newtonsoft writes it by default (PascalCase
//   `StatusCode` / `Headers` with array values / `Content`);
// - entity calls are EventSent "op" to `@name@key` with the extension's RequestMessage JSON, whose `id` (a
//   GUID from the extension's NewGuid, not taskhub's) names the EventRaised that carries the response.
import { newEvent, type HistoryEvent } from "@taskhub/core";
import { History } from "@taskhub/core/testing";

export const DAY = 24 * 3600_000;

/** The extension's Azure Storage defaults: maxTimerInterval 6 days, longRunningTimerInterval 3 days. */
export const DF_MAX_TIMER_INTERVAL_MS = 6 * DAY;
export const DF_LONG_RUNNING_TIMER_INTERVAL_MS = 3 * DAY;

export class DfHistory extends History {
  private at = 0;

  /** OrchestratorStarted at `atMs` (the builder's clock follows it, so later events carry that time). */
  override episode(atMs?: number): this {
    if (atMs !== undefined) this.at = atMs;
    return super.episode(atMs);
  }

  /** ExecutionStarted with the input as the extension writes it (bare JSON). */
  started(name: string, input?: unknown): this {
    return this.start(name, input);
  }

  /** TaskScheduled of an activity: input `[input]` as DurableTask.Core's ScheduleTask writes it. */
  activity(id: number, name: string, input?: unknown): this {
    return this.push(
      newEvent("TaskScheduled", {
        eventId: id,
        timestamp: new Date(this.at),
        name,
        version: "",
        input: input === undefined ? "[]" : `[${JSON.stringify(input)}]`,
      }),
    );
  }

  /** TaskFailed as the extension writes it for an activity that threw. */
  activityFailed(id: number, name: string, message: string): this {
    return this.push(
      newEvent("TaskFailed", {
        timestamp: new Date(this.at),
        taskScheduledId: id,
        reason: `Activity function '${name}' failed: ${message}`,
        details: JSON.stringify({ $type: "System.Exception, System.Private.CoreLib", Message: message }),
      }),
    );
  }

  /** SubOrchestrationInstanceCreated with the input (bare JSON, not an array). */
  sub(id: number, name: string, instanceId: string, input?: unknown): this {
    return this.push(
      newEvent("SubOrchestrationInstanceCreated", {
        eventId: id,
        timestamp: new Date(this.at),
        name,
        version: "",
        instanceId,
        input: input === undefined ? undefined : JSON.stringify(input),
      }),
    );
  }

  subFailedAsDf(id: number, name: string, message: string): this {
    return this.push(
      newEvent("SubOrchestrationInstanceFailed", {
        timestamp: new Date(this.at),
        taskScheduledId: id,
        reason: `Orchestrator function '${name}' failed: ${message}`,
        details: JSON.stringify({ $type: "System.Exception, System.Private.CoreLib", Message: message }),
      }),
    );
  }

  /** EventSent of an entity request (`op`) or release, with its JSON body as written. */
  entityMessage(id: number, target: string, name: "op" | "release", body: Record<string, unknown>): this {
    return this.push(
      newEvent("EventSent", {
        eventId: id,
        timestamp: new Date(this.at),
        instanceId: target,
        name,
        input: JSON.stringify(body),
      }),
    );
  }

  /** EventRaised carrying an entity's response, named by the request id. */
  entityResponse(requestId: string, response: Record<string, unknown>): this {
    return this.push(
      newEvent("EventRaised", {
        timestamp: new Date(this.at),
        name: requestId,
        input: JSON.stringify(response),
      }),
    );
  }

  executionCompleted(status: "Completed" | "ContinuedAsNew", result?: unknown): this {
    return this.push(
      newEvent("ExecutionCompleted", {
        timestamp: new Date(this.at),
        orchestrationStatus: status,
        result: result === undefined ? undefined : JSON.stringify(result),
      } as Parameters<typeof newEvent<"ExecutionCompleted">>[1]),
    );
  }
}

/** The extension's RequestMessage JSON for an operation call (DataMember names, as DF 2.x writes it). */
export function dfCallRequest(
  requestId: string,
  op: string,
  input: unknown,
  parent: string,
  parentExecution: string,
): Record<string, unknown> {
  return {
    op,
    input: input === undefined ? undefined : JSON.stringify(input),
    id: requestId,
    parent,
    parentExecution,
    timestamp: "2026-01-01T00:00:00.0000000Z",
  };
}

/** The extension's RequestMessage JSON for a lock request. */
export function dfLockRequest(
  requestId: string,
  lockset: { name: string; key: string }[],
  parent: string,
  parentExecution: string,
): Record<string, unknown> {
  return {
    op: null,
    id: requestId,
    parent,
    parentExecution,
    lockset,
    pos: 0,
    timestamp: "2026-01-01T00:00:00.0000000Z",
  };
}

/** The extension's DurableHttpResponse as its HTTP activity returns it (Newtonsoft defaults). */
export function dfHttpResponse(statusCode: number, headers: Record<string, string>, content: string) {
  return {
    StatusCode: statusCode,
    Headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    Content: content,
  };
}

export type { HistoryEvent };
