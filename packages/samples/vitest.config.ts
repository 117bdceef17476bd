import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: "../../.test-reports/samples.json" }]],
    testTimeout: 20_000,
  },
});
