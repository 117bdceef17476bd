import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applyLocalSettings } from "../../src/app/local-settings.js";

function folder(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "taskhub-localsettings-"));
  writeFileSync(join(dir, "local.settings.json"), JSON.stringify(content));
  return dir;
}

describe("applyLocalSettings", () => {
  it("sets each Value the environment does not already have, and leaves the others", () => {
    const env: NodeJS.ProcessEnv = { AzureWebJobsStorage: "from-env" };
    const set = applyLocalSettings(
      folder({
        IsEncrypted: false,
        Values: { AzureWebJobsStorage: "UseDevelopmentStorage=true", FUNCTIONS_WORKER_RUNTIME: "node", N: 3 },
      }),
      env,
    );
    expect(set).toEqual(["FUNCTIONS_WORKER_RUNTIME", "N"]);
    expect(env).toEqual({ AzureWebJobsStorage: "from-env", FUNCTIONS_WORKER_RUNTIME: "node", N: "3" });
  });

  it("refuses an encrypted file and reads none when there is no file", () => {
    expect(() => applyLocalSettings(folder({ IsEncrypted: true, Values: {} }), {})).toThrow(
      /local\.settings\.json: is encrypted/,
    );
    expect(applyLocalSettings(mkdtempSync(join(tmpdir(), "taskhub-localsettings-")), {})).toEqual([]);
  });
});
