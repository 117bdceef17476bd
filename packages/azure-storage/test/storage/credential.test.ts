// An identity-based connection's credential loads @azure/identity when it is first used, not when the package
// loads: a process on an account key or a connection string (and every CLI verb) never pays for it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const dist = fileURLToPath(new URL("../../dist/index.js", import.meta.url));
const recorder = fileURLToPath(new URL("../fixtures/record-imports.mjs", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "credential-imports-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The module URLs a process resolved that imports the built package and runs `then` with it as `m`. */
function importsOf(name: string, then: string): string[] {
  const log = join(dir, `${name}.log`);
  const script = `const m = await import(${JSON.stringify(dist)}); ${then}`;
  const r = spawnSync(process.execPath, ["--import", recorder, "--input-type=module", "-e", script], {
    encoding: "utf8",
    env: { ...process.env, RECORD_IMPORTS: log },
  });
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(log, "utf8").split("\n");
}

const identity = (urls: string[]): string[] => urls.filter((u) => u.includes("/@azure/identity/"));

describe("storageCredential", () => {
  it("loads @azure/identity on first use only", () => {
    const untouched = importsOf(
      "untouched",
      `m.createStorageClients({ connectionString: "UseDevelopmentStorage=true" });` +
        `m.createStorageClients(m.identityConnection({ accountName: "acct" }));`,
    );
    expect(untouched.some((u) => u.endsWith("/dist/storage/credential.js"))).toBe(true);
    expect(identity(untouched)).toEqual([]);
    const used = importsOf("used", `await m.storageCredential({ credential: "managedidentity" }).resolve();`);
    expect(identity(used)).not.toEqual([]);
  });
});
