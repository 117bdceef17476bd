import { mkdtempSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveSettings, SETTING_DEFAULTS } from "@taskhub/azure-storage";
import { loadConfig, parseInterval, providerSettings } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "taskhub-config-"));
function file(content: unknown): string {
  const p = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(p, JSON.stringify(content));
  return p;
}

describe("host configuration", () => {
  it("has Durable Functions' defaults", () => {
    const c = loadConfig({}, {}, undefined);
    expect(c).toMatchObject({
      hubName: "TaskHub",
      storage: undefined,
      partitionCount: 4,
      maxConcurrentActivityFunctions: 10 * availableParallelism(),
      maxConcurrentOrchestratorFunctions: 100,
      controlQueueBatchSize: 32,
      maxQueuePollingIntervalMs: 30_000,
      extendedSessionsEnabled: true,
      partitionManagement: "table",
      production: false,
      http: {
        port: 7071,
        host: "127.0.0.1",
        key: undefined,
        authDisabled: false,
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 15_000,
        dashboard: "loopback",
      },
    });
  });

  it("reads a host.json-shaped file, then the environment, then options, in rising precedence", () => {
    const f = file({
      extensions: {
        durableTask: {
          hubName: "FromFile",
          maxConcurrentActivityFunctions: 3,
          storageProvider: {
            partitionCount: 8,
            maxQueuePollingInterval: "00:00:05",
            connectionName: "AzureWebJobsStorage",
          },
        },
      },
    });
    const env = { AzureWebJobsStorage: "UseDevelopmentStorage=true", TASKHUB_PARTITION_COUNT: "6" };
    const c = loadConfig({ maxConcurrentActivityFunctions: 7 }, env, f);
    expect(c.hubName).toBe("FromFile");
    expect(c.partitionCount).toBe(6);
    expect(c.maxConcurrentActivityFunctions).toBe(7);
    expect(c.maxQueuePollingIntervalMs).toBe(5000);
    expect(c.storage).toEqual({ connectionString: "UseDevelopmentStorage=true" });
    expect(loadConfig({}, { AZURE_STORAGE_ACCOUNT_NAME: "acct" }, undefined).storage).toMatchObject({
      accountName: "acct",
      // Created on first use (@azure/identity loads then): the choice is what the settings decide.
      credential: expect.objectContaining({ choice: { kind: "default" } }),
    });
  });

  it("reads Durable Functions' versioning settings, with its defaults (CurrentOrOlder, Reject)", () => {
    expect(loadConfig({}, {}, undefined).versioning).toEqual({
      defaultVersion: undefined,
      versionMatchStrategy: "CurrentOrOlder",
      versionFailureStrategy: "Reject",
    });
    const f = file({
      extensions: {
        durableTask: {
          defaultVersion: "2.0",
          versionMatchStrategy: "Strict",
          versionFailureStrategy: "Fail",
        },
      },
    });
    expect(loadConfig({}, {}, f).versioning).toEqual({
      defaultVersion: "2.0",
      versionMatchStrategy: "Strict",
      versionFailureStrategy: "Fail",
    });
    expect(
      loadConfig({}, { TASKHUB_DEFAULT_VERSION: "3.0", TASKHUB_VERSION_MATCH_STRATEGY: "None" }, f)
        .versioning,
    ).toMatchObject({ defaultVersion: "3.0", versionMatchStrategy: "None" });
    expect(() => loadConfig({}, { TASKHUB_VERSION_MATCH_STRATEGY: "Latest" }, undefined)).toThrow(
      /versionMatchStrategy must be one of None, Strict, CurrentOrOlder, got "Latest"/,
    );
    expect(() => loadConfig({}, { TASKHUB_VERSION_FAILURE_STRATEGY: "Skip" }, undefined)).toThrow(
      /versionFailureStrategy must be one of Reject, Fail/,
    );
  });

  it("reads an identity-based connection as Functions names its settings", () => {
    const env = {
      AzureWebJobsStorage__accountName: "acct",
      AzureWebJobsStorage__credential: "managedidentity",
      AzureWebJobsStorage__clientId: "00000000-0000-0000-0000-00000000000c",
    };
    expect(loadConfig({}, env, undefined).storage).toMatchObject({
      accountName: "acct",
      credential: expect.objectContaining({
        choice: { kind: "managedIdentity", clientId: "00000000-0000-0000-0000-00000000000c" },
      }),
    });
    // Under the connection name given (DF's storageProvider.connectionName), with each service's URI.
    const f = file({ extensions: { durableTask: { storageProvider: { connectionName: "Storage" } } } });
    const byUri = loadConfig(
      {},
      {
        Storage__blobServiceUri: "https://acct.blob.core.windows.net",
        Storage__queueServiceUri: "https://acct.queue.core.windows.net",
        Storage__tableServiceUri: "https://acct.table.core.windows.net",
      },
      f,
    ).storage;
    expect(byUri).toMatchObject({
      queueEndpoint: "https://acct.queue.core.windows.net",
      // Created on first use (@azure/identity loads then): the choice is what the settings decide.
      credential: expect.objectContaining({ choice: { kind: "default" } }),
    });
    // A connection string under the name wins; AzureWebJobsStorage is read without a name configured.
    expect(
      loadConfig(
        {},
        { AzureWebJobsStorage: "UseDevelopmentStorage=true", AzureWebJobsStorage__accountName: "a" },
        undefined,
      ).storage,
    ).toEqual({ connectionString: "UseDevelopmentStorage=true" });
    // taskhub's own file, in storageProvider.
    const own = file({ storageProvider: { accountName: "fromfile", credential: "managedidentity" } });
    expect(loadConfig({}, {}, own).storage).toMatchObject({
      accountName: "fromfile",
      credential: expect.objectContaining({ choice: { kind: "managedIdentity" } }),
    });
  });

  it.each([
    [
      { AzureWebJobsStorage__queueServiceUri: "https://a.queue.core.windows.net" },
      /AzureWebJobsStorage__accountName or the URI of each service/,
    ],
    [
      { AzureWebJobsStorage__accountName: "a", AzureWebJobsStorage__credential: "cli" },
      /AzureWebJobsStorage__credential must be "managedidentity"/,
    ],
  ])("refuses identity settings that cannot make a connection (%j)", (env, message) => {
    expect(() => loadConfig({}, env, undefined)).toThrow(message);
  });

  it("takes an app folder's host.json settings as the lowest layer, under the file and the environment", () => {
    const app = {
      hubName: "FromHostJson",
      partitionCount: 2,
      controlQueueVisibilityTimeout: "00:02:00",
      workItemQueueVisibilityTimeout: 90,
      controlQueueBufferThreshold: 64,
      extendedSessionIdleTimeoutInSeconds: 45,
      maxConcurrentOrchestratorFunctions: 9,
    };
    const c = loadConfig({}, {}, undefined, app);
    expect(c).toMatchObject({
      hubName: "FromHostJson",
      partitionCount: 2,
      controlQueueVisibilityTimeoutMs: 120_000,
      workItemQueueVisibilityTimeoutMs: 90_000,
      controlQueueBufferThreshold: 64,
      sessionIdleTimeoutMs: 45_000,
      maxConcurrentOrchestratorFunctions: 9,
    });
    const f = file({ hubName: "FromFile", partitionCount: 3 });
    const over = loadConfig({}, { TASKHUB_PARTITION_COUNT: "5" }, f, app);
    expect(over).toMatchObject({
      hubName: "FromFile",
      partitionCount: 5,
      maxConcurrentOrchestratorFunctions: 9,
    });
    expect(() => loadConfig({}, {}, undefined, { controlQueueVisibilityTimeout: "later" })).toThrow(
      /controlQueueVisibilityTimeout must be seconds or hh:mm:ss/,
    );
  });

  it("reads the work-item pace settings from storageProvider (hh:mm:ss or seconds) and hands them to the provider", () => {
    const defaults = loadConfig({}, {}, undefined);
    expect(defaults).toMatchObject({
      busyWorkItemPollingIntervalMs: SETTING_DEFAULTS.busyWorkItemPollingIntervalMs,
      idleWorkItemPollingIntervalMs: SETTING_DEFAULTS.idleWorkItemPollingIntervalMs,
      workItemPollingLingerMs: SETTING_DEFAULTS.workItemPollingLingerMs,
    });
    const f = file({
      extensions: {
        durableTask: {
          storageProvider: {
            busyWorkItemPollingInterval: "00:00:00.5",
            idleWorkItemPollingInterval: 5,
            workItemPollingLinger: "00:02:00",
          },
        },
      },
    });
    const c = loadConfig({}, {}, f);
    expect(c).toMatchObject({
      busyWorkItemPollingIntervalMs: 500,
      idleWorkItemPollingIntervalMs: 5000,
      workItemPollingLingerMs: 120_000,
    });
    // The app's host.json is the lowest layer; the options (milliseconds) the highest; 0 turns a cap off.
    const app = { busyWorkItemPollingInterval: 3, workItemPollingLinger: 10 };
    expect(loadConfig({ idleWorkItemPollingIntervalMs: 0 }, {}, undefined, app)).toMatchObject({
      busyWorkItemPollingIntervalMs: 3000,
      idleWorkItemPollingIntervalMs: 0,
      workItemPollingLingerMs: 10_000,
    });
    const provider = resolveSettings({
      ...providerSettings(c),
      storage: { connectionString: "UseDevelopmentStorage=true" },
    });
    expect(provider).toMatchObject({
      busyWorkItemPollingIntervalMs: 500,
      idleWorkItemPollingIntervalMs: 5000,
      workItemPollingLingerMs: 120_000,
      maxPollingIntervalMs: 30_000,
    });
  });

  it.each([
    [{ busyWorkItemPollingInterval: -1 }, /busyWorkItemPollingInterval must be from 0 to 24 hours, got -1/],
    [
      { idleWorkItemPollingInterval: "often" },
      /idleWorkItemPollingInterval must be seconds or hh:mm:ss, got "often"/,
    ],
    [
      { workItemPollingLinger: "48:00:00" },
      /workItemPollingLinger must be from 0 to 24 hours, got "48:00:00"/,
    ],
    [
      { busyWorkItemPollingInterval: true },
      /busyWorkItemPollingInterval must be seconds or hh:mm:ss, got true/,
    ],
  ])("refuses a bad work-item pace setting %j before anything starts", (settings, message) => {
    expect(() =>
      loadConfig({}, {}, file({ extensions: { durableTask: { storageProvider: settings } } })),
    ).toThrow(message);
    expect(() => loadConfig({}, {}, undefined, settings)).toThrow(message);
  });

  it("reads pollingBackoffFactor from storageProvider, flat or in host.json, and hands it to the provider", () => {
    expect(loadConfig({}, {}, undefined).pollingBackoffFactor).toBe(SETTING_DEFAULTS.pollingBackoffFactor);
    const f = file({ extensions: { durableTask: { storageProvider: { pollingBackoffFactor: 2 } } } });
    const c = loadConfig({}, {}, f);
    expect(c.pollingBackoffFactor).toBe(2);
    expect(loadConfig({}, {}, undefined, { pollingBackoffFactor: "1.5" }).pollingBackoffFactor).toBe(1.5);
    expect(loadConfig({ pollingBackoffFactor: 4 }, {}, f).pollingBackoffFactor).toBe(4);
    const provider = resolveSettings({
      ...providerSettings(c),
      storage: { connectionString: "UseDevelopmentStorage=true" },
    });
    expect(provider.pollingBackoffFactor).toBe(2);
  });

  it.each([[1], [4.5], ["fast"], [""], [true]])(
    "refuses pollingBackoffFactor %j before anything starts",
    (value) => {
      const message = /pollingBackoffFactor must be a number more than 1 and at most 4, got/;
      expect(() =>
        loadConfig(
          {},
          {},
          file({ extensions: { durableTask: { storageProvider: { pollingBackoffFactor: value } } } }),
        ),
      ).toThrow(message);
      expect(() => loadConfig({}, {}, undefined, { pollingBackoffFactor: value })).toThrow(message);
    },
  );

  it("refuses work-item pace options that are not a duration", () => {
    expect(() => loadConfig({ workItemPollingLingerMs: Number.NaN })).toThrow(
      /workItemPollingLinger must be from 0 to 24 hours, got NaN ms/,
    );
  });

  it.each([
    [{ TASKHUB_HUB_NAME: "my-hub" }, /invalid task hub name/],
    [{ TASKHUB_PARTITION_COUNT: "17" }, /partitionCount must be an integer from 1 to 16/],
    [{ TASKHUB_MAX_QUEUE_POLLING_INTERVAL: "soon" }, /maxQueuePollingInterval must be seconds or hh:mm:ss/],
    [{ TASKHUB_EXTENDED_SESSIONS: "perhaps" }, /extendedSessionsEnabled must be true or false/],
    [{ TASKHUB_PARTITION_MANAGEMENT: "zookeeper" }, /partitionManagement must be/],
    [{ AZURE_STORAGE_CONNECTION_STRING: "AccountKey=c2VjcmV0c2VjcmV0" }, /no AccountName/],
    [
      { TASKHUB_HTTP_KEY: "0123456789abcde" },
      /TASKHUB_HTTP_KEY must have at least 16 characters \(it has 15\)/,
    ],
    [{ TASKHUB_HTTP_REQUEST_TIMEOUT: "soon" }, /httpRequestTimeout must be seconds or hh:mm:ss/],
    [{ TASKHUB_HTTP_HEADERS_TIMEOUT: "0" }, /must be more than 0 seconds/],
    [
      { TASKHUB_HTTP_HEADERS_TIMEOUT: "20", TASKHUB_HTTP_REQUEST_TIMEOUT: "10" },
      /httpHeadersTimeout \(20 s\) must not be longer than httpRequestTimeout \(10 s\)/,
    ],
  ])("rejects %j with a clear error", (env, message) => {
    expect(() => loadConfig({}, env, undefined)).toThrow(message);
  });

  it("never quotes a connection string or a key in its errors", () => {
    expect(() =>
      loadConfig({}, { AZURE_STORAGE_CONNECTION_STRING: "AccountKey=c2VjcmV0c2VjcmV0" }, undefined),
    ).not.toThrow(/c2VjcmV0/);
    expect(() => loadConfig({}, { TASKHUB_HTTP_KEY: "secret-short" }, undefined)).toThrow(/at least 16/);
    expect(() => loadConfig({}, { TASKHUB_HTTP_KEY: "secret-short" }, undefined)).not.toThrow(/secret-short/);
  });

  it("reads the HTTP timeouts from the environment or the file, in seconds or hh:mm:ss", () => {
    expect(
      loadConfig(
        {},
        { TASKHUB_HTTP_HEADERS_TIMEOUT: "2", TASKHUB_HTTP_REQUEST_TIMEOUT: "00:00:05" },
        undefined,
      ).http,
    ).toMatchObject({ headersTimeoutMs: 2000, requestTimeoutMs: 5000 });
    expect(
      loadConfig({}, {}, file({ httpHeadersTimeout: 1, httpRequestTimeout: "00:01:00" })).http,
    ).toMatchObject({ headersTimeoutMs: 1000, requestTimeoutMs: 60_000 });
  });

  it("reads who is served the dashboard from TASKHUB_DASHBOARD (loopback, remote, disabled); refuses another value", () => {
    expect(loadConfig({}, { TASKHUB_DASHBOARD: "remote" }, undefined).http.dashboard).toBe("remote");
    expect(
      loadConfig({ http: { dashboard: "disabled" } }, { TASKHUB_DASHBOARD: "remote" }, undefined).http
        .dashboard,
    ).toBe("disabled");
    expect(() => loadConfig({}, { TASKHUB_DASHBOARD: "public" }, undefined)).toThrow(
      /TASKHUB_DASHBOARD must be loopback, remote or disabled, got "public"/,
    );
  });

  it("parses intervals as seconds or hh:mm:ss", () => {
    expect(parseInterval("00:01:30", "x")).toBe(90_000);
    expect(parseInterval(2, "x")).toBe(2000);
    expect(parseInterval("0.5", "x")).toBe(500);
  });

  it("reports a missing or broken file", () => {
    expect(() => loadConfig({}, {}, join(dir, "missing.json"))).toThrow(/does not exist/);
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{");
    expect(() => loadConfig({}, {}, broken)).toThrow(/not valid JSON/);
  });
});
