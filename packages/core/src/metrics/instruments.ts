/**
 * The worker's instruments (@taskhub/core): orchestrations started and ended, step durations, activity
 * executions and durations, work items in flight. See schema.ts for the names and docs/tracing.md for what
 * each counts.
 */
import type { Counter, Histogram, UpDownCounter } from "@opentelemetry/api";
import { instrumentsPerProvider } from "./meter.js";
import { Metric } from "./schema.js";

export interface WorkerInstruments {
  started: Counter;
  completed: Counter;
  failed: Counter;
  terminated: Counter;
  stepDuration: Histogram;
  activityExecutions: Counter;
  activityDuration: Histogram;
  workItemsInFlight: UpDownCounter;
}

/** Undefined while no OpenTelemetry SDK is registered. */
export const workerInstruments = instrumentsPerProvider<WorkerInstruments>((m) => ({
  started: m.createCounter(Metric.orchestrationStarted, {
    unit: "{orchestration}",
    description: "Orchestration executions started (by a client, a parent orchestration or an entity).",
  }),
  completed: m.createCounter(Metric.orchestrationCompleted, {
    unit: "{orchestration}",
    description: "Orchestration executions that completed successfully.",
  }),
  failed: m.createCounter(Metric.orchestrationFailed, {
    unit: "{orchestration}",
    description: "Orchestration executions that failed.",
  }),
  terminated: m.createCounter(Metric.orchestrationTerminated, {
    unit: "{orchestration}",
    description: "Orchestration executions that were terminated.",
  }),
  stepDuration: m.createHistogram(Metric.stepDuration, {
    unit: "s",
    description: "One orchestration or entity step (episode): replay, actions, and the commit to storage.",
  }),
  activityExecutions: m.createCounter(Metric.activityExecutions, {
    unit: "{execution}",
    description: "Activity executions, by outcome.",
  }),
  activityDuration: m.createHistogram(Metric.activityDuration, {
    unit: "s",
    description: "How long an activity function ran.",
  }),
  workItemsInFlight: m.createUpDownCounter(Metric.workItemsInFlight, {
    unit: "{work_item}",
    description: "Work items this worker is processing now.",
  }),
}));
