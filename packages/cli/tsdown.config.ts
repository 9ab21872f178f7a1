import { cpSync } from "node:fs";
import { defineConfig } from "tsdown";

// The published `quantdb` executable (dist/main.js). QuantDB's own workspace packages (core, db, the
// API's wiring and server entry) are bundled in; every third-party package stays external and is a
// dependency of @quantdb/cli (PGlite and parquet-wasm load their WASM from their own folders).
// @quantdb/replay stays out: it is private and reads its recorded data from the repository, so
// QUANTDB_UPSTREAM=replay works only in the workspace (src/system.ts loadReplay). The database
// migrations ship next to the bundle (dist/migrations), where @quantdb/db's migrationsFolder() finds them.
export default defineConfig({
  entry: { main: "src/bin.ts" },
  format: "esm",
  platform: "node",
  target: "node20",
  dts: false,
  fixedExtension: false,
  clean: true,
  deps: {
    alwaysBundle: [/^@quantdb\/(?!replay(\/|$))/],
    neverBundle: [/^@quantdb\/replay(\/|$)/, /^(?!@quantdb\/)[^./]/],
  },
  onSuccess: () =>
    cpSync(new URL("../db/migrations", import.meta.url), new URL("./dist/migrations", import.meta.url), {
      recursive: true,
    }),
});
