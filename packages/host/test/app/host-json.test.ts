// An app folder's host.json: what becomes configuration, the route prefix, and every setting the host does not use
// named once.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readHostJson } from "../../src/app/host-json.js";

function folder(hostJson: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "taskhub-hostjson-"));
  writeFileSync(join(dir, "host.json"), JSON.stringify(hostJson));
  return dir;
}

describe("readHostJson", () => {
  it("maps extensions.durableTask and its storageProvider to the configuration's keys", () => {
    const r = readHostJson(
      folder({
        version: "2.0",
        extensions: {
          http: { routePrefix: "/fn/" },
          durableTask: {
            hubName: "MyHub",
            extendedSessionsEnabled: true,
            extendedSessionIdleTimeoutInSeconds: 60,
            maxConcurrentActivityFunctions: 4,
            maxConcurrentOrchestratorFunctions: 8,
            storageProvider: {
              type: "AzureStorage",
              connectionName: "MyStorage",
              partitionCount: 2,
              controlQueueBatchSize: 16,
              controlQueueBufferThreshold: 128,
              controlQueueVisibilityTimeout: "00:03:00",
              workItemQueueVisibilityTimeout: "00:04:00",
              maxQueuePollingInterval: "00:00:02",
              pollingBackoffFactor: 1.5,
              busyWorkItemPollingInterval: "00:00:01",
              idleWorkItemPollingInterval: "00:00:03",
              workItemPollingLinger: "00:01:30",
              useTablePartitionManagement: false,
            },
          },
        },
      }),
    );
    expect(r.settings).toEqual({
      hubName: "MyHub",
      extendedSessionsEnabled: true,
      extendedSessionIdleTimeoutInSeconds: 60,
      maxConcurrentActivityFunctions: 4,
      maxConcurrentOrchestratorFunctions: 8,
      connectionName: "MyStorage",
      partitionCount: 2,
      controlQueueBatchSize: 16,
      controlQueueBufferThreshold: 128,
      controlQueueVisibilityTimeout: "00:03:00",
      workItemQueueVisibilityTimeout: "00:04:00",
      maxQueuePollingInterval: "00:00:02",
      pollingBackoffFactor: 1.5,
      busyWorkItemPollingInterval: "00:00:01",
      idleWorkItemPollingInterval: "00:00:03",
      workItemPollingLinger: "00:01:30",
      partitionManagement: "blob",
    });
    expect(r.routePrefix).toBe("fn");
    expect(r.notices).toEqual([]);
  });

  it("names every setting it does not use, once each, with the file", () => {
    const dir = folder({
      version: "2.0",
      logging: { logLevel: { default: "Information" } },
      functionTimeout: "00:05:00",
      extensions: {
        queues: { batchSize: 4 },
        http: { routePrefix: "api", maxConcurrentRequests: 10 },
        durableTask: { tracing: {}, storageProvider: { trackingStoreConnectionName: "X" } },
      },
    });
    const r = readHostJson(dir);
    expect(r.notices.map((n) => n.setting)).toEqual([
      "logging",
      "functionTimeout",
      "extensions.queues",
      "extensions.http.maxConcurrentRequests",
      "extensions.durableTask.tracing",
      "extensions.durableTask.storageProvider.trackingStoreConnectionName",
    ]);
    expect(new Set(r.notices.map((n) => n.file))).toEqual(new Set([join(dir, "host.json")]));
    expect(r.notices.every((n) => n.event === "app.settingIgnored")).toBe(true);
  });

  it("resolves %AppSetting% from the environment, and refuses one that is not set", () => {
    process.env.TASKHUB_TEST_HUB_SETTING = "FromSetting";
    try {
      expect(
        readHostJson(folder({ extensions: { durableTask: { hubName: "%TASKHUB_TEST_HUB_SETTING%" } } }))
          .settings,
      ).toEqual({
        hubName: "FromSetting",
      });
    } finally {
      delete process.env.TASKHUB_TEST_HUB_SETTING;
    }
    expect(() =>
      readHostJson(folder({ extensions: { durableTask: { hubName: "%TASKHUB_TEST_UNSET%" } } })),
    ).toThrow(
      /host\.json: hubName is %TASKHUB_TEST_UNSET%, but no app setting \(environment variable\) TASKHUB_TEST_UNSET is set/,
    );
  });

  it("reads no host.json as Functions' defaults", () => {
    expect(readHostJson(mkdtempSync(join(tmpdir(), "taskhub-hostjson-")))).toEqual({
      settings: {},
      routePrefix: "api",
      notices: [],
    });
  });
});
