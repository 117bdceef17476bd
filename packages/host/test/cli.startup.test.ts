// The CLI loads the storage provider (and with it the Azure SDKs, most of a process start's CPU) only for a
// verb that touches storage: `--help`, a verb's help and a usage error start without them.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const recorder = fileURLToPath(new URL("./fixtures/record-imports.mjs", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "cli-imports-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(
  name: string,
  args: string[],
  env: Record<string, string> = {},
): { status: number | null; urls: string[] } {
  const log = join(dir, `${name}.log`);
  const r = spawnSync(process.execPath, ["--import", recorder, cli, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env, RECORD_IMPORTS: log },
  });
  return { status: r.status, urls: readFileSync(log, "utf8").split("\n") };
}

const azure = (urls: string[]): string[] =>
  urls.filter((u) => /\/@azure\/|\/@taskhub\/azure-storage\/|\/azure-storage\/dist\//.test(u));

describe("the CLI's start", () => {
  it("loads no Azure SDK for help and usage errors", () => {
    for (const [name, args] of [
      ["help", ["--help"]],
      ["verb-help", ["get-runtime-status", "--help"]],
      ["worker-help", ["worker", "--help"]],
      ["usage-error", ["no-such-verb"]],
    ] as const) {
      const r = run(name, [...args]);
      expect(
        r.urls.some((u) => u.endsWith("/dist/cli.js")),
        name,
      ).toBe(true);
      expect(azure(r.urls), name).toEqual([]);
    }
  });

  it("loads the provider for a verb that touches storage", () => {
    // A malformed connection string: the verb stops at the configuration, after it loaded the provider.
    const r = run("storage-verb", ["get-runtime-status", "--id", "x"], {
      AZURE_STORAGE_CONNECTION_STRING: "not a connection string",
    });
    expect(r.status).toBe(2);
    expect(azure(r.urls)).not.toEqual([]);
  });
});
