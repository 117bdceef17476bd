import { defineConfig } from "vitest/config";

// The dashboard in headless Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH) against a real host's
// management API on a real Azurite. Not part of `npm test`: run `npm run test:browser` after `npm run build`.
export default defineConfig({
  test: {
    include: ["test/**/*.browser.test.ts"],
    reporters: ["default", ["json", { outputFile: "../../.test-reports/dashboard-browser.json" }]],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    fileParallelism: false,
  },
});
