import { defineConfig } from "vitest/config";

// The server as a process (signals, replicas, start-up failures): real PGlite, PostgreSQL and loopback
// HTTP on a shared 2-core machine, so generous timeouts keep a loaded machine from failing a correct test.
export default defineConfig({
  test: { include: ["test/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 120_000 },
});
