// docs/log-events.md is the catalogue rendered: regenerate it with `pnpm --filter @taskhub/core run docs:log-events`.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderLogEventsMarkdown } from "../../src/logging/log-events-doc.js";
import { LOG_EVENT_NAMES, LOG_EVENTS } from "../../src/logging/log-events.js";

const doc = readFileSync(new URL("../../../../docs/log-events.md", import.meta.url), "utf8");

describe("docs/log-events.md", () => {
  it("is the catalogue rendered (run `pnpm --filter @taskhub/core run docs:log-events` after changing it)", () => {
    expect(doc).toBe(renderLogEventsMarkdown());
  });

  it("has one row per event with its level and every field", () => {
    for (const name of LOG_EVENT_NAMES) {
      const rows = doc.split("\n").filter((l) => l.startsWith(`| \`${name}\` |`));
      expect(rows, name).toHaveLength(1);
      const spec = LOG_EVENTS[name];
      expect(rows[0]).toContain(`| ${spec.level} |`);
      for (const field of Object.keys(spec.fields)) expect(rows[0]).toContain(`\`${field}\``);
    }
  });
});
