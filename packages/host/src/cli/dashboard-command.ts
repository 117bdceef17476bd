/**
 * `taskhub dashboard`: serves the dashboard (`/dashboard/`) and the HTTP management API it uses for a task hub
 * that exists, with no worker: against the configured storage (a connection string, an account name), or, with
 * none configured outside production, the storage emulator on its default ports (`UseDevelopmentStorage=true`,
 * e.g. the embedded Azurite a `taskhub worker` started in development). Prints the dashboard's URL and serves
 * until Ctrl+C (SIGINT) or SIGTERM.
 *
 * The key: TASKHUB_HTTP_KEY when set; none with TASKHUB_HTTP_AUTH=disabled; otherwise a random key for this run,
 * which the printed URL carries (`?code=`). Listens on 127.0.0.1:7072 unless `--host`/`--port` say otherwise;
 * other machines are refused unless `--allow-remote`.
 */
import { randomBytes } from "node:crypto";
import type { Command } from "commander";
import { WEBHOOK_PATH } from "@taskhub/core/management";
import type { HostConfigInput } from "../config.js";
import { stopOnSignals } from "../stop-on-signals.js";
import { connect } from "./connect.js";
import { UsageError, verb, withCommon, type Common } from "./verb.js";

export const DEFAULT_DASHBOARD_PORT = 7072;

interface DashboardCommandOptions extends Common {
  port?: string;
  host?: string;
  allowRemote?: boolean;
}

export function addDashboardCommand(program: Command): void {
  withCommon(
    program
      .command("dashboard")
      .description(
        "serve the dashboard and the HTTP management API for a task hub, without a worker (Ctrl+C stops)",
      )
      .option("--port <port>", `HTTP port (default ${DEFAULT_DASHBOARD_PORT}; 0 for any free port)`)
      .option("--host <address>", "address to listen on (default 127.0.0.1)")
      .option("--allow-remote", "serve the dashboard to other machines too (they still need the key)"),
  ).action(
    verb(async (o: DashboardCommandOptions) => {
      const port = o.port === undefined ? DEFAULT_DASHBOARD_PORT : Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`--port must be a port number from 0 to 65535, got ${o.port}`);
      // Loaded on use, as the other verbs load the storage provider.
      const [{ loadConfig }, { isLocalDevelopmentStorage, emulatorListening }] = await Promise.all([
        import("../config.js"),
        import("../development-storage.js"),
      ]);
      const configured = loadConfig({});
      const input: HostConfigInput = {};
      if (!configured.storage) {
        if (configured.production)
          throw new UsageError(
            "no storage configured: set AZURE_STORAGE_CONNECTION_STRING (or AZURE_STORAGE_ACCOUNT_NAME)",
          );
        input.storage = { connectionString: "UseDevelopmentStorage=true" };
      }
      const storage = input.storage ?? configured.storage!;
      if ("connectionString" in storage && isLocalDevelopmentStorage(storage.connectionString)) {
        if (!(await emulatorListening()))
          throw new UsageError(
            `${configured.storage ? "UseDevelopmentStorage=true" : "no storage configured"}, and no storage emulator listens on its default ports (10000-10002): start one (a taskhub worker in development starts its own), or set AZURE_STORAGE_CONNECTION_STRING`,
          );
      }
      const { service, client } = await connect(o, input);
      const key = configured.http.authDisabled
        ? undefined
        : (configured.http.key ?? randomBytes(24).toString("base64url"));
      const auth = key === undefined ? ("disabled" as const) : { key };
      const [{ createManagementApi }, { createDashboard }, { serve }] = await Promise.all([
        import("../http/management-api.js"),
        import("../http/dashboard/dashboard.js"),
        import("../http/node-server.js"),
      ]);
      const api = createManagementApi({ client, taskHubName: service.names.hub, auth });
      const dashboard = createDashboard({ service, client, auth, allowRemote: o.allowRemote });
      const server = await serve(async (request) => (await dashboard(request)) ?? api(request), {
        port,
        host: o.host ?? "127.0.0.1",
        headersTimeoutMs: configured.http.headersTimeoutMs,
        requestTimeoutMs: configured.http.requestTimeoutMs,
      });
      const url = `${server.url}/dashboard/${key ? `?code=${encodeURIComponent(key)}` : ""}`;
      if (o.json)
        console.log(
          JSON.stringify({ url, taskHub: service.names.hub, managementApi: `${server.url}${WEBHOOK_PATH}` }),
        );
      else console.log(`taskhub dashboard for task hub ${service.names.hub}: ${url}\n(Ctrl+C to stop)`);
      stopOnSignals(() => server.close());
    }),
  );
}
