#!/usr/bin/env node
// Tests mirror sources (docs/architecture.md, "Tests"): in every package under packages/, the tests of
// `src/a/b.ts` are `test/a/b.test.ts`, or `test/a/b.<aspect>.test.ts` when the source has several test files;
// tests of behaviour across many sources of the package are `test/scenarios/<name>.test.ts`. This check names
// every test file that mirrors no existing source and exits 1, so a misplaced or orphaned test (its source
// renamed or removed) is found by `npm test`. Files that are not `*.test.*` (helpers, fixtures) are free.
//
// Usage: node scripts/check-test-layout.mjs [package directory ...]   (default: every package in packages/)
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const TEST_FILE = /\.test\.(ts|mts|tsx|js|mjs)$/;
const SOURCE_EXTENSIONS = [".ts", ".mts", ".tsx", ".js", ".mjs"];

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === "node_modules") return [];
    const path = join(dir, e.name);
    return e.isDirectory() ? testFiles(path) : TEST_FILE.test(e.name) ? [path] : [];
  });
}

/** The test files of one package that mirror no source, each with the sources it could have mirrored. */
export function misplacedTests(packageDir) {
  const testDir = join(packageDir, "test");
  if (!existsSync(testDir)) return [];
  const misplaced = [];
  for (const file of testFiles(testDir)) {
    const rel = relative(testDir, file).split(sep).join("/");
    if (rel.startsWith("scenarios/")) continue;
    const base = rel.replace(TEST_FILE, "");
    // `b.<aspect>`: the aspect is the last dotted part of the file name (not of a folder).
    const slash = base.lastIndexOf("/");
    const dot = base.lastIndexOf(".");
    const stems = dot > slash ? [base, base.slice(0, dot)] : [base];
    const candidates = stems.flatMap((s) => SOURCE_EXTENSIONS.map((ext) => `src/${s}${ext}`));
    if (!candidates.some((c) => existsSync(join(packageDir, c))))
      misplaced.push({ test: `test/${rel}`, candidates: stems.map((s) => `src/${s}.ts`) });
  }
  return misplaced;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const args = process.argv.slice(2);
  const packagesDir = join(root, "packages");
  const packages =
    args.length > 0
      ? args
      : readdirSync(packagesDir)
          .map((p) => join(packagesDir, p))
          .filter((p) => statSync(p).isDirectory());
  let bad = 0;
  for (const pkg of packages) {
    for (const m of misplacedTests(pkg)) {
      bad++;
      console.error(
        `${relative(root, join(pkg, m.test))}: mirrors no source (expected ${m.candidates.join(" or ")}; ` +
          `tests across many sources go in test/scenarios/)`,
      );
    }
  }
  if (bad > 0) {
    console.error(
      `check-test-layout: ${bad} test file(s) do not mirror a source (docs/architecture.md, "Tests")`,
    );
    process.exit(1);
  }
  console.log(`check-test-layout: every test file in ${packages.length} package(s) mirrors a source`);
}
