import { defineConfig } from "vitest/config";

// Unit tests of the pure logic (filters <-> URL, timeline layout, what an instance waits for): fast, no browser.
// The browser tests (*.browser.test.ts) have their own config: `npm run test:browser`.
export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/**/*.browser.test.ts", "node_modules/**"],
    reporters: ["default", ["json", { outputFile: "../../.test-reports/dashboard.json" }]],
  },
});
