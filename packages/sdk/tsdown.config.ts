import { cpSync } from "node:fs";
import { defineConfig } from "tsdown";

// Two entries: the remote client (only fetch, p-retry and p-limit at run time) and the embedded
// mode, into which QuantDB's own workspace packages (core, db, the API's app) are bundled; every
// third-party package stays external and is a dependency of @quantdb/sdk. The database migrations
// ship next to the bundle (dist/migrations). ESM only: the SDK requires Node >= 20.19, where
// require() of ES modules works.
export default defineConfig({
  entry: ["src/index.ts", "src/embedded.ts"],
  format: "esm",
  platform: "neutral",
  target: "es2022",
  dts: true,
  clean: true,
  deps: { alwaysBundle: [/^@quantdb\//], neverBundle: [/^(?!@quantdb\/)[^./]/] },
  // The embedded mode's database migrations ship next to the bundle (dist/migrations).
  onSuccess: () => cpSync(new URL("../db/migrations", import.meta.url), new URL("./dist/migrations", import.meta.url), { recursive: true }),
});
