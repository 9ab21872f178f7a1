import { defineConfig } from "vitest/config";

// One suite, test/embedded.test.ts: QuantDB in this process on PGlite data directories against the replay upstream
// (no PostgreSQL: embedded mode is PGlite only), with child processes for the one-process-per-directory check; and
// one type test, test/embedded.test-d.ts. PGlite opens slowly on the shared 2-core CI machine: generous timeouts.
const typecheck = { enabled: true, include: ["test/embedded.test-d.ts"] };

export default defineConfig({
  test: { include: ["test/embedded.test.ts"], typecheck, testTimeout: 120_000, hookTimeout: 120_000 },
});
