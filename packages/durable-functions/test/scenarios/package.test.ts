// The package's role: the durable-functions programming model on core. The host runs an app written with it, so
// the facade must not need the host (the management payload and status object it shares with the host's HTTP API
// come from @taskhub/core/management).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("../..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as Record<
  string,
  Record<string, string> | undefined
>;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("@taskhub/durable-functions", () => {
  it("depends on @taskhub/core, not on @taskhub/host", () => {
    expect(Object.keys(pkg.dependencies ?? {})).toContain("@taskhub/core");
    expect(Object.keys(pkg.dependencies ?? {})).not.toContain("@taskhub/host");
    expect(Object.keys(pkg.peerDependencies ?? {})).not.toContain("@taskhub/host");
  });

  it("imports nothing from @taskhub/host in its sources", () => {
    const importers = sources(join(packageDir, "src")).filter((f) =>
      /from\s+["']@taskhub\/host["']/.test(readFileSync(f, "utf8")),
    );
    expect(importers).toEqual([]);
  });
});
