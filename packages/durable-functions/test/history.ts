// Replays facade handlers over hand-written DTF histories (the builder is @taskhub/core/testing's History).
export { History, INSTANCE, T0 } from "@taskhub/core/testing";
import { replayOrchestration } from "@taskhub/core";
import type { History } from "@taskhub/core/testing";
import { toCoreOrchestrator, type OrchestrationHandler } from "../src/orchestration/orchestrator.js";

/** Replay `handler` with events before `split` as committed history (default: all of them are new). */
export function replay(
  handler: OrchestrationHandler,
  h: History,
  split = 0,
  options: { httpPollIntervalMs?: number; maxTimerIntervalMs?: number } = {},
) {
  const orchestrator = toCoreOrchestrator("Test", handler, {
    httpPollIntervalMs: options.httpPollIntervalMs ?? 30_000,
    logger: silent,
  });
  return replayOrchestration(orchestrator, h.events.slice(0, split), h.events.slice(split), {
    maxTimerIntervalMs: options.maxTimerIntervalMs,
  });
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };
