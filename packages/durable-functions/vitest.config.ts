import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // The v3-app fixture imports the package by name, as a user's app does; point it at the sources so the
  // fixture and the tests share one module instance (one default app).
  resolve: {
    alias: { "@taskhub/durable-functions": fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
  },
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: "../../.test-reports/durable-functions.json" }]],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
