import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mainEntries } from "../../src/app/main-entries.js";

function folder(main: unknown, files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "taskhub-main-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "app", main }));
  for (const f of files) {
    mkdirSync(join(dir, f, ".."), { recursive: true });
    writeFileSync(join(dir, f), "");
  }
  return dir;
}

describe("mainEntries", () => {
  it("takes a glob's files in a stable order, never from node_modules", () => {
    const dir = folder("dist/src/functions/*.js", [
      "dist/src/functions/b.js",
      "dist/src/functions/a.js",
      "dist/src/functions/a.js.map",
      "node_modules/x/dist/src/functions/c.js",
    ]);
    expect(mainEntries(dir)).toEqual([
      join(dir, "dist/src/functions/a.js"),
      join(dir, "dist/src/functions/b.js"),
    ]);
  });

  it("takes a plain path, and refuses one that does not exist or a glob that matches nothing", () => {
    const dir = folder("index.js", ["index.js"]);
    expect(mainEntries(dir)).toEqual([join(dir, "index.js")]);
    expect(() => mainEntries(folder("missing.js", []))).toThrow(
      /main names missing\.js, which does not exist/,
    );
    expect(() => mainEntries(folder("dist/*.js", []))).toThrow(/main's glob dist\/\*\.js matches no file/);
  });
});
