// `npm start`'s job, as a real process: embedded Azurite, every sample completes, then it exits (--exit).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

describe("the main job", () => {
  it("runs every sample on an embedded Azurite and exits cleanly", () => {
    const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
    const r = spawnSync(process.execPath, [main, "--exit"], { encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("started an embedded Azurite");
    const lines = r.stdout.split("\n").filter((l) => / (Completed|Failed|Terminated|Running) /.test(l));
    expect(lines).toHaveLength(8);
    expect(lines.every((l) => l.includes(" Completed "))).toBe(true);
    expect(r.stdout).toContain('"escalated"');
    expect(r.stdout).toMatch(/Aggregator\s+Completed\s+10 /);
    expect(r.stdout).toMatch(/Aggregator \(class\)\s+\{"value":10\}/);
    expect(r.stdout).toContain("SamplesHubHistory");
  }, 130_000);
});
