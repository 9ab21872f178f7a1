import { cpSync } from "node:fs";
import { defineConfig } from "tsdown";

// QuantDB's own private workspace packages (core, db, server) are bundled in; the client comes from
// the published @quantdb/sdk (a dependency, not bundled, so both packages share one client). Every
// third-party package stays external and is a dependency of @quantdb/embedded. The database
// migrations ship next to the bundle (dist/migrations). ESM only, Node >= 20.19.
export default defineConfig({
  entry: ["src/index.ts"],
  format: "esm",
  platform: "node",
  target: "node20",
  fixedExtension: false,
  dts: true,
  clean: true,
  deps: {
    alwaysBundle: [/^@quantdb\/(?!sdk(\/|$))/],
    neverBundle: [/^@quantdb\/sdk(\/|$)/, /^(?!@quantdb\/)[^./]/],
  },
  onSuccess: () =>
    cpSync(new URL("../db/migrations", import.meta.url), new URL("./dist/migrations", import.meta.url), {
      recursive: true,
    }),
});
