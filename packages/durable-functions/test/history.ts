// Hand-written DTF histories for replay tests: one instance, one execution, explicit episode times.
import { newEvent, replayOrchestration, type FailureDetails, type HistoryEvent } from "@taskhub/core";
import { toCoreOrchestrator, type OrchestrationHandler } from "../src/orchestration/orchestrator.js";

export const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
export const INSTANCE = "inst-1";
export const EXECUTION = "exec1";

export class History {
  readonly events: HistoryEvent[] = [];
  now = T0;

  episode(atMs = this.now): this {
    this.now = atMs;
    return this.push(newEvent("OrchestratorStarted", { timestamp: new Date(atMs) }));
  }
  start(name: string, input?: unknown, extra: Record<string, unknown> = {}): this {
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
    return this.push(newEvent("TaskScheduled", { eventId: id, timestamp: new Date(this.now), name, input: input === undefined ? undefined : JSON.stringify(input) }));
  }
  completed(id: number, result?: unknown): this {
    return this.push(newEvent("TaskCompleted", { timestamp: new Date(this.now), taskScheduledId: id, result: result === undefined ? undefined : JSON.stringify(result) }));
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
    return this.push(newEvent("TimerCreated", { eventId: id, timestamp: new Date(this.now), fireAt: new Date(fireAtMs).toISOString() }));
  }
  timerFired(id: number, fireAtMs: number): this {
    return this.push(newEvent("TimerFired", { timestamp: new Date(this.now), timerId: id, fireAt: new Date(fireAtMs).toISOString() }));
  }
  subCreated(id: number, name: string, instanceId: string): this {
    return this.push(newEvent("SubOrchestrationInstanceCreated", { eventId: id, timestamp: new Date(this.now), name, instanceId }));
  }
  subCompleted(id: number, result?: unknown): this {
    return this.push(newEvent("SubOrchestrationInstanceCompleted", { timestamp: new Date(this.now), taskScheduledId: id, result: JSON.stringify(result) }));
  }
  subFailed(id: number, message: string): this {
    return this.push(
      newEvent("SubOrchestrationInstanceFailed", { timestamp: new Date(this.now), taskScheduledId: id, reason: message, failureDetails: { errorType: "Error", errorMessage: message } }),
    );
  }
  raised(name: string, input?: unknown): this {
    return this.push(newEvent("EventRaised", { timestamp: new Date(this.now), name, input: input === undefined ? undefined : JSON.stringify(input) }));
  }
  sent(id: number, instanceId: string, name: string): this {
    return this.push(newEvent("EventSent", { eventId: id, timestamp: new Date(this.now), instanceId, name }));
  }
  push(e: HistoryEvent): this {
    this.events.push(e);
    return this;
  }
  mark(): number {
    return this.events.length;
  }
}

/** Replay `handler` with events before `split` as committed history (default: all of them are new). */
export function replay(handler: OrchestrationHandler, h: History, split = 0, options: { httpPollIntervalMs?: number; maxTimerIntervalMs?: number } = {}) {
  const orchestrator = toCoreOrchestrator("Test", handler, { httpPollIntervalMs: options.httpPollIntervalMs ?? 30_000, logger: silent });
  return replayOrchestration(orchestrator, h.events.slice(0, split), h.events.slice(split), { maxTimerIntervalMs: options.maxTimerIntervalMs });
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };
