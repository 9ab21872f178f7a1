import { defineConfig } from "vitest/config";

// The tests spawn the CLI (node + tsx) against real PGlite / PostgreSQL and the replay upstream on
// a shared 2-core machine: generous timeouts keep a loaded machine from failing a correct test.
export default defineConfig({
  test: { include: ["test/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false },
});
