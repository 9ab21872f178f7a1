import { defineConfig } from "vitest/config";

// The e2e suite starts the API (replay upstream), `next start` and Chromium, on a 2-core machine
// that CI shares with the other suites: generous timeouts keep a loaded machine from failing a
// correct test. One file, run in one worker, so the servers start once.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
