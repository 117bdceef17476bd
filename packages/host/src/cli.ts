#!/usr/bin/env node
/**
 * The `taskhub` CLI. `taskhub worker --app <module>` runs a host with the module's registrations: the module
 * exports `register(worker)` (or a default function). SIGTERM/SIGINT drain and exit 0; a second signal forces
 * exit 1. Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Command } from "commander";
import type { TaskHubWorker } from "@taskhub/core";
import { createHost } from "./host.js";

type RegisterFn = (worker: TaskHubWorker) => void | Promise<void>;

async function loadApp(path: string): Promise<RegisterFn> {
  const mod = (await import(pathToFileURL(resolve(path)).href)) as { register?: RegisterFn; default?: RegisterFn };
  const fn = mod.register ?? mod.default;
  if (typeof fn !== "function") throw new Error(`${path} must export a register(worker) function (or a default function)`);
  return fn;
}

const program = new Command();
program.name("taskhub").description("Run and manage taskhub task hubs").showHelpAfterError();

program
  .command("worker")
  .description("run a worker host: the app's orchestrations and activities, and the HTTP management API")
  .requiredOption("--app <module>", "module that exports register(worker)")
  .option("--port <port>", "HTTP port (default 7071, or TASKHUB_HTTP_PORT)")
  .action(async (opts: { app: string; port?: string }) => {
    let register: RegisterFn;
    try {
      register = await loadApp(opts.app);
    } catch (err) {
      console.error(`taskhub: ${(err as Error).message}`);
      process.exit(2);
    }
    const host = await createHost({ register, config: opts.port ? { http: { port: Number(opts.port) } } : {} }).catch((err: unknown) => {
      console.error(`taskhub: ${(err as Error).message}`);
      process.exit(2);
    });
    let signals = 0;
    const onSignal = (signal: string): void => {
      signals++;
      if (signals > 1) {
        host.logger.warn({ event: "host.forcedExit", signal }, "second signal: exiting without draining");
        process.exit(1);
      }
      host.logger.info({ event: "host.signal", signal }, "stopping gracefully");
      host.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          host.logger.error({ event: "host.stopFailed", err }, "stop failed");
          process.exit(1);
        },
      );
    };
    process.on("SIGTERM", () => onSignal("SIGTERM"));
    process.on("SIGINT", () => onSignal("SIGINT"));
  });

await program.parseAsync(process.argv);
