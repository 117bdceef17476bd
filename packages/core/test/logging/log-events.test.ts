// The catalogue itself: well-formed entries, no name in two groups, and every entry written somewhere in
// packages/*/src (the compiler already rejects a written name that is not in it).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LOG_EVENT_GROUPS, LOG_EVENT_NAMES, LOG_EVENTS } from "../../src/logging/log-events.js";

const packages = fileURLToPath(new URL("../../../", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** The event argument of every `logEvent(...)` call in packages/*\/src, as patterns (`${x}` matches a word). */
function emittedPatterns(): { text: string; pattern: RegExp }[] {
  const out: { text: string; pattern: RegExp }[] = [];
  for (const pkg of readdirSync(packages)) {
    const src = join(packages, pkg, "src");
    if (!statSync(join(packages, pkg)).isDirectory() || !safeIsDir(src)) continue;
    for (const file of sources(src)) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/\blogEvent\(\s*[^,()]+(?:\([^()]*\))?,\s*(["`])([^"`]+)\1/g)) {
        const source = m[2]!
          .split(/\$\{[^}]*\}/)
          .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
          .join("[A-Za-z]+");
        out.push({ text: m[2]!, pattern: new RegExp(`^${source}$`) });
      }
    }
  }
  return out;
}

function safeIsDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

describe("log event catalogue", () => {
  it("names are area.whatHappened, each entry has a level, a description and a meaning for every field", () => {
    for (const name of LOG_EVENT_NAMES) {
      expect(name).toMatch(/^[a-z][A-Za-z]*\.[a-z][A-Za-z]*$/);
      const spec = LOG_EVENTS[name];
      expect(["debug", "info", "warn", "error"]).toContain(spec.level);
      expect(spec.description).toMatch(/^[A-Z].*\.$/);
      const fields: Record<string, string> = { ...spec.fields, ...("context" in spec ? spec.context : {}) };
      for (const [field, meaning] of Object.entries(fields)) {
        expect(field).toMatch(/^[a-z][A-Za-z]*$/);
        expect(meaning.length, `${name}.${field}`).toBeGreaterThan(0);
      }
      expect(Object.keys(fields)).not.toContain("event");
    }
  });

  it("no name is in two groups", () => {
    const total = LOG_EVENT_GROUPS.reduce((n, g) => n + Object.keys(g.events).length, 0);
    expect(total).toBe(LOG_EVENT_NAMES.length);
  });

  it("every entry is written by some logEvent call in packages/*/src, and every call writes an entry", () => {
    const emitted = emittedPatterns();
    expect(emitted.length).toBeGreaterThan(0);
    const unused = LOG_EVENT_NAMES.filter((name) => !emitted.some((e) => e.pattern.test(name)));
    expect(unused, "catalogued but never written").toEqual([]);
    const unknown = emitted.filter((e) => !LOG_EVENT_NAMES.some((name) => e.pattern.test(name)));
    expect(
      unknown.map((e) => e.text),
      "written but not catalogued",
    ).toEqual([]);
  });
});
