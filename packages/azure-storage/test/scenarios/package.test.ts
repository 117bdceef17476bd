// The package's role: the provider, and nothing for tests. Azurite is a development tool far larger than the
// provider; the helper that starts it lives in @taskhub/azurite, so a production install pulls in no Azurite.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("../..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as Record<string, unknown>;
const names = (field: string): string[] =>
  Object.keys((pkg[field] as Record<string, string> | undefined) ?? {});

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("@taskhub/azure-storage", () => {
  it("has no azurite dependency of any kind outside its own tests' dev dependencies", () => {
    for (const field of ["dependencies", "peerDependencies", "optionalDependencies", "bundleDependencies"]) {
      expect(names(field), field).not.toContain("azurite");
      expect(names(field), field).not.toContain("@taskhub/azurite");
    }
    expect(pkg.peerDependenciesMeta ?? {}).not.toHaveProperty("azurite");
  });

  it("exports only the provider: no testing entry point", () => {
    expect(Object.keys(pkg.exports as Record<string, unknown>)).toEqual(["."]);
  });

  it("has no source that starts Azurite", () => {
    const starters = sources(join(packageDir, "src")).filter((f) =>
      /startAzurite|from\s+["']azurite|["']azurite\/|@taskhub\/azurite/.test(readFileSync(f, "utf8")),
    );
    expect(starters).toEqual([]);
  });

  it("packs no Azurite helper", () => {
    const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: packageDir,
      encoding: "utf8",
      shell: process.platform === "win32",
    });
    expect(r.status, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    expect(files).toContain("dist/index.js");
    expect(files.filter((f) => /azurite|testing/i.test(f))).toEqual([]);
  });
});
