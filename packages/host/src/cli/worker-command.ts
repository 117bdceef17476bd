/**
 * `taskhub worker --app <module or folder>`: loads the app (`app/load-app.ts`), then runs a host with it. A bad app
 * (a missing script, a syntax error, a name used twice, an orchestrator that is not a generator, ...) is one line
 * naming the file and exit 2, before anything starts. SIGTERM/SIGINT drain and exit 0; a second signal exits 1.
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { TaskHubError, type Logger } from "@taskhub/core";
import type { LoadedApp } from "../app/load-app.js";
import type { HostConfigInput } from "../config.js";
import { installFunctionsCore } from "../functions-http/install-functions-core.js";
import { stopOnSignals } from "../stop-on-signals.js";
import { EXIT_FAILURE, EXIT_USAGE } from "./verb.js";

interface WorkerOptions {
  app: string;
  port?: string;
  strict?: boolean;
  aliasDurableFunctions: boolean;
}

export function addWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description("run a worker host: the app's orchestrations and activities, and the HTTP management API")
    .requiredOption(
      "--app <module or folder>",
      "a Functions app folder (host.json, <Function>/function.json, package.json main), or a module that exports register(worker) and optionally httpHandler",
    )
    .option("--port <port>", "HTTP port (default 7071, or TASKHUB_HTTP_PORT)")
    .option("--strict", "refuse to start when the app has a function whose trigger or binding is not hosted")
    .option("--no-alias-durable-functions", "leave the app's own durable-functions import alone")
    .action(async (opts: WorkerOptions) => {
      const config: HostConfigInput = opts.port ? { http: { port: Number(opts.port) } } : {};
      let app: LoadedApp;
      // Before the app loads @azure/functions, which looks for this module once.
      const functionsCore = installFunctionsCore();
      try {
        // Loaded on use: the management verbs start without the app loader.
        const { loadApp } = await import("../app/load-app.js");
        app = await loadApp(opts.app, {
          strict: opts.strict,
          aliasDurableFunctions: opts.aliasDurableFunctions,
        });
      } catch (err) {
        console.error(`taskhub: ${(err as Error).message}`);
        process.exit(EXIT_USAGE);
      }
      // A signal while the host starts is acted on once it has started.
      let early: NodeJS.Signals | undefined;
      const remember = (signal: NodeJS.Signals): void => void (early ??= signal);
      process.on("SIGINT", remember).on("SIGTERM", remember);
      const host = await (async () => {
        // Loaded on use, as the app loader is: the host reaches the Azure SDKs.
        const [{ loadConfig }, { createHost }] = await Promise.all([
          import("../config.js"),
          import("../host.js"),
        ]);
        // The HTTP functions need the host's key; createHost reads the same configuration again.
        const { http } = loadConfig(config, process.env, undefined, app.appSettings);
        const auth = http.authDisabled || !http.key ? ("disabled" as const) : { key: http.key };
        const started: { logger?: Logger } = {};
        const handler = app.httpHandler?.({ auth, logger: () => started.logger });
        const h = await createHost({
          register: app.register,
          config,
          ...(app.appSettings ? { appSettings: app.appSettings } : {}),
          notices: app.notices,
          ...(handler ? { httpHandler: handler } : {}),
          functions: {
            core: functionsCore,
            routePrefix: app.routePrefix,
            ...(statSync(opts.app).isDirectory() ? { functionAppDirectory: resolve(opts.app) } : {}),
          },
        });
        started.logger = h.logger;
        return h;
      })().catch((err: unknown) => {
        console.error(`taskhub: ${(err as Error).message}`);
        process.exit(
          err instanceof TaskHubError && err.code !== "InvalidArgument" ? EXIT_FAILURE : EXIT_USAGE,
        );
      });
      process.off("SIGINT", remember).off("SIGTERM", remember);
      const handlers = stopOnSignals(() => host.stop(), { logger: host.logger });
      if (early) handlers.receive(early);
    });
}
