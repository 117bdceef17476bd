// Replays a DF-written history through the facade, in either programming model, and summarises the actions.
import { replayOrchestration, type OrchestratorAction, type Orchestrator } from "@taskhub/core";
import type { History } from "@taskhub/core/testing";
import { registerClassicFunction } from "../../src/index.js";
import { toCoreOrchestrator, type OrchestrationHandler } from "../../src/orchestration/orchestrator.js";
import { DF_MAX_TIMER_INTERVAL_MS } from "./df-history.js";

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** The core orchestrator of a v4 handler (`df.app.orchestration`). */
export function v4(handler: OrchestrationHandler): Orchestrator {
  return toCoreOrchestrator("Test", handler, { httpPollIntervalMs: 30_000, logger: silent });
}

/** The core orchestrator of a classic `df.orchestrator(...)` export, as the host registers it. */
export function classic(handler: unknown): Orchestrator {
  let captured: Orchestrator | undefined;
  const registrar = {
    addOrchestrator(_name: string, o: Orchestrator) {
      captured = o;
    },
    addActivity() {},
    addEntity() {},
  };
  registerClassicFunction(registrar as never, {
    name: "Test",
    trigger: "orchestrationTrigger",
    handler,
    bindings: [{ type: "orchestrationTrigger", name: "context", direction: "in" }],
  });
  return captured!;
}

/** Replay with the events before `split` as committed history, under Azure Storage's 6-day timer limit. */
export function replayDf(orchestrator: Orchestrator, h: History, split: number) {
  return replayOrchestration(orchestrator, h.events.slice(0, split), h.events.slice(split), {
    maxTimerIntervalMs: DF_MAX_TIMER_INTERVAL_MS,
  });
}

export function summary(actions: OrchestratorAction[]): string[] {
  return actions.map((a) => {
    switch (a.type) {
      case "ScheduleTask":
        return `ScheduleTask#${a.id} ${a.name}${a.input === undefined ? "" : ` ${a.input}`}`;
      case "CreateTimer":
        return `CreateTimer#${a.id} ${new Date(a.fireAt as string).toISOString()}`;
      case "CreateSubOrchestration":
        return `CreateSubOrchestration#${a.id} ${a.name} ${a.instanceId}`;
      case "SendEvent":
        return `SendEvent#${a.id} ${a.name} ${a.instanceId} ${a.input ?? ""}`.trim();
      case "CompleteOrchestration":
        return `Complete#${a.id} ${a.status} ${a.result ?? a.failureDetails?.errorMessage ?? ""}`.trim();
    }
  });
}
