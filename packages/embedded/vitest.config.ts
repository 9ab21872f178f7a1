import { defineConfig } from "vitest/config";

// Suites run real PGlite, PostgreSQL and loopback HTTP side by side on a 2-core machine that CI
// shares with other work: generous timeouts keep a loaded machine from failing a correct test.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"] },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
