// Module aliasing in a fresh Node process (the hooks are process-wide): an aliased bare specifier loads its target
// from ESM (import) and CommonJS (require), both getting one module instance.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const aliases = new URL("../../dist/app/module-aliases.js", import.meta.url).href;

describe("registerModuleAliases", () => {
  it("resolves an aliased specifier to its target for import and require, as one module instance", () => {
    const dir = mkdtempSync(join(tmpdir(), "taskhub-alias-"));
    writeFileSync(join(dir, "target.mjs"), "export const instance = {}; export const name = 'target';\n");
    writeFileSync(
      join(dir, "esm.mjs"),
      "import * as m from 'not-a-real-package'; import * as again from 'not-a-real-package';\nexport const same = m === again; export const mod = m;\n",
    );
    writeFileSync(join(dir, "cjs.cjs"), "module.exports = require('not-a-real-package');\n");
    writeFileSync(
      join(dir, "main.mjs"),
      `import { registerModuleAliases } from ${JSON.stringify(aliases)};
registerModuleAliases({ "not-a-real-package": ${JSON.stringify(join(dir, "target.mjs"))} });
const esm = await import(${JSON.stringify(pathToFileURL(join(dir, "esm.mjs")).href)});
const cjs = (await import(${JSON.stringify(pathToFileURL(join(dir, "cjs.cjs")).href)})).default;
console.log(JSON.stringify({ name: esm.mod.name, same: esm.same, shared: esm.mod.instance === cjs.instance }));
`,
    );
    const r = spawnSync(process.execPath, [join(dir, "main.mjs")], {
      encoding: "utf8",
      env: { ...process.env, NODE_PATH: "" },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ name: "target", same: true, shared: true });
  });

  it("refuses to alias one specifier to two targets", () => {
    const r = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { registerModuleAliases } from ${JSON.stringify(aliases)};
registerModuleAliases({ x: "/a.js" });
try { registerModuleAliases({ x: "/b.js" }); } catch (e) { console.log(e.message); }`,
      ],
      { encoding: "utf8" },
    );
    expect(r.stdout.trim()).toBe("module 'x' is already aliased to /a.js");
  });
});
