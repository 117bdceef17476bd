/** `taskhub replay`: a stored history replayed against the app's orchestrator, to find non-determinism. */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { replayOrchestrationAsync, TaskRegistry, type HistoryEvent } from "@taskhub/core";
import { print } from "./output.js";
import { UsageError, verb, withCommon, type Common } from "./verb.js";

export function addReplayCommand(program: Command): void {
  withCommon(
    program
      .command("replay")
      .description(
        "replay a history JSON file (an array of DTF events, as get-history --raw --json prints) against an app's orchestrator and report non-determinism",
      )
      .requiredOption("--app <module>")
      .requiredOption("--file <history.json>"),
  ).action(
    verb(async (o: Common & { app: string; file: string }) => {
      // Loaded on use: the other verbs start without the app loader.
      const { loadApp } = await import("../app/load-app.js");
      const { register } = await loadApp(o.app);
      const events = JSON.parse(readFileSync(o.file, "utf8")) as HistoryEvent[];
      const start = events.find((e) => e.type === "ExecutionStarted");
      if (!start || start.type !== "ExecutionStarted")
        throw new UsageError(`${o.file} has no ExecutionStarted event`);
      // Only the app's registry is needed: no worker, no backend.
      const registry = new TaskRegistry();
      await register(registry);
      // The orchestrator of the version the instance was started with (else the one registered without a version).
      const fn = registry.getOrchestrator(start.name, start.version);
      const named = start.version ? `'${start.name}' for version '${start.version}'` : `'${start.name}'`;
      if (!fn) throw new UsageError(`the app registers no orchestrator named ${named}`);
      // The async replay: it runs function* and async function* orchestrators alike, as the worker does.
      const r = await replayOrchestrationAsync(fn, events, []);
      const bad = r.completion?.failureDetails?.errorType === "NonDeterminismError";
      print(
        o,
        {
          deterministic: !bad,
          failure: bad ? r.completion?.failureDetails?.errorMessage : undefined,
          pendingActions: r.actions.length,
        },
        () =>
          bad
            ? `NON-DETERMINISTIC: ${r.completion?.failureDetails?.errorMessage}`
            : `replayed ${events.length} events: deterministic`,
      );
      if (bad) process.exit(1);
    }),
  );
}
