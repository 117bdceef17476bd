// The `taskhub` command as package.json declares it. Installing the workspace links every dependent's
// node_modules/.bin/taskhub before anything is built, so a bin under dist/ made a fresh clone's install warn
// "Failed to create bin ... ENOENT" six times (and left the command unlinked): the bin is a committed file.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("../..", import.meta.url));
const pkg = JSON.parse(readFileSync(`${packageDir}package.json`, "utf8")) as {
  bin: Record<string, string>;
  files: string[];
};

describe("the taskhub bin", () => {
  it("is an executable source file, not a build output, and published", () => {
    const bin = pkg.bin.taskhub!.replace(/^\.\//, "");
    expect(bin.startsWith("dist/")).toBe(false);
    expect(existsSync(`${packageDir}${bin}`)).toBe(true);
    expect(statSync(`${packageDir}${bin}`).mode & 0o111).not.toBe(0);
    expect(pkg.files).toContain(bin.split("/")[0]);
  });

  it("runs the built CLI", () => {
    const r = spawnSync(process.execPath, [`${packageDir}${pkg.bin.taskhub}`, "--help"], {
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("worker");
  });
});
