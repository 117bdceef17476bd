import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: "../../.test-reports/azure-storage.json" }]],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One Azurite for the whole run, started by globalSetup; test files share it.
    globalSetup: ["./test/global-setup.ts"],
  },
});
