/**
 * Builds DTF-shaped histories by hand for replay tests: one instance, one execution, explicit times. Used by
 * core's and the durable-functions facade's replay tests.
 */
import type { FailureDetails, HistoryEvent } from "../history/events.js";
import { newEvent } from "../history/factories.js";

export const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
export const INSTANCE = "inst-1";
export const EXECUTION = "exec1";

export class History {
  readonly events: HistoryEvent[] = [];
  private now = T0;

  /** OrchestratorStarted at `atMs` (default: now), i.e. the start of an episode. */
  episode(atMs = this.now): this {
    this.now = atMs;
    return this.push(newEvent("OrchestratorStarted", { timestamp: new Date(atMs) }));
  }
  end(): this {
    return this.push(newEvent("OrchestratorCompleted", { timestamp: new Date(this.now) }));
  }
  start(
    name: string,
    input?: unknown,
    extra: Partial<Parameters<typeof newEvent<"ExecutionStarted">>[1]> = {},
  ): this {
    return this.push(
      newEvent("ExecutionStarted", {
        timestamp: new Date(this.now),
        orchestrationInstance: { instanceId: INSTANCE, executionId: EXECUTION },
        name,
        input: input === undefined ? undefined : JSON.stringify(input),
        ...extra,
      }),
    );
  }
  scheduled(id: number, name: string, input?: unknown): this {
    return this.push(
      newEvent("TaskScheduled", {
        eventId: id,
        timestamp: new Date(this.now),
        name,
        input: input === undefined ? undefined : JSON.stringify(input),
      }),
    );
  }
  completed(id: number, result?: unknown): this {
    return this.push(
      newEvent("TaskCompleted", {
        timestamp: new Date(this.now),
        taskScheduledId: id,
        result: result === undefined ? undefined : JSON.stringify(result),
      }),
    );
  }
  failed(id: number, message: string, details: Partial<FailureDetails> = {}): this {
    return this.push(
      newEvent("TaskFailed", {
        timestamp: new Date(this.now),
        taskScheduledId: id,
        reason: message,
        failureDetails: { errorType: "Error", errorMessage: message, ...details },
      }),
    );
  }
  timerCreated(id: number, fireAtMs: number): this {
    return this.push(
      newEvent("TimerCreated", {
        eventId: id,
        timestamp: new Date(this.now),
        fireAt: new Date(fireAtMs).toISOString(),
      }),
    );
  }
  timerFired(id: number, fireAtMs: number): this {
    return this.push(
      newEvent("TimerFired", {
        timestamp: new Date(this.now),
        timerId: id,
        fireAt: new Date(fireAtMs).toISOString(),
      }),
    );
  }
  subCreated(id: number, name: string, instanceId: string): this {
    return this.push(
      newEvent("SubOrchestrationInstanceCreated", {
        eventId: id,
        timestamp: new Date(this.now),
        name,
        instanceId,
      }),
    );
  }
  subCompleted(id: number, result?: unknown): this {
    return this.push(
      newEvent("SubOrchestrationInstanceCompleted", {
        timestamp: new Date(this.now),
        taskScheduledId: id,
        result: JSON.stringify(result),
      }),
    );
  }
  subFailed(id: number, message: string): this {
    return this.push(
      newEvent("SubOrchestrationInstanceFailed", {
        timestamp: new Date(this.now),
        taskScheduledId: id,
        reason: message,
        failureDetails: { errorType: "Error", errorMessage: message },
      }),
    );
  }
  raised(name: string, input?: unknown): this {
    return this.push(
      newEvent("EventRaised", {
        timestamp: new Date(this.now),
        name,
        input: input === undefined ? undefined : JSON.stringify(input),
      }),
    );
  }
  sent(id: number, instanceId: string, name: string): this {
    return this.push(newEvent("EventSent", { eventId: id, timestamp: new Date(this.now), instanceId, name }));
  }
  suspended(): this {
    return this.push(newEvent("ExecutionSuspended", { timestamp: new Date(this.now), reason: "pause" }));
  }
  resumed(): this {
    return this.push(newEvent("ExecutionResumed", { timestamp: new Date(this.now), reason: "go" }));
  }
  terminated(reason: string): this {
    return this.push(
      newEvent("ExecutionTerminated", { timestamp: new Date(this.now), input: JSON.stringify(reason) }),
    );
  }
  push(e: HistoryEvent): this {
    this.events.push(e);
    return this;
  }
  /** Split point: events so far are "past"; later ones "new". */
  mark(): number {
    return this.events.length;
  }
}
