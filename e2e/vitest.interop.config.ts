import { defineConfig } from "vitest/config";

// `npm run test:interop`: taskhub and the real DurableTask.AzureStorage (e2e/dtf-peer) on shared task hubs.
export default defineConfig({
  test: {
    include: ["interop/**/*.test.ts"],
    globalSetup: ["interop/global-setup.ts"],
    reporters: [
      "default",
      ["json", { outputFile: process.env.INTEROP_REPORT ?? "../.test-reports/interop.json" }],
    ],
    testTimeout: 600_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
