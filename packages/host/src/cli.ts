#!/usr/bin/env node
/**
 * The `taskhub` CLI (docs/cli.md): `taskhub worker --app <module or folder>` runs a host (`cli/worker-command.ts`);
 * the management verbs (the `func durable` set) work on a task hub that exists: an unknown one (a misspelled
 * `--task-hub`) is an error, never created.
 * Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration, 3 not found (instance, entity, task hub).
 */
import { Command } from "commander";
import { addBulkCommands } from "./cli/bulk-commands.js";
import { addDashboardCommand } from "./cli/dashboard-command.js";
import { addEntityCommands } from "./cli/entity-commands.js";
import { addHubCommands } from "./cli/hub-commands.js";
import { addInstanceCommands } from "./cli/instance-commands.js";
import { addReplayCommand } from "./cli/replay-command.js";
import { EXIT_USAGE } from "./cli/verb.js";
import { addWorkerCommand } from "./cli/worker-command.js";

const program = new Command();
// Commander's own usage errors (unknown verb or option, missing argument) exit 2 like ours; help and
// --version exit 0. Subcommands inherit this.
program
  .name("taskhub")
  .description("Run and manage taskhub task hubs")
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE));

addWorkerCommand(program);
addInstanceCommands(program);
addEntityCommands(program);
addBulkCommands(program);
addHubCommands(program);
addReplayCommand(program);
addDashboardCommand(program);

await program.parseAsync(process.argv);
