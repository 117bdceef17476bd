import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: "../../.test-reports/azurite.json" }]],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
