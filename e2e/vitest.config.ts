import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: process.env.E2E_REPORT ?? "../.test-reports/e2e.json" }]],
    testTimeout: 240_000,
    hookTimeout: 60_000,
    // Worker processes share one Azurite; files run one after another so timings stay meaningful.
    fileParallelism: false,
  },
});
